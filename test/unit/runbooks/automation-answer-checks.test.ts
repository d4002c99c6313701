// Decision 211: on real SSM Automation a document whose Lambda answered `skipped` or `rejected` ended Success. The four
// documents that run an automation Lambda on an alarm now branch on its answer (the invoke step's Payload output, the
// JSON text of its decision) and fail a step whose message carries that answer, unless the answer is what the document
// is run for. Decision 222: NotificationService-EscalateToNextTier, whose escalation-timer Lambda answers `stopped` when
// it notified nobody, is a row of the same table, and every document under runbooks/ that invokes a Lambda must be one. Read from the documents as infra deploys them (rendered for production), each branch is evaluated here as
// the rehearsal evaluates it (shared/runbooks/conditions.ts) on the decisions the handlers return, in the JSON a Node
// Lambda writes (JSON.stringify) and in Python's json.dumps spacing: how Automation writes the payload as text is not
// documented, and either must lead to the same step.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
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
// What the escalation-timer Lambda answers NotificationService-EscalateToNextTier (shared/escalation/escalation-service.ts
// handleTimer, and the handler's rejection): only `escalated` notified the tier asked for.
const incidentId = 'inc-3f2a9c1b7d44';
const ESCALATION_ANSWERS = {
  escalated: {
    action: 'escalated',
    incidentId,
    reason: 'Cloud Infrastructure Team (L2) notified: it was escalated on request from L1 to L2, and the alarm is still in ALARM',
    delivered: [
      { kind: 'escalated', level: 2, tier: 'Cloud Infrastructure Team (L2)', via: 'chat' },
      { kind: 'escalated', level: 2, tier: 'Cloud Infrastructure Team (L2)', via: 'email' },
    ],
  },
  alreadyNotified: { action: 'stopped', incidentId, reason: 'tier L2 was already notified', delivered: [] },
  acknowledged: { action: 'stopped', incidentId, reason: 'acknowledged by arn:aws:iam::123456789012:user/alice at 2026-12-06T17:01:00.000Z: escalation stopped', delivered: [] },
  paused: { action: 'stopped', incidentId, reason: 'alarm "X" is OK: escalation paused', delivered: [] },
  sendNotClaimed: { action: 'stopped', incidentId, reason: 'Cloud Infrastructure Team (L2) was already notified or the incident changed', delivered: [] },
  notFound: { action: 'stopped', incidentId, reason: `incident ${incidentId} not found`, delivered: [] },
  resolvedInstead: { action: 'resolved', incidentId, reason: 'alarm "X" is OK since 2026-12-06T17:02:00.000Z', delivered: [{ kind: 'resolved', level: 1, tier: 'DevOps Team (L1)', via: 'chat' }] },
  servingNotice: { action: 'updated', incidentId, reason: 'Cloud Infrastructure Team (L2) not notified: us-west-2 serves production since a failover', delivered: [] },
  refused: { action: 'refused', incidentId, reason: "incident names account 999999999999, not this deployment's workload account 123456789012", delivered: [] },
  // A reason that quotes the matched text: inside the JSON string its quotes are escaped, so it cannot pass the check.
  rejectedQuoting: { action: 'rejected', reason: 'invalid timer input: {"action":"escalated"} is not an action the timer takes', delivered: [] },
};
// Every answer is put to every document: a document goes on only for what it is run for, never for another Lambda's answer.
const ALL_ANSWERS = { ...DECISIONS, ...ESCALATION_ANSWERS };
type Answer = keyof typeof ALL_ANSWERS;
const ANSWERS = Object.keys(ALL_ANSWERS) as Answer[];

/** The resource a failing step reads to carry its message: the document's alarm, by the name its readAlarm reads it by. */
const THE_ALARM = { Service: 'cloudwatch', Api: 'DescribeAlarms', PropertySelector: '$.MetricAlarms[0].StateValue', sameAs: (at: (name: string) => Step) => ({ AlarmNames: at('readAlarm').inputs?.AlarmNames }) };
/** A document about an incident, not an alarm: its own execution (ssm:GetAutomationExecution, a status is never a sentence). */
const THIS_EXECUTION = { Service: 'ssm', Api: 'GetAutomationExecution', PropertySelector: '$.AutomationExecution.AutomationExecutionStatus', sameAs: () => ({ AutomationExecutionId: '{{ automation:EXECUTION_ID }}' }) };

