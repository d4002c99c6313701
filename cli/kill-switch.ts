// `runbook kill-switch status|engage|release`: the switch that stops every automated change, read, set and read back in
// each region of an environment (review 23a R23a-4: the README gave no command that engages it, and each region keeps its
// own switch, decision 197). Both writes are checked as `invoke` is (decision 151): another account than the environment's
// is refused (engaging there would stop the wrong automation, review 23c R23c-1); an account nobody stated is engaged with a
// warning naming it, released only with --unverified-account.
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

/**
 * Whether the switch may be written in the credentials' account (review 23c R23c-1: engaging with another account's
 * credentials stopped that account's automation, said ENGAGED and exit 0 while the environment's ran on). Another account
 * is refused for both actions; an account nobody stated is engaged with a WARNING naming it (stopping must not wait for
 * configuration) and released only with --unverified-account; STS silent stops both.
 */
function refusal(act: 'engage' | 'release', check: TargetAccountCheck, environment: string, unverifiedAccount: boolean | undefined): number | undefined {
  const done = act === 'engage' ? 'engaged' : 'released';
  if (check.kind === 'verified') {
    console.error(`runbook kill-switch: ${act} in ${check.text}`);
    return undefined;
  }
  if (check.kind === 'unanswered') {
    console.error(`runbook kill-switch: nothing ${done}: ${check.text}`);
    return EXIT.failure;
  }
  if (check.kind === 'unverified' && (act === 'engage' || unverifiedAccount)) {
    console.error(`runbook kill-switch: WARNING: ${act === 'engage' ? 'engaging' : 'releasing'} UNVERIFIED as ${environment}'s switch: ${check.text}`);
    return undefined;
  }
  console.error(`runbook kill-switch: refused, nothing ${done}: ${check.text}`);
  if (check.kind === 'unverified') console.error(`  ${UNVERIFIED_FLAG} releases anyway.`);
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
  if (act !== 'status') {
    const check = await (options.checkAccount ?? readTargetAccount)(environment.data, shellEnvironment);
    const refused = refusal(act, check, environment.data, options.unverifiedAccount);
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
    for (const result of results) {
      console.log(line(result, runtime.config.killSwitchCacheSeconds));
      // Version 1 after a write: no switch was there before it, which the stack always creates (review 23c R23c-1).
      if (act !== 'status' && result.version === 1) {
        console.error(`runbook kill-switch: WARNING: ${result.region} had no switch before this write: the stacks are not deployed there, or these credentials are for another account`);
      }
    }
    const others = runtime.env.regions.filter((region) => !regions.includes(region));
    if (others.length > 0) console.log(`not touched: ${others.join(', ')} (each region keeps its own switch; --all-regions acts on every one)`);
  }
  if (!ok) {
    console.error(`runbook kill-switch: ${act} did not reach every region: ${results.filter((r) => !reached(act, r)).map((r) => r.region).join(', ')}`);
    return EXIT.failure;
  }
  return EXIT.ok;
}
