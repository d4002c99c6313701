// The kill switch: one SSM parameter that stops every automated change (escalation still pages), read with GetParameter and kept for a short time.
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { errorName } from '../aws/classify-error';

export interface KillSwitchState {
  engaged: boolean;
  reason: string;
  /**
   * The switch could not be read (throttled, denied, 5xx): nobody set a value. `engaged` is true with it, so a reader
   * that does not tell the two apart still fails closed; the guardrails turn it into a retry, not a dry run, and the
   * escalation pages anyway (decisions 173, 178).
   */
  unread?: true;
  /**
   * What Parameter Store says of the value read (GetParameter's Version and LastModifiedDate, ISO 8601), unset for a
   * switch that does not exist or could not be read: a change of the switch is told once per version (review 13 R13-9).
   */
  version?: number;
  modifiedAt?: string;
  /** GetParameter answered ParameterNotFound (deleted, or never created). */
  absent?: true;
}

/** The one value that leaves automation on: exactly "off" (surrounding ASCII whitespace ignored, case kept: "OFF" engages). */
export const KILL_SWITCH_OFF = 'off';

/**
 * The whitespace "off" may carry around it: space, tab, LF and CR, what a shell, an editor or a Windows file adds. Not
 * String.prototype.trim's set (review 20a R20-5, decision 326): a no-break space, a BOM, a line separator, an ideographic
 * space or a vertical tab pasted around "off" is not a value anyone can see they wrote, so it engages the switch.
 */
const AROUND_OFF = /^[ \t\n\r]+|[ \t\n\r]+$/g;

/**
 * Fails closed: anything but exactly "off" engages the switch ("stop", "enabled", "kill", "OFF", "", "off" after a
 * no-break space ...). A value that
 * merely looks like "on" is not needed: the stack writes "off", and any change to it means someone wants automation to stop.
 */
export function killSwitchStateOf(parameterName: string, value: string | undefined): KillSwitchState {
  if (value === undefined) {
    return { engaged: true, reason: `kill switch ${parameterName} does not exist: failing closed, no automated change is made (the stack creates it as "${KILL_SWITCH_OFF}")` };
  }
  const trimmed = value.replace(AROUND_OFF, '');
  if (trimmed === KILL_SWITCH_OFF) return { engaged: false, reason: `kill switch ${parameterName} is off` };
  return {
    engaged: true,
    reason: `kill switch ${parameterName} is ${JSON.stringify(trimmed.slice(0, 64))}: no automated change is made (only exactly "${KILL_SWITCH_OFF}" turns it off)`,
  };
}

/**
 * The value read is kept for `maxAgeSeconds`, and so is "not found": an absent switch (engaged) costs no SSM call per
 * event either. A failed read is not kept. (Decision 33 read it through Powertools' SSMProvider, which kept the value
 * the same way; one GetParameter of our own keeps about 10 KB of the library out of every cold start: docs/decisions.md,
 * "The kill switch is one GetParameter of our own".)
 */
export class KillSwitch {
  private kept: { value: string | undefined; untilMs: number; version?: number; modifiedAt?: string } | undefined;

  constructor(
    private readonly ssm: Pick<SSMClient, 'send'>,
    private readonly parameterName: string,
    private readonly maxAgeSeconds: number,
    private readonly nowMs: () => number = () => Date.now(),
  ) {}

  /**
   * Fails closed: a missing parameter and a value other than "off" engage it; a failed read is engaged and `unread` (not a
   * value anyone set: the alarm handlers retry instead of deciding on it) and is asked again next time.
   */
  async read(): Promise<KillSwitchState> {
    if (this.kept && this.nowMs() < this.kept.untilMs) return this.stateOf(this.kept);
    try {
      const answer = await this.ssm.send(new GetParameterCommand({ Name: this.parameterName }));
      const value = answer.Parameter?.Value ?? '';
      const modified = answer.Parameter?.LastModifiedDate;
      const read = {
        value,
        ...(answer.Parameter?.Version !== undefined ? { version: answer.Parameter.Version } : {}),
        ...(modified instanceof Date && !Number.isNaN(modified.getTime()) ? { modifiedAt: modified.toISOString() } : {}),
      };
      this.keep(read);
      return this.stateOf(read);
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause ?? error;
      if (errorName(cause) === 'ParameterNotFound') {
        this.keep({ value: undefined });
        return this.stateOf({ value: undefined });
      }
      return { engaged: true, unread: true, reason: `kill switch ${this.parameterName} could not be read (${errorName(cause)})` };
    }
  }

  private stateOf(read: { value: string | undefined; version?: number; modifiedAt?: string }): KillSwitchState {
    const state = killSwitchStateOf(this.parameterName, read.value);
    if (read.value === undefined) return { ...state, absent: true };
    return { ...state, ...(read.version !== undefined ? { version: read.version } : {}), ...(read.modifiedAt ? { modifiedAt: read.modifiedAt } : {}) };
  }

  private keep(read: { value: string | undefined; version?: number; modifiedAt?: string }): void {
    this.kept = { ...read, untilMs: this.nowMs() + this.maxAgeSeconds * 1000 };
  }
}
