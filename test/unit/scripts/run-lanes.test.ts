import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitCodeOf, failureSummary, runLanes } from '../../../scripts/run-lanes';

describe('runLanes: the stages of npm test that need no emulator, side by side', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'run-lanes-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the lanes at the same time: a lane that waits on a pipe the other lane writes finishes', async () => {
    // A FIFO blocks its reader until a writer opens it, and its writer until a reader does: run one after the other,
    // each lane would wait for the other until coreutils' timeout ends it (exit 124).
    const fifo = join(dir, 'fifo');
    const out: string[] = [];
    const outcomes = await runLanes(
      [`mkfifo ${fifo} && timeout 10 cat ${fifo}`, `timeout 10 sh -c 'while [ ! -p ${fifo} ]; do :; done; echo handed-over > ${fifo}'`],
      { write: (text) => out.push(text) },
    );
    expect(outcomes.map((o) => o.exitCode)).toEqual([0, 0]);
    expect(out.join('')).toContain('handed-over');
  }, 40000);

  it('prints each lane whole, stderr as well as stdout, under a header naming the lane and its exit', async () => {
    const lines = (prefix: string) => Array.from({ length: 300 }, (_, i) => `${prefix}${i + 1}`);
    const out: string[] = [];
    const a = `for i in $(seq 1 300); do echo a$i; done`;
    // Lane b writes only to stderr: the order of chunks between a lane's two pipes is not the order they were written.
    const b = `for i in $(seq 1 300); do echo b$i >&2; done; exit 4`;
    const outcomes = await runLanes([a, b], { write: (text) => out.push(text), now: () => 0 });
    // One write per lane, in the order the lanes ended.
    expect(out).toHaveLength(2);
    const blockOf = (command: string) => out.find((text) => text.startsWith(`\n── lane: ${command} (`));
    expect(blockOf(a)).toBe(`\n── lane: ${a} (exit 0, 0.0 s)\n${lines('a').join('\n')}\n`);
    expect(blockOf(b)).toBe(`\n── lane: ${b} (exit 4, 0.0 s)\n${lines('b').join('\n')}\n`);
    expect(outcomes).toEqual([
      { command: a, exitCode: 0, seconds: 0 },
      { command: b, exitCode: 4, seconds: 0 },
    ]);
  });

  it.each([
    { name: 'all passed', codes: [0, 0, 0], exit: 0, failed: [] as number[] },
    { name: 'one failed', codes: [0, 2, 0], exit: 2, failed: [1] },
    { name: 'two failed: the first in the order given decides', codes: [0, 3, 5], exit: 3, failed: [1, 2] },
  ])('exits non-zero when any lane failed, naming each failed lane ($name)', async ({ codes, exit, failed }) => {
    const commands = codes.map((code, i) => `echo lane${i}; exit ${code}`);
    const outcomes = await runLanes(commands, { write: () => undefined });
    expect(exitCodeOf(outcomes)).toBe(exit);
    expect(failureSummary(outcomes)).toBe(failed.map((i) => `run-lanes: FAILED (exit ${codes[i]}): ${commands[i]}\n`).join(''));
  });

  it('counts a lane ended by a signal as failed and says so', async () => {
    const out: string[] = [];
    const outcomes = await runLanes(['kill -TERM $$'], { write: (text) => out.push(text), now: () => 0 });
    expect(outcomes).toEqual([{ command: 'kill -TERM $$', exitCode: 1, signal: 'SIGTERM', seconds: 0 }]);
    expect(out.join('')).toContain('(ended by SIGTERM, 0.0 s)');
    expect(exitCodeOf(outcomes)).toBe(1);
    expect(failureSummary(outcomes)).toBe('run-lanes: FAILED (ended by SIGTERM): kill -TERM $$\n');
  });
});
