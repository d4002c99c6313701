// `runbook rehearse <document> --param K=V ...`: runs an SSM Automation document against the sandbox and shows each step.
import { runPythonScript } from '../sandbox/rehearsal/script-runner';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { systemClock, type Clock } from '../shared/clock';
import { partitionOf } from '../shared/aws/arn';
import { ConfigurationError } from '../shared/errors';
import { handledDuplicateReason } from '../shared/pipeline/types';
import { environmentNameSchema } from '../shared/config/schema';
import { DeployValueError, hasDeployTokens } from '../shared/config/runbook-deploy-values';
import { readRunbook } from '../shared/runbooks/document';
import { projectConfig, renderLoadedRunbook } from '../shared/runbooks/rendered-runbook';
import { lintRunbook } from '../shared/runbooks/lint/lint-runbook';
import { formatFinding } from '../shared/runbooks/lint/lint-files';
import {
  rehearse,
  UnsupportedActionError,
  type ApprovalAnswer,
  type ApprovalRequest,
  type RehearsalReporter,
  type RehearsalResult,
} from '../sandbox/rehearsal/engine';
import { FunctionNotRehearsableError, bundleInvoker, checkBundle } from '../sandbox/rehearsal/lambda-bundles';
import { RehearsalInputError, parseParameterArguments, resolveParameters } from '../sandbox/rehearsal/parameters';
import { createSdkCaller } from '../sandbox/rehearsal/sdk-caller';
import type { DatetimeForm } from '../sandbox/rehearsal/values';
import { RehearsalStepError, asText } from '../sandbox/rehearsal/values';
import { EXIT } from './exit-codes';
import { neverConnectedCode, unreachableText } from './unreachable';
import { checkTargetAccount, statedTargetAccount, UNVERIFIED_FLAG, type TargetAccountCheck } from './target-account';

export interface RehearseOptions {
  param?: string[];
  approve?: boolean;
  reject?: boolean;
  environment?: string;
  json?: boolean;
  logs?: boolean;
  /** Tests: a clock that does not sleep, and a short poll. */
  clock?: Clock;
  pollIntervalMs?: number;
  /** Tests: answers approvals instead of the prompt. */
  approver?: (request: ApprovalRequest) => Promise<ApprovalAnswer>;
  /**
   * --approve-as: the principals (IAM ARNs) who answer the approvals, in turn, with --approve / --reject. Without it
   * the answer is yours (the caller's identity), which counts only if you are one of the configured approvers.
   */
  approveAs?: string[];
  /** `runbook exec` on the sandbox: its name in messages, exit 2 for an unknown document or bad parameters, says it is a rehearsal. */
  invokedAs?: 'exec';
  /** Rehearse under the environment's policy although nothing states which account it is in (cli/target-account.ts). */
  unverifiedAccount?: boolean;
  /** --datetimes: how AWS answers' timestamps reach the document as text (sandbox/rehearsal/values.ts; decision 171). */
  datetimes?: DatetimeForm;
}

const DOCUMENT_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** The document names in runbooks/, for an error that says what exists. */
function listDocumentNames(): string[] {
  const directory = join(process.cwd(), 'runbooks');
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((f) => DOCUMENT_EXTENSIONS.some((e) => f.endsWith(e)) && !f.endsWith('-policy.json'))
    .map((f) => f.replace(/\.(yaml|yml|json)$/, ''));
}

