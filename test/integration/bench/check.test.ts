// bench --check catches a planted extra sequential AWS call: the real bench (moto, the handler's bundle with the
// in-memory transport at 20 ms per call), one more round trip planted before each decision's first call.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');

describe('npm run bench -- --check', () => {
  it('fails (exit 1) on a planted extra sequential call, naming the round trips it raised by one', async () => {
    const baseline = JSON.parse(readFileSync(join(ROOT, 'bench', 'results', 'baseline.json'), 'utf8')) as { figures: Record<string, number> };
    const calls = baseline.figures['scale-consumers: calls per decision'];
    const trips = baseline.figures['scale-consumers: sequential round trips'];
    expect(calls).toBeGreaterThan(0);
    expect(trips).toBeGreaterThan(0);

    const outcome = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--check', '--only', 'scale-consumers', '--no-storm', '--plant-sequential-call'], {
      cwd: ROOT,
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code?: number; stdout?: string }) => ({ code: error.code, stdout: error.stdout ?? '' }),
    );

    // One more call is a regression only where it is more than 5% of the calls (20 -> 21 is exactly 5%: within).
    const expected = [`REGRESSION scale-consumers: sequential round trips: ${trips} -> ${(trips ?? 0) + 1}`];
    if (1 / (calls ?? 1) > 0.05) expected.push(`REGRESSION scale-consumers: calls per decision: ${calls} -> ${(calls ?? 0) + 1}`);
    for (const line of expected) expect(outcome.stdout).toContain(line);
    // Bytes are untouched by the plant: the only regressions are the ones it made.
    expect(outcome.stdout.match(/REGRESSION/g)).toHaveLength(expected.length);
    expect(outcome.stdout).toContain('bench --check: FAILED');
    expect(outcome.code).toBe(1);
  }, 600_000);
});
