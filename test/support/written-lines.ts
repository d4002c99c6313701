// What code under test writes while it runs, captured instead of printed: console's methods, and process.stdout /
// process.stderr, which Powertools' Logger and Metrics write to through a Console of their own (outside POWERTOOLS_DEV).
// Everything is put back afterwards, also when `act` throws.

/** The lines that are JSON objects (starting with `{`) written while `act` runs, in order, not parsed. */
export async function writtenJsonLines(act: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const capture = (...args: unknown[]): void => void lines.push(args.map(String).join(' '));
  const spies = [jest.spyOn(console, 'log'), jest.spyOn(console, 'error'), jest.spyOn(console, 'warn'), jest.spyOn(console, 'info')].map((spy) => spy.mockImplementation(capture));
  const writes = [process.stdout, process.stderr].map((stream) => jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)));
  try {
    await act();
  } finally {
    for (const spy of [...spies, ...writes]) spy.mockRestore();
  }
  return lines
    .join('\n')
    .split('\n')
    .filter((line) => line.startsWith('{'));
}
