// The control flow of an Automation document: where each step can go next (success, failure, cancel, branch, loop).
//
// Automation runs mainSteps in order unless a step says otherwise: nextStep on success, isEnd to stop, onFailure
// (Abort | Continue | step:NAME), onCancel (Abort | step:NAME), aws:branch Choices / Default (no Default and no true
// choice: the next step in order), aws:loop (its Steps, then the step after the loop).
import type { PathSegment, RunbookModel, StepModel } from './document';

export interface StepTarget {
  step: StepModel;
  /** Which field names the target, e.g. "nextStep", "inputs.Choices[1].NextStep", "onFailure". */
  field: string;
  path: PathSegment[];
  target: string;
}

const STEP_PREFIX = 'step:';

function choices(step: StepModel): unknown[] {
  return Array.isArray(step.inputs.Choices) ? step.inputs.Choices : [];
}

/** Every step name a step names as a place to go. */
export function stepTargets(step: StepModel): StepTarget[] {
  const targets: StepTarget[] = [];
  if (step.nextStep !== undefined) targets.push({ step, field: 'nextStep', path: [...step.path, 'nextStep'], target: step.nextStep });
  for (const [field, value] of [
    ['onFailure', step.onFailure],
    ['onCancel', step.onCancel],
  ] as const) {
    if (value?.startsWith(STEP_PREFIX)) targets.push({ step, field, path: [...step.path, field], target: value.slice(STEP_PREFIX.length) });
  }
  if (step.action === 'aws:branch') {
    choices(step).forEach((choice, i) => {
      const next = typeof choice === 'object' && choice !== null ? (choice as { NextStep?: unknown }).NextStep : undefined;
      if (typeof next === 'string') {
        targets.push({ step, field: `inputs.Choices[${i}].NextStep`, path: [...step.path, 'inputs', 'Choices', i, 'NextStep'], target: next });
      }
    });
    if (typeof step.inputs.Default === 'string') {
      targets.push({ step, field: 'inputs.Default', path: [...step.path, 'inputs', 'Default'], target: step.inputs.Default });
    }
  }
  return targets;
}

export interface FlowGraph {
  /** Step name -> the steps that can run right after it. */
  successors: Map<string, Set<string>>;
  /** The step that runs first, if any. */
  entry?: string;
  /** Steps by name (the first one, for duplicated names). */
  byName: Map<string, StepModel>;
}

function indexSteps(steps: readonly StepModel[], byName: Map<string, StepModel>): void {
  for (const step of steps) {
    if (!byName.has(step.name)) byName.set(step.name, step);
    indexSteps(step.loopSteps, byName);
  }
}

function addEdges(steps: readonly StepModel[], graph: FlowGraph, loop?: StepModel): void {
  const local = new Map(steps.map((s) => [s.name, s]));
  const resolve = (name: string): string | undefined => (local.has(name) || graph.byName.has(name) ? name : undefined);
  steps.forEach((step, i) => {
    const out = graph.successors.get(step.name) ?? new Set<string>();
    graph.successors.set(step.name, out);
    // Falling off the end of a loop body goes back to the loop step (next iteration, or on past the loop).
    const inOrder = steps[i + 1]?.name ?? loop?.name;
    const afterSuccess = step.isEnd ? undefined : (step.nextStep ?? inOrder);
    const add = (name: string | undefined): void => {
      const resolved = name === undefined ? undefined : resolve(name);
      if (resolved !== undefined) out.add(resolved);
    };
    if (step.action === 'aws:branch') {
      for (const target of stepTargets(step)) if (target.field.startsWith('inputs.')) add(target.target);
      if (typeof step.inputs.Default !== 'string') add(afterSuccess);
    } else {
      add(afterSuccess);
    }
    if (step.onFailure === 'Continue') add(afterSuccess);
    if (step.onFailure?.startsWith(STEP_PREFIX)) add(step.onFailure.slice(STEP_PREFIX.length));
    if (step.onCancel?.startsWith(STEP_PREFIX)) add(step.onCancel.slice(STEP_PREFIX.length));
    if (step.loopSteps.length > 0) {
      add(step.loopSteps[0]?.name);
      addEdges(step.loopSteps, graph, step);
    }
  });
}

export function flowGraph(model: RunbookModel): FlowGraph {
  const graph: FlowGraph = { successors: new Map(), byName: new Map() };
  indexSteps(model.steps, graph.byName);
  const entry = model.steps[0]?.name;
  if (entry !== undefined) graph.entry = entry;
  addEdges(model.steps, graph);
  return graph;
}

/** Steps reachable from `start` (including it). */
export function reachableFrom(graph: FlowGraph, start: string): Set<string> {
  const seen = new Set<string>();
  const pending = [start];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (seen.has(name)) continue;
    seen.add(name);
    for (const next of graph.successors.get(name) ?? []) pending.push(next);
  }
  return seen;
}

/** Can `earlier` have run before `later` starts? (Some path leads from earlier to later.) */
export function canRunBefore(graph: FlowGraph, earlier: string, later: string): boolean {
  for (const next of graph.successors.get(earlier) ?? []) {
    if (reachableFrom(graph, next).has(later)) return true;
  }
  return false;
}
