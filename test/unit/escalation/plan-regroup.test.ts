// A re-fire of the same alarm: its own incident, or the alarm's latest incident re-opened (decision 204), at the window's edges.
import type { Incident } from '../../../shared/escalation/incident';
import { causeChangeAudience, causeRank, EARLIER_CAUSES_KEPT, planRegroup, resumeLadder, supersedeCause } from '../../../shared/escalation/plan-regroup';
import { INCIDENT_CAUSES } from '../../../shared/escalation/incident';
import { planTimer } from '../../../shared/escalation/plan-timer';
import { DEFAULT_FLAPPING } from '../../../shared/escalation/policy';
import { capReachedIncident, policy } from './fixtures';

const WINDOW = 30;
const RESOLVED_AT = '2026-12-06T10:25:46.000Z';
const resolved: Pick<Incident, 'incidentId' | 'status' | 'alarmTime' | 'resolvedAt' | 'openedAt'> = {
  incidentId: 'inc-59329a42e73b',
  status: 'RESOLVED',
  alarmTime: '2026-12-06T10:25:23.000+0000',
  openedAt: '2026-12-06T10:25:23.400Z',
  resolvedAt: RESOLVED_AT,
};
const after = (ms: number): string => new Date(Date.parse(RESOLVED_AT) + ms).toISOString();
const MINUTE = 60_000;

