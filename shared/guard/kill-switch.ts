// The kill switch: one SSM parameter that turns all automation into dry run, read with GetParameter and kept for a short while.
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { errorName } from '../aws/classify-error';

export interface KillSwitchState {
  engaged: boolean;
  reason: string;
}

/** Values that engage the switch; anything else (including an absent parameter) leaves automation on. */
const ENGAGED = /^(on|true|1|yes|engaged|dry-?run)$/i;

/**
 * One parameter, one cached answer: a plain GetParameter rather than Powertools parameters, whose provider brings
 * GetParameters, GetParametersByPath, transforms and its own copy of Powertools commons (about 14 KB per handler bundle)
 * for a feature we do not use (docs/decisions.md). "Not set" is cached too: an absent switch costs no call per event.
 */
export class KillSwitch {
  private cached: { state: KillSwitchState; atMs: number } | undefined;

  constructor(
    private readonly ssm: Pick<SSMClient, 'send'>,
    private readonly parameterName: string,
    private readonly maxAgeSeconds: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Fails safe: if the switch cannot be read (other than "not found"), automation runs as dry run, and asks again next time. */
  async read(): Promise<KillSwitchState> {
    if (this.cached && this.nowMs() - this.cached.atMs < this.maxAgeSeconds * 1000) return this.cached.state;
    let state: KillSwitchState;
    try {
      const { Parameter } = await this.ssm.send(new GetParameterCommand({ Name: this.parameterName }));
      const value = Parameter?.Value?.trim() ?? '';
      state = ENGAGED.test(value)
        ? { engaged: true, reason: `kill switch ${this.parameterName} is "${value}": all automation is dry run` }
        : { engaged: false, reason: `kill switch ${this.parameterName} is off` };
    } catch (error) {
      if (errorName(error) !== 'ParameterNotFound') {
        return { engaged: true, reason: `kill switch ${this.parameterName} could not be read (${errorName(error)}): failing safe to dry run` };
      }
      state = { engaged: false, reason: `kill switch ${this.parameterName} is not set` };
    }
    this.cached = { state, atMs: this.nowMs() };
    return state;
  }
}
