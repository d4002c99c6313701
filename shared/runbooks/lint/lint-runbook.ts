// Lints one SSM Automation document: structure (JSON Schema) and meaning (actions, flow, references, APIs, role).
//
// Errors are what AWS would refuse or what would fail at run time; warnings are style and risk. AWS-authored
// documents (test/fixtures/ssm-documents/aws) lint with zero errors: anything AWS accepts must not be an error here.
import type { ErrorObject } from 'ajv';
import { ACTIONS, CURRENT_SCRIPT_RUNTIMES, PROPERTY_ACTION_INPUTS, RETIRED_SCRIPT_RUNTIMES } from '../actions';
import { conditionProblems, operandTypeProblems } from '../conditions';
import { allSteps, type LoadedRunbook, type ParameterModel, type PathSegment, type RunbookModel, type StepModel } from '../document';
import { canRunBefore, flowGraph, reachableFrom, stepTargets, type FlowGraph } from '../flow';
import { SYSTEM_VARIABLES, classifyReference, referencesIn, type Reference } from '../references';
import { sdkCatalog, type SdkCatalog } from '../sdk-catalog';
import { sdkModels } from '../sdk-model';
import { apiInputProblems, selectorProblem } from './api-inputs';
import { selectorProblems } from '../selectors';
import { approverProblems, approversFromParameters, isApprovalGated, ungatedChanges } from './approvals';
import { automationSchemaValidator } from './automation-schema';
import { DOCUMENT_BUDGET_BYTES, SSM_DOCUMENT_MAX_BYTES, documentBytes, runtimeParametersMaxLength, updateVariableProblems } from './document-limits';
import { iamActionForApi, isGranted, type PolicyDocument } from './iam-policy';
import { describeSubstitutions, hasPlaceholder, placeholderType, substitute, weakest, type Substitution } from './placeholders';

export type Severity = 'error' | 'warning';

export interface Finding {
  severity: Severity;
  /** Stable id of the check, e.g. "missing-target". */
  rule: string;
  file: string;
  step?: string;
  line?: number;
  message: string;
}

export interface LintOptions {
  /** The IAM policy the automation's role is granted; without it the role check is skipped. */
  policy?: { file: string; document: PolicyDocument };
  catalog?: SdkCatalog;
}

const PARAMETER_TYPES = new Set(['String', 'StringList', 'Boolean', 'Integer', 'MapList', 'StringMap']);
const ISO_8601_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
// Automation allows at most 100 iterations per aws:loop (aws:loop page of the actions reference).
const MAX_LOOP_ITERATIONS = 100;

const isReferenceOnly = (value: unknown): boolean => typeof value === 'string' && /^\s*\{\{[^}]+\}\}\s*$/.test(value);

class Collector {
  readonly findings: Finding[] = [];
  constructor(private readonly runbook: LoadedRunbook) {}

  add(severity: Severity, rule: string, message: string, at: { step?: StepModel | string; path?: readonly PathSegment[] } = {}): void {
    const step = typeof at.step === 'string' ? at.step : at.step?.name;
    const path = at.path ?? (typeof at.step === 'object' ? at.step.path : undefined);
    const finding: Finding = { severity, rule, file: this.runbook.file, message };
    if (step !== undefined) finding.step = step;
    const line = path ? this.runbook.lineOf(path) : undefined;
    if (line !== undefined) finding.line = line;
    this.findings.push(finding);
  }
}

/** "mainSteps/2/inputs/Steps/0/inputs" -> the innermost step it is inside, and the rest of the path. */
function stepAt(model: RunbookModel | undefined, pointer: string): { step?: StepModel; rest: string } {
  const segments = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let steps = model?.steps ?? [];
  let found: StepModel | undefined;
  let consumed = 0;
  for (let i = 0; i < segments.length; i += 1) {
    const key = segments[i];
    const isStepList = (i === 0 && key === 'mainSteps') || (found !== undefined && key === 'Steps' && segments[i - 1] === 'inputs');
    if (isStepList && i + 1 < segments.length) {
      const step = steps.find((s) => s.index === Number(segments[i + 1]));
      if (!step) break;
      found = step;
      steps = step.loopSteps;
      consumed = i + 2;
      i += 1;
    }
  }
  const rest = segments
    .slice(found ? consumed : 0)
    .map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : `${i === 0 ? '' : '.'}${s}`))
    .join('');
  return found ? { step: found, rest } : { rest };
}

