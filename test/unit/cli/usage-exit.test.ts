// "Every verb exits 64 on wrong usage" (README, The CLI): each verb the program defines, given an option it does not
// have, answers with the usage code before doing anything, and so does an unknown verb.
import { buildProgram, main } from '../../../cli/runbook';

const verbs = buildProgram(() => undefined)
  .commands.map((c) => c.name())
  .filter((name) => name !== 'help');

describe('wrong usage', () => {
  let errors: jest.SpyInstance;
  let writes: jest.SpyInstance;
  beforeEach(() => {
    errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    writes = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    errors.mockRestore();
    writes.mockRestore();
  });

  it('covers every verb the README lists', () => {
    expect([...verbs].sort()).toEqual(
      expect.arrayContaining(['ack', 'exec', 'history', 'incidents', 'invoke', 'lint', 'plan', 'preflight', 'rehearse', 'report']),
    );
  });

  it.each(verbs)('%s exits 64 on an option it does not have', async (verb) => {
    await expect(main(['node', 'runbook', verb, '--no-such-option'])).resolves.toBe(64);
    const said = [...writes.mock.calls.map((c) => String(c[0])), ...errors.mock.calls.map((c) => String(c[0]))].join('');
    // Commander names what is wrong first: the unknown option, or a required option or argument that is missing.
    expect(said).toMatch(/error: (unknown option .--no-such-option.|required option|missing required argument)/);
  });

  it('exits 64 on a verb that does not exist', async () => {
    await expect(main(['node', 'runbook', 'no-such-verb'])).resolves.toBe(64);
  });
});