describe('planRegroup: a new ALARM state change of an alarm whose latest incident is another one', () => {
  it.each<[string, string, string]>([
    ['a re-fire 18 s after the OK (the review\'s flap)', after(18_000), 'reopen'],
    ['just inside: 30 min after the resolution', after(WINDOW * MINUTE), 'reopen'],
    ['just outside: 30 min and 1 ms after it', after(WINDOW * MINUTE + 1), 'new'],
    ['an hour later', after(60 * MINUTE), 'new'],
    // The OK was processed late (a retry): its resolution is stamped after this ALARM's state change. Still the same condition.
    ['a state change before the resolution was even recorded', after(-5_000), 'reopen'],
  ])('%s: %s', (_situation, alarmTime, kind) => {
    expect(planRegroup(resolved, alarmTime, WINDOW).kind).toBe(kind);
  });

  it('says why, with the figures, on each side of the window', () => {
    expect(planRegroup(resolved, after(18_000), WINDOW).reason).toBe('inc-59329a42e73b resolved 0.3 min before this ALARM, within the 30-min grouping window');
    expect(planRegroup(resolved, after(45 * MINUTE), WINDOW).reason).toBe('inc-59329a42e73b resolved 45 min before this ALARM, outside the 30-min grouping window');
  });

  it('joins an incident that never resolved (its OK lost, or the alarm went through INSUFFICIENT_DATA), acknowledged or not, while it is live', () => {
    expect(planRegroup({ ...resolved, status: 'OPEN', resolvedAt: undefined }, after(20 * MINUTE), WINDOW).kind).toBe('join');
    expect(planRegroup({ ...resolved, status: 'ACKNOWLEDGED', resolvedAt: undefined }, after(MINUTE), WINDOW).kind).toBe('join');
  });

  // Review 13 R13-7: join had no age limit, so an incident left OPEN or ACKNOWLEDGED swallowed an ALARM days later, nobody paged.
  describe('an unresolved incident is joined only while live (R13-7)', () => {
    const ALARM_AT = Date.parse(resolved.alarmTime);
    const since = (ms: number): string => new Date(ALARM_AT + ms).toISOString();
    const DAY = 24 * 60 * MINUTE;
    it.each<[string, Incident['status'], number, string | undefined, string]>([
      ['ACKNOWLEDGED, its last ALARM 30 min before (inside the window)', 'ACKNOWLEDGED', WINDOW * MINUTE, undefined, 'join'],
      ['ACKNOWLEDGED, 31 min before', 'ACKNOWLEDGED', 31 * MINUTE, undefined, 'new'],
      ['ACKNOWLEDGED, ten days before (the review\'s probe)', 'ACKNOWLEDGED', 10 * DAY, undefined, 'new'],
      ['OPEN, ladder run its course, 31 min before', 'OPEN', 31 * MINUTE, undefined, 'new'],
      ['OPEN, ladder run its course, ten days before', 'OPEN', 10 * DAY, undefined, 'new'],
      ['OPEN, 2 h before, its next tier due after this ALARM (the ladder is running)', 'OPEN', 120 * MINUTE, since(125 * MINUTE), 'join'],
      ['OPEN, ten days before, its next tier was due long ago (a paused ladder)', 'OPEN', 10 * DAY, since(15 * MINUTE), 'new'],
      // An acknowledgement stops the ladder: its leftover due time keeps nothing alive.
      ['ACKNOWLEDGED, 2 h before, a due time left from before the acknowledgement', 'ACKNOWLEDGED', 120 * MINUTE, since(125 * MINUTE), 'new'],
    ])('%s', (_situation, status, ageMs, nextEscalationAt, kind) => {
      const latest = { ...resolved, status, resolvedAt: undefined, ...(nextEscalationAt ? { nextEscalationAt } : {}) };
      expect(planRegroup(latest, since(ageMs), WINDOW).kind).toBe(kind);
    });

    it('says why it is not joined, with the figures', () => {
      expect(planRegroup({ ...resolved, status: 'ACKNOWLEDGED', resolvedAt: undefined }, since(10 * DAY), WINDOW).reason).toBe(
        'inc-59329a42e73b of the same alarm is still ACKNOWLEDGED, but its last ALARM state change (2026-12-06T10:25:23.000+0000) was 14400 min before this one, outside the 30-min grouping window: not joined',
      );
    });
  });

  it('never groups into a watch (nobody was paged for it), nor when grouping is off, nor without an earlier incident', () => {
    expect(planRegroup({ ...resolved, status: 'WATCHING', openedAt: undefined }, after(MINUTE), WINDOW).kind).toBe('new');
    // A watch that resolved quietly (the automatic change worked): nobody was paged, nothing to re-open.
    expect(planRegroup({ ...resolved, openedAt: undefined }, after(MINUTE), WINDOW)).toEqual({ kind: 'new', reason: 'inc-59329a42e73b resolved without paging anyone (a watch that cleared)' });
    expect(planRegroup(resolved, after(MINUTE), 0)).toEqual({ kind: 'new', reason: 'grouping of re-fires is off (flapping.regroupWithinMinutes 0)' });
    expect(planRegroup(undefined, after(MINUTE), WINDOW).kind).toBe('new');
    expect(planRegroup({ ...resolved, resolvedAt: undefined }, after(MINUTE), WINDOW).kind).toBe('new');
  });

  it('the same state change again is already grouped; an older one is stale (whatever the timestamp format)', () => {
    const moved = { ...resolved, status: 'OPEN' as const, alarmTime: '2026-12-06T10:26:04.000+0000' };
    expect(planRegroup(moved, '2026-12-06T10:26:04.000Z', WINDOW).kind).toBe('already');
    expect(planRegroup(moved, '2026-12-06T10:25:23.000+0000', WINDOW).kind).toBe('stale');
  });

  it('the project default window is 30 min and the settle period 10 min', () => {
    expect(DEFAULT_FLAPPING).toEqual({ regroupWithinMinutes: 30, settleMinutes: 10 });
    for (const env of ['production', 'staging', 'development'] as const) expect(policy(env).flapping).toEqual(DEFAULT_FLAPPING);
  });
});

