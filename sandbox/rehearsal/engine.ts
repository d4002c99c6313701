// Runs an SSM Automation document against the sandbox the way Automation would, step by step, with its I/O injected.
//
// Supported: aws:executeAwsApi, aws:invokeLambdaFunction, aws:waitForAwsResourceProperty,
// aws:assertAwsResourceProperty, aws:branch, aws:sleep, aws:approve, aws:updateVariable, aws:executeScript (Python, run by
// python3 with boto3 against the sandbox: script-runner.ts). A document using any other action is refused
// before its first step, naming the step and the action: a rehearsal that skipped a step would prove nothing.
import { randomUUID } from 'node:crypto';
import { partitionOf } from '../../shared/aws/arn';
import type { Clock } from '../../shared/clock';
import { NO_OUTPUT, evaluateCondition } from '../../shared/runbooks/conditions';
import { allSteps, type RunbookModel, type StepModel } from '../../shared/runbooks/document';
import { ACTIONS } from '../../shared/runbooks/actions';
import type { ScriptRun } from './script-runner';
import { classifyReference, referencesIn } from '../../shared/runbooks/references';
import { NoOutputError, RehearsalStepError, asText, automationDateTime, durationMs, matchesDesired, normalizeResponse, resolveValue, select, typedOutput, type DatetimeForm, type Lookup } from './values';

export const SUPPORTED_ACTIONS = [
  'aws:executeAwsApi',
  'aws:invokeLambdaFunction',
  'aws:waitForAwsResourceProperty',
  'aws:assertAwsResourceProperty',
  'aws:branch',
  'aws:sleep',
  'aws:approve',
  'aws:updateVariable',
  'aws:executeScript',
] as const;

export class UnsupportedActionError extends Error {
  override readonly name = 'UnsupportedActionError';
  constructor(readonly steps: ReadonlyArray<{ step: string; action: string }>) {
    super(
      `cannot rehearse this document: ${steps.map((s) => `step ${s.step} uses ${s.action}`).join('; ')}, which the rehearsal does not run ` +
        `(it runs ${SUPPORTED_ACTIONS.join(', ')}); it refuses rather than skip a step`,
    );
  }
}

export interface LambdaResult {
  /** What the handler returned (or, with functionError, the error object Lambda would return). */
  payload: unknown;
  functionError?: string;
  /** The function's log output, for LogType Tail. */
  logs?: string;
}

export interface ApprovalRequest {
  step: string;
  message: string;
  approvers: string[];
  minRequiredApprovals: number;
  /** The SNS topic the request was published to (the step's NotificationArn), before anyone is asked. */
  notified?: string;
}

export interface ApprovalAnswer {
  approved: boolean;
  approver: string;
  comment?: string;
}

export interface RehearsalContext {
  accountId: string;
  region: string;
  executionId?: string;
  /**
   * Who started the execution, as GetAutomationExecution's ExecutedBy names it (the principal that called
   * StartAutomationExecution): for `runbook rehearse`, STS's Arn for the rehearsing credentials. Unknown: not answered.
   */
  executedBy?: string;
}

export interface RehearsalDeps {
  clock: Clock;
  /** Calls Service/Api as executeAwsApi would; returns the response. */
  callAws(service: string, api: string, input: Record<string, unknown>): Promise<unknown>;
  invokeFunction(functionName: string, payload: unknown, options: { qualifier?: string; logTail: boolean }): Promise<LambdaResult>;
  /** Runs an aws:executeScript step's Python handler; returns what it returned (throws with the script's error). */
  runScript?(run: ScriptRun): Promise<unknown>;
  /** Throws when the function cannot be rehearsed (e.g. its bundle is not built): checked before the first step. */
  checkFunction?(functionName: string): void;
  approve(request: ApprovalRequest): Promise<ApprovalAnswer>;
  reporter?: RehearsalReporter;
  context: RehearsalContext;
  /** Between polls of aws:waitForAwsResourceProperty (default 5 s, through the clock). */
  pollIntervalMs?: number;
  /** How the timestamps of AWS answers reach the document as text (default `json`; Automation's is not documented, decision 171). */
  datetimes?: DatetimeForm;
}

