// The in-process runner preflight.test.ts uses (decision 296): the CLI's main() with the run's environment, its output
// captured, its exit code returned, and the test's environment and console as they were afterwards.
import { version } from '../../../package.json';
import { runCliInProcess } from '../../support/run-cli-in-process';

describe('runCliInProcess', () => {
  it("captures what the command prints and returns its exit code, as the process's would be", async () => {
    const run = await runCliInProcess(['--version'], {});
    expect(run).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
    const usage = await runCliInProcess(['preflight'], {});
    expect(usage.status).toBe(64);
    expect(usage.stdout).toBe('');
    expect(usage.stderr).toContain('runbook preflight: set --environment (production, staging or development) or RUNBOOK_ENVIRONMENT');
  });

  it("runs with the given environment over the test's, and puts the test's back (the command's own writes included)", async () => {
    const before = { ...process.env };
    expect(before.RUNBOOK_CONFIG_JSON).toBeUndefined();
    // Refused at the configuration, before any AWS call: proof the command read this run's RUNBOOK_CONFIG_JSON.
    const run = await runCliInProcess(['preflight', '-e', 'staging', '--json'], { RUNBOOK_CONFIG_JSON: '{not json', AWS_REGION: 'us-east-1' });
    expect(run.status).toBe(64);
    expect(run.stderr).toContain('RUNBOOK_CONFIG_JSON is not valid JSON');
    // preflight sets RUNBOOK_ENVIRONMENT for the run; neither it nor the run's variables stay.
    expect({ ...process.env }).toEqual(before);
  });

  it('runs one command at a time, each with its own environment and output', async () => {
    const [a, b] = await Promise.all([
      runCliInProcess(['preflight', '-e', 'staging', '--json'], { RUNBOOK_CONFIG_JSON: '{a', AWS_REGION: 'us-east-1' }),
      runCliInProcess(['--version'], {}),
    ]);
    expect(a.stderr).toContain('RUNBOOK_CONFIG_JSON is not valid JSON');
    expect(b).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
  });
});