describe('planTimer: the held resolution of a re-opened incident (settle timer)', () => {
  const flapped: Incident = {
    ...capReachedIncident(),
    status: 'RESOLVED',
    reopens: 2,
    firstAlarmTime: '2026-12-06T10:25:23.000Z',
    alarmTime: '2026-12-06T10:26:37.000Z',
    resolvedAt: '2026-12-06T10:27:10.000Z',
  };
  const ok = { value: 'OK', updatedAt: new Date('2026-12-06T10:27:09.000Z') };

  it('tells the resolution of its cycle, with how it flapped, once the alarm stayed OK', () => {
    expect(planTimer({ action: 'settle', incidentId: flapped.incidentId, cycle: 2 }, flapped, ok, policy())).toEqual({
      kind: 'announce',
      cycle: 2,
      reason: 'it fired 3 times between 2026-12-06T10:25:23.000Z and 2026-12-06T10:26:37.000Z; OK since 2026-12-06T10:27:10.000Z (10 min settle)',
    });
  });

  it('tells nothing when the incident re-opened since (a later cycle, or open again) or the alarm is in ALARM again', () => {
    expect(planTimer({ action: 'settle', incidentId: flapped.incidentId, cycle: 1 }, flapped, ok, policy()).kind).toBe('stop');
    expect(planTimer({ action: 'settle', incidentId: flapped.incidentId, cycle: 2 }, { ...flapped, status: 'OPEN' }, ok, policy()).kind).toBe('stop');
    expect(planTimer({ action: 'settle', incidentId: flapped.incidentId, cycle: 2 }, flapped, { value: 'ALARM', updatedAt: new Date('2026-12-06T10:30:00.000Z') }, policy()).kind).toBe('stop');
  });

  it('an alarm that cannot be re-read does not hold the resolution back, and the message says so', () => {
    const plan = planTimer({ action: 'settle', incidentId: flapped.incidentId, cycle: 2 }, flapped, { unreadable: 'AccessDenied on DescribeAlarms' }, policy());
    expect(plan).toMatchObject({ kind: 'announce', reason: expect.stringContaining('(the alarm could not be re-read: AccessDenied on DescribeAlarms)') });
  });
});