export interface StepResult {
  step: string;
  action: string;
  status: 'Success' | 'Failed';
  attempts: number;
  outputs: Record<string, unknown>;
  message?: string;
  /** What ran: the API, the function, the condition that matched... */
  detail?: string;
  next?: string;
}

export interface RehearsalReporter {
  stepStarted?(step: StepModel, position: number): void;
  stepFinished?(result: StepResult): void;
  note?(step: string, text: string): void;
}

export interface RehearsalResult {
  status: 'Success' | 'Failed';
  executionId: string;
  steps: StepResult[];
  /** The document's `outputs`, by "step.Output". */
  outputs: Record<string, unknown>;
  failure?: { step: string; message: string };
}

const DEFAULT_POLL_INTERVAL_MS = 5000;
// Automation's default step timeout is 3600 s for waits ("timeoutSeconds", actions reference).
const DEFAULT_WAIT_TIMEOUT_SECONDS = 3600;
const STEP_PREFIX = 'step:';

/** Steps whose actions the rehearsal cannot run, loop bodies included. */
export function unsupportedSteps(model: RunbookModel): Array<{ step: string; action: string }> {
  return allSteps(model.steps)
    .filter((s) => !(SUPPORTED_ACTIONS as readonly string[]).includes(s.action))
    .map((s) => ({ step: s.name, action: s.action }));
}

class Execution {
  readonly outputs = new Map<string, Record<string, unknown>>();
  readonly executionId: string;
  private readonly startedAt: Date;
  private readonly byName: Map<string, StepModel>;
  /** Document variables as aws:updateVariable last set them; a variable never set reads its default. */
  private readonly variableValues = new Map<string, unknown>();

  constructor(
    private readonly model: RunbookModel,
    private readonly parameters: Record<string, unknown>,
    private readonly deps: RehearsalDeps,
    private readonly parameterStore: Map<string, unknown>,
  ) {
    this.executionId = deps.context.executionId ?? randomUUID();
    this.startedAt = deps.clock.now();
    this.byName = new Map(model.steps.map((s) => [s.name, s]));
  }

  readonly lookup: Lookup = (expression) => {
    const target = classifyReference(expression);
    const { context, clock } = this.deps;
    switch (target.kind) {
      case 'system': {
        const now = clock.now();
        const system: Record<string, string> = {
          'global:ACCOUNT_ID': context.accountId,
          'global:REGION': context.region,
          'global:AWS_PARTITION': partitionOf(context.region),
          'global:DATE': now.toISOString().slice(0, 10),
          'global:DATE_TIME': automationDateTime(now),
          'automation:EXECUTION_ID': this.executionId,
          'automation:AUTOMATION_EXECUTION_ID': this.executionId,
        };
        const value = Object.entries(system).find(([k]) => k.toLowerCase() === expression.toLowerCase())?.[1];
        if (value === undefined) throw new RehearsalStepError(`{{ ${expression} }} is not a system variable the rehearsal knows`);
        return value;
      }
      case 'parameter-store':
        if (!this.parameterStore.has(target.name)) throw new RehearsalStepError(`{{ ${expression} }}: Parameter Store value not loaded`);
        return this.parameterStore.get(target.name);
      case 'variable': {
        const variable = this.model.variables[target.name];
        if (!variable) throw new RehearsalStepError(`{{ ${expression} }}: no such document variable`);
        if (this.variableValues.has(target.name)) return this.variableValues.get(target.name);
        if (variable.default === undefined) throw new RehearsalStepError(`{{ ${expression} }}: the variable has no default and no step has set it`);
        return variable.default;
      }
      case 'parameter':
        if (!(target.name in this.parameters)) throw new RehearsalStepError(`{{ ${expression} }} is not a parameter of this document`);
        return this.parameters[target.name];
      case 'step-output': {
        const produced = this.outputs.get(target.step);
        if (!produced) throw new RehearsalStepError(`{{ ${expression} }}: step ${target.step} has not run`);
        if (!(target.output in produced)) {
          throw new NoOutputError(`{{ ${expression} }}: step ${target.step} produced no output ${target.output} (its selector matched nothing)`);
        }
        return produced[target.output];
      }
    }
  };

