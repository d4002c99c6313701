// `runbook kill-switch status|engage|release`: the switch that stops every automated change, read, set and read back in
// each region of an environment (review 23a R23a-4: the README gave no command that engages it, and each region keeps its
// own switch, decision 197). Engaging is never refused (stopping automation is always allowed, whoever's account it is:
// the account is named); releasing resumes automated changes under the environment's policy, so it is checked as
// `invoke` is (decision 151).
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { clientConfig } from '../shared/aws/client-config';
import { errorName } from '../shared/aws/classify-error';
import { loadRuntimeConfig } from '../shared/config/load-config';
import { environmentNameSchema } from '../shared/config/schema';
import { KILL_SWITCH_OFF, killSwitchStateOf } from '../shared/guard/kill-switch';
import { EXIT } from './exit-codes';
import { readTargetAccount, UNVERIFIED_FLAG, type TargetAccountCheck } from './target-account';

export const KILL_SWITCH_ACTIONS = ['status', 'engage', 'release'] as const;
export type KillSwitchAction = (typeof KILL_SWITCH_ACTIONS)[number];

/** The value `engage` writes: any value but exactly "off" engages the switch; this one says what it is for. */
export const KILL_SWITCH_ENGAGED_VALUE = 'stop';

export interface KillSwitchOptions {
  environment?: string;
  /** Every region of the environment (its configured `regions`), not only the run's own region. */
  allRegions?: boolean;
  json?: boolean;
  /** Release although nothing states which account the environment is in (a stated account that differs is refused anyway). */
  unverifiedAccount?: boolean;
  /** Tests: the account check (default: cli/target-account.ts readTargetAccount). */
  checkAccount?: typeof readTargetAccount;
}

/** One region's switch after the action: what Parameter Store holds now, or why it could not be read or written. */
export interface RegionSwitch {
  region: string;
  parameter: string;
  /** engaged / released as the handlers would read it (shared/guard/kill-switch.ts), or failed. */
  state: 'engaged' | 'released' | 'failed';
  value?: string;
  version?: number;
  modifiedAt?: string;
  /** The handlers' words for the value read, or the error. */
  detail: string;
}

async function actInRegion(action: KillSwitchAction, region: string, parameter: string): Promise<RegionSwitch> {
  const ssm = new SSMClient(clientConfig({ region }));
  try {
    if (action !== 'status') {
      const value = action === 'engage' ? KILL_SWITCH_ENGAGED_VALUE : KILL_SWITCH_OFF;
      await ssm.send(new PutParameterCommand({ Name: parameter, Value: value, Type: 'String', Overwrite: true }));
    }
    // Read back, as the handlers read it: what they will act on, not what was meant.
    let answer;
    try {
      answer = await ssm.send(new GetParameterCommand({ Name: parameter }));
    } catch (error) {
      if (errorName(error) !== 'ParameterNotFound') throw error;
      return { region, parameter, state: 'engaged', detail: killSwitchStateOf(parameter, undefined).reason };
    }
    const value = answer.Parameter?.Value;
    const state = killSwitchStateOf(parameter, value);
    return {
      region,
      parameter,
      state: state.engaged ? 'engaged' : 'released',
      ...(value !== undefined ? { value } : {}),
      ...(answer.Parameter?.Version !== undefined ? { version: answer.Parameter.Version } : {}),
      ...(answer.Parameter?.LastModifiedDate ? { modifiedAt: answer.Parameter.LastModifiedDate.toISOString() } : {}),
      detail: state.reason,
    };
  } catch (error) {
    return { region, parameter, state: 'failed', detail: `${errorName(error)}: ${(error as Error).message}` };
  } finally {
    ssm.destroy();
  }
}

/** Whether the region's switch is where the action meant to leave it. */
function reached(action: KillSwitchAction, result: RegionSwitch): boolean {
  if (result.state === 'failed') return false;
  if (action === 'engage') return result.state === 'engaged';
  if (action === 'release') return result.state === 'released';
  return true;
}

