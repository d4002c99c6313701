// --profile / --region: precedence flag > environment > config, the SDK reading a profile's region, and every AWS verb's --help.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyAwsTarget, AwsTargetError, resolveAwsTarget, resolveConfigRegion } from '../../../cli/aws-target';
import { buildProgram, main } from '../../../cli/runbook';

describe('resolveAwsTarget', () => {
  it.each([
    // [case, flags, env, config region, expected profile, profile source, expected region, region source]
    ['flags win over the environment and the config', { profile: 'prod', region: 'us-west-2' }, { AWS_PROFILE: 'dev', AWS_REGION: 'eu-west-1' }, 'ap-south-1', 'prod', 'flag', 'us-west-2', 'flag'],
    ['the environment wins over the config', {}, { AWS_PROFILE: 'dev', AWS_REGION: 'eu-west-1' }, 'ap-south-1', 'dev', 'environment', 'eu-west-1', 'environment'],
    ['AWS_DEFAULT_REGION counts as the environment, as in the AWS CLI', {}, { AWS_DEFAULT_REGION: 'eu-central-1' }, 'ap-south-1', undefined, 'default', 'eu-central-1', 'environment'],
    ['AWS_REGION wins over AWS_DEFAULT_REGION', {}, { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'eu-central-1' }, undefined, undefined, 'default', 'us-east-1', 'environment'],
    ["the profile's config region when neither flag nor environment names one", { profile: 'prod' }, {}, 'ap-south-1', 'prod', 'flag', 'ap-south-1', 'config'],
    ['nothing anywhere: the default profile, no region', {}, {}, undefined, undefined, 'default', undefined, 'default'],
    ['an empty flag or variable counts as not given', { profile: ' ', region: '' }, { AWS_PROFILE: '', AWS_REGION: '' }, 'us-west-2', undefined, 'default', 'us-west-2', 'config'],
  ])('%s', (_case, flags, env, configRegion, profile, profileSource, region, regionSource) => {
    const target = resolveAwsTarget(flags, env as Record<string, string>, configRegion);
    expect(target).toEqual({
      ...(profile !== undefined ? { profile } : {}),
      profileSource,
      ...(region !== undefined ? { region } : {}),
      regionSource,
    });
  });

  it.each([
    [{ region: 'Virginia' }, /--region "Virginia" is not an AWS region code/],
    [{ region: 'us-east-1; rm -rf /' }, /is not an AWS region code/],
    [{ profile: 'my profile' }, /--profile "my profile" is not a profile name/],
  ])('refuses a malformed flag %j', (flags, message) => {
    expect(() => resolveAwsTarget(flags, {}, undefined)).toThrow(AwsTargetError);
    expect(() => resolveAwsTarget(flags, {}, undefined)).toThrow(message);
  });
});

describe('applyAwsTarget', () => {
  it('sets AWS_PROFILE and AWS_REGION from the flags, which every SDK client then reads', async () => {
    const env: Record<string, string | undefined> = { AWS_PROFILE: 'dev', AWS_REGION: 'eu-west-1' };
    const readConfig = jest.fn(async () => 'ap-south-1');
    const target = await applyAwsTarget({ profile: 'prod', region: 'us-west-2' }, env, readConfig);
    expect(env).toEqual({ AWS_PROFILE: 'prod', AWS_REGION: 'us-west-2' });
    expect(target.regionSource).toBe('flag');
    expect(readConfig).not.toHaveBeenCalled();
  });

  it("reads the chosen profile's region from the config only when neither flag nor environment names a region", async () => {
    const env: Record<string, string | undefined> = {};
    const readConfig = jest.fn(async (profile: string | undefined) => (profile === 'prod' ? 'ap-south-1' : undefined));
    const target = await applyAwsTarget({ profile: 'prod' }, env, readConfig);
    expect(readConfig).toHaveBeenCalledTimes(1);
    expect(readConfig).toHaveBeenCalledWith('prod');
    expect(env).toEqual({ AWS_PROFILE: 'prod', AWS_REGION: 'ap-south-1' });
    expect(target).toEqual({ profile: 'prod', profileSource: 'flag', region: 'ap-south-1', regionSource: 'config' });
  });

  it('changes nothing when no flag is given and the environment already says everything', async () => {
    const env: Record<string, string | undefined> = { AWS_REGION: 'us-east-1' };
    await applyAwsTarget({}, env, async () => 'never-read-1');
    expect(env).toEqual({ AWS_REGION: 'us-east-1' });
  });
});