  resolve(value: unknown): unknown {
    return resolveValue(value, this.lookup);
  }

  async run(): Promise<RehearsalResult> {
    const results: StepResult[] = [];
    const { reporter } = this.deps;
    // The first failure of a critical step: it makes the execution Failed even when a later step recovers.
    let failure: RehearsalResult['failure'];
    let current: StepModel | undefined = this.model.steps[0];
    let position = 0;
    while (current) {
      position += 1;
      reporter?.stepStarted?.(current, position);
      const result = await this.runWithRetries(current);
      results.push(result);
      const step: StepModel = current;
      let next: string | undefined;
      if (result.status === 'Success') {
        next = step.isEnd ? undefined : (result.next ?? step.nextStep ?? this.inOrderAfter(step));
      } else {
        const onFailure = step.onFailure ?? 'Abort';
        // isCritical defaults to true, except with onFailure: Continue (actions reference, "isCritical").
        const critical = step.isCritical ?? onFailure !== 'Continue';
        const here = { step: step.name, message: result.message ?? 'failed' };
        if (critical) failure ??= here;
        if (onFailure === 'Abort' || step.isEnd) {
          reporter?.stepFinished?.(result);
          return this.finish(results, { status: 'Failed', failure: failure ?? here });
        }
        next = onFailure === 'Continue' ? (step.nextStep ?? this.inOrderAfter(step)) : onFailure.slice(STEP_PREFIX.length);
      }
      if (next !== undefined) result.next = next;
      reporter?.stepFinished?.(result);
      if (next === undefined) break;
      current = this.byName.get(next);
      if (!current) return this.finish(results, { status: 'Failed', failure: { step: step.name, message: `next step ${next} does not exist` } });
    }
    return this.finish(results, failure ? { status: 'Failed', failure } : { status: 'Success' });
  }

  private inOrderAfter(step: StepModel): string | undefined {
    return this.model.steps[step.index + 1]?.name;
  }

