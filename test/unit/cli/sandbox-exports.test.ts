import { execFileSync } from 'node:child_process';
import { SANDBOX_EXPORTED, sandboxExportLines, shellQuote } from '../../../cli/sandbox-exports';

const session = {
  AWS_ENDPOINT_URL: 'http://127.0.0.1:40123',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIA123456789012MOTO',
  AWS_SECRET_ACCESS_KEY: 'test',
  RUNBOOK_ENVIRONMENT: 'production',
  RUNBOOK_ACCOUNT_ID: '123456789012',
};

describe('sandbox export lines (review 23a R23a-17, R23a-4)', () => {
  it('prints one export line per variable, AWS_DEFAULT_REGION from AWS_REGION for the aws CLI v1', () => {
    expect(sandboxExportLines(session)).toEqual([
      "export AWS_ENDPOINT_URL='http://127.0.0.1:40123'",
      "export AWS_REGION='us-east-1'",
      "export AWS_DEFAULT_REGION='us-east-1'",
      "export AWS_ACCESS_KEY_ID='AKIA123456789012MOTO'",
      "export AWS_SECRET_ACCESS_KEY='test'",
      "export RUNBOOK_ENVIRONMENT='production'",
      "export RUNBOOK_ACCOUNT_ID='123456789012'",
    ]);
  });

  it('reaches a child process when sourced by a real shell, quotes and all', () => {
    const odd = { ...session, AWS_SECRET_ACCESS_KEY: `it's $HOME; \`x\` "y"` };
    const script = `${sandboxExportLines(odd).join('\n')}\nexec env`;
    const printed = execFileSync('/bin/sh', ['-c', script], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    const seen = Object.fromEntries(printed.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    for (const name of SANDBOX_EXPORTED) expect(seen[name]).toBe(name === 'AWS_DEFAULT_REGION' ? 'us-east-1' : odd[name]);
  });

  it('refuses a session without an endpoint rather than export an empty one', () => {
    expect(() => sandboxExportLines({ ...session, AWS_ENDPOINT_URL: '' })).toThrow('the sandbox session set no AWS_ENDPOINT_URL');
  });

  it('quotes a single quote as the shell needs', () => {
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });
});
