// `runbook lint [FILE...]`: checks SSM Automation documents (structure, flow, references, APIs, role) and reports findings.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LintUsageError, ROLE_POLICY_FILE, formatFinding, lintFiles } from '../shared/runbooks/lint/lint-files';
import { EXIT } from './exit-codes';

export interface LintCommandOptions {
  /** Role policy to check every document against (default: automation-role-policy.json beside each document). */
  policy?: string;
  /** false with --no-role-policy: skip the role check. */
  rolePolicy?: boolean;
  json?: boolean;
  /** Errors only. */
  quiet?: boolean;
}

/** With no files: the project's own runbooks/ directory. */
function defaultPaths(): string[] {
  const candidates = [join(process.cwd(), 'runbooks'), ...(process.env.RUNBOOK_DIST ? [join(process.env.RUNBOOK_DIST, '..', 'runbooks')] : [])];
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new LintUsageError('no files given and no runbooks/ directory here: runbook lint FILE...');
  return [found];
}

export async function lintCommand(files: readonly string[], options: LintCommandOptions = {}): Promise<number> {
  let report;
  try {
    const paths = files.length > 0 ? [...files] : defaultPaths();
    report = lintFiles(paths, {
      ...(options.policy ? { policyFile: options.policy } : {}),
      ...(options.rolePolicy === false ? { rolePolicy: false } : {}),
    });
  } catch (error) {
    if (error instanceof LintUsageError) {
      console.error(`runbook lint: ${error.message}`);
      return EXIT.usage;
    }
    throw error;
  }
  if (report.files.length === 0) {
    console.error('runbook lint: no .yaml, .yml or .json documents found');
    return EXIT.usage;
  }
  if (options.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    for (const finding of report.findings) {
      if (options.quiet && finding.severity !== 'error') continue;
      console.log(formatFinding(finding));
    }
    const unchecked = report.files.filter((f) => report.policies[f] === undefined);
    const roleNote =
      unchecked.length === 0 ? '' : `; role not checked for ${unchecked.length} (no ${ROLE_POLICY_FILE} beside them; --policy FILE to give one)`;
    console.log(`${report.files.length} document(s): ${report.errors} error(s), ${report.warnings} warning(s)${roleNote}`);
  }
  return report.errors > 0 ? EXIT.failure : EXIT.ok;
}
