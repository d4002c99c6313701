// `runbook kill-switch` (review 23a R23a-4): engage, read back, the next alarm is a dry run; release, the next state
// change is acted on. Against the emulator, through the built CLI, as on call runs it.
import { GetEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { provisionAccount, putQueueDepth, queueAlarmName } from '../support/sandbox-account';
import { runCli } from '../../support/run-cli';

interface SwitchJson {
  action: string;
  ok: boolean;
  regions: Array<{ region: string; state: string; value?: string; version?: number }>;
}

describe('runbook kill-switch', () => {
  it('engages and releases the region\'s switch, read back as the handlers read it, and the handlers follow it', async () => {
    const account = await provisionAccount('production');
    const ssm = new SSMClient(account.clientConfig);
    const parameter = account.topology.killSwitch.name;
    const switchValue = async (): Promise<string | undefined> => (await ssm.send(new GetParameterCommand({ Name: parameter }))).Parameter?.Value;
    const mapping = async (): Promise<number | undefined> =>
      (await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }))).ScalingConfig?.MaximumConcurrency;

    const status = await runCli(['kill-switch', 'status', '-e', 'production'], account.env);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^us-east-1: RELEASED \\(version \\d+, \\S+Z\\): kill switch ${parameter} is off; automated changes resume within 30 s`, 'm'));

    const unknown = await runCli(['kill-switch', 'pause', '-e', 'production'], account.env);
    expect(unknown.status).toBe(64);
    expect(unknown.stderr).toContain('"pause" is not one of status, engage, release');
    expect(await switchValue()).toBe('off');

    const engaged = await runCli(['kill-switch', 'engage', '-e', 'production', '--json'], account.env);
    expect(engaged.status).toBe(0);
    const engagedJson = JSON.parse(engaged.stdout) as SwitchJson;
    expect(engagedJson).toMatchObject({ action: 'engage', ok: true, regions: [{ region: 'us-east-1', state: 'engaged', value: 'stop' }] });
    expect(await switchValue()).toBe('stop');

    // The handler reads it: the queue alarm is planned and reported, nothing changed.
    await putQueueDepth(account);
    const alarmName = queueAlarmName(account.topology);
    await account.transition(alarmName, 'ALARM');
    const held = await runCli(['invoke', 'scale-consumers', '--alarm', alarmName], account.env);
    expect(held.status).toBe(0);
    expect(JSON.parse(held.stdout)).toMatchObject({ outcome: 'dry-run' });
    expect(JSON.parse(held.stdout).reason).toContain(`kill switch ${parameter} is "stop"`);
    expect(await mapping()).toBe(50);

    const released = await runCli(['kill-switch', 'release', '-e', 'production'], account.env);
    expect(released.status).toBe(0);
    expect(released.stderr).not.toMatch(/refused|WARNING/);
    expect(released.stdout).toMatch(/^us-east-1: RELEASED \(version \d+/m);
    expect(await switchValue()).toBe('off');

    // The next state change of the alarm is acted on.
    await account.transition(alarmName, 'OK');
    await account.transition(alarmName, 'ALARM');
    const acted = await runCli(['invoke', 'scale-consumers', '--alarm', alarmName], account.env);
    expect(JSON.parse(acted.stdout)).toMatchObject({ outcome: 'applied' });
    expect(await mapping()).toBe(100);
  });

  it('refuses to release or engage under staging with production\'s credentials (exit 2, the switch as it was; review 23c R23c-1)', async () => {
    const account = await provisionAccount('production');
    const ssm = new SSMClient(account.clientConfig);
    const parameter = account.topology.killSwitch.name;
    const engaged = await runCli(['kill-switch', 'engage', '-e', 'production'], account.env);
    expect(engaged.status).toBe(0);
    const staging = { ...account.env, RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { staging: { accountId: '999999999999' } } }) };
    const refused = await runCli(['kill-switch', 'release', '-e', 'staging'], staging);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`runbook kill-switch: refused, nothing released: your credentials are for account ${account.accountId}, but staging is account 999999999999`);
    expect((await ssm.send(new GetParameterCommand({ Name: parameter }))).Parameter?.Value).toBe('stop');
    // Engaging staging's switch with production's credentials would stop production's (this account's) automation and
    // leave staging's running: refused too, naming both accounts.
    await runCli(['kill-switch', 'release', '-e', 'production'], account.env);
    const wrongEngage = await runCli(['kill-switch', 'engage', '-e', 'staging'], staging);
    expect(wrongEngage.status).toBe(2);
    expect(wrongEngage.stdout).toBe('');
    expect(wrongEngage.stderr).toContain(`runbook kill-switch: refused, nothing engaged: your credentials are for account ${account.accountId}, but staging is account 999999999999`);
    expect((await ssm.send(new GetParameterCommand({ Name: parameter }))).Parameter?.Value).toBe('off');
  });

  it('acts on every region of the environment with --all-regions, names the regions it did not touch without it, and warns of a switch that did not exist (review 23c R23c-2)', async () => {
    const account = await provisionAccount('production');
    const parameter = account.topology.killSwitch.name;
    // Production runs in us-east-1 and us-west-2 (the seed's DR region); this account's topology made only us-east-1's switch.
    const one = await runCli(['kill-switch', 'status', '-e', 'production'], account.env);
    expect(one.status).toBe(0);
    expect(one.stdout).toContain('not touched: us-west-2 (each region keeps its own switch; --all-regions acts on every one)');

    const all = await runCli(['kill-switch', 'engage', '-e', 'production', '--all-regions'], account.env);
    expect(all.status).toBe(0);
    expect(all.stdout).toMatch(/^us-east-1: ENGAGED \(version \d+/m);
    expect(all.stdout).toMatch(/^us-west-2: ENGAGED \(version 1,/m);
    expect(all.stdout).not.toContain('not touched');
    expect(all.stderr).toContain('WARNING: us-west-2 had no switch before this write');
    expect(all.stderr).not.toContain('WARNING: us-east-1');
    for (const region of ['us-east-1', 'us-west-2']) {
      const ssm = new SSMClient({ ...account.clientConfig, region });
      expect((await ssm.send(new GetParameterCommand({ Name: parameter }))).Parameter?.Value).toBe('stop');
      ssm.destroy();
    }
    const status = await runCli(['kill-switch', 'status', '-e', 'production', '--all-regions', '--json'], account.env);
    expect(status.status).toBe(0);
    expect((JSON.parse(status.stdout) as SwitchJson).regions.map((r) => `${r.region}:${r.state}:${r.value}`)).toEqual(['us-east-1:engaged:stop', 'us-west-2:engaged:stop']);
  });
});
