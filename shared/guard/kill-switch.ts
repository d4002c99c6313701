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

export class KillSwitch {
  private readonly provider: SSMProvider;

  constructor(
    ssm: SSMClient,
    private readonly parameterName: string,
    private readonly maxAgeSeconds: number,
  ) {
    this.provider = new SSMProvider({ awsSdkV3Client: ssm });
  }

  /** Fails safe: if the switch cannot be read (other than "not found"), automation runs as dry run. */
  async read(): Promise<KillSwitchState> {
    try {
      const value = await this.provider.get(this.parameterName, { maxAge: this.maxAgeSeconds });
      if (typeof value === 'string' && ENGAGED.test(value.trim())) {
        return { engaged: true, reason: `kill switch ${this.parameterName} is "${value.trim()}": all automation is dry run` };
      }
      return { engaged: false, reason: `kill switch ${this.parameterName} is off` };
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause ?? error;
      if (errorName(cause) === 'ParameterNotFound') {
        return { engaged: false, reason: `kill switch ${this.parameterName} is not set` };
      }
      return {
        engaged: true,
        reason: `kill switch ${this.parameterName} could not be read (${errorName(cause)}): failing safe to dry run`,
      };
    }
  }
}