function schemaMessage(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown property "${String(params.additionalProperty)}"`;
    case 'required':
      return `missing required property "${String(params.missingProperty)}"`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'anyOf':
    case 'oneOf':
      return 'is not one of the forms AWS accepts here';
    default:
      return error.message ?? error.keyword;
  }
}

// Optional sections AWS treats as absent when they are present with no value (`outputs:` on a line of its own).
const OPTIONAL_SECTIONS = ['parameters', 'outputs', 'files', 'variables'];
const OPTIONAL_STEP_SECTIONS = ['outputs'];
const isEmpty = (value: unknown): boolean => value === null || value === '';

/** The document as AWS reads it: optional sections with no value removed, at the top and in every step. */
export function withoutEmptySections(content: unknown): unknown {
  if (!isRecord(content)) return content;
  const copy: Record<string, unknown> = Object.fromEntries(Object.entries(content).filter(([key, value]) => !(OPTIONAL_SECTIONS.includes(key) && isEmpty(value))));
  const withoutInSteps = (steps: unknown): unknown =>
    Array.isArray(steps)
      ? steps.map((step) => {
          if (!isRecord(step)) return step;
          const kept: Record<string, unknown> = Object.fromEntries(Object.entries(step).filter(([key, value]) => !(OPTIONAL_STEP_SECTIONS.includes(key) && isEmpty(value))));
          if (isRecord(kept.inputs) && Array.isArray(kept.inputs.Steps)) kept.inputs = { ...kept.inputs, Steps: withoutInSteps(kept.inputs.Steps) };
          return kept;
        })
      : steps;
  if ('mainSteps' in copy) copy.mainSteps = withoutInSteps(copy.mainSteps);
  return copy;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

// Keywords about which keys a map has: substituting values cannot change them.
const STRUCTURAL_KEYWORDS = new Set(['required', 'additionalProperties']);
const startsWith = (path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean => prefix.every((segment, i) => String(path[i]) === String(segment));

/**
 * Validates the document after Automation's substitution of `{{ placeholders }}` in the steps (AWS validates a
 * step's inputs after substituting them). An error that depends on a placeholder is an error only when the value is
 * known (the parameter's default); otherwise it cannot be decided statically and is a warning.
 */
function checkSchema(runbook: LoadedRunbook, content: unknown, out: Collector): void {
  const validate = automationSchemaValidator();
  let substitutions: Substitution[] = [];
  let validated = content;
  if (runbook.model && isRecord(content) && Array.isArray(content.mainSteps)) {
    const substituted = substitute(content.mainSteps, runbook.model, [], { scalarsAsText: true });
    substitutions = substituted.substitutions.map((s) => ({ ...s, path: ['mainSteps', ...(s.path ?? [])] }));
    validated = { ...content, mainSteps: substituted.value };
  }
  if (validate(validated)) return;
  const errors = validate.errors ?? [];
  // An anyOf/oneOf failure stands for its branches' failures: report it once, not every branch.
  const umbrellas = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.schemaPath);
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    if (umbrellas.some((u) => error.schemaPath !== u && error.schemaPath.startsWith(`${u}/`))) continue;
    const { step, rest } = stepAt(runbook.model, error.instancePath);
    const where = rest === '' ? (step ? 'step' : 'document') : rest;
    const path = error.instancePath
      .split('/')
      .slice(1)
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const involved = STRUCTURAL_KEYWORDS.has(error.keyword) ? [] : substitutions.filter((s) => startsWith(s.path ?? [], path) || startsWith(path, s.path ?? []));
    const decided = weakest(involved) === 'known';
    const found = `${where}: ${schemaMessage(error)}`;
    const message = involved.length === 0 ? found : decided ? `${found} after substitution (${describeSubstitutions(involved)})` : `cannot be decided before run time: ${found} (${describeSubstitutions(involved)})`;
    const key = `${step?.name ?? ''}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.add(decided ? 'error' : 'warning', decided ? 'schema' : 'undecidable-value', message, { ...(step ? { step } : {}), path });
  }
}

