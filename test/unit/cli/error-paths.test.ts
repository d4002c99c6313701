// Review 23a R23a-14: error paths an on-call person meets say which verb, what is wrong and what to fix, with the exit
// code the verb's --help documents; none is a bare errno or JSON parser message.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { execCommand } from '../../../cli/exec';
import { createTimelineRecorder } from '../../../cli/demo/timeline-recorder';
import { main } from '../../../cli/runbook';
import { neverConnectedCode } from '../../../cli/unreachable';

function said(spy: jest.SpyInstance): string {
  return spy.mock.calls.map((c) => c.map(String).join(' ')).join('\n');
}

describe('runbook CLI error paths', () => {
  let errors: jest.SpyInstance;
  let logs: jest.SpyInstance;
  let dir: string;
  const saved = { ...process.env };
  beforeEach(() => {
    errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    dir = mkdtempSync(join(tmpdir(), 'runbook-error-paths-'));
  });
  afterEach(() => {
    errors.mockRestore();
    logs.mockRestore();
    rmSync(dir, { recursive: true, force: true });
    process.env = { ...saved };
  });

  it('list: a RUNBOOK_CONFIG_JSON that is not JSON is named, exit 64, nothing listed', async () => {
    process.env.RUNBOOK_CONFIG_JSON = '{environments';
    await expect(main(['node', 'runbook', 'list'])).resolves.toBe(64);
    expect(said(errors)).toMatch(/^runbook list: RUNBOOK_CONFIG_JSON is not valid JSON \(.+\)$/);
    expect(logs).not.toHaveBeenCalled();
  });

  it('list: a RUNBOOK_CONFIG_JSON that is not a valid configuration is named, exit 64', async () => {
    process.env.RUNBOOK_CONFIG_JSON = JSON.stringify({ environments: { production: { regions: 'us-east-1' } } });
    await expect(main(['node', 'runbook', 'list'])).resolves.toBe(64);
    expect(said(errors)).toMatch(/^runbook list: .*\(RUNBOOK_CONFIG_JSON\)$/s);
    expect(logs).not.toHaveBeenCalled();
  });

  it('report: an output that cannot be written names the file, exit 64 as report --help documents', async () => {
    const recorder = createTimelineRecorder('production', () => Date.parse('2026-12-05T04:00:00.000Z'));
    recorder.begin('queue-backup', 'Queue Backup (Messages > 1000) -> scale consumers');
    recorder.end({ ok: true, summary: ['queue depth 1500 -> 0'] });
    const timeline = join(dir, 'run.json');
    writeFileSync(timeline, JSON.stringify(recorder.timeline()));
    // A file where a directory is needed: neither mkdir nor write can succeed, whoever runs the test (root included).
    writeFileSync(join(dir, 'file'), 'x');
    const output = join(dir, 'file', 'review.html');
    await expect(main(['node', 'runbook', 'report', timeline, '-o', output])).resolves.toBe(64);
    expect(said(errors)).toMatch(new RegExp(`^runbook report: cannot write ${output.replace(/[.]/g, '\\.')}: .*E(NOTDIR|EXIST)`));
    expect(logs).not.toHaveBeenCalled();
    // The control: the same timeline to a writable path is written.
    await expect(main(['node', 'runbook', 'report', timeline, '-o', join(dir, 'review.html')])).resolves.toBe(0);
  });

  it('report --help documents the unwritable output', async () => {
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await expect(main(['node', 'runbook', 'report', '--help'])).resolves.toBe(0);
      expect(out.mock.calls.map((c) => String(c[0])).join('')).toContain('64 usage, an unreadable timeline or an output file that cannot be written');
    } finally {
      out.mockRestore();
    }
  });
});

describe('rehearse / exec with the endpoint down (review 23a R23a-14)', () => {
  let errors: jest.SpyInstance;
  let logs: jest.SpyInstance;
  const saved = { ...process.env };
  let closedPort: number;
  beforeAll(async () => {
    // A loopback port that was just listening and is closed again: connecting to it is refused.
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    closedPort = (server.address() as AddressInfo).port;
    await new Promise<void>((done) => server.close(() => done()));
  });
  beforeEach(() => {
    errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    process.env = { ...saved, AWS_ACCESS_KEY_ID: 'AKIA000000000000MOTO', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };
    delete process.env.AWS_PROFILE;
  });
  afterEach(() => {
    errors.mockRestore();
    logs.mockRestore();
    process.env = { ...saved };
  });

  it.each([
    ['rehearse', ['rehearse', 'runbooks/NotificationService-CheckDbConnections.yaml', '-e', 'production']],
    ['exec', ['exec', 'NotificationService-CheckDbConnections', '-e', 'production']],
  ])('%s: the verb, the endpoint, the code and "nothing run", exit 1', async (verb, args) => {
    const endpoint = `http://127.0.0.1:${closedPort}`;
    process.env.AWS_ENDPOINT_URL = endpoint;
    await expect(main(['node', 'runbook', ...args])).resolves.toBe(1);
    expect(said(errors)).toBe(`runbook ${verb}: cannot reach AWS at ${endpoint} (ECONNREFUSED): nothing run`);
    expect(logs).not.toHaveBeenCalled();
  });

  it('exec against AWS (no sandbox endpoint): a start that never connected names the region, exit 1', async () => {
    delete process.env.AWS_ENDPOINT_URL;
    const ssm = new SSMClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${closedPort}`, maxAttempts: 1 });
    await expect(execCommand('NotificationService-CheckDbConnections', {}, { ssm })).resolves.toBe(1);
    expect(said(errors)).toBe("runbook exec: cannot reach AWS at AWS's endpoints in us-east-1 (ECONNREFUSED): nothing run");
  });

  it('neverConnectedCode: only a connection never made (a reset may have arrived), own code or cause', () => {
    expect(neverConnectedCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    expect(neverConnectedCode(new Error('wrapped', { cause: Object.assign(new Error('y'), { code: 'ENOTFOUND' }) }))).toBe('ENOTFOUND');
    expect(neverConnectedCode(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBeUndefined();
    expect(neverConnectedCode(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }))).toBeUndefined();
    expect(neverConnectedCode(new Error('AWS SDK error wrapper for Error: getaddrinfo EAI_AGAIN ssm.us-east-1.amazonaws.com'))).toBe('EAI_AGAIN');
    expect(neverConnectedCode(new Error('read ECONNRESET'))).toBeUndefined();
    expect(neverConnectedCode(new Error('the parameter ECONNREFUSED is not valid'))).toBeUndefined();
    expect(neverConnectedCode('ECONNREFUSED')).toBeUndefined();
  });
});