// Review 13 R13-1: each re-open restarted L1's 15 min (and each OK deleted L2's timer), so an alarm whose OK came within
// 15 min of each ALARM (or anyone with cloudwatch:SetAlarmState) kept the incident at L1 for ever.
describe('resumeLadder: a re-opened incident resumes the ladder on its own clock (R13-1)', () => {
  const T0 = Date.parse('2026-12-06T10:00:00.000Z');
  const at = (minutes: number): Date => new Date(T0 + minutes * MINUTE);
  // L1 paged at t0: L2 due at t0 + 15 (production's L1 timeout).
  const paged = { level: 1, cause: 'diagnosis', ladderDueAt: at(15).toISOString() };

  it("the review's flap (ALARM t0, OK t0+14, ALARM t0+15, OK t0+29, ALARM t0+30): L2 is due at t0+15, not t0+30 or t0+45", () => {
    expect(policy().tiers[0]?.timeoutMinutes).toBe(15);
    const second = resumeLadder(paged, policy(), at(15));
    expect(second).toMatchObject({ tier: { level: 2 }, at: at(15) });
    // Re-opened again at t0+30 (nobody paged L2 in between, as on main before this fix): still due at t0+15, so paged at once.
    expect(resumeLadder(paged, policy(), at(30))?.at.getTime()).toBeLessThanOrEqual(at(30).getTime());
    expect(resumeLadder(paged, policy(), at(30))?.at).toEqual(at(15));
  });

  it('a re-open before the due time keeps the due time (an early re-fire does not postpone L2)', () => {
    expect(resumeLadder(paged, policy(), at(2))).toMatchObject({ tier: { level: 2 }, at: at(15), reason: expect.stringContaining('clock kept running') });
  });

  it("an incident acknowledged in the cycle that resolved: the reached tier's whole timeout from the re-open", () => {
    const acknowledged = { ...paged, acknowledgedBy: 'arn:aws:sts::123456789012:assumed-role/OnCall/jane' };
    expect(resumeLadder(acknowledged, policy(), at(40))).toMatchObject({ tier: { level: 2 }, at: at(55), reason: expect.stringContaining('acknowledged') });
  });

  it('an incident recorded without the due time (before this change) restarts as it did', () => {
    expect(resumeLadder({ level: 1, cause: 'diagnosis' }, policy(), at(40))).toMatchObject({ tier: { level: 2 }, at: at(55) });
  });

  // Review 14 R14-8: the ladder is charged with the time the incident was open and OK spells shorter than the settle period.
  const cleared = (minutes: number) => ({ ...paged, resolvedAt: at(minutes).toISOString() });
  const fired = (minutes: number): string => at(minutes).toISOString().replace('Z', '+0000');

  it('R13-1 with its resolution: ALARM t0, OK t0+14, ALARM t0+15 -> L2 due t0+15 (a 1-min OK is charged), paged at once', () => {
    expect(resumeLadder(cleared(14), policy(), at(15), fired(15))).toMatchObject({ tier: { level: 2 }, at: at(15), reason: expect.stringContaining('kept running through an OK of 1 min') });
  });

  it("the review's case: ALARM t0, OK t0+1, ALARM t0+29 -> L2 due t0+29+14, not paged at once", () => {
    expect(resumeLadder(cleared(1), policy(), at(29), fired(29))).toMatchObject({ tier: { level: 2 }, at: at(43), reason: expect.stringContaining('clock stopped while the alarm was OK (28 min') });
  });

  it('the settle period is the edge: an OK of 9.9 min is charged, an OK of 10 min stops the clock', () => {
    expect(policy().flapping.settleMinutes).toBe(10);
    expect(resumeLadder(cleared(1), policy(), at(10.9), fired(10.9))?.at).toEqual(at(15));
    expect(resumeLadder(cleared(1), policy(), at(11), fired(11))?.at).toEqual(at(25));
  });

  it("a ladder that was due before the incident cleared stays due after a long OK: the next tier is paged at the re-open", () => {
    expect(resumeLadder(cleared(16), policy(), at(40), fired(40))?.at.getTime()).toBeLessThanOrEqual(at(40).getTime());
  });

  it('nothing to resume: nobody paged yet, a notice (its tier once), or the end of the path', () => {
    expect(resumeLadder({ ...paged, level: 0 }, policy(), at(20))).toBeUndefined();
    expect(resumeLadder({ ...paged, cause: 'restore-held' }, policy(), at(20))).toBeUndefined();
    const last = policy().tiers.at(-1)?.level ?? 0;
    expect(resumeLadder({ ...paged, level: last }, policy(), at(20))).toBeUndefined();
  });
});