function checkDocument(model: RunbookModel, out: Collector): void {
  if (!model.description?.trim()) {
    out.add('warning', 'missing-description', 'the document has no description: say what it does, when to run it and what it changes', { path: [] });
  }
  if (model.assumeRole === undefined) {
    out.add('warning', 'no-assume-role', 'no assumeRole: the automation runs with the permissions of whoever starts it', { path: [] });
  }
  if (model.steps.length === 0) out.add('error', 'no-steps', 'mainSteps is empty: AWS needs at least one step', { path: ['mainSteps'] });
}

function compilePattern(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    try {
      return new RegExp(pattern);
    } catch {
      return undefined;
    }
  }
}

function checkParameters(model: RunbookModel, out: Collector): void {
  for (const parameter of Object.values(model.parameters)) {
    const path = ['parameters', parameter.name];
    if (!parameter.description?.trim()) out.add('warning', 'missing-description', `parameter ${parameter.name} has no description`, { path });
    const stringLike = parameter.type === 'String' || parameter.type === 'StringList';
    if (stringLike && parameter.allowedPattern === undefined && parameter.allowedValues === undefined) {
      out.add('warning', 'unconstrained-parameter', `parameter ${parameter.name} accepts any text: add an allowedPattern or allowedValues`, { path });
    }
    if (parameter.allowedPattern !== undefined) {
      const pattern = compilePattern(parameter.allowedPattern);
      if (!pattern) {
        out.add('warning', 'unchecked-pattern', `parameter ${parameter.name}: allowedPattern ${JSON.stringify(parameter.allowedPattern)} is not a regular expression this linter can run`, {
          path: [...path, 'allowedPattern'],
        });
      } else if (parameter.hasDefault) {
        checkDefault(parameter, pattern, out);
      }
    }
  }
}

function checkDefault(parameter: ParameterModel, pattern: RegExp, out: Collector): void {
  const values = Array.isArray(parameter.default) ? parameter.default : [parameter.default];
  for (const value of values) {
    if (typeof value !== 'string' || /\{\{[^}]+\}\}/.test(value)) continue;
    if (!pattern.test(value)) {
      out.add(
        'warning',
        'default-not-allowed',
        `parameter ${parameter.name}: default ${JSON.stringify(value)} does not match its own allowedPattern, so starting without it fails`,
        { path: ['parameters', parameter.name, 'default'] },
      );
    }
  }
}

function checkSteps(model: RunbookModel, out: Collector): void {
  const seen = new Map<string, StepModel>();
  for (const step of allSteps(model.steps)) {
    const first = seen.get(step.name);
    if (first) out.add('error', 'duplicate-step', `step name ${step.name} is used twice (also at mainSteps position ${first.index + 1}): step names must be unique`, { step });
    else seen.set(step.name, step);

    const spec = ACTIONS[step.action];
    if (!spec) {
      out.add('error', 'unknown-action', `unknown action ${JSON.stringify(step.action)}: Automation actions are ${Object.keys(ACTIONS).join(', ')}`, {
        step,
        path: [...step.path, 'action'],
      });
      continue;
    }
    for (const input of spec.required) {
      if (!(input in step.inputs)) out.add('error', 'missing-input', `${step.action} needs input ${input}`, { step, path: [...step.path, 'inputs'] });
    }
    for (const group of spec.oneOf ?? []) {
      if (!group.some((input) => input in step.inputs)) {
        out.add('error', 'missing-input', `${step.action} needs one of the inputs ${group.join(', ')}`, { step, path: [...step.path, 'inputs'] });
      }
    }
    const outputNames = new Set<string>();
    step.outputs.forEach((output, i) => {
      const path = [...step.path, 'outputs', i];
      if (outputNames.has(output.name)) out.add('error', 'duplicate-output', `output ${output.name} is declared twice`, { step, path });
      outputNames.add(output.name);
      if (!output.selector.trim().startsWith('$')) {
        out.add('error', 'invalid-selector', `output ${output.name}: Selector ${JSON.stringify(output.selector)} is not a JSONPath (it must start with $)`, { step, path });
      }
      if (!PARAMETER_TYPES.has(output.type)) {
        out.add('error', 'invalid-output-type', `output ${output.name}: Type ${output.type} is not one of ${[...PARAMETER_TYPES].join(', ')}`, { step, path });
      }
    });
    // Only the JSONPath operators Automation documents, and no selection inside a Lambda's Payload text (selectors.ts).
    for (const problem of selectorProblems(step)) out.add('error', problem.rule, problem.message, { step, path: problem.path });
    checkActionInputs(model, step, out);
  }
}

