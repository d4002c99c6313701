// Table-driven tests of the durable timer's decision: next tier, open, resolve or stop, and when the next timer is due.
import { nextEscalation, planServingRecheck, planTimer, type AlarmNow, type AlarmUnreadable, type TimerInput } from '../../../shared/escalation/plan-timer';
import { ALARM_NAME, ALARM_TIME, capReachedIncident, policy } from './fixtures';

const firing: AlarmNow = { value: 'ALARM', updatedAt: new Date(Date.parse(ALARM_TIME)) };
const clearedLater: AlarmNow = { value: 'OK', updatedAt: new Date(Date.parse(ALARM_TIME) + 20 * 60_000) };
const refiredLater: AlarmNow = { value: 'ALARM', updatedAt: new Date(Date.parse(ALARM_TIME) + 40 * 60_000) };
// DescribeAlarms answered no StateUpdatedTimestamp (optional in the API reference): when it got there is unknown.
const firingUntimed: AlarmNow = { value: 'ALARM' };
const clearedUntimed: AlarmNow = { value: 'OK' };
const noData: AlarmNow = { value: 'INSUFFICIENT_DATA', updatedAt: new Date(Date.parse(ALARM_TIME) + 5 * 60_000) };
const noDataUntimed: AlarmNow = { value: 'INSUFFICIENT_DATA' };
// Cross-account mode before issue 17: the operations account's own credentials found no such alarm.
const notInThisAccount: AlarmUnreadable = { unreadable: 'alarm "NotificationService Queue Depth > 1000" was not found in account 111111111111' };
const denied: AlarmUnreadable = { unreadable: 'alarm "NotificationService Queue Depth > 1000" in account 111111111111 could not be read: missing permission: sts:AssumeRole' };
const toL2: TimerInput = { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2 };
const check: TimerInput = { action: 'check', incidentId: 'inc-3f2a9c1b7d44' };

