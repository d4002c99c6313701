// The kill switch: one SSM parameter that turns all automation into dry run, read through Powertools parameters with a short cache.
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { errorName } from '../aws/classify-error';

export interface KillSwitchState {
  engaged: boolean;
  reason: string;
}

/** Values that engage the switch; anything else (including an absent parameter) leaves automation on. */
const ENGAGED = /^(on|true|1|yes|engaged|dry-?run)$/i;

/**
 * Powertools' SSMProvider caches the value for `maxAgeSeconds`; it does not cache a failure, so "not set" is cached
 * here for the same time: an absent switch costs no SSM call per event.
 */
export class KillSwitch {
  private readonly provider: SSMProvider;
  private notSetUntilMs = 0;

  constructor(
    ssm: SSMClient,
    private readonly parameterName: string,
    private readonly maxAgeSeconds: number,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.provider = new SSMProvider({ awsSdkV3Client: ssm });
  }

  /** Fails safe: if the switch cannot be read (other than "not found"), automation runs as dry run, and asks again next time. */
  async read(): Promise<KillSwitchState> {
    if (this.nowMs() < this.notSetUntilMs) return { engaged: false, reason: `kill switch ${this.parameterName} is not set` };
    try {
      const value = (await this.provider.get(this.parameterName, { maxAge: this.maxAgeSeconds }))?.trim() ?? '';
      return ENGAGED.test(value)
        ? { engaged: true, reason: `kill switch ${this.parameterName} is "${value}": all automation is dry run` }
        : { engaged: false, reason: `kill switch ${this.parameterName} is off` };
    } catch (error) {
      // Powertools wraps the SDK's error in a GetParameterError whose cause is the original.
      const cause = (error as { cause?: unknown }).cause ?? error;
      if (errorName(cause) === 'ParameterNotFound') {
        this.notSetUntilMs = this.nowMs() + this.maxAgeSeconds * 1000;
        return { engaged: false, reason: `kill switch ${this.parameterName} is not set` };
      }
      return { engaged: true, reason: `kill switch ${this.parameterName} could not be read (${errorName(cause)}): failing safe to dry run` };
    }
  }
}
