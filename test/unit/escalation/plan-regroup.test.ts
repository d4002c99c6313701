// A re-fire of the same alarm: its own incident, or the alarm's latest incident re-opened (decision 204), at the window's edges.
import type { Incident } from '../../../shared/escalation/incident';
import { planRegroup } from '../../../shared/escalation/plan-regroup';
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

  it('joins an incident that never resolved (its OK lost, or the alarm went through INSUFFICIENT_DATA), acknowledged or not', () => {
    expect(planRegroup({ ...resolved, status: 'OPEN', resolvedAt: undefined }, after(2 * 60 * MINUTE), WINDOW).kind).toBe('join');
    expect(planRegroup({ ...resolved, status: 'ACKNOWLEDGED', resolvedAt: undefined }, after(MINUTE), WINDOW).kind).toBe('join');
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