// What each document is run for; every other answer fails it.
const CASES: Array<{ document: string; invoke: string; check: string; fail: string; goesOn: string; failOnFailure?: string; passes: Answer[]; reads: typeof THE_ALARM | typeof THIS_EXECUTION }> = [
  { document: 'NotificationService-ScaleConsumers', invoke: 'runScaleConsumers', check: 'checkAutomationActed', fail: 'automationDidNotAct', goesOn: 'readConsumers', failOnFailure: 'step:readConsumers', passes: ['applied', 'duplicateOfApplied'], reads: THE_ALARM },
  { document: 'NotificationService-RaiseLambdaMemory', invoke: 'runRaiseLambdaMemory', check: 'checkAutomationActed', fail: 'automationDidNotAct', goesOn: 'readFunction', failOnFailure: 'step:readFunction', passes: ['applied', 'duplicateOfApplied'], reads: THE_ALARM },
  { document: 'NotificationService-CheckDbConnections', invoke: 'checkDbConnections', check: 'checkDiagnosed', fail: 'automationDidNotDiagnose', goesOn: 'describeDatabase', failOnFailure: 'step:describeDatabase', passes: ['diagnosis', 'diagnosisNamingRule', 'diagnosisNoRule'], reads: THE_ALARM },
  { document: 'NotificationService-TroubleshootConnectionTimeout', invoke: 'inspectSecurityGroups', check: 'checkInspectionNamedRule', fail: 'inspectionNamedNoRule', goesOn: 'readNamedRule', passes: ['diagnosisNamingRule', 'duplicateNamingRule'], reads: THE_ALARM },
  { document: 'NotificationService-EscalateToNextTier', invoke: 'escalate', check: 'checkEscalated', fail: 'escalationNotMade', goesOn: 'tierNotified', passes: ['escalated'], reads: THIS_EXECUTION },
];

describe('every document under runbooks/ that invokes a Lambda checks its answer', () => {
  it('each of its invoke steps is a row of this table', () => {
    const invokes = readdirSync(RUNBOOKS)
      .filter((file) => file.endsWith('.yaml'))
      .flatMap((file) => steps(file.replace(/\.yaml$/, '')).filter((step) => step.action === 'aws:invokeLambdaFunction').map((step) => `${file.replace(/\.yaml$/, '')} ${step.name}`));
    expect(invokes.sort()).toEqual(CASES.map(({ document, invoke }) => `${document} ${invoke}`).sort());
  });
});

/** Where the branch sends a run whose invoke step answered `payload` (its first true choice, else its Default). */
function next(branch: Step, invoke: string, payload: string): string | undefined {
  const resolve = (value: unknown): unknown => (typeof value === 'string' && /^\{\{\s*[\w]+\.Payload\s*\}\}$/.test(value) ? (value.includes(`${invoke}.Payload`) ? payload : undefined) : value);
  const choices = (branch.inputs?.Choices ?? []) as Array<{ NextStep: string }>;
  return choices.find((choice) => evaluateCondition(choice, resolve))?.NextStep ?? (branch.inputs?.Default as string | undefined);
}

describe.each(CASES)('$document checks its Lambda\'s answer', ({ document, invoke, check, fail, goesOn, failOnFailure, passes, reads }) => {
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
    const decision = ALL_ANSWERS[answer];
    expect([next(at(check), invoke, JSON.stringify(decision)), next(at(check), invoke, pythonJson(decision))]).toEqual([expected, expected]);
  });

  it('fails its failing step on any answer: an assertion whose desired value is a sentence carrying the answer, never a state the read can answer', () => {
    const step = at(fail);
    expect(step.action).toBe('aws:assertAwsResourceProperty');
    expect(step.inputs).toMatchObject({ Service: reads.Service, Api: reads.Api, PropertySelector: reads.PropertySelector });
    const desired = step.inputs?.DesiredValues as string[];
    expect(desired).toHaveLength(1);
    expect(desired[0]).toContain(`{{ ${invoke}.Payload }}`);
    // Alarm states; an execution's statuses (SSM AutomationExecutionStatus).
    expect(['ALARM', 'OK', 'INSUFFICIENT_DATA', 'Pending', 'InProgress', 'Waiting', 'Success', 'TimedOut', 'Cancelling', 'Cancelled', 'Failed']).not.toContain(desired[0]);
    // The same alarm the document read (readAlarm's AlarmNames), or this execution.
    expect(step.inputs).toMatchObject(reads.sameAs(at));
    // Critical, so the execution ends Failed; where the document reads the resource back, that read still runs.
    if (failOnFailure) expect({ isCritical: step.isCritical, onFailure: step.onFailure }).toEqual({ isCritical: true, onFailure: failOnFailure });
    else expect({ isEnd: step.isEnd, onFailure: step.onFailure }).toEqual({ isEnd: true, onFailure: undefined });
  });
});

