// An escalation handler that fails on something other than bad input throws (Lambda retries the event, then keeps it
// in the failure destination) and first says what failed in one error line; a state-table record the automation did
// not write is named by its key and fields (decision 118).
import { createEscalationTimerHandler } from '../../../shared/escalation/create-escalation-timer-handler';
import type { EscalationServices } from '../../../shared/escalation/escalation-service';
import { StateRecordError } from '../../../shared/state/state-records';
import { writtenJsonLines } from '../../support/written-lines';

const ENV = { RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1', RUNBOOK_ACCOUNT_ID: '111111111111' };
const KEY = { pk: 'ESCALATION#inc-3f2a9c1b7d44', sk: 'INCIDENT' };

/** Every service method throws `error`: whatever the timer reads first fails as the table would make it fail. */
function failingServices(error: Error): Partial<EscalationServices> {
  const failing = new Proxy({}, { get: () => async () => Promise.reject(error) });
  return { store: failing, notifier: failing, timers: failing, alarms: failing, records: failing } as unknown as Partial<EscalationServices>;
}

/** The JSON lines Powertools' Logger writes while `act` runs (info to stdout, warnings and errors to stderr). */
async function loggedLines(act: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  return (await writtenJsonLines(act)).filter((line) => line.includes('"level"')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('escalation handlers say what failed before the event is retried', () => {
  const timer = { action: 'escalate', incidentId: 'inc-3f2a9c1b7d44', level: 2, alarm: { name: 'notification-service-queue-backup', account: '111111111111' } };

  it('a forged incident record: thrown on, and one error line naming its key and fields', async () => {
    const forged = new StateRecordError(KEY, ['level: Invalid input: expected number, received string']);
    const handler = createEscalationTimerHandler({ env: ENV, services: failingServices(forged), killSwitch: { read: async () => ({ engaged: false, reason: 'off' }) } });
    let thrown: unknown;
    const lines = await loggedLines(() => handler(timer).catch((error: unknown) => void (thrown = error)));
    expect(thrown).toBe(forged);
    const errors = lines.filter((line) => line.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: 'escalation failed: the event will be retried, then kept by the failure destination',
      handler: 'escalation-timer',
      record: KEY,
      issues: ['level: Invalid input: expected number, received string'],
      error: { message: expect.stringContaining('ESCALATION#inc-3f2a9c1b7d44 / INCIDENT') },
    });
  });

  it('any other failure (AWS throttling): thrown on, and one error line with the error, no record fields', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const handler = createEscalationTimerHandler({ env: ENV, services: failingServices(throttled), killSwitch: { read: async () => ({ engaged: false, reason: 'off' }) } });
    let thrown: unknown;
    const lines = await loggedLines(() => handler(timer).catch((error: unknown) => void (thrown = error)));
    expect(thrown).toBeDefined();
    const errors = lines.filter((line) => line.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ handler: 'escalation-timer', error: { message: expect.stringContaining('Rate exceeded') } });
    expect(errors[0]).not.toHaveProperty('record');
  });
});
