// inspect-security-groups' observe against the DescribeDBInstances shapes RDS answers (mocked clients, sources per case):
// the database's port is Endpoint.Port; an instance with no Endpoint yet and DbInstancePort 0 names no port, and its path
// is said to be unjudged instead of judged (and "fixed") on port 0.
import { DescribeReplicationGroupsCommand, ElastiCacheClient, ReplicationGroupNotFoundFault } from '@aws-sdk/client-elasticache';
import {
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
  type DescribeSubnetsCommandInput,
  type DescribeSecurityGroupsCommandInput,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DBInstanceNotFoundFault, DescribeDBInstancesCommand, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import type { PlaybookContext } from '../../../shared/pipeline/types';
import { connectionTimeoutPlaybook, type ConnectionTimeoutClients } from '../../../shared/playbooks/connection-timeout';
import { planConnectionTimeoutDiagnosis } from '../../../shared/playbooks/connection-timeout-plan';
import { ManualClock } from '../../support/manual-clock';

// Sources:
//  [S] @aws-sdk/client-rds CreateDBInstanceCommand example (the SDK's own, dist-types/commands/CreateDBInstanceCommand.d.ts):
//      the DBInstance answered while it is created has no Endpoint and "DbInstancePort: 0".
//  [C] AWS CLI / user outputs of describe-db-instances: "DbInstancePort": 0 beside "Endpoint": {..., "Port": ...} on
//      instances outside a cluster, and no Endpoint while DBInstanceStatus is "creating".
//  [M] RDS API reference, DBInstance.DbInstancePort: "The port that the DB instance listens on. If the DB instance is part
//      of a DB cluster, this can be a different port than the DB cluster port."

const FN = 'notification-service-consumer';
const DB = 'notification-service-db';
const region = 'us-east-1';
const lambda = mockClient(LambdaClient);
const rds = mockClient(RDSClient);
const ec2 = mockClient(EC2Client);
const elastiCache = mockClient(ElastiCacheClient);

const subnets: Record<string, string> = { 'subnet-fn': '10.0.1.0/24', 'subnet-db': '10.0.3.0/24' };
const groups: SecurityGroup[] = [
  { GroupId: 'sg-fn', GroupName: 'notification-service-lambda', VpcId: 'vpc-1', IpPermissions: [], IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], UserIdGroupPairs: [], PrefixListIds: [] }] },
  {
    GroupId: 'sg-db',
    GroupName: 'notification-service-db',
    VpcId: 'vpc-1',
    IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ UserId: '123456789012', GroupId: 'sg-fn' }], IpRanges: [], PrefixListIds: [] }],
    IpPermissionsEgress: [],
  },
  {
    GroupId: 'sg-0cace',
    GroupName: 'notification-service-cache',
    VpcId: 'vpc-1',
    IpPermissions: [{ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, UserIdGroupPairs: [{ UserId: '123456789012', GroupId: 'sg-fn' }], IpRanges: [], PrefixListIds: [] }],
    IpPermissionsEgress: [],
  },
];

/** The database as DescribeDBInstances answers it, with `over` on top. */
function database(over: Partial<DBInstance>): DBInstance {
  return {
    DBInstanceIdentifier: DB,
    DBInstanceClass: 'db.r6g.xlarge',
    Engine: 'postgres',
    MultiAZ: true,
    DbInstancePort: 0,
    VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-db', Status: 'active' }],
    DBSubnetGroup: { DBSubnetGroupName: 'notification-service-db', VpcId: 'vpc-1', SubnetGroupStatus: 'Complete', Subnets: [{ SubnetIdentifier: 'subnet-db', SubnetStatus: 'Active' }] },
    ...over,
  };
}

