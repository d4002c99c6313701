// Pure planning for Memory Pressure -> raise the function's MemorySize one step, within every cap it has.
import type { RuntimeConfig } from '../config/load-config';
import type { ManualRunbook, Plan } from '../pipeline/types';
import type { ResourceState } from '../state/incident-store';

/** Lambda's memory range, 128..10240 MB (Lambda quotas, "Function memory allocation"). */
export const AWS_MIN_MEMORY_MB = 128;
export const AWS_MAX_MEMORY_MB = 10240;

/** How the function is invoked other than as $LATEST: an alias or version pinned by a caller. */
export interface PublishedInvocation {
  /** Alias name or version number. */
  qualifier: string;
  /** The version the alias points at (the qualifier itself for a version). */
  version: string;
  /** Where it was seen: "event source mapping <uuid>", "alarm dimension Resource". */
  source: string;
}

export interface MemoryObservation {
  functionName: string;
  memoryMb: number;
  /** GetFunctionConfiguration LastUpdateStatus: Successful | Failed | InProgress. */
  lastUpdateStatus?: string;
  /** GetFunctionConfiguration RevisionId: an update made from this observation is conditioned on it. */
  revisionId?: string;
  invokedVia: PublishedInvocation[];
}

export interface MemoryChange {
  functionName: string;
  fromMb: number;
  toMb: number;
}

export type MemoryPolicy = RuntimeConfig['env']['raiseLambdaMemory'];

export interface MemoryPlanInput {
  observation: MemoryObservation;
  policy: MemoryPolicy;
  resourceState: ResourceState | undefined;
  /** The SSM document that raises memory behind approval (the row's runbook). */
  runbookName?: string;
}

/** The key under which the account's memory ceiling is remembered on the function's resource state. */
export const MEMORY_CEILING_FACT = 'memoryCeilingMb';

/** One step: current x stepFactor (the schema keeps it above 1), rounded up to a multiple of roundUpToMb. */
export function nextMemoryStepMb(currentMb: number, policy: Pick<MemoryPolicy, 'stepFactor' | 'roundUpToMb'>): number {
  return Math.ceil((currentMb * policy.stepFactor) / policy.roundUpToMb) * policy.roundUpToMb;
}

/**
 * The ceiling AWS revealed by refusing `refusedMb`: the limit its message states ("'MemorySize' value failed to satisfy
 * constraint: Member must have value less than or equal to 3008"), else the last whole unit below the refused value.
 */
export function memoryCeilingFromRefusal(refusedMb: number, message: string, roundUpToMb: number): number {
  const stated = /less than or equal to (\d+)/i.exec(message)?.[1];
  const ceiling = stated !== undefined ? Number(stated) : Math.floor((refusedMb - 1) / roundUpToMb) * roundUpToMb;
  return Math.max(AWS_MIN_MEMORY_MB, Math.min(ceiling, AWS_MAX_MEMORY_MB));
}

export function learnedCeilingMb(state: ResourceState | undefined): number | undefined {
  const value = state?.learned?.[MEMORY_CEILING_FACT];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function effectiveCap(policy: MemoryPolicy, learned: number | undefined): { capMb: number; what: string } {
  const caps = [
    { capMb: AWS_MAX_MEMORY_MB, what: 'AWS maximum' },
    { capMb: policy.maxMemoryMb, what: 'environment cap' },
    ...(learned !== undefined ? [{ capMb: learned, what: 'account ceiling AWS enforced earlier' }] : []),
  ];
  return caps.reduce((lowest, cap) => (cap.capMb < lowest.capMb ? cap : lowest));
}

export function planMemoryRaise({ observation, policy, resourceState, runbookName }: MemoryPlanInput): Plan<MemoryChange> {
  const fn = observation.functionName;
  const current = observation.memoryMb;
  const { capMb, what } = effectiveCap(policy, learnedCeilingMb(resourceState));
  if (current >= capMb) {
    return {
      kind: 'escalate',
      cause: 'cap-reached',
      reason:
        `memory of ${fn} is ${current} MB, at the ${what} (${capMb} MB): cannot raise it further automatically; ` +
        'find what exhausts memory (a leak, a larger payload) or raise the cap',
    };
  }
  const toMb = Math.max(AWS_MIN_MEMORY_MB, Math.min(nextMemoryStepMb(current, policy), capMb));
  const drift = `memory ${current} -> ${toMb} MB: update your IaC`;
  const runbook: ManualRunbook | undefined = runbookName
    ? { documentName: runbookName, parameters: { FunctionName: [fn], MemorySize: [String(toMb)] } }
    : undefined;

  // A published version is immutable: raising $LATEST would report success while the traffic keeps the old memory.
  if (observation.invokedVia.length > 0) {
    const via = observation.invokedVia.map((v) => `${v.qualifier === v.version ? `version ${v.version}` : `alias ${v.qualifier} (version ${v.version})`} via ${v.source}`);
    return {
      kind: 'escalate',
      cause: 'publish-required',
      reason:
        `${fn} is invoked through a published version (${via.join('; ')}): ${drift}, publish a new version and move the alias to it; ` +
        'changing $LATEST alone would not reach the traffic',
      findings: via,
      ...(runbook ? { runbook } : {}),
    };
  }

  const capped = toMb < nextMemoryStepMb(current, policy) ? ` (held at the ${what}, ${capMb} MB)` : '';
  return {
    kind: 'change',
    direction: 'scale-up',
    change: { functionName: fn, fromMb: current, toMb },
    summary: `raise memory of ${fn} after out-of-memory errors: ${drift} (changed outside infrastructure code)${capped}`,
    before: { memoryMb: current },
    after: { memoryMb: toMb },
    blastRadius:
      `function ${fn} only: new execution environments start with ${toMb} MB (cold starts while the old ones are replaced); ` +
      `cost per invocation-second x${(toMb / current).toFixed(2)}`,
    baseline: { memoryMb: current },
    ...(runbook ? { runbook } : {}),
  };
}