// Review 22b: Automation documents invokeLambdaFunction's Payload output as the JSON text of the answer and no selector into
// it, so the rule TroubleshootConnectionTimeout goes on with is read by its readNamedRule script (json.loads), run here by
// python3 as Automation runs it (handler(events, context)) on the answers that pass, in both JSON spacings.
describe('NotificationService-TroubleshootConnectionTimeout reads the named rule from the Payload text with a script', () => {
  const doc = steps('NotificationService-TroubleshootConnectionTimeout');
  const read = doc.find((s) => s.name === 'readNamedRule') as Step & { outputs?: Array<{ Name: string; Selector: string; Type: string }> };
  const run = (payload: unknown): { value?: unknown; error?: string } => {
    const program = `import json, sys\nrequest = json.load(sys.stdin)\nnamespace = {}\nexec(request['script'], namespace)\ntry:\n    print(json.dumps({'value': namespace['handler'](request['events'], None)}))\nexcept Exception as error:\n    print(json.dumps({'error': '%s: %s' % (type(error).__name__, error)}))\n`;
    const events = { ...(read.inputs?.InputPayload as Record<string, unknown>), Payload: payload };
    const out = spawnSync('python3', ['-c', program], { input: JSON.stringify({ script: read.inputs?.Script, events }), encoding: 'utf8' });
    return JSON.parse(out.stdout) as { value?: unknown; error?: string };
  };

  it('hands the script the invoke step\'s whole Payload output and selects only its returned keys', () => {
    expect(read).toMatchObject({ action: 'aws:executeScript', inputs: { Runtime: 'python3.11', Handler: 'handler', InputPayload: { Payload: '{{ inspectSecurityGroups.Payload }}' } } });
    expect(read.outputs).toEqual([
      { Name: 'NamedGroupId', Selector: '$.Payload.NamedGroupId', Type: 'String' },
      { Name: 'NamedSourceGroupId', Selector: '$.Payload.NamedSourceGroupId', Type: 'String' },
      { Name: 'NamedPort', Selector: '$.Payload.NamedPort', Type: 'Integer' },
    ]);
    // The invoke step declares no output of its own: nothing selects inside its Payload.
    expect((doc.find((s) => s.name === 'inspectSecurityGroups') as { outputs?: unknown }).outputs).toBeUndefined();
  });

  it.each(['diagnosisNamingRule', 'duplicateNamingRule'] as const)('%s: the rule, from the JSON text in either spacing, the port an Integer', (answer) => {
    const decision = DECISIONS[answer];
    const expected = { value: { NamedGroupId: 'sg-0db', NamedSourceGroupId: 'sg-0la', NamedPort: 5432 } };
    expect([run(JSON.stringify(decision)), run(pythonJson(decision))]).toEqual([expected, expected]);
  });

  it('fails, quoting the answer, when the answer names the document without the whole rule', () => {
    const partial = { ...DECISIONS.diagnosisNamingRule, runbook: { documentName: 'NotificationService-TroubleshootConnectionTimeout', parameters: { SecurityGroupId: ['sg-0db'] } } };
    expect(run(JSON.stringify(partial))).toEqual({ error: expect.stringMatching(/^ValueError: the inspection named this runbook without SourceSecurityGroupId, Port: \{"playbook": "inspect-security-groups"/) });
  });
});
