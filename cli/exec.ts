// `runbook exec <document>`: starts an SSM Automation execution and follows it step by step to its end; on the sandbox, rehearses it.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import {
  DescribeAutomationStepExecutionsCommand,
  GetAutomationExecutionCommand,
  SSMClient,
  SendAutomationSignalCommand,
  StartAutomationExecutionCommand,
  type AutomationExecution,
  type StepExecution,
} from '@aws-sdk/client-ssm';
import { clientConfig } from '../shared/aws/client-config';
import { OPERATIONS_DOCUMENTS } from '../shared/config/names';
import { errorName, isAccessDenied, isTransientAwsError } from '../shared/aws/classify-error';
import { systemClock, type Clock } from '../shared/clock';
import { RehearsalInputError, parseParameterArguments } from '../sandbox/rehearsal/parameters';
import { EXIT } from './exit-codes';
import { awsEndpointName, neverConnectedCode, unreachableText } from './unreachable';
import { escalationWarningLines, outcomeLines, rehearseCommand, runExitCode, stepFinishedLines, stepStartedLine } from './rehearse';

export interface ExecOptions {
  param?: string[];
  approve?: boolean;
  reject?: boolean;
  comment?: string;
  environment?: string;
  json?: boolean;
  logs?: boolean;
  /** Sandbox only: rehearse under the environment's policy although nothing states its account (cli/target-account.ts). */
  unverifiedAccount?: boolean;
}

/** One step as exec reports it (the rehearsal's StepResult fields, with AWS's own status and failure details). */
export interface ExecStep {
  step: string;
  action: string;
  status: string;
  stepExecutionId?: string;
  outputs: Record<string, unknown>;
  message?: string;
  failureDetails?: { stage?: string; type?: string; details?: Record<string, string[]> };
  startedAt?: string;
  endedAt?: string;
}

export interface ExecSummary {
  mode: 'aws';
  document: string;
  executionId: string;
  status: string;
  steps: ExecStep[];
  outputs: Record<string, unknown>;
  failure?: { step: string; message: string };
}

export type SignalType = 'Approve' | 'Reject';

export interface ApprovalPrompt {
  executionId: string;
  step: string;
  approvers: string[];
  message: string;
}

export interface FollowDeps {
  ssm: Pick<SSMClient, 'send'>;
  clock: Clock;
  /** Region for the commands printed to people. */
  region: string;
  /** The caller's answer to a waiting aws:approve step; undefined leaves it to an approver elsewhere. */
  decide(request: ApprovalPrompt): Promise<SignalType | undefined>;
  /** The Comment sent with the signal. */
  comment(signal: SignalType): string;
  /** Progress (one line per call). */
  print(line: string): void;
  /** Approval requests and how to answer them: standard error with --json, so standard output stays JSON. */
  say(line: string): void;
  /** Between polls: starts at minMs, x1.5 while nothing changes, never above maxMs; back to minMs on a change. */
  pollIntervalMs?: { minMs: number; maxMs: number };
}

export class FollowError extends Error {
  override readonly name = 'FollowError';
}

// Automation keeps a step for minutes (aws:approve for 7 days by default): 2 s keeps short steps snappy, 20 s keeps
// a long wait to a few calls a minute, far below GetAutomationExecution's throttling.
const DEFAULT_POLL = { minMs: 2000, maxMs: 20_000 };
// The SDK already retries each call (adaptive, 4 attempts); this many failed polls in a row ends the follow.
const MAX_FAILED_POLLS = 5;

const SUCCESS = new Set(['Success', 'CompletedWithSuccess']);
/** Execution statuses after which nothing changes (AutomationExecutionStatus in the SSM API reference). */
const TERMINAL = new Set(['Success', 'CompletedWithSuccess', 'Failed', 'TimedOut', 'Cancelled', 'CompletedWithFailure', 'Rejected', 'ChangeCalendarOverrideRejected', 'Exited']);
const STEP_DONE = new Set([...TERMINAL, 'Cancelling']);
const WAITING = new Set(['Waiting', 'PendingApproval']);
const FAILED_STEP = new Set(['Failed', 'TimedOut', 'Cancelled', 'CompletedWithFailure', 'Rejected']);