describe('planTimer', () => {
  it.each([
    ['L1 did not acknowledge and the alarm still fires', toL2, capReachedIncident({ level: 1 }), firing, { kind: 'escalate', tier: { level: 2 } }],
    ['L1 acknowledged', toL2, capReachedIncident({ level: 1, status: 'ACKNOWLEDGED', acknowledgedBy: 'alice' }), firing, { kind: 'stop', reason: expect.stringContaining('alice') }],
    // Decision 174: the stop names the principal AWS named, the note as its own claim.
    [
      'L1 acknowledged by a session that noted a name',
      toL2,
      capReachedIncident({ level: 1, status: 'ACKNOWLEDGED', acknowledgedBy: 'arn:aws:sts::123456789012:assumed-role/OnCall/bob', acknowledgedNote: 'alice', acknowledgedAt: '2026-11-25T14:05:00.000Z' }),
      firing,
      { kind: 'stop', reason: 'acknowledged by arn:aws:sts::123456789012:assumed-role/OnCall/bob (role OnCall verified; its session name "bob" is chosen by whoever assumed the role) (self-declared: "alice") at 2026-11-25T14:05:00.000Z: escalation stopped' },
    ],
    ['L1 acknowledged by a typed name (an item from before)', toL2, capReachedIncident({ level: 1, status: 'ACKNOWLEDGED', acknowledgedBy: 'alice' }), firing, { kind: 'stop', reason: expect.stringContaining('acknowledged by "alice" (unverified: not a principal ARN) at') }],
    ['the alarm cleared and the OK event was lost', toL2, capReachedIncident({ level: 1 }), clearedLater, { kind: 'resolve' }],
    // Missing data is never "healthy" (review 10a finding 7): the queue deleted or the metric gone, the path goes on.
    ['the alarm has no data: the path goes on, the tier told so', toL2, capReachedIncident({ level: 1 }), noData, { kind: 'escalate', tier: { level: 2 }, reason: expect.stringContaining('has no data (INSUFFICIENT_DATA since') }],
    ['the alarm has no data, when it got there not answered: the path goes on', toL2, capReachedIncident({ level: 1 }), noDataUntimed, { kind: 'escalate', tier: { level: 2 }, reason: expect.stringContaining('has no data (INSUFFICIENT_DATA)') }],
    ['a watched alarm has no data: opened, never closed as if the change worked', check, capReachedIncident({ status: 'WATCHING' }), noData, { kind: 'open-still-firing', reason: expect.stringContaining('whether it worked cannot be told') }],
    ['Scheduler delivered the same timer twice', toL2, capReachedIncident({ level: 2 }), firing, { kind: 'stop', reason: expect.stringContaining('already notified') }],
    ['the incident was resolved meanwhile', toL2, capReachedIncident({ level: 1, status: 'RESOLVED' }), firing, { kind: 'stop' }],
    ['the alarm is not found where it was read', toL2, capReachedIncident({ level: 1 }), notInThisAccount, { kind: 'escalate', tier: { level: 2 }, reason: expect.stringContaining('was not found in account 111111111111') }],
    ['the workload role cannot be assumed', toL2, capReachedIncident({ level: 1 }), denied, { kind: 'escalate', tier: { level: 2 }, reason: expect.stringContaining('sts:AssumeRole') }],
    ['the alarm was not read at all', toL2, capReachedIncident({ level: 1 }), undefined, { kind: 'escalate', tier: { level: 2 }, reason: expect.stringContaining('was not read') }],
    ['a watched alarm cannot be read: never closed quietly', check, capReachedIncident({ status: 'WATCHING' }), notInThisAccount, { kind: 'open-still-firing', reason: expect.stringContaining('cannot be told') }],
    ['the alarm cleared and fired again since', toL2, capReachedIncident({ level: 1 }), refiredLater, { kind: 'resolve', reason: expect.stringContaining('superseded') }],
    ['the automatic change did not help', check, capReachedIncident({ status: 'WATCHING' }), firing, { kind: 'open-still-firing' }],
    ['the automatic change worked', check, capReachedIncident({ status: 'WATCHING' }), clearedLater, { kind: 'resolve' }],
    ['an escalation opened the watched incident already', check, capReachedIncident({ level: 1 }), firing, { kind: 'stop' }],
    ['the alarm fires, when it got there not answered: the path goes on, saying so', toL2, capReachedIncident({ level: 1 }), firingUntimed, { kind: 'escalate', tier: { level: 2 }, reason: expect.stringContaining('no StateUpdatedTimestamp') }],
    ['the alarm is OK, when not answered: not taken for a newer state change (paused, not resolved)', toL2, capReachedIncident({ level: 1 }), clearedUntimed, { kind: 'stop', reason: expect.stringContaining('paused'), paused: true }],
    ['a watched alarm fires, when not answered: opened, never closed as superseded', check, capReachedIncident({ status: 'WATCHING' }), firingUntimed, { kind: 'open-still-firing', reason: expect.stringContaining('no StateUpdatedTimestamp') }],
    ['a watched alarm is OK, when not answered: its value says the change worked', check, capReachedIncident({ status: 'WATCHING' }), clearedUntimed, { kind: 'resolve', quiet: true }],
    ['a check that opened the incident died before notifying L1', check, capReachedIncident({ level: 0, cause: 'still-firing' }), firing, { kind: 'open-still-firing' }],
  ] as const)('%s', (_situation, input, incident, alarm, expected) => {
    expect(planTimer(input, incident, alarm, policy('production'))).toMatchObject(expected);
  });

  it('stops for an incident that does not exist', () => {
    expect(planTimer(toL2, undefined, firing, policy('production'))).toEqual({ kind: 'stop', reason: 'incident inc-3f2a9c1b7d44 not found' });
  });

  it('says which tier did not acknowledge, and within how long', () => {
    const plan = planTimer(toL2, capReachedIncident({ level: 1 }), firing, policy('production'));
    expect(plan).toMatchObject({ reason: 'DevOps Team (L1) did not acknowledge within 15 min and the alarm is still in ALARM' });
  });

  it('says so when a person escalates ahead of the path (L1 -> L3)', () => {
    const plan = planTimer({ ...toL2, level: 3 }, capReachedIncident({ level: 1 }), firing, policy('production'));
    expect(plan).toMatchObject({ kind: 'escalate', tier: { level: 3 }, reason: 'it was escalated on request from L1 to L3, and the alarm is still in ALARM' });
  });

  it('says which tier did not acknowledge, and that the alarm has no data', () => {
    const plan = planTimer(toL2, capReachedIncident({ level: 1 }), noData, policy('production'));
    expect(plan).toMatchObject({
      kind: 'escalate',
      reason: `DevOps Team (L1) did not acknowledge within 15 min and alarm "${ALARM_NAME}" has no data (INSUFFICIENT_DATA since ${noData.updatedAt?.toISOString() ?? ''}): whether it still fires cannot be told`,
    });
  });

  it('stops at the end of the path when the alarm has no data (development ends at L2)', () => {
    const plan = planTimer({ ...toL2, level: 3 }, capReachedIncident({ level: 2, environment: 'development' }), noData, policy('development'));
    expect(plan).toMatchObject({ kind: 'stop', reason: expect.stringContaining('no tier L3') });
  });

  it('stops at a level the environment does not have (development ends at L2)', () => {
    const plan = planTimer({ ...toL2, level: 3 }, capReachedIncident({ level: 2, environment: 'development' }), firing, policy('development'));
    expect(plan).toMatchObject({ kind: 'stop', reason: expect.stringContaining('no tier L3') });
  });
});

