// The game-day demo's DR scenario, played by `runbook demo --only dr-standby` (a real process, the built CLI and bundles)
// on this test run's emulator (--endpoint: the demo provisions its own account there and leaves the emulator running),
// then the emulator is read here, in both regions: the standby was watched and escalated, and nothing a failover would
// change was changed. The full demo, with its report in a browser, is test/integration/report/game-day-report.test.ts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand, GetFunctionConcurrencyCommand, GetFunctionConfigurationCommand, LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListHostedZonesByNameCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Timeline } from '../../../cli/report/timeline';
import { accessKeyIdForAccount } from '../../../sandbox/credentials';
import { getProxyCalls } from '../../../sandbox/proxy-control';
import { runCli } from '../../support/run-cli';
import { uniqueAccountId } from '../support/sandbox-account';

const PRIMARY = 'us-east-1';
const DR = 'us-west-2';
const DEMO_TIMEOUT_MS = 300_000;
// Project defaults (shared/config/defaults.ts), written out here rather than read from the code under test.
const REPLICA = 'notification-service-db-replica';
const DATABASE = 'notification-service-db';
const CONSUMER = 'notification-service-consumer';
const ENDPOINT_PARAMETER = '/notification-service/database/endpoint';
/** Calls that change the services a failover touches (the replica and database, the consumers and their mappings, the endpoint parameter, DNS). */
const CHANGES = /^(Create|Delete|Modify|Promote|Reboot|Start|Stop|Update|Put|Change|Add|Remove|Tag|Untag|Restore|Failover|Switchover|Associate|Disassociate|Label)/;
const FAILOVER_SERVICES = new Set(['rds', 'lambda', 'ssm']);
/** What changes a queue itself (not the messages the demo's router and inboxes receive and delete). */
const QUEUE_CHANGES = /^(CreateQueue|DeleteQueue|PurgeQueue|SetQueueAttributes|TagQueue|UntagQueue|AddPermission|RemovePermission)$/;