/**
 * Checks a typed value after substitution: an error when the value is decided (no placeholder, or the parameter's
 * default), a warning when it is not (only a type, an allowedPattern sample, or nothing is known).
 */
function checkTyped(
  model: RunbookModel,
  raw: unknown,
  at: { step: StepModel; path: PathSegment[] },
  out: Collector,
  rule: string,
  problem: (value: unknown) => string | undefined,
  skipKeys: readonly string[] = [],
): void {
  const { value, substitutions } = substitute(raw, model, skipKeys);
  const found = problem(value);
  if (found === undefined) return;
  if (substitutions.length === 0) {
    out.add('error', rule, found, at);
  } else if (weakest(substitutions) === 'known') {
    out.add('error', rule, `${found} after substitution (${describeSubstitutions(substitutions)})`, at);
  } else {
    out.add('warning', 'undecidable-value', `cannot be decided before run time: ${found} (${describeSubstitutions(substitutions)})`, at);
  }
}

function checkActionInputs(model: RunbookModel, step: StepModel, out: Collector): void {
  const inputs = step.inputs;
  const at = (key: string): { step: StepModel; path: PathSegment[] } => ({ step, path: [...step.path, 'inputs', key] });
  switch (step.action) {
    case 'aws:branch': {
      const choices = Array.isArray(inputs.Choices) ? inputs.Choices : [];
      choices.forEach((choice, i) => {
        // The Variable is read at run time; the operands are checked after substitution.
        for (const problem of conditionProblems(choice, `inputs.Choices[${i}]`)) {
          if (!hasPlaceholderOperand(choice)) out.add('error', 'invalid-condition', problem, { step, path: [...step.path, 'inputs', 'Choices', i] });
        }
        if (hasPlaceholderOperand(choice)) {
          checkTyped(model, choice, { step, path: [...step.path, 'inputs', 'Choices', i] }, out, 'invalid-condition', (value) => conditionProblems(value, `inputs.Choices[${i}]`)[0], ['Variable', 'NextStep']);
        }
        for (const problem of operandTypeProblems(choice, `inputs.Choices[${i}]`, (expression) => placeholderType(expression, model))) {
          out.add('error', 'condition-operand-type', problem, { step, path: [...step.path, 'inputs', 'Choices', i] });
        }
      });
      break;
    }
    case 'aws:loop': {
      if (inputs.LoopCondition !== undefined) {
        checkTyped(model, inputs.LoopCondition, at('LoopCondition'), out, 'invalid-condition', (value) => conditionProblems(value, 'inputs.LoopCondition')[0], ['Variable']);
      }
      if (inputs.MaxIterations !== undefined) {
        checkTyped(model, inputs.MaxIterations, at('MaxIterations'), out, 'loop-iterations', (value) => {
          const max = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : undefined;
          if (max === undefined) return `inputs.MaxIterations: ${JSON.stringify(value)} is not a whole number`;
          return max < 1 || max > MAX_LOOP_ITERATIONS ? `inputs.MaxIterations: ${max} is outside 1..${MAX_LOOP_ITERATIONS}, the most aws:loop allows` : undefined;
        });
      }
      break;
    }
    case 'aws:sleep': {
      if (inputs.Duration !== undefined) {
        checkTyped(model, inputs.Duration, at('Duration'), out, 'invalid-duration', (value) =>
          typeof value === 'string' && !ISO_8601_DURATION.test(value) ? `inputs.Duration: ${JSON.stringify(value)} is not an ISO 8601 duration such as PT5M` : undefined,
        );
      }
      break;
    }
    case 'aws:executeScript': {
      const runtime = inputs.Runtime;
      if (typeof runtime !== 'string' || isReferenceOnly(runtime)) break;
      const retired = RETIRED_SCRIPT_RUNTIMES[runtime];
      if (retired !== undefined) {
        out.add('warning', 'retired-runtime', `inputs.Runtime: ${runtime} is retired for aws:executeScript (${retired}): use python3.11`, at('Runtime'));
      } else if (!CURRENT_SCRIPT_RUNTIMES.includes(runtime)) {
        out.add('warning', 'unknown-runtime', `inputs.Runtime: ${runtime} is not an aws:executeScript runtime this linter knows (${CURRENT_SCRIPT_RUNTIMES.join(', ')})`, at('Runtime'));
      }
      if (runtime.startsWith('python') && inputs.Handler === undefined) out.add('error', 'missing-input', 'a Python aws:executeScript needs input Handler', at('Runtime'));
      break;
    }
    default:
      break;
  }
}