beforeEach(() => {
  for (const mock of [lambda, rds, ec2, elastiCache]) mock.reset();
  lambda.on(GetFunctionConfigurationCommand).resolves({ FunctionName: FN, Timeout: 30, VpcConfig: { SubnetIds: ['subnet-fn'], SecurityGroupIds: ['sg-fn'], VpcId: 'vpc-1' } });
  // The configured cache as ElastiCache answers it (AWS CLI example describe-replication-groups: Status available).
  elastiCache
    .on(DescribeReplicationGroupsCommand)
    .resolves({ ReplicationGroups: [{ ReplicationGroupId: 'notification-service-cache', Status: 'available', AutomaticFailover: 'disabled', ClusterEnabled: false }] });
  ec2.on(DescribeSubnetsCommand).callsFake((input: DescribeSubnetsCommandInput) => ({
    Subnets: (input.Filters?.find((f) => f.Name === 'subnet-id')?.Values ?? Object.keys(subnets)).flatMap((id) =>
      subnets[id] ? [{ SubnetId: id, VpcId: 'vpc-1', CidrBlock: subnets[id], AvailabilityZone: 'us-east-1a' }] : [],
    ),
  }));
  ec2.on(DescribeSecurityGroupsCommand).callsFake((input: DescribeSecurityGroupsCommandInput) => {
    const ids = input.Filters?.find((f) => f.Name === 'group-id')?.Values;
    return { SecurityGroups: ids ? groups.filter((g) => ids.includes(g.GroupId ?? '')) : [] };
  });
  for (const command of [DescribeNetworkAclsCommand, DescribeRouteTablesCommand, DescribeNatGatewaysCommand, DescribeInternetGatewaysCommand, DescribeVpcEndpointsCommand]) {
    ec2.on(command).resolves({});
  }
});

async function observe(configJson?: string) {
  const ctx = {
    clients: { lambda: new LambdaClient({ region }), rds: new RDSClient({ region }), ec2: new EC2Client({ region }), elastiCache: new ElastiCacheClient({ region }) },
    clock: new ManualClock(0),
    runtime: loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region, ...(configJson ? { RUNBOOK_CONFIG_JSON: configJson } : {}) }),
  } as unknown as PlaybookContext<ConnectionTimeoutClients>;
  const observation = await connectionTimeoutPlaybook.observe(ctx, { resource: { type: 'lambda-function', id: FN, arn: 'arn' }, functionName: FN, via: 'function alarm' });
  return { observation, plan: planConnectionTimeoutDiagnosis({ observation, runbookName: 'NotificationService-TroubleshootConnectionTimeout' }) };
}

