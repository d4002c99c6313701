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
  GetManagedPrefixListEntriesCommand,
  type DescribeSubnetsCommandInput,
  type DescribeSecurityGroupsCommandInput,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DBInstanceNotFoundFault, DescribeDBInstancesCommand, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import type { PlaybookContext } from '../../../shared/pipeline/types';
import { connectionTimeoutPlaybook, everySubnetDescribed, sameSubnetFilter, type ConnectionTimeoutClients } from '../../../shared/playbooks/connection-timeout';
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
  // Every subnet is in vpc-1: a vpc-id filter naming another VPC answers none.
  ec2.on(DescribeSubnetsCommand).callsFake((input: DescribeSubnetsCommandInput) => ({
    Subnets: (input.Filters?.find((f) => f.Name === 'vpc-id')?.Values ?? ['vpc-1']).includes('vpc-1')
      ? (input.Filters?.find((f) => f.Name === 'subnet-id')?.Values ?? Object.keys(subnets)).flatMap((id) =>
          subnets[id] ? [{ SubnetId: id, VpcId: 'vpc-1', CidrBlock: subnets[id], AvailabilityZone: 'us-east-1a' }] : [],
        )
      : [],
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

describe("inspect-security-groups observe: subnets read once a decision, from the VPC's answer where it holds them (decisions 336, 350)", () => {
  const subnetFilters = (): Array<{ name?: string; values?: string[] }> =>
    ec2.commandCalls(DescribeSubnetsCommand).map((c) => ({ name: c.args[0].input.Filters?.[0]?.Name, values: c.args[0].input.Filters?.[0]?.Values }));
  const onlyDatabase = JSON.stringify({ dependencies: { caches: [] } });
  const available = (over: Partial<DBInstance>) => database({ DBInstanceStatus: 'available', Endpoint: { Address: 'db.example', Port: 5432 }, ...over });
  const inSubnet = (id: string): Partial<DBInstance> => ({ DBSubnetGroup: { DBSubnetGroupName: 'shared', VpcId: 'vpc-1', SubnetGroupStatus: 'Complete', Subnets: [{ SubnetIdentifier: id, SubnetStatus: 'Active' }] } });
  /** Lambda's answer for the function, VpcConfig.VpcId as given (undefined: left out). */
  const functionInVpc = (vpcId: string | undefined) =>
    lambda.on(GetFunctionConfigurationCommand).resolves({ FunctionName: FN, Timeout: 30, VpcConfig: { SubnetIds: ['subnet-fn'], SecurityGroupIds: ['sg-fn'], ...(vpcId ? { VpcId: vpcId } : {}) } });

  it("Lambda names the VPC and the VPC's answer holds the function's subnet: one DescribeSubnets, the VPC's, serves the function and its database", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [available({})] });
    const { observation } = await observe(onlyDatabase);
    expect(subnetFilters()).toEqual([{ name: 'vpc-id', values: ['vpc-1'] }]);
    expect(observation.vpc).toMatchObject({ vpcId: 'vpc-1', subnetIds: ['subnet-fn'], cidrs: ['10.0.1.0/24'] });
    expect(observation.dependencies.find((d) => d.kind === 'rds')).toMatchObject({ subnetIds: ['subnet-db'], cidrs: ['10.0.3.0/24'] });
  });

  it.each<[string, Partial<DBInstance>]>([
    ["the database in the function's own subnet", inSubnet('subnet-fn')],
    ['the database in another subnet of the VPC', {}],
  ])('the same observation whether Lambda names the VPC (one DescribeSubnets) or not (two, the function subnet by id first): %s', async (_case, over) => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [available(over)] });
    const named = await observe(onlyDatabase);
    expect(subnetFilters()).toEqual([{ name: 'vpc-id', values: ['vpc-1'] }]);
    ec2.resetHistory();
    functionInVpc(undefined);
    const unnamed = await observe(onlyDatabase);
    expect(subnetFilters()).toEqual([
      { name: 'subnet-id', values: ['subnet-fn'] },
      { name: 'vpc-id', values: ['vpc-1'] },
    ]);
    expect(named.observation).toEqual(unnamed.observation);
    expect(named.plan).toEqual(unnamed.plan);
  });

  it("Lambda's VpcId names a VPC whose answer lacks the function's subnet (moto's placeholder vpc-123abc): read by id, then the subnet's own VPC, and nothing of the first VPC's read is used", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [available({})] });
    functionInVpc(undefined);
    const truth = await observe();
    ec2.resetHistory();
    functionInVpc('vpc-123abc');
    const { observation, plan } = await observe();
    expect(subnetFilters()).toEqual([
      { name: 'vpc-id', values: ['vpc-123abc'] },
      { name: 'subnet-id', values: ['subnet-fn'] },
      { name: 'vpc-id', values: ['vpc-1'] },
    ]);
    expect(observation.vpc?.vpcId).toBe('vpc-1');
    expect(observation).toEqual(truth.observation);
    expect(plan).toEqual(truth.plan);
  });

  it("a dependency subnet the VPC's answer does not hold (another VPC's, or gone) is read by id, with the others", async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [available({ DBSubnetGroup: { DBSubnetGroupName: 'two', VpcId: 'vpc-1', SubnetGroupStatus: 'Complete', Subnets: [{ SubnetIdentifier: 'subnet-db' }, { SubnetIdentifier: 'subnet-gone' }] } })] });
    const { observation } = await observe(onlyDatabase);
    expect(subnetFilters()).toEqual([
      { name: 'vpc-id', values: ['vpc-1'] },
      { name: 'subnet-id', values: ['subnet-db', 'subnet-gone'] },
    ]);
    expect(observation.dependencies.find((d) => d.kind === 'rds')).toMatchObject({ subnetIds: ['subnet-db', 'subnet-gone'], cidrs: ['10.0.3.0/24'] });
  });

  it('nothing is kept across decisions: a second decision reads the subnets again', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [available(inSubnet('subnet-fn'))] });
    await observe(onlyDatabase);
    await observe(onlyDatabase);
    expect(subnetFilters().map((f) => f.name)).toEqual(['vpc-id', 'vpc-id']);
  });

  it.each<[string, string[], string[], boolean]>([
    ['the same ids in another order, one repeated', ['subnet-b', 'subnet-a', 'subnet-b'], ['subnet-a', 'subnet-b'], true],
    ['one subnet fewer (a subset is another filter)', ['subnet-a'], ['subnet-a', 'subnet-b'], false],
    ['one subnet more', ['subnet-a', 'subnet-b', 'subnet-c'], ['subnet-a', 'subnet-b'], false],
    ['the same count, another subnet', ['subnet-a', 'subnet-c'], ['subnet-a', 'subnet-b'], false],
    ['no ids (no request is made)', [], [], false],
  ])('sameSubnetFilter: %s', (_case, a, b, same) => {
    expect(sameSubnetFilter(a, b)).toBe(same);
  });

  it.each<[string, string[], boolean]>([
    ['every id described, in any order, one repeated', ['subnet-b', 'subnet-a', 'subnet-b'], true],
    ['one id not described', ['subnet-a', 'subnet-c'], false],
    ['no ids (no request is made)', [], false],
  ])('everySubnetDescribed: %s', (_case, ids, described) => {
    expect(everySubnetDescribed(ids, new Map([['subnet-a', {}], ['subnet-b', {}]]))).toBe(described);
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

describe('inspect-security-groups observe: EC2 answers in pages (decision 146)', () => {
  // EC2 API reference: each Describe* answers NextToken, "The token to include in another request to get the next page
  // of items. This value is null when there are no more items to return"; with filters a page may be empty and still
  // name the next one. The answers below split the test's own groups, subnets, route tables and endpoints over two pages.
  const endpoint = {
    VpcEndpointId: 'vpce-0sqs',
    VpcEndpointType: 'Interface',
    VpcId: 'vpc-1',
    ServiceName: `com.amazonaws.${region}.sqs`,
    State: 'available',
    Groups: [{ GroupId: 'sg-db', GroupName: 'notification-service-db' }],
    SubnetIds: ['subnet-db'],
  };
  const byToken = <T>(pages: Record<string, T>) => (input: { NextToken?: string }) => pages[input.NextToken ?? 'first'] ?? {};

  beforeEach(() => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [database({ DBInstanceStatus: 'available', Endpoint: { Address: 'db.example', Port: 5432 } })] });
    ec2.on(DescribeSecurityGroupsCommand).callsFake((input: DescribeSecurityGroupsCommandInput) => {
      if (input.Filters?.some((f) => f.Name === 'group-name')) {
        return byToken({ first: { SecurityGroups: [], NextToken: 'names-2' }, 'names-2': { SecurityGroups: [groups[2]] } })(input);
      }
      const ids = input.Filters?.find((f) => f.Name === 'group-id')?.Values ?? [];
      const wanted = groups.filter((g) => ids.includes(g.GroupId ?? ''));
      return byToken({ first: { SecurityGroups: wanted.slice(0, 1), NextToken: 'ids-2' }, 'ids-2': { SecurityGroups: wanted.slice(1) } })(input);
    });
    ec2.on(DescribeSubnetsCommand).callsFake((input: DescribeSubnetsCommandInput) => {
      const ids = input.Filters?.find((f) => f.Name === 'subnet-id')?.Values ?? Object.keys(subnets);
      const all = ids.flatMap((id) => (subnets[id] ? [{ SubnetId: id, VpcId: 'vpc-1', CidrBlock: subnets[id], AvailabilityZone: 'us-east-1a' }] : []));
      return byToken({ first: { Subnets: all.slice(0, 1), NextToken: 'subnets-2' }, 'subnets-2': { Subnets: all.slice(1) } })(input);
    });
    ec2.on(DescribeRouteTablesCommand).callsFake(
      byToken({ first: { RouteTables: [{ RouteTableId: 'rtb-main', VpcId: 'vpc-1', Associations: [{ Main: true }], Routes: [] }], NextToken: 'rtb-2' }, 'rtb-2': { RouteTables: [{ RouteTableId: 'rtb-db', VpcId: 'vpc-1', Associations: [{ SubnetId: 'subnet-db' }], Routes: [] }] } }),
    );
    ec2.on(DescribeVpcEndpointsCommand).callsFake(byToken({ first: { VpcEndpoints: [], NextToken: 'vpce-2' }, 'vpce-2': { VpcEndpoints: [endpoint] } }));
  });

  it('follows each NextToken: the second page\'s groups, subnets, route table and endpoint are all read and judged', async () => {
    const { observation, plan } = await observe();
    expect(observation.securityGroups.map((g) => g.GroupId).sort()).toEqual(['sg-0cace', 'sg-db', 'sg-fn']);
    expect(observation.notes).not.toEqual(expect.arrayContaining([expect.stringContaining('not found')]));
    expect(observation.network?.subnets.map((s) => s.subnetId)).toEqual(['subnet-fn', 'subnet-db']);
    expect(observation.network?.routeTables.map((t) => t.RouteTableId)).toEqual(['rtb-main', 'rtb-db']);
    expect(observation.dependencies.map((d) => d.label)).toEqual(expect.arrayContaining([`RDS ${DB}`, 'ElastiCache notification-service-cache', `VPC endpoint com.amazonaws.${region}.sqs`]));
    // The database's group (page 2) admits the function's (page 1): judged allowed, not "cannot judge".
    expect(plan.kind === 'escalate' && plan.findings).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^RDS ${DB} tcp 5432: allowed`))]));
  });

  it('asks for a page only when the one before named a NextToken: a one-page answer is one call', async () => {
    await observe();
    const tokens = (command: Parameters<typeof ec2.commandCalls>[0]) => ec2.commandCalls(command).map((c) => (c.args[0].input as { NextToken?: string }).NextToken ?? null);
    expect(tokens(DescribeVpcEndpointsCommand)).toEqual([null, 'vpce-2']);
    expect(tokens(DescribeRouteTablesCommand)).toEqual([null, 'rtb-2']);
    for (const command of [DescribeNetworkAclsCommand, DescribeNatGatewaysCommand, DescribeInternetGatewaysCommand]) expect(tokens(command)).toEqual([null]);
    // Subnets: the function's and the database's (by id, two pages each) and the VPC's (two pages).
    expect(tokens(DescribeSubnetsCommand).filter((t) => t === null).length * 2).toBe(tokens(DescribeSubnetsCommand).length);
  });

  it('reads every page of a managed prefix list a rule names', async () => {
    const withList: SecurityGroup = {
      ...groups[1],
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, PrefixListIds: [{ PrefixListId: 'pl-0ops' }], UserIdGroupPairs: [], IpRanges: [] }],
    };
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [groups[0] as SecurityGroup, withList] });
    ec2.on(GetManagedPrefixListEntriesCommand).callsFake(
      byToken({ first: { Entries: [{ Cidr: '10.0.1.0/25', Description: 'fn a' }], NextToken: 'pl-2' }, 'pl-2': { Entries: [{ Cidr: '10.0.1.128/25', Description: 'fn b' }] } }),
    );
    const { observation } = await observe(JSON.stringify({ dependencies: { caches: [] } }));
    expect(observation.prefixLists).toEqual({ 'pl-0ops': ['10.0.1.0/25', '10.0.1.128/25'] });
  });

  it.each([
    ['a NextToken answered twice', () => ({ SecurityGroups: [groups[0]], NextToken: 'again' }), /EC2 DescribeSecurityGroups did not come to an end \(a NextToken answered twice\)/, 2],
    ['a new NextToken on every page', (input: { NextToken?: string }) => ({ SecurityGroups: [], NextToken: `${input.NextToken ?? ''}+` }), /EC2 DescribeSecurityGroups did not come to an end \(more than 100 pages\)/, 100],
  ])('fails the observation, naming the call, on %s, after a bounded number of calls', async (_case, answer, message, calls) => {
    ec2.on(DescribeSecurityGroupsCommand).callsFake(answer);
    await expect(observe(JSON.stringify({ dependencies: { caches: [] } }))).rejects.toThrow(message);
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)).toHaveLength(calls);
  });
});