function line(result: RegionSwitch, cacheSeconds: number): string {
  if (result.state === 'failed') return `${result.region}: FAILED ${result.parameter}: ${result.detail}`;
  const written = result.version !== undefined ? ` (version ${result.version}${result.modifiedAt ? `, ${result.modifiedAt}` : ''})` : '';
  if (result.state === 'engaged') {
    return `${result.region}: ENGAGED${written}: ${result.detail}; the handlers stop changing anything within ${cacheSeconds} s (killSwitchCacheSeconds); escalations still page`;
  }
  return `${result.region}: RELEASED${written}: ${result.detail}; automated changes resume within ${cacheSeconds} s, from the next alarm state change`;
}

function refusal(check: TargetAccountCheck, environment: string, unverifiedAccount: boolean | undefined): number | undefined {
  if (check.kind === 'verified') return undefined;
  if (check.kind === 'unanswered') {
    console.error(`runbook kill-switch: nothing released: ${check.text}`);
    return EXIT.failure;
  }
  if (check.kind === 'unverified' && unverifiedAccount) {
    console.error(`runbook kill-switch: WARNING: releasing ${environment}'s switch UNVERIFIED (${UNVERIFIED_FLAG}): ${check.text}`);
    return undefined;
  }
  console.error(`runbook kill-switch: refused, nothing released: ${check.text}`);
  if (check.kind === 'unverified') console.error(`  ${UNVERIFIED_FLAG} releases anyway; engaging is never refused.`);
  return EXIT.rejected;
}

export async function killSwitchCommand(action: string, options: KillSwitchOptions): Promise<number> {
  if (!(KILL_SWITCH_ACTIONS as readonly string[]).includes(action)) {
    console.error(`runbook kill-switch: "${action}" is not one of ${KILL_SWITCH_ACTIONS.join(', ')}`);
    return EXIT.usage;
  }
  const act = action as KillSwitchAction;
  const shellEnvironment = process.env.RUNBOOK_ENVIRONMENT || undefined;
  if (options.environment) process.env.RUNBOOK_ENVIRONMENT = options.environment;
  const environment = environmentNameSchema.safeParse(process.env.RUNBOOK_ENVIRONMENT);
  if (!environment.success) {
    console.error('runbook kill-switch: set --environment (production, staging or development) or RUNBOOK_ENVIRONMENT');
    return EXIT.usage;
  }
  let runtime;
  try {
    runtime = loadRuntimeConfig(process.env);
  } catch (error) {
    console.error(`runbook kill-switch: ${(error as Error).message}`);
    return EXIT.usage;
  }
  if (act === 'release') {
    const check = await (options.checkAccount ?? readTargetAccount)(environment.data, shellEnvironment);
    const refused = refusal(check, environment.data, options.unverifiedAccount);
    if (refused !== undefined) return refused;
  }
  const regions = options.allRegions ? runtime.env.regions : [runtime.region];
  const parameter = runtime.config.killSwitchParameterName;
  // One region's failure does not keep the others from being set: each is reported.
  const results = await Promise.all(regions.map((region) => actInRegion(act, region, parameter)));
  const ok = results.every((result) => reached(act, result));
  if (options.json) {
    console.log(JSON.stringify({ action: act, environment: environment.data, ok, regions: results }, null, 2));
  } else {
    for (const result of results) console.log(line(result, runtime.config.killSwitchCacheSeconds));
    const others = runtime.env.regions.filter((region) => !regions.includes(region));
    if (others.length > 0) console.log(`not touched: ${others.join(', ')} (each region keeps its own switch; --all-regions acts on every one)`);
  }
  if (!ok) {
    console.error(`runbook kill-switch: ${act} did not reach every region: ${results.filter((r) => !reached(act, r)).map((r) => r.region).join(', ')}`);
    return EXIT.failure;
  }
  return EXIT.ok;
}