  private finish(steps: StepResult[], end: Pick<RehearsalResult, 'status' | 'failure'>): RehearsalResult {
    const outputs: Record<string, unknown> = {};
    for (const name of this.model.outputs) {
      const [step = '', output = ''] = [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)];
      const value = this.outputs.get(step)?.[output];
      if (value !== undefined) outputs[name] = value;
    }
    return { ...end, executionId: this.executionId, steps, outputs };
  }

  private async runWithRetries(step: StepModel): Promise<StepResult> {
    const maxAttempts = Math.max(1, step.maxAttempts ?? 1);
    let last: StepResult | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      last = await this.runOnce(step, attempt);
      if (last.status === 'Success' || step.action === 'aws:approve') return last;
      if (attempt < maxAttempts) this.deps.reporter?.note?.(step.name, `attempt ${attempt} failed: ${last.message ?? ''}; retrying`);
    }
    return last as StepResult;
  }

  private async runOnce(step: StepModel, attempts: number): Promise<StepResult> {
    const result: StepResult = { step: step.name, action: step.action, status: 'Success', attempts, outputs: {} };
    try {
      switch (step.action) {
        case 'aws:executeAwsApi':
          await this.executeAwsApi(step, result);
          break;
        case 'aws:invokeLambdaFunction':
          await this.invokeLambda(step, result);
          break;
        case 'aws:assertAwsResourceProperty':
          await this.assertProperty(step, result);
          break;
        case 'aws:waitForAwsResourceProperty':
          await this.waitForProperty(step, result);
          break;
        case 'aws:branch':
          this.branch(step, result);
          break;
        case 'aws:sleep':
          await this.sleep(step, result);
          break;
        case 'aws:approve':
          await this.approve(step, result);
          break;
        case 'aws:updateVariable':
          this.updateVariable(step, result);
          break;
        case 'aws:executeScript':
          await this.executeScript(step, result);
          break;
        default:
          throw new UnsupportedActionError([{ step: step.name, action: step.action }]);
      }
    } catch (error) {
      if (error instanceof UnsupportedActionError) throw error;
      result.status = 'Failed';
      result.message = error instanceof RehearsalStepError ? error.message : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    this.outputs.set(step.name, result.outputs);
    return result;
  }

  private apiCall(step: StepModel, exclude: readonly string[]): { service: string; api: string; input: Record<string, unknown> } {
    const inputs = this.resolve(step.inputs) as Record<string, unknown>;
    const service = asText(inputs.Service);
    const api = asText(inputs.Api);
    const input = Object.fromEntries(Object.entries(inputs).filter(([k]) => !exclude.includes(k)));
    return { service, api, input };
  }

  private declaredOutputs(step: StepModel, response: unknown, result: StepResult): void {
    for (const output of step.outputs) {
      const value = typedOutput(response, output.selector, output.type, output.name);
      if (value === undefined) this.deps.reporter?.note?.(step.name, `output ${output.name}: ${output.selector} matched nothing`);
      else result.outputs[output.name] = value;
    }
  }

  /**
   * An API call of a step. Automation answers GetAutomationExecution about the running execution itself; here the
   * rehearsal is that execution and the emulator keeps no record of it, so the rehearsal answers: its id, InProgress,
   * and ExecutedBy when the context knows who started it (absent otherwise, so a selector on it matches nothing).
   * Any other execution id goes to the emulator like every other call.
   */
  private callAws(service: string, api: string, input: Record<string, unknown>): Promise<unknown> {
    const own = service.toLowerCase() === 'ssm' && api.replace(/_/g, '').toLowerCase() === 'getautomationexecution' && input.AutomationExecutionId === this.executionId;
    if (!own) return this.deps.callAws(service, api, input);
    const { executedBy } = this.deps.context;
    return Promise.resolve({
      AutomationExecution: {
        AutomationExecutionId: this.executionId,
        AutomationExecutionStatus: 'InProgress',
        ExecutionStartTime: this.startedAt,
        ...(executedBy ? { ExecutedBy: executedBy } : {}),
      },
    });
  }

  private async executeAwsApi(step: StepModel, result: StepResult): Promise<void> {
    const { service, api, input } = this.apiCall(step, ['Service', 'Api']);
    result.detail = `${service} ${api}`;
    const response = normalizeResponse(await this.callAws(service, api, input), this.deps.datetimes);
    result.outputs.OutputPayload = JSON.stringify(response);
    this.declaredOutputs(step, response, result);
  }

  private async readProperty(step: StepModel): Promise<{ actual: unknown; desired: unknown[]; selector: string; detail: string }> {
    const { service, api, input } = this.apiCall(step, ['Service', 'Api', 'PropertySelector', 'DesiredValues']);
    const resolved = this.resolve({ PropertySelector: step.inputs.PropertySelector, DesiredValues: step.inputs.DesiredValues }) as { PropertySelector: unknown; DesiredValues: unknown };
    const selector = asText(resolved.PropertySelector);
    const desired = Array.isArray(resolved.DesiredValues) ? resolved.DesiredValues : [resolved.DesiredValues];
    const response = normalizeResponse(await this.callAws(service, api, input), this.deps.datetimes);
    const [actual] = select(response, selector);
    return { actual, desired, selector, detail: `${service} ${api} ${selector}` };
  }

  private async assertProperty(step: StepModel, result: StepResult): Promise<void> {
    const { actual, desired, selector, detail } = await this.readProperty(step);
    result.detail = `${detail} = ${asText(actual) || '(nothing)'}`;
    if (actual === undefined || !matchesDesired(actual, desired)) {
      throw new RehearsalStepError(`${selector} is ${actual === undefined ? 'absent' : JSON.stringify(actual)}, expected ${desired.map((d) => JSON.stringify(d)).join(' or ')}`);
    }
  }

  private async waitForProperty(step: StepModel, result: StepResult): Promise<void> {
    const { clock } = this.deps;
    const timeoutMs = (step.timeoutSeconds ?? DEFAULT_WAIT_TIMEOUT_SECONDS) * 1000;
    const interval = this.deps.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    const started = clock.now().getTime();
    for (let polls = 1; ; polls += 1) {
      const { actual, desired, selector, detail } = await this.readProperty(step);
      result.detail = `${detail} = ${asText(actual) || '(nothing)'} after ${polls} poll(s)`;
      if (actual !== undefined && matchesDesired(actual, desired)) return;
      if (clock.now().getTime() - started + interval > timeoutMs) {
        throw new RehearsalStepError(
          `timed out after ${step.timeoutSeconds ?? DEFAULT_WAIT_TIMEOUT_SECONDS} s: ${selector} is ${actual === undefined ? 'absent' : JSON.stringify(actual)}, waiting for ${desired.map((d) => JSON.stringify(d)).join(' or ')}`,
        );
      }
      await clock.sleep(interval);
    }
  }

  /**
   * aws:executeScript: the handler's return value is the step's Payload output, and declared outputs select from
   * {Payload: value} ($.Payload.Key, as Automation's examples do); an exception fails the step. Only Python runtimes
   * with an inline Script are run (an Attachment is not: the rehearsal has no document attachments).
   */
  private async executeScript(step: StepModel, result: StepResult): Promise<void> {
    const inputs = this.resolve(step.inputs) as Record<string, unknown>;
    const runtime = asText(inputs.Runtime);
    if (!runtime.startsWith('python3')) throw new RehearsalStepError(`Runtime ${runtime}: the rehearsal runs Python scripts only`);
    if (inputs.Script === undefined) throw new RehearsalStepError('the script is an Attachment: the rehearsal runs inline Scripts only');
    if (!this.deps.runScript) throw new RehearsalStepError('this rehearsal cannot run scripts (no script runner)');
    const handler = asText(inputs.Handler);
    result.detail = `${runtime} ${handler}`;
    const value = await this.deps.runScript({
      script: asText(inputs.Script),
      handler,
      payload: inputs.InputPayload ?? {},
      region: this.deps.context.region,
      // aws:executeScript runs at most 600 s (actions reference); a lower step timeout stops it sooner.
      timeoutSeconds: Math.min(600, step.timeoutSeconds ?? 600),
    });
    result.outputs.Payload = value;
    this.declaredOutputs(step, { Payload: value }, result);
  }

  private async invokeLambda(step: StepModel, result: StepResult): Promise<void> {
    const inputs = this.resolve(step.inputs) as Record<string, unknown>;
    const functionName = asText(inputs.FunctionName);
    const qualifier = inputs.Qualifier === undefined ? undefined : asText(inputs.Qualifier);
    const invocationType = asText(inputs.InvocationType ?? 'RequestResponse');
    if (invocationType !== 'RequestResponse') throw new RehearsalStepError(`InvocationType ${invocationType}: the rehearsal only runs RequestResponse invocations`);
    let payload: unknown = inputs.InputPayload;
    if (payload === undefined && inputs.Payload !== undefined) {
      // Payload is the JSON text of the event; Lambda hands the handler the parsed value.
      payload = typeof inputs.Payload === 'string' ? safeJson(inputs.Payload) : inputs.Payload;
    }
    result.detail = functionName;
    const invoked = await this.deps.invokeFunction(functionName, payload ?? {}, { ...(qualifier ? { qualifier } : {}), logTail: inputs.LogType === 'Tail' });
    const payloadText = JSON.stringify(invoked.payload ?? null);
    result.outputs.StatusCode = 200;
    result.outputs.Payload = payloadText;
    result.outputs.OutputPayload = payloadText;
    result.outputs.ExecutedVersion = '$LATEST';
    if (invoked.logs !== undefined && inputs.LogType === 'Tail') result.outputs.LogResult = Buffer.from(invoked.logs.slice(-4096)).toString('base64');
    if (invoked.functionError) {
      result.outputs.FunctionError = invoked.functionError;
      throw new RehearsalStepError(`${functionName} failed (${invoked.functionError}): ${payloadText}`);
    }
    // Declared outputs select from the step's output, whose Payload is the function's (parsed) response.
    const view = { StatusCode: 200, Payload: invoked.payload, ExecutedVersion: '$LATEST' };
    for (const output of step.outputs) {
      const value = typedOutput(view, output.selector, output.type, output.name) ?? typedOutput(invoked.payload, output.selector, output.type, output.name);
      if (value === undefined) this.deps.reporter?.note?.(step.name, `output ${output.name}: ${output.selector} matched nothing`);
      else result.outputs[output.name] = value;
    }
  }

  private branch(step: StepModel, result: StepResult): void {
    const choices = Array.isArray(step.inputs.Choices) ? step.inputs.Choices : [];
    // A choice over an output its step left out is not taken (decision 171), where every other input fails its step.
    const absent: string[] = [];
    const resolve = (value: unknown): unknown => {
      try {
        return this.resolve(value);
      } catch (error) {
        if (!(error instanceof NoOutputError)) throw error;
        absent.push(error.message);
        return NO_OUTPUT;
      }
    };
    for (const [i, choice] of choices.entries()) {
      if (evaluateCondition(choice, resolve)) {
        result.next = asText((choice as { NextStep?: unknown }).NextStep);
        result.detail = `choice ${i + 1} is true -> ${result.next}`;
        return;
      }
    }
    for (const message of new Set(absent)) this.deps.reporter?.note?.(step.name, `${message}: its choice is not taken`);
    const fallback = typeof step.inputs.Default === 'string' ? step.inputs.Default : undefined;
    if (fallback !== undefined) {
      result.next = fallback;
      result.detail = `no choice is true -> Default ${fallback}`;
    } else {
      result.detail = step.isEnd ? 'no choice is true -> end (isEnd)' : 'no choice is true -> the next step';
    }
  }

  /**
   * As Automation does ("aws:updateVariable"): Name is variable:<name> of a declared variable, the Value's type is the
   * variable's (no conversion), a String is 1 to 512 characters. A Value whose reference cannot be resolved fails the
   * step, as every input does here, and the variable keeps the value it had.
   */
  private updateVariable(step: StepModel, result: StepResult): void {
    const inputs = this.resolve(step.inputs) as Record<string, unknown>;
    const name = /^variable:(.+)$/.exec(asText(inputs.Name))?.[1];
    if (name === undefined) throw new RehearsalStepError(`Name ${JSON.stringify(inputs.Name)} is not of the form variable:<name>`);
    const variable = this.model.variables[name];
    if (!variable) throw new RehearsalStepError(`the document declares no variable ${name}`);
    const value = inputs.Value;
    if (variable.type === 'String' && (typeof value !== 'string' || value.length < 1 || value.length > 512)) {
      throw new RehearsalStepError(`Value ${JSON.stringify(value)} is not a String of 1 to 512 characters, the type of variable ${name}`);
    }
    this.variableValues.set(name, value);
    result.detail = `${name} = ${JSON.stringify(value)}`;
  }

  private async sleep(step: StepModel, result: StepResult): Promise<void> {
    const inputs = this.resolve(step.inputs) as Record<string, unknown>;
    let ms: number;
    if (inputs.Duration !== undefined) {
      ms = durationMs(asText(inputs.Duration));
    } else {
      const until = Date.parse(asText(inputs.Timestamp));
      if (Number.isNaN(until)) throw new RehearsalStepError(`Timestamp ${JSON.stringify(inputs.Timestamp)} is not an ISO 8601 time`);
      ms = Math.max(0, until - this.deps.clock.now().getTime());
    }
    result.detail = `${Math.round(ms / 1000)} s`;
    await this.deps.clock.sleep(ms);
  }

  /**
   * As Automation does: with NotificationArn, the request is first published to that SNS topic ("Automation sends a
   * message to this topic letting principals know that they must either approve or reject", SSM User Guide,
   * "aws:approve"); only a listed approver's signal counts (a role ARN admits that role's sessions), and the step goes on
   * after MinRequiredApprovals distinct approvers approve; one rejection rejects it. A signal from anyone else is
   * refused, and the rehearsal fails the step rather than wait for the timeout.
   */
  private async approve(step: StepModel, result: StepResult): Promise<void> {
    const inputs = this.resolve(step.inputs) as Record<string, unknown>;
    const approvers = (Array.isArray(inputs.Approvers) ? inputs.Approvers : [inputs.Approvers]).map(asText).filter((a) => a !== '');
    if (approvers.length === 0) throw new RehearsalStepError('Approvers is empty: Automation needs at least one approver');
    const request: ApprovalRequest = {
      step: step.name,
      message: asText(inputs.Message ?? ''),
      approvers,
      minRequiredApprovals: Number(inputs.MinRequiredApprovals ?? 1),
    };
    if (inputs.NotificationArn !== undefined) {
      request.notified = await this.publishApprovalRequest(asText(inputs.NotificationArn), request);
      this.deps.reporter?.note?.(step.name, `approval request sent to ${request.notified}`);
    }
    const decisions: Array<{ approver: string; decision: string; comment?: string }> = [];
    const approvedBy = new Set<string>();
    result.outputs.ApproverDecisions = decisions;
    while (approvedBy.size < Math.max(1, request.minRequiredApprovals)) {
      const answer = await this.deps.approve(request);
      if (!isApprover(answer.approver, approvers)) {
        result.outputs.ApprovalStatus = 'Waiting';
        throw new RehearsalStepError(
          `${answer.approver} is not an approver of this step (${approvers.join(', ')}): Automation refuses the signal and the step waits until it times out`,
        );
      }
      decisions.push({ approver: answer.approver, decision: answer.approved ? 'Approve' : 'Reject', ...(answer.comment ? { comment: answer.comment } : {}) });
      if (!answer.approved) {
        result.outputs.ApprovalStatus = 'Rejected';
        result.detail = `rejected by ${answer.approver}`;
        throw new RehearsalStepError(`rejected by ${answer.approver}${answer.comment ? `: ${answer.comment}` : ''}`);
      }
      if (approvedBy.has(answer.approver)) {
        result.outputs.ApprovalStatus = 'Waiting';
        throw new RehearsalStepError(`${answer.approver} already approved: this step needs ${request.minRequiredApprovals} different approvers`);
      }
      approvedBy.add(answer.approver);
    }
    result.outputs.ApprovalStatus = 'Approved';
    result.detail = `approved by ${[...approvedBy].join(', ')}`;
  }

  /**
   * The approval request, published to the step's NotificationArn as the automation role would (sns:Publish; the topic's
   * name must start with "Automation", SSM User Guide "aws:approve"). Automation's own wording is not documented: this
   * one carries the step's Message, the approvers, and the signal command that answers it. A topic that cannot be
   * published to fails the step: nobody would be asked (what Automation does then is not documented either).
   */
  private async publishApprovalRequest(topicArn: string, request: ApprovalRequest): Promise<string> {
    const { region } = this.deps.context;
    const signal = (type: string): string =>
      `aws ssm send-automation-signal --automation-execution-id ${this.executionId} --signal-type ${type} --region ${region}`;
    const message = [
      `Automation execution ${this.executionId} is waiting at step ${request.step} for approval.`,
      '',
      request.message,
      '',
      `Approvers (${request.minRequiredApprovals} of them must approve): ${request.approvers.join(', ')}.`,
      `Approve: ${signal('Approve')}`,
      `Reject: ${signal('Reject')} --payload Comment="<why>"`,
    ].join('\n');
    try {
      await this.deps.callAws('sns', 'Publish', {
        TopicArn: topicArn,
        // SNS Subject: at most 100 printable ASCII characters (SNS Publish).
        Subject: `Approval needed: ${request.step} of automation ${this.executionId}`.slice(0, 100),
        Message: message,
      });
    } catch (error) {
      const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new RehearsalStepError(`the approval request could not be published to ${topicArn} (${why}): no approver would be asked, so the step fails`);
    }
    return topicArn;
  }

  /** Invoke steps whose FunctionName is known before running (parameters and system variables only). */
  preflightFunctions(): string[] {
    const names: string[] = [];
    for (const step of allSteps(this.model.steps)) {
      if (step.action !== 'aws:invokeLambdaFunction') continue;
      const refs = referencesIn(step.inputs.FunctionName);
      if (refs.some((r) => r.target.kind === 'step-output')) continue;
      names.push(asText(this.resolve(step.inputs.FunctionName)));
    }
    return names;
  }
}

