// aws:approve: approvers that can approve, and, in a document that declares itself approval-gated, no way to reach a
// step that changes something without an approval first. Pure.
//
// aws:approve page of the Automation actions reference: Approvers is required, at most 10 principals;
// MinRequiredApprovals defaults to 1, "must be a positive number" and "can't exceed the number of approvers defined by
// the Approvers parameter". A rejected approval fails the step, so its onFailure (Continue, or step:NAME) and onCancel
// edges are paths that did not pass the approval.
import type { RunbookModel, StepModel } from '../document';
import type { FlowGraph } from '../flow';
import { allSteps } from '../document';
import { substitute, weakest } from './placeholders';

export const MAX_APPROVERS = 10;

/** A document declares itself approval-gated with a description line "Approval-gated: ..." (bold allowed). */
export const APPROVAL_GATED = /^\s*(?:\*\*|__)?Approval-gated(?:\*\*|__)?\s*:/im;

export function isApprovalGated(model: RunbookModel): boolean {
  return APPROVAL_GATED.test(model.description ?? '');
}

// Operation-name prefixes of APIs that only read (AWS's naming convention across services).
const READ_ONLY_API = /^(Describe|Get|List|Search|Lookup|BatchGet|Query|Scan|Select|Check|Validate|Test|Estimate|Preview|View)[A-Z]?/;

/** Whether a step changes something: yes, no, or maybe (a script, a Lambda, a command, a child automation: unknown statically). */
export type Change = 'yes' | 'no' | 'maybe';

export function changesSomething(step: StepModel): Change {
  switch (step.action) {
    case 'aws:approve':
    case 'aws:branch':
    case 'aws:sleep':
    case 'aws:pause':
    case 'aws:loop':
    case 'aws:updateVariable':
    case 'aws:waitForAwsResourceProperty':
    case 'aws:assertAwsResourceProperty':
      return 'no';
    case 'aws:executeAwsApi': {
      const api = step.inputs.Api;
      if (typeof api !== 'string' || api.includes('{{')) return 'maybe';
      const pascal = api.replace(/^[a-z]/, (c) => c.toUpperCase()).replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      return READ_ONLY_API.test(pascal) ? 'no' : 'yes';
    }
    case 'aws:changeInstanceState':
      return step.inputs.CheckStateOnly === true || step.inputs.CheckStateOnly === 'true' ? 'no' : 'yes';
    case 'aws:executeScript':
      return scriptChanges(step);
    case 'aws:invokeLambdaFunction':
    case 'aws:runCommand':
    case 'aws:executeAutomation':
    case 'aws:executeStateMachine':
    case 'aws:invokeWebhook':
      return 'maybe';
    default:
      return 'yes';
  }
}

