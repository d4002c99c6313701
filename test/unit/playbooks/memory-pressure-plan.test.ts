// Table-driven tests of the pure memory planner: one step up, every cap, the learned account ceiling, published versions.
import {
  memoryCeilingFromRefusal,
  nextMemoryStepMb,
  planMemoryRaise,
  type MemoryChange,
  type MemoryObservation,
  type MemoryPolicy,
} from '../../../shared/playbooks/memory-pressure-plan';
import type { Plan } from '../../../shared/pipeline/types';
import type { ResourceState } from '../../../shared/state/incident-store';

const production: MemoryPolicy = { stepFactor: 1.5, roundUpToMb: 64, maxMemoryMb: 3008 };
const fn = 'notification-service-consumer';

function observation(memoryMb: number, overrides: Partial<MemoryObservation> = {}): MemoryObservation {
  return { functionName: fn, memoryMb, lastUpdateStatus: 'Successful', invokedVia: [], ...overrides };
}

const learned = (memoryCeilingMb: number): ResourceState => ({ version: 2, changeTimesSeconds: [], learned: { memoryCeilingMb } });

function change(plan: Plan<MemoryChange>): MemoryChange {
  if (plan.kind !== 'change') throw new Error(`expected a change, got ${plan.kind}: ${plan.reason}`);
  return plan.change;
}

describe('nextMemoryStepMb', () => {
  it.each([
    ['the seed consumer at 512 MB', 512, 768],
    ['a function raised once already', 768, 1152],
    ['the smallest function Lambda allows', 128, 192],
    ['a hand-set odd size, rounded up to a multiple of 64', 1000, 1536],
  ])('steps %s x1.5 rounded up to 64 MB', (_situation, currentMb, expectedMb) => {
    expect(nextMemoryStepMb(currentMb, production)).toBe(expectedMb);
  });

  it('uses the environment factor and unit', () => {
    expect(nextMemoryStepMb(512, { stepFactor: 2, roundUpToMb: 128 })).toBe(1024);
  });
});

describe('memoryCeilingFromRefusal', () => {
  it.each([
    [
      'an account still held at 3008 MB (the message CloudFormation and the API print)',
      4608,
      "'MemorySize' value failed to satisfy constraint: Member must have value less than or equal to 3008",
      3008,
    ],
    ['the API validation of the AWS maximum', 20000, "1 validation error detected: Value '20000' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240", 10240],
    ['a refusal that states no limit: the last 64 MB unit below the refused value', 1152, 'MemorySize is not supported in this account', 1088],
  ])('learns %s', (_situation, refusedMb, message, ceilingMb) => {
    expect(memoryCeilingFromRefusal(refusedMb, message, 64)).toBe(ceilingMb);
  });
});

describe('planMemoryRaise', () => {
  it('raises the seed consumer one step and names the drift from infrastructure code', () => {
    const plan = planMemoryRaise({ observation: observation(512), policy: production, resourceState: undefined, runbookName: 'NotificationService-RaiseLambdaMemory' });
    expect(change(plan)).toEqual({ functionName: fn, fromMb: 512, toMb: 768 });
    expect(plan).toMatchObject({
      direction: 'scale-up',
      summary: expect.stringContaining('memory 512 -> 768 MB: update your IaC'),
      before: { memoryMb: 512 },
      after: { memoryMb: 768 },
      baseline: { memoryMb: 512 },
      runbook: { documentName: 'NotificationService-RaiseLambdaMemory', parameters: { FunctionName: [fn], MemorySize: ['768'] } },
    });
  });

  it.each<[string, number, MemoryPolicy, ResourceState | undefined, number]>([
    ['stops at the production cap of 3008 MB instead of 3072', 2048, production, undefined, 3008],
    ['stops at a lower staging cap', 1536, { ...production, maxMemoryMb: 2048 }, undefined, 2048],
    ['never plans past AWS 10240 MB, whatever the environment allows', 8192, { ...production, maxMemoryMb: 10240 }, undefined, 10240],
    ['plans within the ceiling AWS enforced on an earlier attempt', 512, production, learned(640), 640],
    ['ignores a learned ceiling above the environment cap', 2048, production, learned(4096), 3008],
  ])('%s', (_situation, currentMb, policy, resourceState, expectedMb) => {
    expect(change(planMemoryRaise({ observation: observation(currentMb), policy, resourceState })).toMb).toBe(expectedMb);
  });

  it.each<[string, number, MemoryPolicy, ResourceState | undefined, string]>([
    ['at the environment cap', 3008, production, undefined, 'environment cap (3008 MB)'],
    ['at the AWS maximum', 10240, { ...production, maxMemoryMb: 10240 }, undefined, 'AWS maximum (10240 MB)'],
    ['at the account ceiling learned from a refusal', 640, production, learned(640), 'account ceiling AWS enforced earlier (640 MB)'],
    ['above a ceiling the account was lowered to', 1024, production, learned(640), 'account ceiling AWS enforced earlier (640 MB)'],
  ])('escalates instead of raising memory %s', (_situation, currentMb, policy, resourceState, cap) => {
    const plan = planMemoryRaise({ observation: observation(currentMb), policy, resourceState });
    expect(plan).toMatchObject({ kind: 'escalate', cause: 'cap-reached', reason: expect.stringContaining(cap) });
  });

  it.each<[string, MemoryObservation['invokedVia'], string]>([
    ['an SQS mapping invokes alias live on version 7', [{ qualifier: 'live', version: '7', source: 'event source mapping esm-1' }], 'alias live (version 7)'],
    ['the alarm watches version 3 of the function', [{ qualifier: '3', version: '3', source: 'the alarm (dimension Resource)' }], 'version 3'],
  ])('says a publish is needed instead of raising $LATEST when %s', (_situation, invokedVia, named) => {
    const plan = planMemoryRaise({ observation: observation(512, { invokedVia }), policy: production, resourceState: undefined, runbookName: 'NotificationService-RaiseLambdaMemory' });
    expect(plan).toMatchObject({
      kind: 'escalate',
      cause: 'publish-required',
      reason: expect.stringContaining('memory 512 -> 768 MB: update your IaC, publish a new version'),
      runbook: { parameters: { MemorySize: ['768'] } },
    });
    expect(plan.kind === 'escalate' && plan.findings?.join('\n')).toContain(named);
  });

  it('reports the cap before the publish when both apply', () => {
    const invokedVia = [{ qualifier: 'live', version: '2', source: 'event source mapping esm-1' }];
    expect(planMemoryRaise({ observation: observation(3008, { invokedVia }), policy: production, resourceState: undefined })).toMatchObject({ cause: 'cap-reached' });
  });
});
