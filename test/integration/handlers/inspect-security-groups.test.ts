// inspect-security-groups through its real entry point and the real SDK, against the emulator: it names the broken rule
// and never changes one (assertions on the emulator's security groups before and after).
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateManagedPrefixListCommand,
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  DeleteNatGatewayCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeRouteTablesCommand,
  ReplaceNetworkAclAssociationCommand,
  ReplaceRouteCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import type { Decision } from '../../../shared/pipeline/types';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';
import { callsDuring } from '../support/proxy-calls';
import { loadHandler } from '../../support/load-handler';

const RUNBOOK = 'NotificationService-TroubleshootConnectionTimeout';

function timeoutAlarm(account: SandboxAccount): string {
  const name = account.topology.alarmNamesByHandler['inspect-security-groups']?.[0];
  if (!name) throw new Error('the topology has no inspect-security-groups alarm');
  return name;
}

/** A fresh ALARM state change (OK first, so every test gets its own incident). */
async function fire(account: SandboxAccount, handler: AlarmHandler): Promise<Decision> {
  await account.transition(timeoutAlarm(account), 'OK');
  return handler(await account.transition(timeoutAlarm(account), 'ALARM', 'Threshold Crossed: 37 504s in the last minute'));
}

async function groupsOf(ec2: EC2Client, account: SandboxAccount): Promise<SecurityGroup[]> {
  const ids = Object.values(account.topology.vpc.securityGroupIds);
  const result = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ids }));
  return (result.SecurityGroups ?? []).sort((a, b) => (a.GroupId ?? '').localeCompare(b.GroupId ?? ''));
}

/** Removes the ingress rule on `port` of `groupId` that references `peer`, by its rule id. */
async function revokeReference(ec2: EC2Client, groupId: string, port: number, peer: string): Promise<void> {
  const rules = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }));
  const rule = rules.SecurityGroupRules?.find((r) => !r.IsEgress && r.FromPort === port && r.ReferencedGroupInfo?.GroupId === peer);
  if (!rule?.SecurityGroupRuleId) throw new Error(`no ingress rule on ${port} from ${peer} in ${groupId}`);
  await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: [rule.SecurityGroupRuleId] }));
}

async function allowReference(ec2: EC2Client, groupId: string, port: number, peer: string): Promise<void> {
  await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: port, ToPort: port, UserIdGroupPairs: [{ GroupId: peer }] }] }));
}