describe('inspect-security-groups observe: the database port as RDS answers it', () => {
  it('judges the path on Endpoint.Port, not on DbInstancePort 0 beside it [C][M]', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [database({ DBInstanceStatus: 'available', Endpoint: { Address: `${DB}.abc123.${region}.rds.amazonaws.com`, Port: 5432, HostedZoneId: 'Z2R2ITUGPM61AM' } })],
    });
    const { observation, plan } = await observe();
    expect(observation.dependencies.find((d) => d.kind === 'rds')).toMatchObject({ label: `RDS ${DB}`, port: 5432 });
    expect(observation.unjudged).toBeUndefined();
    expect(plan.kind === 'escalate' && plan.findings).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^RDS ${DB} tcp 5432: allowed`))]));
  });

  it.each<[string, Partial<DBInstance>]>([
    ['being created: no Endpoint, DbInstancePort 0 [S][C]', { DBInstanceStatus: 'creating' }],
  ])('says the path is unjudged, and proposes no rule on port 0, for an instance %s', async (_situation, over) => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [database(over)] });
    const { observation, plan } = await observe();
    expect(observation.dependencies.filter((d) => d.kind === 'rds')).toEqual([]);
    expect(observation.unjudged).toEqual([expect.stringMatching(new RegExp(`^RDS ${DB}: DescribeDBInstances names no port \\(.*DbInstancePort 0\\): its security-group path is not judged$`))]);
    if (plan.kind !== 'escalate') throw new Error('expected an escalation');
    expect(plan.reason).not.toMatch(/tcp 0\b/);
    expect(plan.reason).not.toContain('the 504 is not a network problem');
    expect(plan.runbook).toBeUndefined();
    expect(plan.findings).toEqual(expect.arrayContaining([expect.stringContaining('its security-group path is not judged')]));
  });
});

describe('inspect-security-groups observe: a configured database that RDS does not know', () => {
  // RDS API reference, DescribeDBInstances errors: DBInstanceNotFound (404), "DBInstanceIdentifier doesn't refer to an
  // existing DB instance"; the SDK v3 throws it as DBInstanceNotFoundFault.
  it('withholds the all-clear: the database path is unjudged, not silently dropped', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(new DBInstanceNotFoundFault({ message: `DBInstance ${DB} not found.`, $metadata: { httpStatusCode: 404 } }));
    // No cache configured: the database is the only dependency, so nothing else decides the headline.
    const { observation, plan } = await observe(JSON.stringify({ dependencies: { caches: [] } }));
    expect(observation.dependencies.filter((d) => d.kind === 'rds')).toEqual([]);
    expect(observation.unjudged).toEqual([`RDS ${DB}: not found in this account and region (DBInstanceNotFoundFault): its security-group path is not judged`]);
    if (plan.kind !== 'escalate') throw new Error('expected an escalation');
    expect(plan.reason).not.toContain('the 504 is not a network problem');
    expect(plan.reason).toContain(`RDS ${DB}: not found in this account and region`);
  });
});

describe('inspect-security-groups observe: a configured cache ElastiCache does not know', () => {
  // ElastiCache API reference, DescribeReplicationGroups errors: ReplicationGroupNotFoundFault (404), "The specified
  // replication group does not exist."
  it('withholds the all-clear: its status is not known, which is no "every dependency is available"', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [database({ DBInstanceStatus: 'available', Endpoint: { Address: 'db.example', Port: 5432 } })] });
    elastiCache.on(DescribeReplicationGroupsCommand).rejects(new ReplicationGroupNotFoundFault({ message: 'ReplicationGroup not found', $metadata: { httpStatusCode: 404 } }));
    // One cache, its group by id (so its security-group path is judged): only its status is unknown.
    const caches = [{ name: 'notification-service-cache', port: 6379, securityGroups: ['sg-0cace'] }];
    const { observation, plan } = await observe(JSON.stringify({ dependencies: { caches } }));
    expect(observation.unjudged).toEqual(['ElastiCache notification-service-cache: replication group notification-service-cache not found in this account and region: its status is not known']);
    if (plan.kind !== 'escalate') throw new Error('expected an escalation');
    expect(plan.reason).not.toContain('every dependency is available');
    expect(plan.reason).toContain('ElastiCache notification-service-cache: replication group notification-service-cache not found');
  });
});

describe('inspect-security-groups observe: the cache status, by the replication group id High Latency reads', () => {
  it('asks DescribeReplicationGroups for dependencies.caches[].replicationGroupId, not the cache name, and reads its status', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [database({ DBInstanceStatus: 'available', Endpoint: { Address: 'db.example', Port: 5432 } })] });
    elastiCache
      .on(DescribeReplicationGroupsCommand, { ReplicationGroupId: 'ns-cache-rg' })
      .resolves({ ReplicationGroups: [{ ReplicationGroupId: 'ns-cache-rg', Status: 'modifying', AutomaticFailover: 'enabled' }] });
    const caches = [{ name: 'notification-service-cache', port: 6379, securityGroups: ['notification-service-cache'], replicationGroupId: 'ns-cache-rg' }];
    const { observation } = await observe(JSON.stringify({ dependencies: { caches } }));
    expect(elastiCache.commandCalls(DescribeReplicationGroupsCommand).map((c) => c.args[0].input.ReplicationGroupId)).toEqual(['ns-cache-rg']);
    expect(observation.dependencyStates).toEqual(expect.arrayContaining([{ kind: 'cache', label: 'ElastiCache notification-service-cache', status: 'modifying', detail: 'automatic failover enabled' }]));
  });
});