describe('runbook demo --only dr-standby, on the emulator', () => {
  const accountId = uniqueAccountId();
  const endpoint = process.env.AWS_ENDPOINT_URL ?? '';
  const clientConfig = (region: string) => ({ endpoint, region, credentials: { accessKeyId: accessKeyIdForAccount(accountId), secretAccessKey: 'sandbox-secret-access-key' } });
  let workDir: string;
  let demo: { status: number | null; stdout: string; stderr: string };
  let timeline: Timeline;
  /** The account's calls as the gap proxy logged them when the demo had exited (before this file's own reads). */
  let calls: Awaited<ReturnType<typeof getProxyCalls>>;

  beforeAll(async () => {
    if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: run integration tests through jest --selectProjects integration');
    workDir = mkdtempSync(join(tmpdir(), 'game-day-dr-'));
    demo = await runCli(['demo', '--only', 'dr-standby', '--endpoint', endpoint, '--account', accountId, '--log-dir', workDir], {}, DEMO_TIMEOUT_MS);
    const match = /^Game-day report: (.+\.html)$/m.exec(demo.stdout);
    if (!match?.[1]) throw new Error(`the demo printed no report path (exit ${demo.status}):\n${demo.stdout.slice(-3000)}\n${demo.stderr.slice(-2000)}`);
    timeline = JSON.parse(readFileSync(match[1].replace(/\.html$/, '.json'), 'utf8')) as Timeline;
    calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '')).filter((c) => c.accountId === accountId);
  }, DEMO_TIMEOUT_MS + 30_000);

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('plays the DR scenario as expected, in the account it was given, and leaves the emulator running', () => {
    expect(demo.status).toBe(0);
    expect(demo.stdout).toContain(`in account ${accountId}; the emulator is left running`);
    expect(demo.stdout).toMatch(/^ {2}PASS {2}DR Standby \(us-west-2\) -> watch the standby: escalate, change nothing$/m);
    expect(timeline.scenarios.map((s) => s.name)).toEqual(['dr-standby']);
  });

  it('escalates the lagging replica with FailoverToDR behind approval as a person\'s step, pages L1 and resolves when the lag recovers', () => {
    const scenario = timeline.scenarios[0];
    expect(scenario?.alarms.map((a) => `${a.alarmName}: ${a.from} -> ${a.to}`)).toEqual([
      `NotificationService DR Replica Lag > 300 s (${REPLICA}): INSUFFICIENT_DATA -> ALARM`,
      `NotificationService DR Replica Lag > 300 s (${REPLICA}): ALARM -> OK`,
    ]);
    expect(scenario?.decisions.map((d) => `${d.playbook} ${d.alarmState ?? ''} ${d.outcome}${d.cause ? ` (${d.cause})` : ''}`)).toEqual([
      'watch-standby ALARM escalate (diagnosis)',
      'watch-standby OK skipped',
    ]);
    const escalated = scenario?.decisions[0];
    expect(escalated?.reason).toMatch(new RegExp(`^DR standby of production in us-west-2: the replica ${REPLICA} is 420 s behind its source \\(pages above 300 s\\)`));
    expect(escalated?.reason).toContain('Nothing was changed; a person decides: if the primary region is lost, NotificationService-FailoverToDR (behind approval)');
    // The incident in the DR region's escalation path: L1 (chat and email, production's L1 channels) and nobody else.
    expect(scenario?.incidents).toHaveLength(1);
    const events = scenario?.incidents[0]?.events.map((e) => `${e.kind}${e.tier ? ` ${e.tier}` : ''}${e.kind === 'notified' || e.tier ? `: ${e.detail}` : ''}`);
    expect(events).toEqual([
      'opened',
      'notified DevOps Team (L1): notification via chat+email',
      'resolved',
      'resolved DevOps Team (L1): resolution via chat+email',
    ]);
  });

  it('changed nothing a failover would change, in either region: read back from the emulator', async () => {
    const rdsDr = new RDSClient(clientConfig(DR));
    const rdsPrimary = new RDSClient(clientConfig(PRIMARY));
    const replica = (await rdsDr.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: REPLICA }))).DBInstances?.[0];
    const primary = (await rdsPrimary.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: DATABASE }))).DBInstances?.[0];
    // Still a replica of the primary (not promoted), at the primary's class; the primary still has it as its replica.
    expect(replica).toMatchObject({ DBInstanceStatus: 'available', DBInstanceClass: 'db.r6g.xlarge' });
    expect(replica?.ReadReplicaSourceDBInstanceIdentifier).toBe(primary?.DBInstanceArn);
    // A cross-region replica is listed by its ARN.
    expect(primary).toMatchObject({ DBInstanceStatus: 'available', DBInstanceClass: 'db.r6g.xlarge', ReadReplicaDBInstanceIdentifiers: [`arn:aws:rds:${DR}:${accountId}:db:${REPLICA}`] });

    for (const [region, mappingState] of [
      [PRIMARY, 'Enabled'],
      [DR, 'Disabled'],
    ] as const) {
      const lambda = new LambdaClient(clientConfig(region));
      const mappings = (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: CONSUMER }))).EventSourceMappings ?? [];
      expect(mappings).toHaveLength(1);
      const mapping = await lambda.send(new GetEventSourceMappingCommand({ UUID: mappings[0]?.UUID }));
      // 50: the sandbox's starting MaximumConcurrency (a project choice), the DR consumer's as the primary's.
      expect({ region, state: mapping.State, maximumConcurrency: mapping.ScalingConfig?.MaximumConcurrency }).toEqual({ region, state: mappingState, maximumConcurrency: 50 });
      // The document's Lambda block: 512 MB, reserved concurrency 100, in both regions.
      const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: CONSUMER }));
      const reserved = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: CONSUMER }));
      expect({ region, memoryMb: fn.MemorySize, reserved: reserved.ReservedConcurrentExecutions }).toEqual({ region, memoryMb: 512, reserved: 100 });
      // Both regions' consumers still read the primary's endpoint.
      const parameter = (await new SSMClient(clientConfig(region)).send(new GetParameterCommand({ Name: ENDPOINT_PARAMETER }))).Parameter?.Value;
      expect({ region, parameter }).toEqual({ region, parameter: primary?.Endpoint?.Address });
    }

    // The API's failover pair: PRIMARY still the primary region's.
    const route53 = new Route53Client(clientConfig(PRIMARY));
    const zone = (await route53.send(new ListHostedZonesByNameCommand({ DNSName: 'notification.sandbox.test.' }))).HostedZones?.[0];
    const records = (await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone?.Id }))).ResourceRecordSets ?? [];
    expect(records.filter((r) => r.Failover).map((r) => `${r.Failover} ${r.SetIdentifier} ${r.ResourceRecords?.[0]?.Value}`).sort()).toEqual([
      `PRIMARY ${PRIMARY} notification-service-api.execute-api.${PRIMARY}.amazonaws.com`,
      `SECONDARY ${DR} notification-service-api.execute-api.${DR}.amazonaws.com`,
    ]);
  });

  it('made no call that changes the database, the consumers, the endpoint parameter or a queue once the alarm fired, and no Route 53 call but its read', async () => {
    // SetAlarmState: once per alarm of either region as the sandbox creates it (INSUFFICIENT_DATA), then the scenario's
    // ALARM and OK, after all the provisioning.
    const alarmCount = async (region: string): Promise<number> => ((await new CloudWatchClient(clientConfig(region)).send(new DescribeAlarmsCommand({}))).MetricAlarms ?? []).length;
    const provisioned = (await alarmCount(PRIMARY)) + (await alarmCount(DR));
    const firings = calls.flatMap((c, i) => (c.service === 'monitoring' && c.operation === 'SetAlarmState' ? [i] : []));
    expect(firings).toHaveLength(provisioned + 2);
    const fired = firings[provisioned] ?? -1;
    expect(fired).toBeGreaterThan(0);
    const afterwards = calls.slice(fired);
    // The handlers did run against the standby after it: watch-standby read the replica and the DR consumers' mappings.
    expect(afterwards.map((c) => `${c.service}:${c.operation}`)).toEqual(expect.arrayContaining(['rds:DescribeDBInstances', 'lambda:ListEventSourceMappings', 'sns:Publish']));
    expect(afterwards.filter((c) => (FAILOVER_SERVICES.has(c.service) && (CHANGES.test(c.operation) || c.operation === 'unknown')) || (c.service === 'sqs' && QUEUE_CHANGES.test(c.operation)))).toEqual([]);
    // After the alarm there is exactly one Route 53 call, the demo's own read of the failover pair (the gap proxy names
    // Route 53's operations, decision 191; a change by a handler would be a second). The pair's records are read back above.
    expect(afterwards.filter((c) => c.service === 'route53').map((c) => c.operation)).toEqual(['ListResourceRecordSets']);
    // Before it, the provisioning did make such calls (the filter above can see them): the replica and the DR mapping among them.
    const before = calls.slice(0, fired).map((c) => `${c.service}:${c.operation}`);
    expect(before).toEqual(expect.arrayContaining(['rds:CreateDBInstanceReadReplica', 'lambda:CreateEventSourceMapping', 'ssm:PutParameter']));
  });
});
