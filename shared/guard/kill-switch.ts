// The kill switch: one SSM parameter that turns all automation into dry run, read through Powertools parameters with a short cache.
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { errorName } from '../aws/classify-error';

export interface KillSwitchState {
  engaged: boolean;
  reason: string;
}

/** The one value that leaves automation on: exactly "off" (surrounding whitespace ignored, case kept: "OFF" engages). */
export const KILL_SWITCH_OFF = 'off';

/**
 * Fails closed: anything but exactly "off" engages the switch ("stop", "enabled", "kill", "OFF", "" ...). A value that
 * merely looks like "on" is not needed: the stack writes "off", and any change to it means someone wants automation to stop.
 */
export function killSwitchStateOf(parameterName: string, value: string | undefined): KillSwitchState {
  if (value === undefined) {
    return { engaged: true, reason: `kill switch ${parameterName} does not exist: failing closed to dry run (the stack creates it as "${KILL_SWITCH_OFF}")` };
  }
  const trimmed = value.trim();
  if (trimmed === KILL_SWITCH_OFF) return { engaged: false, reason: `kill switch ${parameterName} is off` };
  return {
    engaged: true,
    reason: `kill switch ${parameterName} is ${JSON.stringify(trimmed.slice(0, 64))}: all automation is dry run (only exactly "${KILL_SWITCH_OFF}" turns it off)`,
  };
}

/**
 * Powertools' SSMProvider caches the value for `maxAgeSeconds`; it does not cache a failure, so "not found" is cached
 * here for the same time: an absent switch (engaged) costs no SSM call per event.
 */
export class KillSwitch {
  private readonly provider: SSMProvider;
  private notFoundUntilMs = 0;

  constructor(
    ssm: SSMClient,
    private readonly parameterName: string,
    private readonly maxAgeSeconds: number,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.provider = new SSMProvider({ awsSdkV3Client: ssm });
  }

  /** Fails closed: a missing parameter, a value other than "off" and a failed read all mean dry run; a failed read is asked again next time. */
  async read(): Promise<KillSwitchState> {
    if (this.nowMs() < this.notFoundUntilMs) return killSwitchStateOf(this.parameterName, undefined);
    try {
      const value = await this.provider.get(this.parameterName, { maxAge: this.maxAgeSeconds });
      return killSwitchStateOf(this.parameterName, value ?? '');
    } catch (error) {
      // Powertools wraps the SDK's error in a GetParameterError whose cause is the original.
      const cause = (error as { cause?: unknown }).cause ?? error;
      if (errorName(cause) === 'ParameterNotFound') {
        this.notFoundUntilMs = this.nowMs() + this.maxAgeSeconds * 1000;
        return killSwitchStateOf(this.parameterName, undefined);
      }
      return { engaged: true, reason: `kill switch ${this.parameterName} could not be read (${errorName(cause)}): failing closed to dry run` };
    }
  }
}