describe('inspect-security-groups in production', () => {
  let account: SandboxAccount;
  let handler: AlarmHandler;
  let ec2: EC2Client;
  let sg: SandboxAccount['topology']['vpc']['securityGroupIds'];

  beforeAll(async () => {
    account = await provisionAccount('production');
    handler = loadHandler('inspect-security-groups');
    ec2 = new EC2Client(account.clientConfig);
    sg = account.topology.vpc.securityGroupIds;
  });

  afterAll(() => ec2.destroy());

  it('proves every path of the seed topology open (groups, ACLs, routes, states) and names the 30 s / 29 s timeout race', async () => {
    const before = await groupsOf(ec2, account);
    const { result: decision, calls } = await callsDuring([account.accountId], () => fire(account, handler));
    // Decisions 336 and 350: Lambda names the function's VPC (VpcConfig.VpcId: the gap proxy puts the real one where moto
    // answers a placeholder), so the VPC's DescribeSubnets (readVpcNetwork, by vpc-id) is read at once and holds the
    // function's two private subnets and the seed's database's, cache's and interface endpoints' (the same two): one
    // DescribeSubnets in all, 20 calls a decision; two before 350 (the function's by id first), three before 336.
    expect(calls.filter((c) => c === 'ec2:DescribeSubnets')).toHaveLength(1);
    expect(calls.filter((c) => /^(ec2|lambda|rds|elasticache):/.test(c)).sort()).toEqual([
      ...['ec2:DescribeInternetGateways', 'ec2:DescribeNatGateways', 'ec2:DescribeNetworkAcls', 'ec2:DescribeRouteTables'],
      ...['ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcEndpoints'],
      ...['elasticache:DescribeReplicationGroups', 'lambda:GetFunctionConfiguration', 'rds:DescribeDBInstances'],
    ]);
    expect(decision).toMatchObject({
      outcome: 'escalate',
      playbook: 'inspect-security-groups',
      escalation: { cause: 'diagnosis' },
      resource: { type: 'lambda-function', id: 'notification-service-consumer' },
    });
    expect(decision.reason).toContain('security groups, network ACLs and routes allow every path from Lambda notification-service-consumer');
    expect(decision.reason).toContain('and every dependency is available: the 504 is not a network problem');
    // The seed's own figures: the consumer's 30 s timeout outlasts the 29 s integration timeout, read from the sandbox's API.
    expect(decision.reason).toContain(`Lambda notification-service-consumer may run 30 s but API notification-service-api (${account.topology.api.id}) POST /notifications waits 29 s for it`);
    expect(decision.findings).toEqual(
      expect.arrayContaining([
        'fix: UpdateFunctionConfiguration {"FunctionName":"notification-service-consumer","Timeout":28}',
        expect.stringMatching(/^network ACLs allow every path both ways \(\d+ crossings, replies on tcp 1024-65535 included\)$/),
        `route ${account.topology.vpc.privateSubnetIds[0]}: 0.0.0.0/0 -> ${account.topology.vpc.natGatewayIds[0]} (available, in ${account.topology.vpc.publicSubnetIds[0]}) -> ${account.topology.vpc.internetGatewayId} (attached)`,
        `route ${account.topology.vpc.privateRouteTableIds[0]}: dynamodb through gateway endpoint ${account.topology.vpc.vpcEndpointIds.dynamodb}`,
      ]),
    );
    expect(decision.findings?.filter((f) => /is (rebooting|modifying|creating|not found)|blackhole|denies/.test(f))).toEqual([]);
    // One NAT gateway per zone, each private subnet routed to its own zone's (review 23b R23b-3): no zone finding.
    expect(decision.findings?.filter((f) => f.includes(' outage cuts '))).toEqual([]);
    for (const path of [
      'RDS notification-service-db:5432',
      'ElastiCache notification-service-cache:6379',
      'VPC endpoint com.amazonaws.us-east-1.sqs:443',
      'VPC endpoint com.amazonaws.us-east-1.ssm:443',
      'VPC endpoint com.amazonaws.us-east-1.events:443',
      'VPC endpoint com.amazonaws.us-east-1.monitoring:443',
      'VPC endpoint com.amazonaws.us-east-1.logs:443',
    ]) {
      expect(decision.reason).toContain(path);
    }
    // The gateway endpoint (DynamoDB) has no security group and is not a path to judge.
    expect(decision.reason).not.toContain('dynamodb');
    expect(decision.runbook).toBeUndefined();
    expect(await groupsOf(ec2, account)).toEqual(before);
  });

  it('names the missing database ingress and the runbook that adds it, and leaves the rule missing', async () => {
    await revokeReference(ec2, sg.database, 5432, sg.lambda);
    try {
      const before = await groupsOf(ec2, account);
      const decision = await fire(account, handler);
      expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'diagnosis' } });
      expect(decision.reason).toContain(
        `cannot reach RDS notification-service-db on tcp 5432: ${sg.database} (notification-service-db) allows no ingress on tcp 5432 from ${sg.lambda} (notification-service-lambda)`,
      );
      expect(decision.runbook).toEqual({
        documentName: RUNBOOK,
        parameters: {
          ApiName: ['notification-service-api'],
          SecurityGroupId: [sg.database],
          SourceSecurityGroupId: [sg.lambda],
          Port: ['5432'],
          RuleDescription: [`${RUNBOOK}: Lambda notification-service-consumer to RDS notification-service-db`],
        },
      });
      // It never changes a rule: the emulator's groups are exactly as they were.
      expect(await groupsOf(ec2, account)).toEqual(before);

      // The escalation went out on the project's bus with the findings and the runbook.
      const published = await account.sqs.send(new ReceiveMessageCommand({ QueueUrl: account.topology.decisionRoute.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      const details = (published.Messages ?? []).map((m) => (JSON.parse(m.Body ?? '{}') as { detail: Decision }).detail);
      expect(details).toEqual(expect.arrayContaining([expect.objectContaining({ incidentKey: decision.incidentKey, runbook: decision.runbook })]));
    } finally {
      await allowReference(ec2, sg.database, 5432, sg.lambda);
    }
  });

  it('flags 0.0.0.0/0 on the database port even though the function gets through', async () => {
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: sg.database, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    try {
      const decision = await fire(account, handler);
      expect(decision.reason).toContain(`is open too widely: 0.0.0.0/0 open on tcp 5432 in ${sg.database} (notification-service-db)`);
      expect(decision.findings).toEqual(
        expect.arrayContaining([
          `RDS notification-service-db tcp 5432: fix: RevokeSecurityGroupIngress {"GroupId":"${sg.database}","IpPermissions":[{"IpProtocol":"tcp","FromPort":5432,"ToPort":5432,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]}`,
        ]),
      );
    } finally {
      await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: sg.database, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    }
  });

  it('proves the path through a managed prefix list that holds the private subnets', async () => {
    const list = await ec2.send(
      new CreateManagedPrefixListCommand({ PrefixListName: 'notification-private-subnets', AddressFamily: 'IPv4', MaxEntries: 4, Entries: [{ Cidr: '10.0.1.0/24' }, { Cidr: '10.0.2.0/24' }] }),
    );
    const prefixListId = list.PrefixList?.PrefixListId ?? '';
    await revokeReference(ec2, sg.database, 5432, sg.lambda);
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: sg.database, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, PrefixListIds: [{ PrefixListId: prefixListId }] }] }));
    try {
      const decision = await fire(account, handler);
      expect(decision.reason).toContain('security groups, network ACLs and routes allow every path');
      expect(decision.findings).toEqual(expect.arrayContaining([expect.stringContaining(`ingress tcp 5432 from ${prefixListId} (prefix list: 10.0.1.0/24)`)]));
    } finally {
      await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: sg.database, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, PrefixListIds: [{ PrefixListId: prefixListId }] }] }));
      await allowReference(ec2, sg.database, 5432, sg.lambda);
    }
  });

  it('names a VPC endpoint group that lost its HTTPS ingress', async () => {
    await revokeReference(ec2, sg.vpcEndpoint, 443, sg.lambda);
    try {
      const decision = await fire(account, handler);
      expect(decision.reason).toContain(`cannot reach VPC endpoint com.amazonaws.us-east-1.sqs on tcp 443`);
      expect(decision.runbook?.parameters).toMatchObject({ SecurityGroupId: [sg.vpcEndpoint], SourceSecurityGroupId: [sg.lambda], Port: ['443'] });
    } finally {
      await allowReference(ec2, sg.vpcEndpoint, 443, sg.lambda);
    }
  });

  it('names a network ACL that forgot the return ports (stateless) with the exact entry that fixes it, and changes no ACL', async () => {
    const vpc = account.topology.vpc;
    const [privateA, privateB] = vpc.privateSubnetIds;
    // A hardened data-tier ACL on both private subnets: requests in from the VPC, replies in from anywhere, requests out
    // on 5432 / 6379 / 443, and no egress to the ephemeral ports: the database's replies to the other subnet never leave.
    const acl = (await ec2.send(new CreateNetworkAclCommand({ VpcId: vpc.id }))).NetworkAcl?.NetworkAclId ?? '';
    const entry = (RuleNumber: number, Egress: boolean, CidrBlock: string, ports?: [number, number]) =>
      ec2.send(
        new CreateNetworkAclEntryCommand({
          NetworkAclId: acl,
          RuleNumber,
          Egress,
          CidrBlock,
          RuleAction: 'allow',
          Protocol: ports ? '6' : '-1',
          ...(ports ? { PortRange: { From: ports[0], To: ports[1] } } : {}),
        }),
      );
    await entry(100, false, '10.0.0.0/16');
    await entry(110, false, '0.0.0.0/0', [1024, 65535]);
    await entry(100, true, '10.0.0.0/16', [5432, 5432]);
    await entry(110, true, '10.0.0.0/16', [6379, 6379]);
    await entry(120, true, '0.0.0.0/0', [443, 443]);
    const associations = async (): Promise<Map<string, { acl: string; association: string }>> => {
      const acls = (await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.id] }] }))).NetworkAcls ?? [];
      return new Map(acls.flatMap((a) => (a.Associations ?? []).map((x) => [x.SubnetId ?? '', { acl: a.NetworkAclId ?? '', association: x.NetworkAclAssociationId ?? '' }] as const)));
    };
    const original = await associations();
    for (const subnet of [privateA, privateB]) {
      await ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: original.get(subnet ?? '')?.association, NetworkAclId: acl }));
    }
    try {
      const before = (await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [acl] }))).NetworkAcls;
      const decision = await fire(account, handler);
      expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'diagnosis' } });
      const finding = `${acl} of ${privateB} (RDS notification-service-db) denies egress of the replies on tcp 1024-65535 to Lambda notification-service-consumer (10.0.1.0/24): rule * deny all traffic (nothing else matched): network ACLs are stateless, the return traffic needs its own rule`;
      expect(decision.reason).toContain(`security groups allow every path from Lambda notification-service-consumer`);
      expect(decision.reason).toContain(`but ${finding}`);
      expect(decision.findings).toEqual(
        expect.arrayContaining([
          finding,
          `fix: CreateNetworkAclEntry {"NetworkAclId":"${acl}","RuleNumber":130,"Protocol":"6","RuleAction":"allow","Egress":true,"CidrBlock":"10.0.1.0/24","PortRange":{"From":1024,"To":65535}}`,
          `fix: CreateNetworkAclEntry {"NetworkAclId":"${acl}","RuleNumber":140,"Protocol":"6","RuleAction":"allow","Egress":true,"CidrBlock":"10.0.2.0/24","PortRange":{"From":1024,"To":65535}}`,
        ]),
      );
      // Widening stays with a person: no runbook for an ACL entry, and the ACL is exactly as it was.
      expect(decision.runbook).toBeUndefined();
      expect((await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [acl] }))).NetworkAcls).toEqual(before);
    } finally {
      const now = await associations();
      for (const subnet of [privateA, privateB]) {
        await ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: now.get(subnet ?? '')?.association, NetworkAclId: original.get(subnet ?? '')?.acl }));
      }
    }
  });

  it('names the blackholed NAT route of a zone whose NAT gateway was deleted, with the route that fixes it', async () => {
    const vpc = account.topology.vpc;
    const [privateA] = vpc.privateSubnetIds;
    const [natA, natB] = vpc.natGatewayIds;
    const [tableA] = vpc.privateRouteTableIds;
    await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: natA }));
    const state = (await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [natA ?? ''] }))).NatGateways?.[0]?.State;
    expect(state).toBe('deleted');
    const routesBefore = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [tableA ?? ''] }))).RouteTables;
    const decision = await fire(account, handler);
    const finding = `route 0.0.0.0/0 -> ${natA} in ${tableA} (associated with ${privateA}) is a blackhole: NAT gateway ${natA} is deleted; internet-bound calls from ${privateA} (Lambda notification-service-consumer) time out`;
    expect(decision.reason).toContain(`but ${finding}`);
    const fix = `fix: ReplaceRoute {"RouteTableId":"${tableA}","DestinationCidrBlock":"0.0.0.0/0","NatGatewayId":"${natB}"}`;
    expect(decision.findings).toEqual(expect.arrayContaining([expect.stringContaining(`${finding} — route through ${natB} (available, in another zone`), fix]));
    // Nothing was rerouted by the automation.
    expect((await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [tableA ?? ''] }))).RouteTables).toEqual(routesBefore);

    // A person runs the named fix; the next diagnosis finds the way out again.
    await ec2.send(new ReplaceRouteCommand({ RouteTableId: tableA, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: natB }));
    const after = await fire(account, handler);
    expect(after.findings?.filter((f) => f.includes('blackhole'))).toEqual([]);
    expect(after.findings).toEqual(expect.arrayContaining([`route ${privateA}: 0.0.0.0/0 -> ${natB} (available, in ${vpc.publicSubnetIds[1]}) -> ${vpc.internetGatewayId} (attached)`]));
    // Working again, but through the other zone's NAT (review 23b R23b-3): said, with the zone's own NAT as the fix, not
    // as what blocks the path. The zones are the ones moto's DescribeSubnets answers.
    const zoneOf = (id: string | undefined): string => vpc.subnets.find((s) => s.id === id)?.availabilityZone ?? '?';
    const [zoneA, zoneB] = [zoneOf(privateA), zoneOf(vpc.publicSubnetIds[1])];
    expect(zoneA).not.toBe(zoneB);
    expect(after.reason).toContain('security groups, network ACLs and routes allow every path');
    expect(after.findings?.filter((f) => f.includes(' outage cuts '))).toEqual([
      `${privateA} (${zoneA}) leaves through NAT gateway ${natB} in ${zoneB}: a ${zoneB} outage cuts its internet access too (AWS, "NAT gateway basics": one NAT gateway per Availability Zone, each zone's subnets routed to their own) — create one in ${vpc.publicSubnetIds[0]}, then route ${tableA} through it`,
    ]);
    expect(after.findings).toEqual(
      expect.arrayContaining([
        `fix: CreateNatGateway {"SubnetId":"${vpc.publicSubnetIds[0]}","AllocationId":"<AllocationId returned by AllocateAddress {\\"Domain\\":\\"vpc\\"}>","ConnectivityType":"public"}`,
        `fix: ReplaceRoute {"RouteTableId":"${tableA}","DestinationCidrBlock":"0.0.0.0/0","NatGatewayId":"<NatGatewayId returned by CreateNatGateway>"}`,
      ]),
    );
  });

  it('rejects an alarm on an API it does not know, and makes no AWS call', async () => {
    const event = (await account.transition(timeoutAlarm(account), 'ALARM')) as { detail: { configuration: { metrics: Array<{ metricStat: { metric: { dimensions: Record<string, string> } } }> } } };
    const metric = event.detail.configuration.metrics[0];
    if (metric) metric.metricStat.metric.dimensions.ApiName = 'billing-api';
    // After the test's own transition: every call from here on is the handler's, and none is expected.
    const since = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    const decisions = await Promise.all([handler(event), handler('{"source":"aws.cloudwatch"'), handler({ ...event, source: 'aws.ec2' })]);
    for (const d of decisions) expect(d).toMatchObject({ outcome: 'rejected' });
    expect(decisions[0]?.reason).toContain('API billing-api is not in dependencies.apis');
    const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === account.accountId);
    expect(calls.map((c) => `${c.service}:${c.operation}`)).toEqual([]);
  });

  it('does nothing on OK: a cleared 504 alarm needs no inspection', async () => {
    const decision = await handler(await account.transition(timeoutAlarm(account), 'OK'));
    expect(decision).toMatchObject({ outcome: 'skipped', reason: 'inspect-security-groups does not act on state OK' });
  });
});

describe('inspect-security-groups elsewhere', () => {
  it('diagnoses in development too (a diagnosis is not a mutation) and names the missing egress', async () => {
    const account = await provisionAccount('development');
    const handler = loadHandler('inspect-security-groups');
    const ec2 = new EC2Client(account.clientConfig);
    const sg = account.topology.vpc.securityGroupIds;
    await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: sg.lambda, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, UserIdGroupPairs: [{ GroupId: sg.cache, Description: 'Redis' }] }] }));
    const decision = await fire(account, handler);
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'diagnosis' }, environment: 'development' });
    expect(decision.reason).toContain(`cannot reach ElastiCache notification-service-cache on tcp 6379: ${sg.lambda} (notification-service-lambda) allows no egress on tcp 6379`);
    expect(decision.reason).toContain('AuthorizeSecurityGroupEgress');
    ec2.destroy();
  });
});
