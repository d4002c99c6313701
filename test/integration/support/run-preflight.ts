// Integration-test support: `runbook preflight --json`, its report parsed, and the lines that did not pass. As a whole CLI
// process by default; `{ inProcess: true }` runs the CLI's own main() in the test's process (decision 296).
import type { PreflightReport } from '../../../cli/preflight/run-preflight';
import { runCli } from '../../support/run-cli';
import { runCliInProcess } from '../../support/run-cli-in-process';

/**
 * Runs preflight for `environment` with `env`; throws, with stderr, when it printed no JSON report. `inProcess` skips the
 * node start and the CLI bundle's load (about half of a run's CPU); a run in process that reports another region than
 * `env.AWS_REGION` is refused, not judged: decision 296 saw one, in a file run after another in the same worker; decision
 * 305 did not see it again (three orders, every file's runs in process) and keeps the check.
 */
export async function runPreflight(
  environment: string,
  env: Record<string, string>,
  timeoutMs: number,
  how: { inProcess?: boolean; /** More flags, e.g. --strict (decision 362). */ flags?: string[] } = {},
): Promise<{ status: number | null; report: PreflightReport }> {
  const args = ['preflight', '-e', environment, '--json', ...(how.flags ?? [])];
  const run = how.inProcess ? await runCliInProcess(args, env, timeoutMs) : await runCli(args, env, timeoutMs);
  if (!run.stdout.trim().startsWith('{')) throw new Error(`preflight printed no report (exit ${String(run.status)}): ${run.stderr}`);
  const report = JSON.parse(run.stdout) as PreflightReport;
  if (how.inProcess && env.AWS_REGION && report.region !== env.AWS_REGION) {
    throw new Error(`preflight in the test's process ran in ${report.region}, not the run's AWS_REGION ${env.AWS_REGION}: run it as a process (decisions 296, 305)`);
  }
  return { status: run.status, report };
}

/** "FAIL <check> <subject>" for every check that did not pass, in the report's order. */
export function notPassing(report: PreflightReport): string[] {
  return report.checks.filter((c) => c.status !== 'PASS').map((c) => `${c.status} ${c.check} ${c.subject}`);
}
