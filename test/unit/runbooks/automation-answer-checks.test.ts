// Decision 211: on real SSM Automation a document whose Lambda answered `skipped` or `rejected` ended Success. The four
// documents that run an automation Lambda on an alarm now branch on its answer (the invoke step's Payload output, the
// JSON text of its decision) and fail a step whose message carries that answer, unless the answer is what the document
// is run for. Read from the documents as infra deploys them (rendered for production), each branch is evaluated here as
// the rehearsal evaluates it (shared/runbooks/conditions.ts) on the decisions the handlers return, in the JSON a Node
// Lambda writes (JSON.stringify) and in Python's json.dumps spacing: how Automation writes the payload as text is not
// documented, and either must lead to the same step.
import { join } from 'node:path';
import { evaluateCondition } from '../../../shared/runbooks/conditions';
import { readRunbook } from '../../../shared/runbooks/document';
import { projectConfig, renderLoadedRunbook } from '../../../shared/runbooks/rendered-runbook';

const RUNBOOKS = join(__dirname, '../../../runbooks');
const WHERE = { account: '123456789012', partition: 'aws', region: 'us-east-1' };

interface Step {
  name: string;
  action: string;
  inputs?: Record<string, unknown>;
  isEnd?: boolean;
  isCritical?: boolean;
  onFailure?: string;
  nextStep?: string;
}

function steps(document: string): Step[] {
  const loaded = readRunbook(join(RUNBOOKS, `${document}.yaml`));
  return (renderLoadedRunbook(loaded, projectConfig({}), 'production', WHERE).content as { mainSteps: Step[] }).mainSteps;
}