/** Does a condition have a {{ placeholder }} anywhere but its Variable and NextStep? */
function hasPlaceholderOperand(condition: unknown): boolean {
  if (typeof condition === 'string') return hasPlaceholder(condition);
  if (Array.isArray(condition)) return condition.some(hasPlaceholderOperand);
  if (isRecord(condition)) return Object.entries(condition).some(([key, value]) => key !== 'Variable' && key !== 'NextStep' && hasPlaceholderOperand(value));
  return false;
}

function checkFlow(model: RunbookModel, graph: FlowGraph, out: Collector): void {
  for (const step of allSteps(model.steps)) {
    for (const target of stepTargets(step)) {
      if (!graph.byName.has(target.target)) {
        out.add('error', 'missing-target', `${target.field} names step ${JSON.stringify(target.target)}, which does not exist`, { step, path: target.path });
      }
    }
  }
  if (graph.entry === undefined) return;
  const reachable = reachableFrom(graph, graph.entry);
  for (const step of allSteps(model.steps)) {
    if (!reachable.has(step.name)) {
      out.add('warning', 'unreachable-step', `no path leads to this step (no nextStep, choice, onFailure or onCancel names it and the step before it ends the flow)`, { step });
    }
  }
}

function checkApprovals(model: RunbookModel, graph: FlowGraph, out: Collector): void {
  for (const problem of approverProblems(model)) out.add(problem.severity, problem.rule, problem.message, { step: problem.step, path: problem.path });
  if (!isApprovalGated(model)) return;
  for (const { step, path, change } of ungatedChanges(model, graph)) {
    const what = `${step.name} (${step.action}${typeof step.inputs.Api === 'string' ? ` ${String(step.inputs.Service)} ${step.inputs.Api}` : ''})`;
    const route = path.join(' -> ');
    if (change === 'yes') {
      out.add('error', 'ungated-change', `the document declares itself approval-gated, but ${what} changes something and is reached without an approval: ${route}`, { step });
    } else {
      out.add('warning', 'possibly-ungated-change', `the document declares itself approval-gated, and ${what} may change something (the linter cannot tell) and is reached without an approval: ${route}`, { step });
    }
  }
  for (const problem of approversFromParameters(model)) out.add(problem.severity, problem.rule, problem.message, { step: problem.step, path: problem.path });
}

interface ReferenceContext {
  model: RunbookModel;
  graph: FlowGraph;
  /** The step the reference is in (undefined for document-level places). */
  from?: StepModel;
}