// Review 12 R12-13: a notice has no ladder; its periodic re-read closes it once the alarm is deleted (the redeploy 189 asks for).
describe('planTimer: a notice\'s re-read of its alarm', () => {
  const notice: TimerInput = { action: 'notice', incidentId: 'inc-3f2a9c1b7d44', cycle: 0, round: 3 };
  const serving = (fields: Parameters<typeof capReachedIncident>[0] = {}) => capReachedIncident({ level: 1, cause: 'region-serving', ...fields });
  const deleted: AlarmUnreadable = { unreadable: `alarm "${ALARM_NAME}" was not found`, gone: true };
  it.each([
    ['the alarm deleted: closed, the tiers told why', serving(), deleted, { kind: 'resolve', quiet: false, reason: `alarm "${ALARM_NAME}" no longer exists (alarm "${ALARM_NAME}" was not found): deleted, as the redeploy after a failover deletes the standby watch's alarms; nothing is left to watch, so the notice is closed` }],
    ['an acknowledged notice whose alarm is deleted: closed too', serving({ status: 'ACKNOWLEDGED', acknowledgedBy: 'alice' }), deleted, { kind: 'resolve', quiet: false }],
    ['a restore-held notice whose alarm is deleted', capReachedIncident({ level: 1, cause: 'restore-held' }), deleted, { kind: 'resolve', quiet: false }],
    // Review 14 R14-14: "this region serves" made the notice; while its alarm fires, that is read again (planServingRecheck).
    ['a region-serving notice whose alarm is still in ALARM: whether the region serves is read again', serving(), firing, { kind: 'rejudge', reason: `alarm "${ALARM_NAME}" is still in ALARM: whether us-east-1 still serves is read again` }],
    ['an acknowledged region-serving notice whose alarm is still in ALARM: read again too', serving({ status: 'ACKNOWLEDGED', acknowledgedBy: 'alice' }), firing, { kind: 'rejudge' }],
    ['a restore-held notice whose alarm is in ALARM: checked again (no serving signal to it)', capReachedIncident({ level: 1, cause: 'restore-held' }), firing, { kind: 'recheck', reason: `alarm "${ALARM_NAME}" still exists (ALARM): the notice stays OPEN` }],
    ['the alarm has no data: checked again', serving(), noData, { kind: 'recheck' }],
    // An OK is its own state change's to judge (a restore signal's OK resolves nothing: decision 205).
    ['an OK since a later state change: checked again', serving(), clearedLater, { kind: 'recheck', reason: expect.stringContaining('still exists (OK)') }],
    ['a restore-held notice whose restore signal is OK: checked again', capReachedIncident({ level: 1, cause: 'restore-held' }), clearedLater, { kind: 'recheck' }],
    // Never "gone" on a read that failed: the role refused, access denied.
    ['the alarm could not be read: not taken for deleted, checked again', serving(), denied, { kind: 'recheck', reason: expect.stringContaining('not taken for deleted') }],
    ['the alarm not read at all: checked again', serving(), undefined, { kind: 'recheck' }],
    ['the incident resolved meanwhile: the checks end', serving({ status: 'RESOLVED' }), deleted, { kind: 'stop' }],
    ['not a notice (its ladder watches it): the checks end', capReachedIncident({ level: 1 }), deleted, { kind: 'stop', reason: expect.stringContaining('not a notice') }],
  ] as const)('%s', (_name, incident, read, expected) => {
    expect(planTimer(notice, incident, read, policy('production'))).toMatchObject(expected);
  });

  // The same check delivered again after it turned the notice back into the standby incident: it finishes the page.
  it.each([
    ['this check ended the notice: the page is finished (claimed once)', { cycle: 0, round: 3 }, 'OPEN', { kind: 'resume', tier: { level: 2 } }],
    ['another round ended it: the checks end', { cycle: 0, round: 2 }, 'OPEN', { kind: 'stop', reason: expect.stringContaining('not a notice') }],
    ['acknowledged since: the checks end', { cycle: 0, round: 3 }, 'ACKNOWLEDGED', { kind: 'stop' }],
  ] as const)('a check delivered again, the notice already withdrawn: %s', (_name, ended, status, expected) => {
    const resumed = capReachedIncident({ level: 1, cause: 'diagnosis', status, servingEnded: { at: '2026-11-25T16:00:00.000Z', fromLevel: 2, ...ended } });
    const plan = planTimer(notice, resumed, firing, policy('production'));
    expect(plan).toMatchObject(expected);
    // A redelivery never changes the incident again: no cause to write.
    expect(plan).not.toHaveProperty('cause');
  });

  it('ends the checks of a cycle the incident has re-opened past (that cycle has its own)', () => {
    expect(planTimer(notice, capReachedIncident({ level: 1, cause: 'region-serving', reopens: 1 }), deleted, policy('production'))).toMatchObject({ kind: 'stop', reason: expect.stringContaining('re-opened since (cycle 1)') });
  });
});