/** A path, or a document name looked up in runbooks/ (NotificationService-ScaleConsumers). */
export function findDocument(document: string): string | undefined {
  if (existsSync(document)) return document;
  const directories = [join(process.cwd(), 'runbooks'), ...(process.env.RUNBOOK_DIST ? [join(process.env.RUNBOOK_DIST, '..', 'runbooks')] : [])];
  for (const directory of directories) {
    for (const extension of DOCUMENT_EXTENSIONS) {
      const candidate = join(directory, `${document}${extension}`);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

const short = (value: unknown, max = 400): string => {
  const text = asText(value);
  return text.length > max ? `${text.slice(0, max)}... (${text.length} characters)` : text;
};

/** An automation Lambda's answer (a decision or an escalation result) in one line; anything else shortened. */
function summarize(value: unknown, max = 400): string {
  if (typeof value === 'string' && value.startsWith('{')) {
    try {
      const parsed = JSON.parse(value) as { outcome?: unknown; action?: unknown; reason?: unknown; findings?: unknown };
      const verdict = parsed.outcome ?? parsed.action;
      if (typeof verdict === 'string' && typeof parsed.reason === 'string') {
        const findings = Array.isArray(parsed.findings) ? ` (${parsed.findings.length} finding(s))` : '';
        return `${verdict}: ${parsed.reason}${findings} [full JSON with --json]`;
      }
    } catch {
      // Not JSON after all: shown as text.
    }
  }
  return short(value, max);
}

/** A step as `rehearse` and `exec` print it: a rehearsed step, or an SSM step execution (status TimedOut, Cancelled...). */
export interface StepLines {
  step: string;
  status: string;
  attempts?: number;
  outputs: Record<string, unknown>;
  message?: string;
  detail?: string;
  next?: string;
}

export function stepStartedLine(name: string, action: string, position: number, total?: number): string {
  return `[${position}] ${name} (${action})${total === undefined ? '' : ` of ${total} steps`}...`;
}

export function stepFinishedLines(result: StepLines): string[] {
  const mark = result.status === 'Success' ? 'ok' : result.status === 'Failed' ? 'FAILED' : result.status;
  const lines = [`    ${mark}${result.detail ? `: ${result.detail}` : ''}${(result.attempts ?? 1) > 1 ? ` (attempt ${result.attempts})` : ''}`];
  if (result.message) lines.push(`    ${result.message}`);
  for (const [name, value] of Object.entries(result.outputs)) {
    if (name === 'OutputPayload') continue;
    lines.push(`    ${result.step}.${name} = ${summarize(value)}`);
  }
  if (result.next) lines.push(`    next: ${result.next}`);
  return lines;
}

/**
 * An automation Lambda's decision among the outputs (a step's Payload, JSON text or an object) that means it did not act
 * and a person is needed: it answered `escalate` for any cause but `diagnosis` (a diagnosis is what CheckDbConnections
 * and TroubleshootConnectionTimeout's inspection are run for; any other escalation means it changed nothing: a cap, a
 * guardrail, a saturated database), `rejected` (it refused the event: nothing read or changed), or `skipped` as a duplicate delivery of a state change it had escalated (decision
 * 167: its claim is completed, so a run of the same state change changes nothing) unless that answer carries the
 * document it recorded (the inspection's rule, which the document goes on to add).
 */
export function escalatedOutputs(outputs: Record<string, unknown>): { output: string; answered: string }[] {
  return Object.entries(outputs).flatMap(([output, value]) => {
    let parsed: unknown = value;
    if (typeof value === 'string' && value.startsWith('{')) {
      try {
        parsed = JSON.parse(value) as unknown;
      } catch {
        return [];
      }
    }
    if (parsed === null || typeof parsed !== 'object') return [];
    const { outcome, reason, escalation, runbook } = parsed as { outcome?: unknown; reason?: unknown; escalation?: { cause?: unknown }; runbook?: unknown };
    const said = typeof reason === 'string' ? reason : '(no reason given)';
    if (outcome === 'escalate' && escalation?.cause !== 'diagnosis') return [{ output, answered: `escalate: ${said}` }];
    // The Lambda refused the event it was given (an alarm it does not watch, an event that is not the alarm's): it read
    // and changed nothing (review 12, R12-1: the document had read another alarm on the queue's metric).
    if (outcome === 'rejected') return [{ output, answered: `rejected: ${said}` }];
    if (outcome === 'skipped' && runbook === undefined && said.startsWith(handledDuplicateReason('escalate'))) {
      return [{ output, answered: `skipped: ${said}: the automation had escalated this alarm state change and does not act on it again` }];
    }
    return [];
  });
}

/**
 * The warning a run that "succeeded" while its automation escalated ends with (review 10a, finding 3). Only for a run
 * that ended in success: the project's documents now fail themselves on such an answer (decision 211), with the answer in
 * their failure message, so a failed run is said as failed; a document without that check (one deployed before) still
 * ends Success, and is warned about here.
 */
export function escalationWarningLines(outputs: Record<string, unknown>, succeeded = true): string[] {
  if (!succeeded) return [];
  return escalatedOutputs(outputs).map(
    ({ output, answered }) =>
      `WARNING: the document ran to the end, but the automation it invoked did NOT act: ${output} answered ${answered}. Nothing was changed by it; a person is needed (exit ${EXIT.escalated}).`,
  );
}

/** The exit code of a run that ended in `status`: success, except where its automation escalated. */
export function runExitCode(succeeded: boolean, outputs: Record<string, unknown>): number {
  if (!succeeded) return EXIT.failure;
  return escalatedOutputs(outputs).length > 0 ? EXIT.escalated : EXIT.ok;
}

/** The document's outputs and how the run ended. */
export function outcomeLines(status: string, outputs: Record<string, unknown>, failure?: { step: string; message: string }, succeeded = status === 'Success'): string[] {
  const lines = Object.keys(outputs).length > 0 ? ['Outputs:'] : [];
  for (const [name, value] of Object.entries(outputs)) lines.push(`  ${name} = ${summarize(value, 2000)}`);
  lines.push(status === 'Success' ? 'Success' : `${status}${failure ? ` at step ${failure.step}: ${failure.message}` : ''}`);
  return [...lines, ...escalationWarningLines(outputs, succeeded)];
}

/** Where a rehearsal prints: the terminal's standard output and error, or a caller's lines (the demo narrates them). */
export interface RehearsalOutput {
  log(line: string): void;
  error(line: string): void;
}

const TERMINAL: RehearsalOutput = { log: (line) => console.log(line), error: (line) => console.error(line) };

function printingReporter(total: number, out: RehearsalOutput): RehearsalReporter {
  return {
    stepStarted(step, position) {
      out.log(stepStartedLine(step.name, step.action, position, total));
    },
    stepFinished(result) {
      for (const line of stepFinishedLines(result)) out.log(line);
    },
    note(step, text) {
      out.log(`    note (${step}): ${text}`);
    },
  };
}

function approvalFrom(options: RehearseOptions, who: string, out: RehearsalOutput): (request: ApprovalRequest) => Promise<ApprovalAnswer> {
  if (options.approver) return options.approver;
  // With --json, standard output carries only the result: the approval request goes to standard error.
  const say = options.json ? out.error : out.log;
  const principals = options.approveAs?.length ? options.approveAs : [who];
  let answered = 0;
  return async (request) => {
    say(`    approval requested from ${request.approvers.join(', ')}${request.notified ? ` (request sent to ${request.notified})` : ''}:`);
    say(`    ${request.message}`);
    const approver = principals[Math.min(answered, principals.length - 1)] ?? who;
    answered += 1;
    if (options.approve) return { approved: true, approver, comment: 'approved with --approve' };
    if (options.reject) return { approved: false, approver, comment: 'rejected with --reject' };
    if (!process.stdin.isTTY) {
      throw new RehearsalStepError('this step needs an approval: answer it with --approve or --reject (no terminal to ask on)');
    }
    const prompt = createInterface({ input: process.stdin, output: options.json ? process.stderr : process.stdout });
    try {
      const answer = (await prompt.question(`    Approve as ${approver}? [y/N] `)).trim().toLowerCase();
      return answer === 'y' || answer === 'yes' ? { approved: true, approver } : { approved: false, approver, comment: 'rejected at the prompt' };
    } finally {
      prompt.close();
    }
  };
}

export async function rehearseCommand(document: string, options: RehearseOptions = {}): Promise<number> {
  return (await runRehearsal(document, options)).exitCode;
}

/** What `runbook rehearse` ended with: its exit code and, when the document ran, the rehearsal's result. */
export interface RehearsalRun {
  exitCode: number;
  result?: RehearsalResult;
}

/**
 * `runbook rehearse` itself, its lines to `out`: the same checks, rendering, approvals and steps whoever runs it (the CLI
 * prints on the terminal; the demo narrates the lines and checks the result, decision 188).
 */
export async function runRehearsal(document: string, options: RehearseOptions = {}, out: RehearsalOutput = TERMINAL): Promise<RehearsalRun> {
  let ran: RehearsalResult | undefined;
  const exitCode = await rehearseTo(document, options, out, (result) => {
    ran = result;
  });
  return { exitCode, ...(ran ? { result: ran } : {}) };
}

async function rehearseTo(document: string, options: RehearseOptions, out: RehearsalOutput, ran: (result: RehearsalResult) => void): Promise<number> {
  const me = `runbook ${options.invokedAs ?? 'rehearse'}`;
  // exec promises scripts exit 2 for input AWS would refuse (an unknown document, bad parameters); rehearse keeps 64.
  const badInput = options.invokedAs === 'exec' ? EXIT.rejected : EXIT.usage;
  if (options.approve && options.reject) {
    out.error(`${me}: --approve and --reject exclude each other`);
    return EXIT.usage;
  }
  const file = findDocument(document);
  if (!file) {
    out.error(`${me}: no document ${document} (a file, or a name in runbooks/: ${listDocumentNames().join(', ') || 'none found'})`);
    return badInput;
  }
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) {
    out.error('runbook rehearse: AWS_ENDPOINT_URL is not set. A rehearsal runs against the sandbox: start one with `runbook sandbox` and export the AWS_ENDPOINT_URL it prints.');
    return EXIT.usage;
  }
  const raw = readRunbook(file);
  // The shell's own RUNBOOK_ENVIRONMENT (with RUNBOOK_ACCOUNT_ID) speaks for that environment only, not for -e's.
  const shellEnvironment = process.env.RUNBOOK_ENVIRONMENT || undefined;
  if (options.environment) process.env.RUNBOOK_ENVIRONMENT = options.environment;
  const needsEnvironment = hasDeployTokens(raw.content) ? 'its approvers, ladders and caps are the environment\'s' : undefined;
  const runsLambdas = raw.model?.steps.some((s) => s.action === 'aws:invokeLambdaFunction') ? 'this document runs automation Lambdas' : undefined;
  const environment = environmentNameSchema.safeParse(process.env.RUNBOOK_ENVIRONMENT);
  if ((needsEnvironment ?? runsLambdas) && !environment.success) {
    out.error(`${me}: ${needsEnvironment ?? runsLambdas}: set --environment (production, staging or development) or RUNBOOK_ENVIRONMENT`);
    return EXIT.usage;
  }

  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const aws = createSdkCaller({ region });
  try {
    let identity: { Account?: string; Arn?: string };
    try {
      identity = (await aws.call('sts', 'GetCallerIdentity', {})) as { Account?: string; Arn?: string };
    } catch (error) {
      // The first call: one that never connected leaves nothing run (review 23a R23a-14).
      const code = neverConnectedCode(error);
      if (code === undefined) throw error;
      out.error(`${me}: ${unreachableText(endpoint, code)}`);
      return EXIT.failure;
    }
    const accountId = identity.Account ?? '000000000000';
    // The document's Lambdas and its approvers, ladders and caps act under the environment's policy: only in its account.
    if (environment.success && (needsEnvironment ?? runsLambdas)) {
      let check: TargetAccountCheck;
      try {
        check = checkTargetAccount({ ...statedTargetAccount(environment.data, shellEnvironment), ...(identity.Account ? { callerAccount: identity.Account } : {}) });
      } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error;
        out.error(`${me}: ${error.message}`);
        return EXIT.usage;
      }
      if (check.kind === 'unanswered') {
        out.error(`${me}: nothing run: ${check.text}.`);
        return EXIT.failure;
      }
      if (check.kind === 'mismatch' || (check.kind === 'unverified' && !options.unverifiedAccount)) {
        out.error(`${me}: refused, nothing run: ${check.text}.`);
        if (check.kind === 'unverified') {
          out.error(
            `  Export the RUNBOOK_ENVIRONMENT and RUNBOOK_ACCOUNT_ID that runbook sandbox prints, or set environments.${environment.data}.accountId (RUNBOOK_CONFIG_JSON); ${UNVERIFIED_FLAG} rehearses anyway.`,
          );
        }
        return EXIT.rejected;
      }
      if (check.kind === 'unverified') out.error(`${me}: WARNING: rehearsing under ${environment.data}'s policy UNVERIFIED (${UNVERIFIED_FLAG}): ${check.text}`);
    }
    // The document as infra deploys it to this account: approvers, ladders and caps of the environment, never parameters.
    let runbook = raw;
    try {
      if (environment.success) runbook = renderLoadedRunbook(raw, projectConfig(), environment.data, { account: accountId, partition: partitionOf(region), region });
    } catch (error) {
      if (!(error instanceof DeployValueError || error instanceof ConfigurationError)) throw error;
      out.error(`${me}: ${error.message}`);
      return EXIT.usage;
    }
    const errors = lintRunbook(runbook).filter((f) => f.severity === 'error');
    if (errors.length > 0 || !runbook.model) {
      for (const finding of errors) out.error(formatFinding(finding));
      out.error(`${me}: ${file} does not pass the linter: fix it first (runbook lint ${file})`);
      return EXIT.rejected;
    }
    const model = runbook.model;

    let parameters: Record<string, unknown>;
    try {
      parameters = resolveParameters(model, parseParameterArguments(options.param ?? []));
    } catch (error) {
      if (!(error instanceof RehearsalInputError)) throw error;
      out.error(`${me}: ${error.message}`);
      return badInput;
    }
    if (options.invokedAs === 'exec') {
      // Say so on every output: moto cannot run SSM Automation, so nothing here is an AWS execution.
      (options.json ? out.error : out.log)(
        `Rehearsal on the sandbox (${endpoint}, account ${accountId}, ${region}): ${file} runs here step by step, not as an SSM Automation execution`,
      );
    } else if (!options.json) out.log(`Rehearsing ${file} against ${endpoint} (account ${accountId}, ${region})`);
    let result: RehearsalResult;
    try {
      result = await rehearse(model, parameters, {
        clock: options.clock ?? systemClock,
        callAws: (service, api, input) => aws.call(service, api, input),
        invokeFunction: bundleInvoker(options.logs ? (chunk) => process.stderr.write(chunk) : undefined),
        checkFunction: checkBundle,
        // A test's clock that does not sleep is the scripts' clock too (sandbox/rehearsal/script-runner.ts).
        runScript: (run) => runPythonScript(options.clock ? { ...run, clock: options.clock } : run),
        approve: approvalFrom(options, identity.Arn ?? process.env.USER ?? 'you', out),
        context: { accountId, region, ...(identity.Arn ? { executedBy: identity.Arn } : {}) },
        ...(options.json ? {} : { reporter: printingReporter(model.steps.length, out) }),
        ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
        ...(options.datetimes ? { datetimes: options.datetimes } : {}),
      });
    } catch (error) {
      if (error instanceof UnsupportedActionError || error instanceof FunctionNotRehearsableError) {
        out.error(`${me}: ${error.message}`);
        return EXIT.unavailable;
      }
      throw error;
    }
    ran(result);
    if (options.json) {
      out.log(JSON.stringify(options.invokedAs === 'exec' ? { mode: 'sandbox-rehearsal', document: file, ...result } : result, null, 2));
      for (const line of escalationWarningLines(result.outputs, result.status === 'Success')) out.error(line);
    } else {
      for (const line of outcomeLines(result.status, result.outputs, result.failure)) out.log(line);
    }
    return runExitCode(result.status === 'Success', result.outputs);
  } finally {
    aws.destroy();
  }
}