// Review 14 R14-15: a re-fire grouped into the incident kept the incident's first cause, so a real backlog at the cap that
// re-opened a not-corroborated incident was paged as "not borne out ... look for a test in CloudTrail".
describe('supersedeCause: which cause a grouped incident presents (R14-15)', () => {
  const NC_REASON = 'alarm "NotificationService Queue Depth > 1000 (notification-service-queue)" not corroborated: queue depth 0 is not > 1000 ...; nothing changed';
  const notCorroborated = capReachedIncident({
    cause: 'not-corroborated',
    reason: NC_REASON,
    decision: { key: 'nc', playbook: 'scale-consumers', outcome: 'escalate', reason: NC_REASON, decidedAt: '2026-11-25T14:00:04.512Z', dryRun: false, cause: 'not-corroborated' },
  });
  const cap = capReachedIncident();
  const REFIRE = '2026-11-25T14:20:03.000+0000';
  const later = (incident: typeof cap) => ({ cause: incident.cause, reason: incident.reason, ...(incident.decision ? { decision: { ...incident.decision, key: `${incident.decision.key}-later` } } : {}) });

  it.each<[string, string, string, boolean]>([
    // The review's probe: a bare ALARM (SetAlarmState), its OK, then a real backlog at the cap.
    ['a real backlog at the cap after a not-corroborated ALARM', 'not-corroborated', 'cap-reached', true],
    ['a not-corroborated re-fire of a real incident (a test of the alarm during one)', 'cap-reached', 'not-corroborated', false],
    ['the same cause again', 'cap-reached', 'cap-reached', false],
    ['not-corroborated again', 'not-corroborated', 'not-corroborated', false],
    ['a real cause after one whose state change time was unknown', 'alarm-time-unknown', 'guardrail', true],
    ['not-corroborated after one whose time was unknown (says less)', 'alarm-time-unknown', 'not-corroborated', false],
    ['a later real cause of the same rank: the later state change\'s', 'made-worse', 'cap-reached', true],
    ['a standby escalation after a region-serving notice (failed back): the ladder again', 'region-serving', 'diagnosis', true],
    ['a region-serving notice after a standby incident: the timer reads the serving signal itself (215)', 'diagnosis', 'region-serving', false],
    ['a notice after not-corroborated', 'not-corroborated', 'restore-held', true],
    ['a newer handler\'s unknown cause after not-corroborated', 'not-corroborated', 'some-new-cause', true],
  ])('%s: %s then %s -> superseded %s', (_situation, recorded, incoming, superseded) => {
    const change = supersedeCause({ ...cap, cause: recorded }, { cause: incoming, reason: `why ${incoming}` }, REFIRE);
    expect(change !== undefined).toBe(superseded);
    if (change) expect(change).toMatchObject({ cause: incoming, reason: `why ${incoming}` });
  });

  it('not-corroborated ranks below every other cause, notices below every cause with a ladder', () => {
    const ranks = INCIDENT_CAUSES.map((c) => [c, causeRank(c)] as const);
    expect(ranks.filter(([, r]) => r === 0).map(([c]) => c)).toEqual(['not-corroborated']);
    expect(ranks.filter(([, r]) => r === 2).map(([c]) => c).sort()).toEqual(['region-serving', 'restore-held']);
    expect(ranks.filter(([c]) => c !== 'not-corroborated').every(([, r]) => r > 0)).toBe(true);
  });

  it('the new cause, reason and decision replace the recorded ones; the first is kept as an earlier cause with its decision', () => {
    const change = supersedeCause(notCorroborated, later(cap), REFIRE);
    expect(change).toEqual({
      cause: 'cap-reached',
      reason: cap.reason,
      decision: { ...cap.decision, key: 'k1-later' },
      earlierCauses: [{ cause: 'not-corroborated', reason: NC_REASON, since: notCorroborated.alarmTime, until: REFIRE, decision: notCorroborated.decision }],
      count: 1,
    });
  });

  it('numbers each change of the incident\'s cause: the third change is 3 (its messages are told once per tier by it, decision 272)', () => {
    const change = supersedeCause({ ...notCorroborated, causeChange: { count: 2, at: '2026-11-25T14:10:00.000+0000' } }, later(cap), REFIRE);
    expect(change?.count).toBe(3);
  });

  it('an incident whose earlier cycles already moved its state change dates the earlier cause from its first state change', () => {
    const change = supersedeCause({ ...notCorroborated, firstAlarmTime: '2026-11-25T13:50:00.000+0000', alarmTime: '2026-11-25T14:00:03.120+0000' }, later(cap), REFIRE);
    expect(change?.earlierCauses[0]).toMatchObject({ since: '2026-11-25T13:50:00.000+0000', until: REFIRE });
  });

  it('a cause without a decision (the alarm path) drops the recorded decision from the current cause', () => {
    expect(supersedeCause(notCorroborated, { cause: 'alarm', reason: 'alarm "x" is in ALARM' }, REFIRE)).not.toHaveProperty('decision');
  });

  it('keeps the first superseded cause and the latest ones, however often the cause changes (the item stays bounded)', () => {
    let incident = { ...notCorroborated };
    const causes = ['cap-reached', 'consumer-failing', 'cap-reached', 'cross-playbook', 'consumer-failing', 'cap-reached'];
    causes.forEach((cause, i) => {
      const at = `2026-11-25T14:${String(10 + i).padStart(2, '0')}:00.000+0000`;
      const change = supersedeCause(incident, { cause, reason: `why ${cause} ${i}` }, at);
      if (!change) throw new Error(`${cause} did not supersede ${incident.cause}`);
      incident = { ...incident, ...change, alarmTime: at };
    });
    const kept = incident.earlierCauses ?? [];
    expect(kept).toHaveLength(EARLIER_CAUSES_KEPT);
    expect(kept[0]).toMatchObject({ cause: 'not-corroborated', reason: NC_REASON });
    expect(kept.slice(1).map((e) => e.reason)).toEqual(['why cap-reached 2', 'why cross-playbook 3', 'why consumer-failing 4']);
    expect(incident).toMatchObject({ cause: 'cap-reached', reason: 'why cap-reached 5' });
  });

  it('a notice superseded by a cause with a ladder climbs again: resumeLadder gives the next tier', () => {
    const notice = { level: 1, cause: 'region-serving' };
    expect(resumeLadder(notice, policy(), new Date('2026-12-06T10:00:00.000Z'))).toBeUndefined();
    const change = supersedeCause({ ...cap, ...notice }, { cause: 'diagnosis', reason: 'the replica lags' }, REFIRE);
    expect(resumeLadder({ ...notice, cause: change?.cause ?? notice.cause }, policy(), new Date('2026-12-06T10:00:00.000Z'))).toMatchObject({
      tier: { level: 2 },
      at: new Date('2026-12-06T10:15:00.000Z'),
    });
  });
});

