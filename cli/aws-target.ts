// `--profile` and `--region` on every verb that calls AWS, with the AWS CLI's precedence: flag, then environment, then config.
import { Option, type Command } from 'commander';
import { clientConfig } from '../shared/aws/client-config';

export interface AwsTargetFlags {
  profile?: string;
  region?: string;
}

export type Source = 'flag' | 'environment' | 'config' | 'default';

/** Which profile and region the verb acts with, and where each came from (for the message when neither is set). */
export interface AwsTarget {
  /** Undefined: the SDK's default profile ("default", or none at all when credentials come from elsewhere). */
  profile?: string;
  profileSource: Source;
  region?: string;
  regionSource: Source;
}

type Env = Record<string, string | undefined>;

/** AWS profile names: what `aws configure --profile` accepts in practice (no spaces, brackets or quotes). */
const PROFILE_NAME = /^[\w+=,.@:/-]{1,128}$/;
/** Region codes: af-south-1, us-gov-west-1, cn-north-1, us-isob-east-1, ... */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export class AwsTargetError extends Error {
  override readonly name = 'AwsTargetError';
}

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());

/**
 * Pure: the profile and region a verb uses. Profile: --profile, else AWS_PROFILE, else the SDK's default. Region:
 * --region, else AWS_REGION (then AWS_DEFAULT_REGION, which the AWS CLI reads), else the `region` the chosen profile's
 * config file entry names (`configRegion`, read by the SDK: see resolveConfigRegion).
 */
export function resolveAwsTarget(flags: AwsTargetFlags, env: Env, configRegion: string | undefined): AwsTarget {
  const flagProfile = nonEmpty(flags.profile);
  const flagRegion = nonEmpty(flags.region);
  if (flagProfile !== undefined && !PROFILE_NAME.test(flagProfile)) throw new AwsTargetError(`--profile "${flagProfile}" is not a profile name`);
  if (flagRegion !== undefined && !REGION.test(flagRegion)) throw new AwsTargetError(`--region "${flagRegion}" is not an AWS region code (e.g. us-east-1)`);
  const envProfile = nonEmpty(env.AWS_PROFILE);
  const envRegion = nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
  const profile = flagProfile ?? envProfile;
  const region = flagRegion ?? envRegion ?? nonEmpty(configRegion);
  return {
    ...(profile !== undefined ? { profile } : {}),
    profileSource: flagProfile !== undefined ? 'flag' : envProfile !== undefined ? 'environment' : 'default',
    ...(region !== undefined ? { region } : {}),
    regionSource: flagRegion !== undefined ? 'flag' : envRegion !== undefined ? 'environment' : region !== undefined ? 'config' : 'default',
  };
}

/**
 * The region the shared config file gives a profile, as the SDK reads it (its own region provider chain: AWS_REGION,
 * then the `region` of the profile in ~/.aws/config or AWS_CONFIG_FILE). Undefined when none is set.
 */
export async function resolveConfigRegion(profile: string | undefined): Promise<string | undefined> {
  const { STSClient } = await import('@aws-sdk/client-sts');
  // Never sends: built with the project's settings all the same, like every client (decision 337).
  const client = new STSClient({ ...clientConfig(), ...(profile ? { profile } : {}) });
  try {
    return await client.config.region();
  } catch {
    // The SDK throws "Region is missing" when no source names one: the caller reports that with what to do.
    return undefined;
  } finally {
    client.destroy();
  }
}

/**
 * Resolves the target and makes it what every SDK client of this process (the CLI's, and the handler bundles it runs
 * in-process) reads: AWS_PROFILE for the default credential chain (the SDK then prefers the profile over static keys
 * in the environment, as the AWS CLI does) and AWS_REGION. Flags that are not given change nothing.
 */
export async function applyAwsTarget(
  flags: AwsTargetFlags,
  env: Env = process.env,
  readConfigRegion: (profile: string | undefined) => Promise<string | undefined> = resolveConfigRegion,
): Promise<AwsTarget> {
  const early = resolveAwsTarget(flags, env, undefined);
  const configRegion = early.region === undefined ? await readConfigRegion(early.profile) : undefined;
  const target = resolveAwsTarget(flags, env, configRegion);
  if (target.profile !== undefined) env.AWS_PROFILE = target.profile;
  if (target.region !== undefined) env.AWS_REGION = target.region;
  return target;
}

/**
 * Adds --profile and --region to a verb, with an example of each in its --help. A verb that writes (`writes`) shows a
 * profile that may write: a read-only one would fail it halfway, or teach the wrong profile for a read.
 */
export function withAwsTargetOptions(command: Command, example: string, access: 'reads' | 'writes' = 'reads'): Command {
  const profile = access === 'writes' ? 'prod-operator' : 'prod-readonly';
  return command
    .addOption(new Option('--profile <name>', 'AWS profile from ~/.aws/config (default: AWS_PROFILE, else the default profile)'))
    .addOption(new Option('--region <region>', 'AWS region (default: AWS_REGION, else the profile\'s region in ~/.aws/config)'))
    .addHelpText(
      'after',
      [
        '',
        'AWS account and region: --profile, else AWS_PROFILE, else the default profile; --region, else AWS_REGION, else the',
        "profile's region in ~/.aws/config. For example:",
        `  ${example} --profile ${profile}`,
        `  ${example} --region us-west-2`,
      ].join('\n'),
    );
}