// Review 14 R14-14: a region-serving notice whose alarm still fires is judged again on the serving signal read now.
describe('planServingRecheck', () => {
  const SERVES = { serving: true, reason: 'serving since a failover: the replica db-replica is promoted (no replication source) and the DR consumers\' mapping m-1 (consumer on queue) is Enabled' };
  const FAILED_BACK = { serving: false, reason: "not serving: the DR consumers' mapping m-1 (consumer on queue) is Disabled; the replica db-replica is promoted, but that alone is not a failover" };
  const UNREAD = { serving: false, reason: 'not serving: the replica db-replica could not be read (AccessDenied)', unread: true as const };
  // 215's notice: the standby incident was at L1 (diagnosis) when its L2 timer found the region serving.
  const from215 = (fields: Parameters<typeof capReachedIncident>[0] = {}) =>
    capReachedIncident({ level: 1, cause: 'region-serving', reason: 'us-west-2 serves production since a failover (read when L2 was due) ...', servingNotice: { insteadOfLevel: 2, previousCause: 'diagnosis', at: '2026-11-25T14:20:00.000Z' }, ...fields });
  // 189's notice: the standby watch opened it as one after the failover (L1 paged the notice itself).
  const from189 = capReachedIncident({ level: 1, cause: 'region-serving', reason: 'us-west-2 serves production since a failover: ...', openedAt: '2026-11-25T14:30:00.000Z' });

  it.each([
    ['the region still serves: the notice stands', from215(), SERVES, { kind: 'recheck', reason: expect.stringContaining('still serves (serving since a failover') }],
    ['failed back (DR mapping Disabled): the standby incident again, its cause, L2 paged (the tier its notice replaced)', from215(), FAILED_BACK, { kind: 'resume', cause: 'diagnosis', tier: { level: 2 } }],
    ['failed back, a notice that replaced L3: L3 paged', from215({ level: 2, servingNotice: { insteadOfLevel: 3, previousCause: 'still-firing', at: '2026-11-25T14:20:00.000Z' } }), FAILED_BACK, { kind: 'resume', cause: 'still-firing', tier: { level: 3 } }],
    ["failed back, 189's notice (opened as one): the standby watch's diagnosis, the tier after L1", from189, FAILED_BACK, { kind: 'resume', cause: 'diagnosis', tier: { level: 2 } }],
    // Missing data is never "healthy": the notice was made on a positive reading; a failed one does not keep it.
    ['the signal could not be read: the ladder resumes, saying so', from215(), UNREAD, { kind: 'resume', tier: { level: 2 }, reason: expect.stringContaining('could not be read (AccessDenied)') }],
    ['acknowledged as a notice: resumed, the reason names who acknowledged it', from215({ status: 'ACKNOWLEDGED', acknowledgedBy: 'alice', acknowledgedAt: '2026-11-25T14:40:00.000Z' }), FAILED_BACK, { kind: 'resume', reason: expect.stringContaining('acknowledged as a notice by "alice" (unverified: not a principal ARN) at 2026-11-25T14:40:00.000Z') }],
  ] as const)('%s', (_name, incident, serving, expected) => {
    expect(planServingRecheck(incident, serving, policy('production'), 4)).toMatchObject(expected);
  });

  it('says what was read, that the alarm still fires, what the standby needs, and what the notice said', () => {
    const plan = planServingRecheck(from215(), FAILED_BACK, policy('production'), 4);
    expect(plan.reason).toBe(
      `us-east-1 no longer serves production (read at the notice's hourly check, round 4): ${FAILED_BACK.reason}; alarm "${ALARM_NAME}" is still in ALARM, so the standby watch applies again: ` +
        "after a failback the standby replicates nothing until it is rebuilt (a new cross-region read replica of the primary, the DR consumers' mapping Disabled). " +
        'It was a region-serving notice since 2026-11-25T14:20:00.000Z (before it, diagnosis); the notice said: us-west-2 serves production since a failover (read when L2 was due) ...',
    );
  });

  it('quotes at most 1000 characters of the notice (a notice made again quotes this reason in turn)', () => {
    const plan = planServingRecheck(from215({ reason: 'x'.repeat(5000) }), FAILED_BACK, policy('production'), 1);
    expect(plan.reason).toContain(`${'x'.repeat(1000)}...`);
    expect(plan.reason).not.toContain('x'.repeat(1001));
  });

  it('keeps the notice when the path has no tier to resume at (development ends at L2)', () => {
    const plan = planServingRecheck(capReachedIncident({ level: 2, environment: 'development', cause: 'region-serving' }), FAILED_BACK, policy('development'), 1);
    expect(plan).toMatchObject({ kind: 'recheck', reason: expect.stringContaining('no tier after L2') });
  });
});

describe('nextEscalation', () => {
  const at = new Date('2026-11-25T14:00:05.000Z');
  it.each([
    ['production', 1, 2, '2026-11-25T14:15:05.000Z'],
    ['production', 3, 4, '2026-11-25T15:00:05.000Z'],
    ['staging', 1, 2, '2026-11-25T14:30:05.000Z'],
    ['development', 1, 2, '2026-11-25T15:00:05.000Z'],
  ] as const)('in %s, after L%s comes L%s at %s', (environment, level, nextLevel, when) => {
    const resolved = policy(environment);
    const tier = resolved.tiers.find((t) => t.level === level);
    if (!tier) throw new Error('no tier');
    expect(nextEscalation(resolved, tier, at)).toMatchObject({ tier: { level: nextLevel }, at: new Date(when) });
  });

  it.each([
    ['production', 4],
    ['development', 2],
  ] as const)('in %s nothing follows L%s', (environment, level) => {
    const resolved = policy(environment);
    const tier = resolved.tiers.find((t) => t.level === level);
    if (!tier) throw new Error('no tier');
    expect(nextEscalation(resolved, tier, at)).toBeUndefined();
  });
});