describe("resolveConfigRegion (the SDK's own region chain)", () => {
  const saved = { ...process.env };
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aws-target-'));
    const config = join(dir, 'config');
    writeFileSync(config, '[default]\nregion = eu-north-1\n\n[profile prod-readonly]\nregion = ap-southeast-2\n');
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    delete process.env.AWS_PROFILE;
    process.env.AWS_CONFIG_FILE = config;
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials-none');
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads a named profile's region from the shared config file", async () => {
    await expect(resolveConfigRegion('prod-readonly')).resolves.toBe('ap-southeast-2');
  });

  it("reads the default profile's region when no profile is named", async () => {
    await expect(resolveConfigRegion(undefined)).resolves.toBe('eu-north-1');
  });

  it('a --profile wins over static keys in the environment: the SDK signs with the profile\'s credentials', async () => {
    writeFileSync(process.env.AWS_SHARED_CREDENTIALS_FILE as string, '[prod-readonly]\naws_access_key_id = AKIAPROFILEKEY000001\naws_secret_access_key = profile-secret\n');
    process.env.AWS_ACCESS_KEY_ID = 'AKIAENVIRONMENTKEY01';
    process.env.AWS_SECRET_ACCESS_KEY = 'environment-secret';
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await applyAwsTarget({ profile: 'prod-readonly' });
      const { STSClient } = await import('@aws-sdk/client-sts');
      const client = new STSClient({});
      const credentials = await client.config.credentials();
      client.destroy();
      expect(credentials.accessKeyId).toBe('AKIAPROFILEKEY000001');
      expect(await client.config.region()).toBe('ap-southeast-2');
    } finally {
      warn.mockRestore();
    }
  });

  it('gives undefined for a profile without a region (the verb then says AWS_REGION is missing)', async () => {
    writeFileSync(process.env.AWS_CONFIG_FILE as string, '[profile bare]\noutput = json\n');
    await expect(resolveConfigRegion('bare')).resolves.toBeUndefined();
  });
});

describe('the runbook command', () => {
  const AWS_VERBS = ['invoke', 'plan', 'history', 'ack', 'incidents', 'kill-switch', 'prepare-rollback', 'rehearse', 'exec', 'preflight'];
  const LOCAL_VERBS = ['sandbox', 'demo', 'report', 'list', 'lint'];
  const WRITING_VERBS = ['invoke', 'ack', 'kill-switch', 'prepare-rollback', 'rehearse', 'exec'];

  it.each(AWS_VERBS)('%s takes --profile and --region and shows an example of each in --help', (verb) => {
    const program = buildProgram(() => undefined);
    const command = program.commands.find((c) => c.name() === verb);
    expect(command).toBeDefined();
    const help = command?.helpInformation() ?? '';
    let after = '';
    command?.configureOutput({ writeOut: (text) => (after += text), writeErr: () => undefined });
    command?.outputHelp();
    expect(help).toMatch(/--profile <name>/);
    expect(help).toMatch(/--region <region>/);
    // A verb that writes never shows a read-only profile as its example (review 10a finding 11).
    expect(after).toMatch(new RegExp(`runbook ${verb} .* --profile ${WRITING_VERBS.includes(verb) ? 'prod-operator' : 'prod-readonly'}`));
    if (WRITING_VERBS.includes(verb)) expect(after).not.toMatch(/readonly/);
    expect(after).toMatch(new RegExp(`runbook ${verb} .* --region us-west-2`));
  });

  it.each(LOCAL_VERBS)('%s calls no AWS account and takes no --profile', (verb) => {
    const command = buildProgram(() => undefined).commands.find((c) => c.name() === verb);
    expect(command?.helpInformation()).not.toMatch(/--profile/);
  });

  it('refuses a malformed --region as usage (64) before any AWS call', async () => {
    const saved = process.env.AWS_REGION;
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await expect(main(['node', 'runbook', 'incidents', '--region', 'not a region'])).resolves.toBe(64);
      expect(errors).toHaveBeenCalledWith(expect.stringContaining('--region "not a region" is not an AWS region code'));
      expect(process.env.AWS_REGION).toBe(saved);
    } finally {
      errors.mockRestore();
    }
  });
});
