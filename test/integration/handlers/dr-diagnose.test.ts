// A diagnose-only row in the DR region (production us-west-2) through the real check-db-connections entry point and the
// real SDK, against the emulator: the primary topology in us-east-1 and its cross-region read replica in us-west-2
// (sandbox/provision-dr.ts), with the DR region's High Latency alarm. There the configured identifier names the primary's
// instance, which is not in us-west-2: the database checked is the replica (shared/playbooks/region-databases.ts, decision 101).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import type { Decision } from '../../../shared/pipeline/types';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import { provisionDrAutomation, provisionDrStandby, type DrAutomation, type DrStandby } from '../../../sandbox/provision-dr';
import { loadHandler } from '../../support/load-handler';
import { fireAlarm } from '../support/fire-alarm';
import { publishRdsMetrics } from '../support/rds-figures';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';

const DR = 'us-west-2';
const PRIMARY_DB = 'notification-service-db';
const MUTATION = /^(Update|Put|Delete|Modify|Create|Promote|Reboot|Start|Stop|Failover|Restore|Add|Remove)/;

let account: SandboxAccount;
let standby: DrStandby;
let dr: DrAutomation;
const at = (region: string) => ({ ...account.clientConfig, region });

/** Sets the DR region's High Latency alarm to ALARM in the emulator and returns CloudWatch's event. */
async function fireHighLatency(): Promise<Record<string, unknown>> {
  const alarmName = dr.alarms.find((a) => a.name.includes('Latency p99'))?.name;
  if (!alarmName) throw new Error(`no DR latency alarm (row high-latency): ${dr.alarms.map((a) => a.name).join(', ')}`);
  return fireAlarm({ clientConfig: account.clientConfig, accountId: account.accountId, region: DR, alarmName, reasonData: { statistic: 'Average', recentDatapoints: [640, 710, 820] } });
}

beforeAll(async () => {
  account = await provisionAccount('production');
  const runtime = loadRuntimeConfig(process.env);
  standby = await provisionDrStandby({ clientConfig: account.clientConfig, config: runtime.config, environment: 'production', primary: account.topology });
  dr = await provisionDrAutomation({ clientConfig: account.clientConfig, config: runtime.config, environment: 'production', standby, alsoRows: ['high-latency'] });
  // The handler runs as the DR region's function does.
  Object.assign(process.env, { AWS_REGION: DR, AWS_DEFAULT_REGION: DR });
}, 180_000);

describe('check-db-connections in the DR region (production us-west-2)', () => {
  it('checks the cross-region replica, the database that is in us-west-2, and changes nothing', async () => {
    // The primary's identifier is not in the DR region: what the code looked for before (decision 95's finding).
    const rds = new RDSClient(at(DR));
    await expect(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: PRIMARY_DB }))).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault' });
    const replica = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: standby.replica.identifier }))).DBInstances?.[0];
    rds.destroy();
    expect(replica?.ReadReplicaSourceDBInstanceIdentifier).toContain(PRIMARY_DB);

    const cloudWatch = new CloudWatchClient(at(DR));
    await publishRdsMetrics({ cloudWatch } as Pick<SandboxAccount, 'cloudWatch'>, { connections: 3000, cpuPercent: 41, replicaLag: { [standby.replica.identifier]: 12 } }, standby.replica.identifier);
    cloudWatch.destroy();

    const event = await fireHighLatency();
    const since = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    const decision: Decision = await loadHandler('check-db-connections')(event);
    const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === account.accountId);

    expect(decision).toMatchObject({
      playbook: 'check-db-connections',
      region: DR,
      outcome: 'escalate',
      escalation: { cause: 'diagnosis' },
      resource: { type: 'rds-db-instance', id: standby.replica.identifier, arn: `arn:aws:rds:${DR}:${account.accountId}:db:${standby.replica.identifier}` },
    });
    expect(decision.reason).toBe(
      `likely cause: connection saturation on ${standby.replica.identifier} — 3000 connections of max_connections ≈3505 (85.6%), at or above 80%`,
    );
    // It described the replica only: no DescribeDBInstances of the primary's identifier in us-west-2.
    const described = calls.filter((c) => c.service === 'rds' && c.operation === 'DescribeDBInstances').map((c) => c.parameters?.DBInstanceIdentifier);
    expect(described).toEqual([standby.replica.identifier]);
    expect(calls.filter((c) => c.service === 'rds' && MUTATION.test(c.operation))).toEqual([]);
  });
});