/** Only a loopback endpoint is the sandbox: moto answers StartAutomationExecution with a 500, so exec rehearses there. */
export function isSandboxEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
  } catch {
    return false;
  }
}

/** Step outputs and execution outputs are lists of strings in the API; a single value reads as itself. */
function flatten(outputs: Record<string, string[]> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs ?? {}).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
}

/** StepExecution.Inputs values are JSON text ("[\"arn:...\"]", "\"message\""). */
function inputValue(step: StepExecution, name: string): unknown {
  const text = step.Inputs?.[name];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toExecStep(step: StepExecution): ExecStep {
  const failure = step.FailureDetails;
  return {
    step: step.StepName ?? '?',
    action: step.Action ?? '?',
    status: step.StepStatus ?? 'Pending',
    ...(step.StepExecutionId ? { stepExecutionId: step.StepExecutionId } : {}),
    outputs: flatten(step.Outputs),
    ...(step.FailureMessage ? { message: step.FailureMessage } : {}),
    ...(failure ? { failureDetails: { stage: failure.FailureStage, type: failure.FailureType, ...(failure.Details ? { details: failure.Details } : {}) } } : {}),
    ...(step.ExecutionStartTime ? { startedAt: step.ExecutionStartTime.toISOString() } : {}),
    ...(step.ExecutionEndTime ? { endedAt: step.ExecutionEndTime.toISOString() } : {}),
  };
}

function failureDetailText(step: ExecStep): string | undefined {
  const f = step.failureDetails;
  if (!f) return undefined;
  const details = f.details ? ` ${Object.entries(f.details).map(([k, v]) => `${k}=${v.join(',')}`).join(' ')}` : '';
  return `${f.type ?? 'failure'}${f.stage ? ` at ${f.stage}` : ''}${details}`;
}

export function signalCommand(executionId: string, signal: SignalType, region: string): string {
  return `aws ssm send-automation-signal --automation-execution-id ${executionId} --signal-type ${signal} --payload 'Comment=...' --region ${region}`;
}

async function readSteps(ssm: FollowDeps['ssm'], executionId: string): Promise<StepExecution[]> {
  const steps: StepExecution[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(new DescribeAutomationStepExecutionsCommand({ AutomationExecutionId: executionId, MaxResults: 50, ...(nextToken ? { NextToken: nextToken } : {}) }));
    steps.push(...(page.StepExecutions ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return steps;
}

/**
 * Follows an execution to its end: prints each step when it starts and when it ends (outputs, failure message and
 * details), answers a waiting aws:approve step through `decide`, and returns the summary. Transient errors are
 * retried with the poll's backoff; anything else, or too many in a row, throws FollowError (the execution goes on).
 */
export async function followExecution(document: string, executionId: string, deps: FollowDeps): Promise<ExecSummary> {
  const poll = deps.pollIntervalMs ?? DEFAULT_POLL;
  const printed = new Map<string, string>();
  const positions = new Map<string, number>();
  const approvalsHandled = new Set<string>();
  let intervalMs = poll.minMs;
  let failedPolls = 0;
  for (;;) {
    let execution: AutomationExecution;
    let steps: StepExecution[];
    try {
      execution = (await deps.ssm.send(new GetAutomationExecutionCommand({ AutomationExecutionId: executionId }))).AutomationExecution ?? {};
      steps = await readSteps(deps.ssm, executionId);
      failedPolls = 0;
    } catch (error) {
      failedPolls += 1;
      if (!isTransientAwsError(error) || failedPolls >= MAX_FAILED_POLLS) {
        throw new FollowError(`could not read execution ${executionId} (${errorName(error)}: ${(error as Error).message})`, { cause: error });
      }
      await deps.clock.sleep(intervalMs);
      intervalMs = Math.min(poll.maxMs, Math.round(intervalMs * 1.5));
      continue;
    }

    let changed = false;
    for (const [index, raw] of steps.entries()) {
      const step = toExecStep(raw);
      const id = raw.StepExecutionId ?? `${step.step}#${index}`;
      if (step.status === 'Pending' || printed.get(id) === step.status) continue;
      changed = true;
      if (!positions.has(id)) {
        positions.set(id, positions.size + 1);
        deps.print(stepStartedLine(step.step, step.action, positions.get(id) ?? 0));
      }
      printed.set(id, step.status);
      if (STEP_DONE.has(step.status)) {
        const detail = failureDetailText(step);
        for (const line of stepFinishedLines({ ...step, ...(detail ? { detail } : {}) })) deps.print(line);
      } else if (step.action === 'aws:approve' && WAITING.has(step.status)) {
        if (approvalsHandled.has(id)) continue;
        if (await answerApproval(raw, executionId, deps)) approvalsHandled.add(id);
        // A signal that failed transiently is tried again at the next poll.
        else printed.delete(id);
      } else if (step.status !== 'InProgress') {
        deps.print(`    ${step.status}`);
      }
    }

    const status = execution.AutomationExecutionStatus ?? 'Pending';
    if (TERMINAL.has(status)) {
      const all = steps.map(toExecStep);
      const failedStep = all.find((s) => FAILED_STEP.has(s.status));
      const failureMessage = failedStep?.message ?? execution.FailureMessage;
      return {
        mode: 'aws',
        document,
        executionId,
        status,
        steps: all,
        outputs: flatten(execution.Outputs),
        ...(SUCCESS.has(status) ? {} : { failure: { step: failedStep?.step ?? execution.CurrentStepName ?? '?', message: failureMessage ?? status } }),
      };
    }
    intervalMs = changed ? poll.minMs : Math.min(poll.maxMs, Math.round(intervalMs * 1.5));
    await deps.clock.sleep(intervalMs);
  }
}

/** Asks for (or applies) the answer to a waiting approval; true once it needs no more attention from this loop. */
async function answerApproval(step: StepExecution, executionId: string, deps: FollowDeps): Promise<boolean> {
  const approversValue = inputValue(step, 'Approvers');
  const approvers = (Array.isArray(approversValue) ? approversValue : [approversValue]).filter((a): a is string => typeof a === 'string' && a !== '');
  const message = inputValue(step, 'Message');
  const name = step.StepName ?? '?';
  const notified = inputValue(step, 'NotificationArn');
  const sentTo = typeof notified === 'string' && notified !== '' ? ` (Automation sent the request to ${notified})` : '';
  deps.say(`    approval requested from ${approvers.join(', ') || '(approvers not shown)'}${sentTo}:`);
  if (typeof message === 'string' && message !== '') deps.say(`    ${message}`);
  const signal = await deps.decide({ executionId, step: name, approvers, message: typeof message === 'string' ? message : '' });
  if (!signal) {
    deps.say(`    waiting for an approver; one of them answers with:`);
    deps.say(`      ${signalCommand(executionId, 'Approve', deps.region)}`);
    deps.say(`      ${signalCommand(executionId, 'Reject', deps.region)}`);
    deps.say('    (or in the Systems Manager console: Automation, this execution, Approve/Deny). Still following...');
    return true;
  }
  try {
    await deps.ssm.send(new SendAutomationSignalCommand({ AutomationExecutionId: executionId, SignalType: signal, Payload: { Comment: [deps.comment(signal)] } }));
    deps.say(`    ${signal === 'Approve' ? 'approved' : 'rejected'}: SendAutomationSignal ${signal} sent ("${deps.comment(signal)}")`);
    return true;
  } catch (error) {
    if (isTransientAwsError(error)) {
      deps.say(`    ${signal} not sent yet (${errorName(error)}): trying again at the next poll`);
      return false;
    }
    // Not an approver, or the step was answered meanwhile: the execution decides; keep following.
    deps.say(`    could not ${signal.toLowerCase()} (${errorName(error)}: ${(error as Error).message}).`);
    deps.say(`    Only the step's approvers (${approvers.join(', ') || 'see the document'}) can answer it: ${signalCommand(executionId, signal, deps.region)}`);
    return true;
  }
}

/** --approve / --reject, else the terminal's answer, else nobody here: an approver elsewhere answers. */
function decider(options: ExecOptions, say: (line: string) => void): FollowDeps['decide'] {
  return async () => {
    if (options.approve) return 'Approve';
    if (options.reject) return 'Reject';
    if (!process.stdin.isTTY) return undefined;
    const prompt = createInterface({ input: process.stdin, output: options.json ? process.stderr : process.stdout });
    try {
      const answer = (await prompt.question('    Approve? [y]es / [n]o, reject / [Enter] leave it to another approver: ')).trim().toLowerCase();
      if (answer === 'y' || answer === 'yes') return 'Approve';
      if (answer === 'n' || answer === 'no') return 'Reject';
      say('    left for another approver');
      return undefined;
    } finally {
      prompt.close();
    }
  };
}

const START_REJECTED = new Set([
  'AutomationDefinitionNotFoundException',
  'AutomationDefinitionVersionNotFoundException',
  'AutomationDefinitionNotApprovedException',
  'InvalidAutomationExecutionParametersException',
  'InvalidTarget',
  'ValidationException',
]);

function whoAmI(): string {
  return process.env.USER ?? process.env.USERNAME ?? 'unknown';
}

/** What to do about an error before the execution started, as one line for standard error. */
function startErrorAdvice(error: unknown, document: string, region: string): { code: number; text: string } {
  const name = errorName(error);
  const message = (error as Error).message;
  if (name === 'AutomationDefinitionNotFoundException' || name === 'AutomationDefinitionVersionNotFoundException') {
    return {
      code: EXIT.rejected,
      text:
        `no Automation document ${document} in this account and region (${region}): check the name (runbook list shows the documents) and AWS_REGION / AWS_PROFILE; the infra stack deploys them. ` +
        `In cross-account mode ${OPERATIONS_DOCUMENTS.has(document) ? 'this document is in the operations account' : 'this document is in the workload account, where the resources are'}: use that account's profile`,
    };
  }
  if (START_REJECTED.has(name)) return { code: EXIT.rejected, text: `AWS refused to start ${document}: ${message} (${name})` };
  if (isAccessDenied(error)) {
    return { code: EXIT.failure, text: `your credentials may not start ${document} (ssm:StartAutomationExecution; the document's steps may need more): ${message}` };
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(message)) {
    return {
      code: EXIT.failure,
      text: `no AWS credentials: set AWS_PROFILE (aws sso login --profile NAME first) or the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY pair; for the sandbox, export the AWS_ENDPOINT_URL that runbook sandbox prints (${message})`,
    };
  }
  if (/region is missing/i.test(message)) return { code: EXIT.usage, text: 'no AWS region: set AWS_REGION (or a region in your AWS profile)' };
  const neverConnected = neverConnectedCode(error);
  // The start never reached SSM: no execution exists (review 23a R23a-14).
  if (neverConnected !== undefined) return { code: EXIT.failure, text: unreachableText(awsEndpointName(region), neverConnected) };
  return { code: EXIT.failure, text: `could not start ${document} (${name}: ${message})` };
}

/** A file path is not a document name: AWS runs documents by name (or ARN); a file is rehearsed on the sandbox. */
function looksLikeFile(document: string): boolean {
  return /\.(ya?ml|json)$/i.test(document) && existsSync(document);
}

export async function execCommand(document: string, options: ExecOptions = {}, deps: { ssm?: SSMClient; clock?: Clock } = {}): Promise<number> {
  if (options.approve && options.reject) {
    console.error('runbook exec: --approve and --reject exclude each other');
    return EXIT.usage;
  }
  if (isSandboxEndpoint(process.env.AWS_ENDPOINT_URL)) {
    return rehearseCommand(document, { ...options, invokedAs: 'exec' });
  }

  let parameters: Record<string, string[]>;
  try {
    parameters = parseParameterArguments(options.param ?? []);
  } catch (error) {
    if (!(error instanceof RehearsalInputError)) throw error;
    console.error(`runbook exec: ${error.message}`);
    return EXIT.rejected;
  }
  if (looksLikeFile(document)) {
    console.error(
      `runbook exec: ${document} is a file; AWS runs a document by its name in the account (e.g. NotificationService-ScaleConsumers). ` +
        'To try a file, rehearse it on the sandbox: runbook rehearse ' + document,
    );
    return EXIT.rejected;
  }

  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const ssm = deps.ssm ?? new SSMClient({ ...clientConfig(region ? { region } : {}) });
  const print = options.json ? (): void => undefined : (line: string): void => console.log(line);
  const say = options.json ? (line: string): void => console.error(line) : print;
  let executionId: string | undefined;
  const onInterrupt = (): void => {
    console.error(`\nrunbook exec: stopped following; ${executionId ? `execution ${executionId} goes on in AWS: aws ssm get-automation-execution --automation-execution-id ${executionId}` : 'the execution may have started'}`);
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    let resolvedRegion = region ?? '';
    try {
      resolvedRegion = await ssm.config.region();
      // One token per command: the SDK's retry of a start whose answer was lost (timed out, reset) is the same request
      // to SSM, which starts no second execution for it (review 20d R20-62, decision 338). The SDK fills none in itself.
      const started = await ssm.send(new StartAutomationExecutionCommand({ DocumentName: document, ClientToken: randomUUID(), ...(Object.keys(parameters).length > 0 ? { Parameters: parameters } : {}) }));
      executionId = started.AutomationExecutionId;
    } catch (error) {
      const { code, text } = startErrorAdvice(error, document, resolvedRegion || '(none)');
      console.error(`runbook exec: ${text}`);
      return code;
    }
    if (!executionId) {
      console.error(`runbook exec: StartAutomationExecution answered without an execution id for ${document}`);
      return EXIT.failure;
    }
    say(`Started ${document}: execution ${executionId} (${resolvedRegion})`);
    say(`  console: https://${resolvedRegion}.console.aws.amazon.com/systems-manager/automation/execution/${executionId}?region=${resolvedRegion}`);

    let summary: ExecSummary;
    try {
      summary = await followExecution(document, executionId, {
        ssm,
        clock: deps.clock ?? systemClock,
        region: resolvedRegion,
        decide: decider(options, say),
        comment: (signal) => options.comment ?? `${signal === 'Approve' ? 'Approved' : 'Rejected'} with runbook exec by ${whoAmI()}`,
        print,
        say,
      });
    } catch (error) {
      if (!(error instanceof FollowError)) throw error;
      console.error(`runbook exec: ${error.message}. The execution goes on in AWS: aws ssm get-automation-execution --automation-execution-id ${executionId} --region ${resolvedRegion}`);
      return EXIT.failure;
    }
    if (options.json) {
      console.log(JSON.stringify(summary, null, 2));
      for (const line of escalationWarningLines(summary.outputs, SUCCESS.has(summary.status))) console.error(line);
    } else for (const line of outcomeLines(summary.status, summary.outputs, summary.failure, SUCCESS.has(summary.status))) console.log(line);
    return runExitCode(SUCCESS.has(summary.status), summary.outputs);
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    if (!deps.ssm) ssm.destroy();
  }
}