const SCRIPT_CLIENT = /\b(\w+)\s*=\s*boto3\.client\(/g;
// What else reaches the network or AWS from Python: a script using any of them may change something.
const SCRIPT_OTHER_WAYS = /\bboto3\.(?!client\()|\bbotocore\b|\b(subprocess|urllib|requests|http|socket|os\.system)\b/;

/**
 * An inline Python script changes nothing when it calls AWS only through clients it assigns from boto3.client(...) and
 * only their read-only methods (describe_..., get_..., list_...: READ_ONLY_API), each client name used for nothing else
 * (passed on, it could be called under another name). Anything else - another way out, a write, a client passed on -
 * is "maybe", as before.
 */
function scriptChanges(step: StepModel): Change {
  const script = step.inputs.Script;
  if (typeof script !== 'string' || !/^python/.test(String(step.inputs.Runtime ?? '')) || SCRIPT_OTHER_WAYS.test(script)) return 'maybe';
  const code = script.replace(/'[^'\n]*'|"[^"\n]*"/g, "''");
  const clients = [...code.matchAll(SCRIPT_CLIENT)].map((m) => m[1] as string);
  if ((code.match(/\bboto3\./g) ?? []).length !== clients.length) return 'maybe';
  for (const client of new Set(clients)) {
    const uses = (code.match(new RegExp(`\\b${client}\\b`, 'g')) ?? []).length;
    const calls = [...code.matchAll(new RegExp(`\\b${client}\\.([a-z][a-z0-9_]*)\\(`, 'g'))].map((m) => m[1] as string);
    const assignments = clients.filter((c) => c === client).length;
    if (uses !== assignments + calls.length) return 'maybe';
    const pascal = (method: string): string => method.replace(/(^|_)([a-z])/g, (_, __: string, c: string) => c.toUpperCase());
    if (!calls.every((method) => READ_ONLY_API.test(pascal(method)))) return 'maybe';
  }
  return 'no';
}

export interface ApprovalProblem {
  step: StepModel;
  severity: 'error' | 'warning';
  rule: string;
  message: string;
  path: Array<string | number>;
}

const count = (value: unknown): number | undefined => {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  return undefined;
};

/** Approvers present and not empty, at most 10, and MinRequiredApprovals between 1 and their number when both are known. */
export function approverProblems(model: RunbookModel): ApprovalProblem[] {
  const problems: ApprovalProblem[] = [];
  for (const step of allSteps(model.steps).filter((s) => s.action === 'aws:approve')) {
    const at = (key: string): Array<string | number> => [...step.path, 'inputs', key];
    const approvers = substitute(step.inputs.Approvers, model);
    const minimum = substitute(step.inputs.MinRequiredApprovals, model);
    const approversKnown = step.inputs.Approvers !== undefined && weakest(approvers.substitutions) === 'known';
    const list = Array.isArray(approvers.value) ? approvers.value : typeof approvers.value === 'string' ? [approvers.value] : undefined;
    const fromDefault = (s: typeof approvers): string => (s.substitutions.length ? ' (the parameter default)' : '');
    if (approversKnown && list) {
      if (list.length === 0) {
        problems.push({ step, severity: 'error', rule: 'approval-impossible', message: `inputs.Approvers is empty${fromDefault(approvers)}: nobody can approve, so the automation waits until it times out`, path: at('Approvers') });
      } else if (list.length > MAX_APPROVERS) {
        problems.push({ step, severity: 'error', rule: 'too-many-approvers', message: `inputs.Approvers names ${list.length} principals${fromDefault(approvers)}; aws:approve takes at most ${MAX_APPROVERS}`, path: at('Approvers') });
      }
    }
    const wanted = step.inputs.MinRequiredApprovals === undefined ? 1 : weakest(minimum.substitutions) === 'known' ? count(minimum.value) : undefined;
    if (wanted !== undefined && wanted < 1) {
      problems.push({ step, severity: 'error', rule: 'approval-impossible', message: `inputs.MinRequiredApprovals is ${wanted}${fromDefault(minimum)}: it must be a positive number`, path: at('MinRequiredApprovals') });
    } else if (wanted !== undefined && approversKnown && list && list.length > 0 && wanted > list.length) {
      problems.push({
        step,
        severity: 'error',
        rule: 'approval-impossible',
        message: `inputs.MinRequiredApprovals is ${wanted}${fromDefault(minimum)} but inputs.Approvers names only ${list.length}${fromDefault(approvers)} (${list.map(String).join(', ')}): the approval can never be given`,
        path: at('MinRequiredApprovals'),
      });
    }
  }
  return problems;
}

/** Where a step goes when it fails or is cancelled (a rejected approval fails its step): paths that skip its approval. */
function failureEdges(step: StepModel, siblings: readonly StepModel[], parentLoop: StepModel | undefined, graph: FlowGraph): string[] {
  const inOrder = siblings[siblings.indexOf(step) + 1]?.name ?? parentLoop?.name;
  const afterSuccess = step.isEnd ? undefined : (step.nextStep ?? inOrder);
  const failure: string[] = [];
  if (step.onFailure === 'Continue' && afterSuccess !== undefined) failure.push(afterSuccess);
  if (step.onFailure?.startsWith('step:')) failure.push(step.onFailure.slice('step:'.length));
  if (step.onCancel?.startsWith('step:')) failure.push(step.onCancel.slice('step:'.length));
  return failure.filter((name) => graph.byName.has(name));
}

/**
 * In an approval-gated document: each step that changes something and can be reached from the first step without
 * passing an aws:approve (its success edge), with the path that gets there.
 */
export function ungatedChanges(model: RunbookModel, graph: FlowGraph): Array<{ step: StepModel; path: string[]; change: Exclude<Change, 'no'> }> {
  if (graph.entry === undefined) return [];
  const owner = new Map<string, { siblings: StepModel[]; loop?: StepModel }>();
  const index = (steps: StepModel[], loop?: StepModel): void => {
    for (const step of steps) {
      if (!owner.has(step.name)) owner.set(step.name, loop ? { siblings: steps, loop } : { siblings: steps });
      index(step.loopSteps, step);
    }
  };
  index(model.steps);
  const cameFrom = new Map<string, string | undefined>([[graph.entry, undefined]]);
  const pending = [graph.entry];
  const found: Array<{ step: StepModel; path: string[]; change: Exclude<Change, 'no'> }> = [];
  for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
    const step = graph.byName.get(name);
    if (!step) continue;
    const change = changesSomething(step);
    if (change !== 'no') {
      const path: string[] = [];
      for (let at: string | undefined = name; at !== undefined; at = cameFrom.get(at)) path.unshift(at);
      found.push({ step, path, change });
    }
    const place = owner.get(name);
    const next =
      step.action === 'aws:approve' && place ? failureEdges(step, place.siblings, place.loop, graph) : [...(graph.successors.get(name) ?? [])];
    for (const target of next) {
      if (cameFrom.has(target)) continue;
      cameFrom.set(target, name);
      pending.push(target);
    }
  }
  return found;
}

/** Approvers a requester chooses: in an approval-gated document, the one who starts it can name themselves. */
export function approversFromParameters(model: RunbookModel): ApprovalProblem[] {
  return allSteps(model.steps)
    .filter((s) => s.action === 'aws:approve')
    .flatMap((step) => {
      const parameters = substitute(step.inputs.Approvers, model)
        .substitutions.filter((s) => model.parameters[s.expression] !== undefined)
        .map((s) => s.expression);
      return parameters.length
        ? [
            {
              step,
              severity: 'warning' as const,
              rule: 'approvers-from-parameter',
              message: `inputs.Approvers comes from parameter ${parameters.join(', ')}: whoever starts the automation chooses who approves it (fix approvers in the document)`,
              path: [...step.path, 'inputs', 'Approvers'],
            },
          ]
        : [];
    });
}