function suggest(name: string, candidates: Iterable<string>): string {
  const lower = name.toLowerCase();
  const match = [...candidates].find((c) => c.toLowerCase() === lower);
  return match ? ` (did you mean ${match}?)` : '';
}

function checkReference(ref: Reference, ctx: ReferenceContext, out: Collector, soft = false): void {
  const { model, graph, from } = ctx;
  const at = { ...(from ? { step: from } : {}), path: ref.path };
  const severity: Severity = soft ? 'warning' : 'error';
  const target = ref.target;
  switch (target.kind) {
    case 'system':
      if (!SYSTEM_VARIABLES.some((v) => v.toLowerCase() === target.name.toLowerCase())) {
        out.add('warning', 'unknown-system-variable', `{{ ${ref.expression} }} is not a documented Automation system variable (${SYSTEM_VARIABLES.join(', ')})`, at);
      }
      return;
    case 'parameter-store':
      return;
    case 'variable':
      if (!(target.name in model.variables)) out.add(severity, 'undefined-reference', `{{ ${ref.expression} }}: the document declares no variable ${target.name}`, at);
      return;
    case 'parameter':
      if (target.name in model.parameters) return;
      // Rate-controlled aws:runCommand substitutes each target's id for {{ RESOURCE_ID }} (aws:runCommand page).
      if (target.name === 'RESOURCE_ID' && from?.action === 'aws:runCommand') return;
      out.add(severity, 'undefined-reference', `{{ ${ref.expression} }} is not a parameter of this document${suggest(target.name, Object.keys(model.parameters))}`, at);
      return;
    case 'step-output': {
      const step = graph.byName.get(target.step);
      if (!step) {
        const isParameter = target.step in model.parameters;
        out.add(
          severity,
          'undefined-reference',
          isParameter
            ? `{{ ${ref.expression} }}: parameters have no fields; ${target.step} is a parameter`
            : `{{ ${ref.expression} }} names step ${target.step}, which does not exist${suggest(target.step, graph.byName.keys())}`,
          at,
        );
        return;
      }
      const declared = step.outputs.map((o) => o.name);
      const implicit = ACTIONS[step.action]?.implicitOutputs ?? [];
      if (!declared.includes(target.output) && !implicit.includes(target.output)) {
        const known = [...declared, ...implicit];
        out.add(
          severity,
          'unknown-output',
          `{{ ${ref.expression} }}: step ${step.name} (${step.action}) has no output ${target.output}${known.length ? ` (it has ${known.join(', ')})` : ' (it has no outputs)'}`,
          at,
        );
        return;
      }
      if (from && !canRunBefore(graph, step.name, from.name) && !(step.action === 'aws:loop' && from.parentLoop === step.name)) {
        out.add(severity, 'output-not-yet-available', `{{ ${ref.expression} }}: step ${step.name} never runs before ${from.name}, so its output cannot be read here`, at);
      }
      return;
    }
  }
}

function checkReferences(model: RunbookModel, graph: FlowGraph, out: Collector): void {
  for (const step of allSteps(model.steps)) {
    const ctx: ReferenceContext = { model, graph, from: step };
    const { Script, Steps, ...inputs } = step.inputs;
    // A loop's body steps are checked as steps of their own.
    const scanned = step.action === 'aws:loop' ? inputs : { ...inputs, ...(Steps !== undefined ? { Steps } : {}) };
    for (const ref of referencesIn(scanned, [...step.path, 'inputs'])) checkReference(ref, ctx, out);
    // Script text is code: a {{ }} there may be the script's own, so an unresolved one is only a warning.
    if (typeof Script === 'string') for (const ref of referencesIn(Script, [...step.path, 'inputs', 'Script'])) checkReference(ref, ctx, out, true);
  }
  const documentLevel: ReferenceContext = { model, graph };
  if (model.assumeRole !== undefined) for (const ref of referencesIn(model.assumeRole, ['assumeRole'])) checkReference(ref, documentLevel, out);
  model.outputs.forEach((output, i) => {
    const ref: Reference = { expression: output, target: classifyReference(output), path: ['outputs', i], whole: true };
    if (ref.target.kind !== 'step-output') {
      out.add('error', 'invalid-output', `outputs[${i}]: ${JSON.stringify(output)} must name a step output as StepName.OutputName`, { path: ref.path });
    } else {
      checkReference(ref, documentLevel, out);
    }
  });
}

