// Integration-test support: `runbook preflight --json` as a whole CLI process, its report parsed, and the lines that did not pass.
import type { PreflightReport } from '../../../cli/preflight/run-preflight';
import { runCli } from '../../support/run-cli';

/** Runs preflight for `environment` with `env`; throws, with stderr, when it printed no JSON report. */
export async function runPreflight(environment: string, env: Record<string, string>, timeoutMs: number): Promise<{ status: number | null; report: PreflightReport }> {
  const run = await runCli(['preflight', '-e', environment, '--json'], env, timeoutMs);
  if (!run.stdout.trim().startsWith('{')) throw new Error(`preflight printed no report (exit ${String(run.status)}): ${run.stderr}`);
  return { status: run.status, report: JSON.parse(run.stdout) as PreflightReport };
}

/** "FAIL <check> <subject>" for every check that did not pass, in the report's order. */
export function notPassing(report: PreflightReport): string[] {
  return report.checks.filter((c) => c.status !== 'PASS').map((c) => `${c.status} ${c.check} ${c.subject}`);
}
