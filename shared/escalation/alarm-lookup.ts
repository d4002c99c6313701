// The escalation's view of an alarm: read where the alarm lives (the workload's role in cross-account mode), or why it could not be.
import type { AlarmStateReader, CurrentAlarmState } from '../aws/alarm-state-reader';
import { classifyAwsError } from '../aws/classify-error';
import { TransientError } from '../errors';

/** What re-reading an alarm gave: its state, or what could not be read (never taken for "OK" or "gone"). */
export type AlarmObservation = ({ kind: 'found' } & CurrentAlarmState) | { kind: 'unreadable'; what: string; gone?: true };

export interface AlarmLocation {
  name: string;
  /** The account the alarm lives in (from its ARN); undefined: the handler's own. */
  account?: string;
}

export interface EscalationAlarms {
  read(alarm: AlarmLocation): Promise<AlarmObservation>;
}

/**
 * Reads through the one DescribeAlarms reader (shared/aws/alarm-state-reader.ts) of the alarm's account
 * (shared/aws/account-clients.ts: the handler's own credentials, or the workload's role). A permanent failure (role not
 * assumable, access denied) or an alarm not found there is "unreadable", with what and why; a transient one is thrown,
 * so Lambda (or Scheduler) retries.
 */
export class AccountAlarmReader implements EscalationAlarms {
  constructor(private readonly readerFor: (account: string | undefined) => Pick<AlarmStateReader, 'current'>) {}

  async read(alarm: AlarmLocation): Promise<AlarmObservation> {
    const where = alarm.account ? ` in account ${alarm.account}` : '';
    try {
      const current = await this.readerFor(alarm.account).current(alarm.name);
      // Answered, and not there: `gone` lets a notice close (review 12 R12-13); everywhere else it is still "unreadable".
      if (!current) return { kind: 'unreadable', what: `alarm "${alarm.name}" was not found${where}`, gone: true };
      return { kind: 'found', ...current };
    } catch (error) {
      const classified = classifyAwsError(error, `CloudWatch DescribeAlarms ${alarm.name}`);
      if (classified instanceof TransientError) throw classified;
      return { kind: 'unreadable', what: `alarm "${alarm.name}"${where} could not be read: ${classified.message}` };
    }
  }
}
