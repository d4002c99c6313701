// Acknowledging (decision 174): only a principal ARN is recorded as the acknowledger; what the conditional write's answer
// means for the caller, in each state an incident can be in; and the exit code `runbook ack` gives each.
import { EXIT_BY_OUTCOME } from '../../../cli/ack';
import { EXIT } from '../../../cli/exit-codes';
import { acknowledgeIncident, acknowledgeOutcome, UnverifiedAcknowledgerError, type AcknowledgeOutcome } from '../../../shared/escalation/acknowledge';
import type { EscalationStore } from '../../../shared/escalation/escalation-store';
import type { Incident } from '../../../shared/escalation/incident';
import { ManualClock } from '../../support/manual-clock';
import { capReachedIncident } from './fixtures';

const ALICE = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/OnCall/bob';
const clock = new ManualClock(Date.parse('2026-11-25T14:05:00.000Z'));

describe('acknowledgeOutcome', () => {
  const open = capReachedIncident({ status: 'OPEN', level: 1, nextLevel: 2, nextEscalationAt: '2026-11-25T14:15:03.000Z' });
  const ackedBy = (by: string, note?: string): Incident =>
    capReachedIncident({ status: 'ACKNOWLEDGED', level: 1, acknowledgedBy: by, acknowledgedAt: '2026-11-25T14:04:00.000Z', acknowledgedVia: 'runbook ack', ...(note ? { acknowledgedNote: note } : {}) });

  it.each<[string, boolean, Incident | undefined, AcknowledgeOutcome, number, RegExp]>([
    ['alice takes an open incident', true, ackedBy(ALICE, 'alice'), 'acknowledged', EXIT.ok, /acknowledged by arn:aws:sts::123456789012:assumed-role\/OnCall\/alice \(role OnCall verified; its session name "alice" is chosen by whoever assumed the role\) \(self-declared: "alice"\): escalation stopped/],
    ['alice\'s ack is replayed (a retry, a double Enter)', false, ackedBy(ALICE), 'already-acknowledged', EXIT.ok, /already acknowledged by you \(arn:.*\/alice \(role OnCall verified; its session name "alice" is chosen by whoever assumed the role\)\) at 2026-11-25 14:04 UTC: nothing changed/],
    ['bob acks what alice owns, typing --by alice', false, ackedBy(ALICE, 'alice'), 'acknowledged-by-another', EXIT.rejected, /already acknowledged by arn:.*\/alice \(role OnCall verified; its session name "alice" is chosen by whoever assumed the role\) \(self-declared: "alice"\) at .*, not by you \(arn:.*\/bob\): your acknowledgement was not recorded/],
    ['an ack after the alarm cleared', false, capReachedIncident({ status: 'RESOLVED', resolution: 'alarm OK', resolvedAt: '2026-11-25T14:03:00.000Z' }), 'resolved', EXIT.rejected, /is resolved \(alarm OK, 2026-11-25 14:03 UTC\): nothing to acknowledge, nothing recorded/],
    ['an ack while the automation still watches (nobody paged)', false, capReachedIncident({ status: 'WATCHING' }), 'not-open', EXIT.rejected, /is not open: nobody has been notified yet.*nothing recorded/],
    ['an id with no incident (a typo, another region\'s table)', false, undefined, 'not-found', EXIT.rejected, /no incident inc-3f2a9c1b7d44 in the state table: nothing acknowledged/],
  ])('%s', (_case, acknowledged, incident, outcome, exit, message) => {
    const by = outcome === 'acknowledged-by-another' ? BOB : ALICE;
    const result = acknowledgeOutcome({ incidentId: open.incidentId, by }, acknowledged, incident);
    expect(result).toMatchObject({ outcome, incidentId: open.incidentId });
    expect(result.message).toMatch(message);
    expect(EXIT_BY_OUTCOME[result.outcome]).toBe(exit);
  });

  it('says which tier will not be paged when it takes the incident', () => {
    const taken = { ...open, status: 'ACKNOWLEDGED' as const, acknowledgedBy: ALICE, acknowledgedAt: '2026-11-25T14:05:00.000Z' };
    expect(acknowledgeOutcome({ incidentId: open.incidentId, by: ALICE }, true, taken).message).toContain('L2 (due 2026-11-25 14:15 UTC) will not be notified.');
  });
});

describe('acknowledgeIncident', () => {
  function recordingStore(answer: { acknowledged: boolean; incident: Incident | undefined }) {
    const calls: Array<Parameters<EscalationStore['acknowledge']>> = [];
    const store: Pick<EscalationStore, 'acknowledge'> = {
      acknowledge: (...args) => {
        calls.push(args);
        return Promise.resolve(answer);
      },
    };
    return { store, calls };
  }

  it.each([['a typed name', 'alice@example.com'], ['a role (not a session)', 'arn:aws:iam::123456789012:role/OnCall'], ['nothing', '']])(
    'refuses %s as the acknowledger before any write',
    async (_case, by) => {
      const { store, calls } = recordingStore({ acknowledged: true, incident: undefined });
      await expect(acknowledgeIncident(store, { incidentId: 'inc-3f2a9c1b7d44', by, via: 'runbook ack' }, clock)).rejects.toBeInstanceOf(UnverifiedAcknowledgerError);
      expect(calls).toEqual([]);
    },
  );

  it('writes the principal as the acknowledger and the note apart from it', async () => {
    const { store, calls } = recordingStore({ acknowledged: true, incident: capReachedIncident({ status: 'ACKNOWLEDGED', acknowledgedBy: ALICE, acknowledgedNote: 'alice' }) });
    const result = await acknowledgeIncident(store, { incidentId: 'inc-3f2a9c1b7d44', by: ALICE, note: 'alice', via: 'runbook ack' }, clock);
    expect(result.outcome).toBe('acknowledged');
    expect(calls).toEqual([['inc-3f2a9c1b7d44', { by: ALICE, note: 'alice', via: 'runbook ack' }, clock.now()]]);
  });

  it('writes no note when none was given', async () => {
    const { store, calls } = recordingStore({ acknowledged: true, incident: capReachedIncident({ status: 'ACKNOWLEDGED', acknowledgedBy: ALICE }) });
    await acknowledgeIncident(store, { incidentId: 'inc-3f2a9c1b7d44', by: ALICE, via: 'runbook ack' }, clock);
    expect(calls[0]?.[1]).toEqual({ by: ALICE, via: 'runbook ack' });
  });
});
