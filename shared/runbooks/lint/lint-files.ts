// Lints documents on disk: finds them, loads the role policy, runs lintRunbook on each and formats the findings.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { RunbookReadError, readRunbook } from '../document';
import { parsePolicyDocument, type PolicyDocument } from './iam-policy';
import { lintRunbook, type Finding, type LintOptions } from './lint-runbook';
import { hasDeployTokens } from '../../config/runbook-deploy-values';
import { RENDERED_ENVIRONMENTS, projectConfig, renderLoadedRunbook } from '../rendered-runbook';

/** The policy file beside the documents that the automation role is given (infra reads the same file). */
export const ROLE_POLICY_FILE = 'automation-role-policy.json';
const DOCUMENT_EXTENSIONS = /\.(ya?ml|json)$/i;

export interface LintReport {
  files: string[];
  findings: Finding[];
  errors: number;
  warnings: number;
  /** The policy each file's role was checked against, if any. */
  policies: Record<string, string>;
}

export class LintUsageError extends Error {
  override readonly name = 'LintUsageError';
}

/** Documents named directly, and every .yaml/.yml/.json document in named directories (the policy file excepted). */
export function expandDocumentPaths(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    if (!existsSync(path)) throw new LintUsageError(`no such file or directory: ${path}`);
    if (statSync(path).isDirectory()) {
      const found = readdirSync(path)
        .filter((f) => DOCUMENT_EXTENSIONS.test(f) && f !== ROLE_POLICY_FILE)
        .sort()
        .map((f) => join(path, f));
      files.push(...found);
    } else {
      files.push(path);
    }
  }
  return [...new Set(files)];
}

export function loadPolicy(file: string): PolicyDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new LintUsageError(`cannot read the role policy ${file}: ${(error as Error).message}`);
  }
  try {
    return parsePolicyDocument(parsed);
  } catch (error) {
    throw new LintUsageError(`the role policy ${file} is not an IAM policy document: ${(error as Error).message}`);
  }
}

export interface LintFilesOptions extends Omit<LintOptions, 'policy'> {
  /** Role policy for every file; otherwise each file uses automation-role-policy.json beside it, when there is one. */
  policyFile?: string;
  /** false: no role check at all. */
  rolePolicy?: boolean;
}

export function lintFiles(paths: readonly string[], options: LintFilesOptions = {}): LintReport {
  const files = expandDocumentPaths(paths);
  const policies = new Map<string, PolicyDocument>();
  const report: LintReport = { files, findings: [], errors: 0, warnings: 0, policies: {} };
  for (const file of files) {
    const policyFile = options.rolePolicy === false ? undefined : (options.policyFile ?? siblingPolicy(file));
    let policy: PolicyDocument | undefined;
    if (policyFile) {
      policy = policies.get(policyFile) ?? loadPolicy(policyFile);
      policies.set(policyFile, policy);
      report.policies[file] = policyFile;
    }
    let findings: Finding[];
    try {
      const lintOptions: LintOptions = { ...(options.catalog ? { catalog: options.catalog } : {}), ...(policy && policyFile ? { policy: { file: policyFile, document: policy } } : {}) };
      findings = lintLoaded(readRunbook(file), lintOptions);
    } catch (error) {
      if (!(error instanceof RunbookReadError)) throw error;
      findings = [{ severity: 'error', rule: 'read', file, message: error.message }];
    }
    report.findings.push(...findings);
  }
  report.errors = report.findings.filter((f) => f.severity === 'error').length;
  report.warnings = report.findings.length - report.errors;
  return report;
}

/**
 * A project document with `${Deploy.…}` tokens is linted as infra deploys it: rendered for each environment with the
 * project's configuration (findings that differ by environment name it), never as the raw template.
 */
function lintLoaded(loaded: ReturnType<typeof readRunbook>, options: LintOptions): Finding[] {
  if (!hasDeployTokens(loaded.content)) return lintRunbook(loaded, options);
  const config = projectConfig();
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const environment of RENDERED_ENVIRONMENTS) {
    const rendered = renderLoadedRunbook(loaded, config, environment, { account: '123456789012', partition: 'aws', region: config.environments[environment].regions[0] ?? 'us-east-1' });
    for (const finding of lintRunbook(rendered, options)) {
      const key = `${finding.rule}|${finding.step ?? ''}|${finding.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push({ ...finding, message: `${finding.message} (rendered for ${environment})` });
    }
  }
  return findings;
}

function siblingPolicy(file: string): string | undefined {
  const candidate = join(dirname(file), ROLE_POLICY_FILE);
  return existsSync(candidate) ? candidate : undefined;
}

/** One line per finding: file:line: severity [step NAME] rule: message */
export function formatFinding(finding: Finding, cwd = process.cwd()): string {
  const file = relative(cwd, finding.file) || finding.file;
  const where = finding.line !== undefined ? `${file}:${finding.line}` : file;
  const step = finding.step !== undefined ? ` [step ${finding.step}]` : '';
  return `${where}: ${finding.severity}${step} ${finding.rule}: ${finding.message}`;
}
