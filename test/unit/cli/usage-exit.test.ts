// "Every verb exits 64 on wrong usage" (README, The CLI): each verb the program defines, given an option it does not
// have, answers with the usage code before doing anything, and so does an unknown verb.
import { buildProgram, main, NEEDS_ENVIRONMENT } from '../../../cli/runbook';

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

  describe('no environment (review 23a R23a-18): one message for every verb, exit 64, before anything is read or called', () => {
    const saved = { ...process.env };
    beforeEach(() => {
      delete process.env.RUNBOOK_ENVIRONMENT;
      // A loopback port nothing listens on: were anything called, it would fail otherwise than with the message below.
      process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:1';
      process.env.AWS_REGION = 'us-east-1';
    });
    afterEach(() => {
      process.env = { ...saved };
    });

    // rehearse / exec: a document that runs the automation's Lambdas needs the environment (one that does not, does not).
    const cases: Array<[string, string[]]> = [
      ['invoke', ['invoke', 'scale-consumers', '--alarm', 'x']],
      ['plan', ['plan', '--alarm', 'x']],
      ['history', ['history', 'notification-service-queue']],
      ['kill-switch', ['kill-switch', 'status']],
      ['preflight', ['preflight']],
      ['rehearse', ['rehearse', 'NotificationService-ScaleConsumers']],
      ['exec', ['exec', 'NotificationService-ScaleConsumers']],
    ];

    it('covers every verb whose environment has no default and is not optional', () => {
      const optional = ['ack', 'incidents', 'prepare-rollback', 'rehearse', 'exec'];
      const withoutDefault = buildProgram(() => undefined)
        .commands.filter((c) => c.options.some((o) => o.long === '--environment' && o.defaultValue === undefined))
        .map((c) => c.name());
      expect(withoutDefault.filter((v) => !optional.includes(v)).sort()).toEqual([...NEEDS_ENVIRONMENT].sort());
      expect(cases.map(([verb]) => verb).sort()).toEqual([...NEEDS_ENVIRONMENT, 'rehearse', 'exec'].sort());
    });

    it.each(cases)('%s', async (verb, args) => {
      await expect(main(['node', 'runbook', ...args])).resolves.toBe(64);
      const said = [...writes.mock.calls.map((c) => String(c[0])), ...errors.mock.calls.map((c) => String(c[0]))].join('');
      expect(said).toContain(`runbook ${verb}: `);
      expect(said).toContain('set --environment (production, staging or development) or RUNBOOK_ENVIRONMENT');
    });

    it("preflight takes the shell's RUNBOOK_ENVIRONMENT as the other verbs do, and names a wrong one", async () => {
      process.env.RUNBOOK_ENVIRONMENT = 'prod';
      await expect(main(['node', 'runbook', 'preflight'])).resolves.toBe(64);
      const said = writes.mock.calls.map((c) => String(c[0])).join('');
      expect(said).toContain('runbook preflight: RUNBOOK_ENVIRONMENT must be one of production, staging, development, got "prod"');
    });
  });
});