/** Python's json.dumps with its default separators (", " and ": "), as a Python writer would give the payload. */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(', ')}}`;
  return JSON.stringify(value);
}

const base = { environment: 'production', region: 'us-east-1', dryRun: false, decidedAt: '2026-12-06T17:00:00.000Z' };
const DECISIONS = {
  applied: { playbook: 'p', outcome: 'applied', reason: 'raised 512 -> 768 MB', ...base, before: { memoryMb: 512 }, after: { memoryMb: 768 } },
  duplicateOfApplied: { playbook: 'p', outcome: 'skipped', reason: 'duplicate delivery: incident already handled (applied)', ...base },
  duplicateOfEscalation: { playbook: 'p', outcome: 'skipped', reason: 'duplicate delivery: incident already handled (escalate)', ...base },
  duplicateInFlight: { playbook: 'p', outcome: 'skipped', reason: 'duplicate delivery: incident already being handled by another invocation', ...base },
  skipped: { playbook: 'p', outcome: 'skipped', reason: 'alarm state OK: nothing to do', ...base },
  // A reason that quotes a matched text: inside a JSON string its quotes are escaped, so it cannot pass a check.
  rejected: { playbook: 'p', outcome: 'rejected', reason: 'alarm "X" ("outcome":"applied", "cause":"diagnosis") is not one p watches: refused, nothing read or changed', ...base },
  dryRun: { playbook: 'p', outcome: 'dry-run', reason: 'would raise 512 -> 768 MB', ...base, dryRun: true },
  capReached: { playbook: 'p', outcome: 'escalate', reason: 'at the environment cap', ...base, escalation: { cause: 'cap-reached' } },
  failure: { playbook: 'p', outcome: 'escalate', reason: 'remediation failed: throttled', ...base, escalation: { cause: 'failure', error: { name: 'ThrottlingException', message: 'Rate exceeded' } } },
  diagnosis: { playbook: 'p', outcome: 'escalate', reason: 'likely cause: connection saturation', ...base, findings: ['85.6% of max_connections'], escalation: { cause: 'diagnosis' } },
  diagnosisNamingRule: {
    playbook: 'inspect-security-groups',
    outcome: 'escalate',
    reason: 'sg-db allows no ingress on tcp 5432 from sg-lambda',
    ...base,
    escalation: { cause: 'diagnosis' },
    runbook: { documentName: 'NotificationService-TroubleshootConnectionTimeout', parameters: { SecurityGroupId: ['sg-0db'], SourceSecurityGroupId: ['sg-0la'], Port: ['5432'] } },
  },
  // The rule recorded by the first delivery, read back from the state table (its keys in another order).
  duplicateNamingRule: {
    playbook: 'inspect-security-groups',
    outcome: 'skipped',
    reason: 'duplicate delivery: incident already handled (escalate)',
    ...base,
    runbook: { parameters: { Port: ['5432'], SecurityGroupId: ['sg-0db'], SourceSecurityGroupId: ['sg-0la'] }, documentName: 'NotificationService-TroubleshootConnectionTimeout' },
  },
  diagnosisNoRule: { playbook: 'inspect-security-groups', outcome: 'escalate', reason: 'every path is open: no missing rule', ...base, escalation: { cause: 'diagnosis' } },
};
type Answer = keyof typeof DECISIONS;
const ANSWERS = Object.keys(DECISIONS) as Answer[];

// What each document is run for; every other answer fails it.
const CASES: Array<{ document: string; invoke: string; check: string; fail: string; goesOn: string; failOnFailure?: string; passes: Answer[] }> = [
  { document: 'NotificationService-ScaleConsumers', invoke: 'runScaleConsumers', check: 'checkAutomationActed', fail: 'automationDidNotAct', goesOn: 'readConsumers', failOnFailure: 'step:readConsumers', passes: ['applied', 'duplicateOfApplied'] },
  { document: 'NotificationService-RaiseLambdaMemory', invoke: 'runRaiseLambdaMemory', check: 'checkAutomationActed', fail: 'automationDidNotAct', goesOn: 'readFunction', failOnFailure: 'step:readFunction', passes: ['applied', 'duplicateOfApplied'] },
  { document: 'NotificationService-CheckDbConnections', invoke: 'checkDbConnections', check: 'checkDiagnosed', fail: 'automationDidNotDiagnose', goesOn: 'describeDatabase', failOnFailure: 'step:describeDatabase', passes: ['diagnosis', 'diagnosisNamingRule', 'diagnosisNoRule'] },
  { document: 'NotificationService-TroubleshootConnectionTimeout', invoke: 'inspectSecurityGroups', check: 'checkInspectionNamedRule', fail: 'inspectionNamedNoRule', goesOn: 'checkRuleMatchesFinding', passes: ['diagnosisNamingRule', 'duplicateNamingRule'] },
];

/** Where the branch sends a run whose invoke step answered `payload` (its first true choice, else its Default). */
function next(branch: Step, invoke: string, payload: string): string | undefined {
  const resolve = (value: unknown): unknown => (typeof value === 'string' && /^\{\{\s*[\w]+\.Payload\s*\}\}$/.test(value) ? (value.includes(`${invoke}.Payload`) ? payload : undefined) : value);
  const choices = (branch.inputs?.Choices ?? []) as Array<{ NextStep: string }>;
  return choices.find((choice) => evaluateCondition(choice, resolve))?.NextStep ?? (branch.inputs?.Default as string | undefined);
}

describe.each(CASES)('$document checks its Lambda\'s answer', ({ document, invoke, check, fail, goesOn, failOnFailure, passes }) => {
  const doc = steps(document);
  const at = (name: string): Step => {
    const step = doc.find((s) => s.name === name);
    if (!step) throw new Error(`${document} has no step ${name}`);
    return step;
  };

  it('right after the invoke step, with a branch whose Default is the failing step', () => {
    const i = doc.findIndex((s) => s.name === invoke);
    expect(doc[i + 1]).toMatchObject({ name: check, action: 'aws:branch', inputs: { Default: fail } });
    expect(at(invoke).nextStep).toBeUndefined();
  });

  it.each(ANSWERS)('answer %s: goes on only if it is what the document is run for, in either JSON spacing', (answer) => {
    const expected = passes.includes(answer) ? goesOn : fail;
    const decision = DECISIONS[answer];
    expect([next(at(check), invoke, JSON.stringify(decision)), next(at(check), invoke, pythonJson(decision))]).toEqual([expected, expected]);
  });

  it('fails its failing step on any answer: an assertion whose desired value is a sentence carrying the answer, never an alarm state', () => {
    const step = at(fail);
    expect(step.action).toBe('aws:assertAwsResourceProperty');
    expect(step.inputs).toMatchObject({ Service: 'cloudwatch', Api: 'DescribeAlarms', PropertySelector: '$.MetricAlarms[0].StateValue' });
    const desired = step.inputs?.DesiredValues as string[];
    expect(desired).toHaveLength(1);
    expect(desired[0]).toContain(`{{ ${invoke}.Payload }}`);
    expect(['ALARM', 'OK', 'INSUFFICIENT_DATA']).not.toContain(desired[0]);
    // The same alarm the document read (readAlarm's AlarmNames).
    expect(step.inputs?.AlarmNames).toEqual(at('readAlarm').inputs?.AlarmNames);
    // Critical, so the execution ends Failed; where the document reads the resource back, that read still runs.
    if (failOnFailure) expect({ isCritical: step.isCritical, onFailure: step.onFailure }).toEqual({ isCritical: true, onFailure: failOnFailure });
    else expect({ isEnd: step.isEnd, onFailure: step.onFailure }).toEqual({ isEnd: true, onFailure: undefined });
  });
});
