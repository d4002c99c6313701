// EscalationStore's writes made at once (create's and groupInto's index entries): a denied one is thrown only once every
// other has answered, so no write is left in flight when the invocation ends (review 20b: Promise.all threw at the first).
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EscalationStore } from '../../../shared/escalation/escalation-store';
import type { Incident } from '../../../shared/escalation/incident';
import { STORE_ALARM_ARN as ALARM_ARN, STORE_NOW as NOW, storeIncident } from './fixtures';

const incident: Incident = storeIncident();

/** A Put's answer held until the test lets it go. */
interface Held {
  pk: string;
  release(): void;
  answered: boolean;
}

/**
 * The table as `send` sees it: the alarm index's Put is denied at once (an IAM condition on the key, a deleted grant);
 * every other Put is held until released. Records each Put's partition in the order sent.
 */
function tableDenyingTheAlarmIndex(): { db: Pick<DynamoDBDocumentClient, 'send'>; sent: string[]; held: Held[] } {
  const sent: string[] = [];
  const held: Held[] = [];
  const send = (command: unknown): Promise<unknown> => {
    if (!(command instanceof PutCommand)) return Promise.reject(new Error(`unexpected ${String(command)}`));
    const pk = String(command.input.Item?.pk);
    sent.push(pk);
    if (pk.startsWith('ESCALATION-ALARM#')) return Promise.reject(Object.assign(new Error('User is not authorized to perform: dynamodb:PutItem'), { name: 'AccessDeniedException' }));
    return new Promise((resolve) => {
      const entry: Held = { pk, answered: false, release: () => { entry.answered = true; resolve({}); } };
      held.push(entry);
    });
  };
  return { db: { send } as unknown as Pick<DynamoDBDocumentClient, 'send'>, sent, held };
}

/** Lets every pending promise callback run (no timer: the held writes answer only when released). */
const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('EscalationStore: index writes made at once', () => {
  it('create throws the denied index write only after the other two index writes answered, and writes no incident', async () => {
    const { db, sent, held } = tableDenyingTheAlarmIndex();
    const store = new EscalationStore(db, { tableName: 'state', retentionDays: 30, leaseSeconds: 120 });
    let outcome: 'pending' | 'resolved' | Error = 'pending';
    const created = store.create(incident, NOW).then(
      () => void (outcome = 'resolved'),
      (error: Error) => void (outcome = error),
    );
    await drain();
    // The denied write has answered; the two others are in flight: create has not returned yet.
    expect(held.map((h) => h.pk)).toEqual(['ESCALATION-OPEN', `ESCALATION-LATEST#${ALARM_ARN}`]);
    expect(outcome).toBe('pending');
    held[0]?.release();
    await drain();
    expect(outcome).toBe('pending');
    held[1]?.release();
    await created;
    expect(held.every((h) => h.answered)).toBe(true);
    expect(outcome).toMatchObject({ name: 'AccessDeniedException' });
    // Three index writes, no incident item: an incident without its alarm index entry would be hidden from its OK.
    expect(sent).toEqual([`ESCALATION-ALARM#${ALARM_ARN}`, 'ESCALATION-OPEN', `ESCALATION-LATEST#${ALARM_ARN}`]);
  });

  it('groupInto throws the denied index write only after the other two index writes answered, and moves no incident', async () => {
    const { db, sent, held } = tableDenyingTheAlarmIndex();
    const store = new EscalationStore(db, { tableName: 'state', retentionDays: 30, leaseSeconds: 120 });
    let outcome: 'pending' | 'resolved' | Error = 'pending';
    const grouped = store.groupInto(incident, { incidentKey: `${ALARM_ARN}#2026-12-05T22:05:00.000+0000`, alarmTime: '2026-12-05T22:05:00.000+0000' }, undefined, NOW).then(
      () => void (outcome = 'resolved'),
      (error: Error) => void (outcome = error),
    );
    await drain();
    expect(held).toHaveLength(2);
    expect(outcome).toBe('pending');
    for (const h of held) h.release();
    await grouped;
    expect(outcome).toMatchObject({ name: 'AccessDeniedException' });
    expect(sent).toEqual([`ESCALATION-ALARM#${ALARM_ARN}`, 'ESCALATION-OPEN', `ESCALATION-LATEST#${ALARM_ARN}`]);
  });
});
