// `runbook lint` as a script sees it: one line per finding naming file, line and step; exit codes it can rely on.
import { join } from 'node:path';
import { lintCommand } from '../../../cli/lint';

const root = join(__dirname, '../../..');

async function run(files: string[], options: Parameters<typeof lintCommand>[1] = {}): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((line: string) => out.push(line));
  const error = jest.spyOn(console, 'error').mockImplementation((line: string) => err.push(line));
  try {
    return { code: await lintCommand(files, options), out, err };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('runbook lint', () => {
  it("exits 0 on the project's runbooks, checked against the role policy beside them", async () => {
    const { code, out } = await run([join(root, 'runbooks')]);
    expect(code).toBe(0);
    expect(out).toEqual([expect.stringMatching(/^\d+ document\(s\): 0 error\(s\), 0 warning\(s\)$/)]);
  });

  it('exits 1 on the broken documents with one file:line: error [step] rule: message line each', async () => {
    const { code, out } = await run([join(root, 'test/fixtures/ssm-documents/broken/undefined-parameter.yaml')]);
    expect(code).toBe(1);
    expect(out[0]).toBe(
      'test/fixtures/ssm-documents/broken/undefined-parameter.yaml:20: error [step describeDatabase] undefined-reference: {{ DatabaseIdentifier }} is not a parameter of this document',
    );
    expect(out[1]).toMatch(/^1 document\(s\): 1 error\(s\), 0 warning\(s\); role not checked for 1/);
  });

  it('checks a document against the role policy given with --policy, naming the missing grant', async () => {
    const { code, out } = await run([join(root, 'test/fixtures/ssm-documents/aws/AWS-RestartEC2Instance.json')], { policy: join(root, 'runbooks/automation-role-policy.json') });
    expect(code).toBe(1);
    expect(out).toContainEqual(expect.stringMatching(/\[step stopInstances\] role-missing-permission: the automation role \(.*automation-role-policy\.json\) is not granted ec2:StopInstances/));
  });

  it('prints the whole report as JSON with --json', async () => {
    const { code, out } = await run([join(root, 'test/fixtures/ssm-documents/broken')], { json: true });
    expect(code).toBe(1);
    const report = JSON.parse(out.join('\n')) as { files: string[]; errors: number };
    expect(report.files).toHaveLength(3);
    expect(report.errors).toBe(4);
  });

  it('exits 64 with a message for a path that does not exist', async () => {
    const { code, err } = await run([join(root, 'no-such-runbook.yaml')]);
    expect(code).toBe(64);
    expect(err).toEqual([expect.stringContaining('no such file or directory')]);
  });
});