/** A listed principal: the same ARN, or a session of a listed role (arn:aws:sts::A:assumed-role/R/S for arn:aws:iam::A:role/[path/]R). */
export function isApprover(principal: string, approvers: readonly string[]): boolean {
  if (approvers.includes(principal)) return true;
  const session = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(principal);
  if (!session) return false;
  const [, partition, account, role] = session;
  return approvers.some((a) => new RegExp(`^arn:${partition}:iam::${account}:role/(.*/)?${role?.replace(/[.+]/g, '\\$&')}$`).test(a));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Parameter Store references ({{ ssm:/name }}) anywhere in the document. */
function parameterStoreNames(model: RunbookModel, parameters: Record<string, unknown>): string[] {
  const refs = [...referencesIn(parameters), ...allSteps(model.steps).flatMap((s) => referencesIn(s.inputs))];
  return [...new Set(refs.flatMap((r) => (r.target.kind === 'parameter-store' ? [r.target.name] : [])))];
}

/**
 * Rehearses a document with typed parameter values (see resolveParameters). Refuses, before any step runs, a document
 * with an action it does not run or a Lambda it cannot invoke; otherwise runs until the document ends or fails.
 */
export async function rehearse(model: RunbookModel, parameters: Record<string, unknown>, deps: RehearsalDeps): Promise<RehearsalResult> {
  const unsupported = unsupportedSteps(model);
  if (unsupported.length > 0) throw new UnsupportedActionError(unsupported);
  const parameterStore = new Map<string, unknown>();
  for (const name of parameterStoreNames(model, parameters)) {
    const response = normalizeResponse(await deps.callAws('ssm', 'GetParameter', { Name: name })) as { Parameter?: { Value?: string } };
    parameterStore.set(name, response.Parameter?.Value);
  }
  const values = { ...parameters };
  const execution = new Execution(model, values, deps, parameterStore);
  // {{ ssm:... }} defaults of parameters resolve like any reference.
  for (const [name, value] of Object.entries(values)) values[name] = execution.resolve(value);
  for (const name of execution.preflightFunctions()) deps.checkFunction?.(name);
  return execution.run();
}

/** The actions the linter knows but the rehearsal does not run (for help texts). */
export const UNSUPPORTED_ACTIONS = Object.keys(ACTIONS).filter((a) => !(SUPPORTED_ACTIONS as readonly string[]).includes(a));