// Decision 272 (review 14 R14-15's second half): a join that changes the cause tells the tiers already paged, once each.
describe('causeChangeAudience: who is told that the incident\'s cause changed', () => {
  const AT = '2026-11-25T14:20:03.000+0000';
  const changed = (overrides: Partial<Incident> = {}) =>
    capReachedIncident({ status: 'OPEN', alarmTime: AT, causeChange: { count: 2, at: AT }, ...overrides });

  it.each<[string, Partial<Incident>, number[], number[], { count: number; levels: number[] } | undefined]>([
    ['a join changed it: every tier paged (L1 and L2), by the change\'s number', {}, [1, 2], [], { count: 2, levels: [1, 2] }],
    ['a join changed it while acknowledged: the owner is told too', { status: 'ACKNOWLEDGED' }, [2, 1, 1], [], { count: 2, levels: [1, 2] }],
    ['a re-open changed it: the tiers its re-open message went to are left out (it says the change)', { causeChange: { count: 2, at: AT, reopened: true } }, [1, 2], [1], { count: 2, levels: [2] }],
    ['a re-open during a held resolution (nobody told it resolved, so no re-open message): every tier paged', { causeChange: { count: 2, at: AT, reopened: true } }, [1, 2], [], { count: 2, levels: [1, 2] }],
    ['a re-open whose message went to every tier paged: nobody more', { causeChange: { count: 2, at: AT, reopened: true } }, [1, 2], [1, 2], undefined],
    ['the change came with an earlier state change (this re-fire kept the cause): nobody', { causeChange: { count: 2, at: '2026-11-25T14:10:00.000+0000' } }, [1, 2], [], undefined],
    ['the cause never changed: nobody', { causeChange: undefined }, [1, 2], [], undefined],
    ['nobody paged yet (the first page will present the new cause): nobody', {}, [], [], undefined],
    ['resolved again: nobody', { status: 'RESOLVED' }, [1, 2], [], undefined],
  ])('%s', (_case, overrides, paged, reopenedTo, expected) => {
    expect(causeChangeAudience(changed(overrides), paged, reopenedTo)).toEqual(expected);
  });
});