function literal(value: unknown): string | undefined {
  return typeof value === 'string' && !/\{\{/.test(value) ? value : undefined;
}

function checkApis(model: RunbookModel, catalog: SdkCatalog, out: Collector): void {
  for (const step of allSteps(model.steps)) {
    if (!ACTIONS[step.action]?.callsApi) continue;
    const service = literal(step.inputs.Service);
    const api = literal(step.inputs.Api);
    if (service === undefined || api === undefined) continue;
    const check = catalog.checkApi(service, api);
    const at = { step, path: [...step.path, 'inputs', 'Api'] };
    switch (check.status) {
      case 'found':
        checkApiShapes(model, step, service, check.operation, catalog, out);
        break;
      case 'unknown-api':
        out.add(
          'error',
          'unknown-api',
          `${service} has no API ${api} (checked against ${check.client.packageName} ${check.client.version})${check.suggestions.length ? `: did you mean ${check.suggestions.join(', ')}?` : ''}`,
          at,
        );
        break;
      case 'respelled':
        out.add('warning', 'api-spelling', `Api ${api}: the operation is spelled ${check.operation} (${check.client.packageName})`, at);
        break;
      case 'unverifiable':
        out.add('warning', 'unverifiable-api', `cannot verify ${service} ${api}: no AWS SDK v3 client for service "${service}" is installed to check against`, {
          step,
          path: [...step.path, 'inputs', 'Service'],
        });
        break;
    }
  }
}

/**
 * The step's inputs against the operation's input shape in the installed client's model (member names, required
 * members, one value / list / map), and its selectors against the output shape.
 */
function checkApiShapes(model: RunbookModel, step: StepModel, service: string, api: string, catalog: SdkCatalog, out: Collector): void {
  const operation = sdkModels(catalog).operation(service, api);
  if (!operation) {
    out.add('warning', 'unverifiable-inputs', `cannot verify the inputs of ${service} ${api}: the installed client has no model of the operation to check against`, {
      step,
      path: [...step.path, 'inputs', 'Api'],
    });
    return;
  }
  const source = `${operation.client.packageName} ${operation.client.version}`;
  const ignore = step.action === 'aws:executeAwsApi' ? ['Service', 'Api'] : PROPERTY_ACTION_INPUTS;
  for (const problem of apiInputProblems(operation, step.inputs, model, ignore, `${service} ${api}`)) {
    out.add('error', 'api-input', `${problem.message} (the ${api} model in ${source})`, { step, path: [...step.path, 'inputs', ...problem.path] });
  }
  const selectors: Array<{ selector: string; path: PathSegment[]; what: string }> = [];
  if (step.action === 'aws:executeAwsApi') {
    step.outputs.forEach((output, i) => selectors.push({ selector: output.selector, path: [...step.path, 'outputs', i], what: `output ${output.name}: Selector` }));
  } else if (typeof step.inputs.PropertySelector === 'string') {
    selectors.push({ selector: step.inputs.PropertySelector, path: [...step.path, 'inputs', 'PropertySelector'], what: 'inputs.PropertySelector' });
  }
  for (const { selector, path, what } of selectors) {
    if (hasPlaceholder(selector)) continue;
    const problem = selectorProblem(selector, operation);
    if (!problem) continue;
    // A property action whose selector finds nothing can never see its desired value: it fails. An output whose
    // Selector finds nothing is left empty (AWS-published runbooks ship such outputs and run), so that is a warning.
    if (what.startsWith('inputs.')) out.add('error', 'api-selector', `${what} ${JSON.stringify(selector)} selects nothing in the ${api} response: ${problem} (${source})`, { step, path });
    else out.add('warning', 'api-selector', `${what} ${JSON.stringify(selector)} selects nothing in the ${api} response, so the output is empty: ${problem} (${source})`, { step, path });
  }
}

/** The IAM actions a step's role needs, and what could not be worked out. */
export function iamActionsOf(step: StepModel): { actions: string[]; unknown?: string } {
  const spec = ACTIONS[step.action];
  if (!spec) return { actions: [] };
  const actions = spec.iamActions?.(step.inputs) ?? [];
  if (spec.callsApi) {
    const service = literal(step.inputs.Service);
    const api = literal(step.inputs.Api);
    if (service === undefined || api === undefined) return { actions, unknown: 'Service or Api comes from a parameter' };
    actions.push(iamActionForApi(service, api));
  }
  return { actions };
}

function checkRole(model: RunbookModel, policy: NonNullable<LintOptions['policy']>, out: Collector): void {
  for (const step of allSteps(model.steps)) {
    const { actions, unknown } = iamActionsOf(step);
    if (unknown) out.add('warning', 'role-unchecked', `cannot check the role for this step: ${unknown}`, { step });
    for (const action of actions) {
      const grant = isGranted(policy.document, action);
      if (!grant.granted) {
        out.add('error', 'role-missing-permission', `the automation role (${policy.file}) is not granted ${action}: ${grant.reason}`, { step });
      }
    }
  }
}

/** SSM's 64 KB document limit and aws:updateVariable's 512 characters (document-limits.ts; review 21a, R21-1, R21-6). */
function checkLimits(runbook: LoadedRunbook, model: RunbookModel, out: Collector): void {
  const bytes = documentBytes(withoutEmptySections(runbook.content));
  const parameters = runtimeParametersMaxLength(model) ?? 0;
  if (bytes > SSM_DOCUMENT_MAX_BYTES) {
    out.add('error', 'document-size', `the document is ${bytes} bytes as deployed (its compact JSON text), over SSM's ${SSM_DOCUMENT_MAX_BYTES}: CreateDocument refuses it (MaxDocumentSizeExceeded)`, { path: [] });
  } else if (bytes + parameters > SSM_DOCUMENT_MAX_BYTES) {
    out.add('error', 'document-size', `the document is ${bytes} bytes as deployed (its compact JSON text) and its parameters take up to ${parameters} at run time: over SSM's ${SSM_DOCUMENT_MAX_BYTES}, which counts both`, { path: [] });
  } else if (bytes > DOCUMENT_BUDGET_BYTES) {
    out.add('warning', 'document-size', `the document is ${bytes} bytes as deployed (its compact JSON text), over the ${DOCUMENT_BUDGET_BYTES} that leave room for runtime parameters within SSM's ${SSM_DOCUMENT_MAX_BYTES}, which counts them too`, { path: [] });
  }
  for (const problem of updateVariableProblems(model)) out.add(problem.severity, 'update-variable-length', problem.message, { step: problem.step, path: [...problem.step.path, 'inputs', 'Value'] });
}

export function lintRunbook(runbook: LoadedRunbook, options: LintOptions = {}): Finding[] {
  const out = new Collector(runbook);
  for (const error of runbook.syntaxErrors) {
    out.findings.push({ severity: 'error', rule: 'syntax', file: runbook.file, message: error.message, ...(error.line !== undefined ? { line: error.line } : {}) });
  }
  if (runbook.syntaxErrors.length > 0) return out.findings;
  if (!runbook.model) {
    out.add('error', 'syntax', 'the document must be a YAML or JSON mapping (schemaVersion, parameters, mainSteps ...)');
    return out.findings;
  }
  const model = runbook.model;
  checkSchema(runbook, withoutEmptySections(runbook.content), out);
  checkDocument(model, out);
  checkParameters(model, out);
  checkSteps(model, out);
  const graph = flowGraph(model);
  checkFlow(model, graph, out);
  checkApprovals(model, graph, out);
  checkReferences(model, graph, out);
  checkApis(model, options.catalog ?? sdkCatalog(), out);
  checkLimits(runbook, model, out);
  if (options.policy) checkRole(model, options.policy, out);
  return out.findings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
