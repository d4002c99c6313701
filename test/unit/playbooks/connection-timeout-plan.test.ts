// Tests of the Connection Timeout diagnosis: every path from the function, the named finding, the runbook filled in.
import { planConnectionTimeoutDiagnosis, type ConnectionTimeoutObservation } from '../../../shared/playbooks/connection-timeout-plan';
import type { IpPermissionLike, SecurityGroupLike } from '../../../shared/network/evaluate-reachability';
import type { Plan } from '../../../shared/pipeline/types';

const RUNBOOK = 'NotificationService-TroubleshootConnectionTimeout';
const G = { lambda: 'sg-0a11ce', db: 'sg-0db', cache: 'sg-0cache', endpoints: 'sg-0vpce' };
const PRIVATE = ['10.0.1.0/24', '10.0.2.0/24'];
const tcp = (port: number, groupId: string): IpPermissionLike => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, UserIdGroupPairs: [{ GroupId: groupId }] });

function groups(overrides: Partial<Record<keyof typeof G, SecurityGroupLike>> = {}): SecurityGroupLike[] {
  const seed: Record<keyof typeof G, SecurityGroupLike> = {
    lambda: { GroupId: G.lambda, GroupName: 'notification-service-lambda', IpPermissionsEgress: [tcp(5432, G.db), tcp(6379, G.cache), tcp(443, G.endpoints)] },
    db: { GroupId: G.db, GroupName: 'notification-service-db', IpPermissions: [tcp(5432, G.lambda)] },
    cache: { GroupId: G.cache, GroupName: 'notification-service-cache', IpPermissions: [tcp(6379, G.lambda)] },
    endpoints: { GroupId: G.endpoints, GroupName: 'notification-service-vpc-endpoints', IpPermissions: [tcp(443, G.lambda)] },
  };
  return Object.values({ ...seed, ...overrides });
}

function observation(securityGroups = groups(), overrides: Partial<ConnectionTimeoutObservation> = {}): ConnectionTimeoutObservation {
  return {
    functionName: 'notification-service-consumer',
    vpc: { vpcId: 'vpc-1', subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: [G.lambda], cidrs: PRIVATE },
    dependencies: [
      { kind: 'rds', label: 'RDS notification-service-db', port: 5432, groupIds: [G.db], cidrs: PRIVATE },
      { kind: 'cache', label: 'ElastiCache notification-service-cache', port: 6379, groupIds: [G.cache], cidrs: [] },
      { kind: 'vpc-endpoint', label: 'VPC endpoint com.amazonaws.us-east-1.sqs', port: 443, groupIds: [G.endpoints], cidrs: PRIVATE },
    ],
    securityGroups,
    prefixLists: {},
    notes: [],
    ...overrides,
  };
}

function escalation(plan: Plan<never>): Extract<Plan<never>, { kind: 'escalate' }> {
  if (plan.kind !== 'escalate') throw new Error(`expected an escalation, got ${plan.kind}`);
  return plan;
}

describe('planConnectionTimeoutDiagnosis', () => {
  it('says the 504 is not a security-group problem when every path is allowed, and offers no rule change', () => {
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: observation(), runbookName: RUNBOOK }));
    expect(plan.cause).toBe('diagnosis');
    expect(plan.reason).toBe(
      'security groups, network ACLs and routes allow every path from Lambda notification-service-consumer (RDS notification-service-db:5432, ElastiCache notification-service-cache:6379, ' +
        "VPC endpoint com.amazonaws.us-east-1.sqs:443) and every dependency is available: the 504 is not a network problem; check DB connections and the function's duration",
    );
    expect(plan.runbook).toBeUndefined();
    expect(plan.findings?.[0]).toContain('RDS notification-service-db tcp 5432: allowed (egress sg-0a11ce (notification-service-lambda) egress tcp 5432 to sg-0db');
  });

  it('does not call the 504 "not a network problem" while a dependency\'s path could not be judged (no port known)', () => {
    const [, cache, endpoint] = observation().dependencies;
    const unjudged = 'RDS notification-service-db: DescribeDBInstances names no port (no Endpoint while creating, DbInstancePort 0): its security-group path is not judged';
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: observation(groups(), { dependencies: [cache, endpoint].filter((d) => d !== undefined), unjudged: [unjudged] }), runbookName: RUNBOOK }));
    expect(plan.reason).toBe(
      'security groups allow every path judged from Lambda notification-service-consumer (ElastiCache notification-service-cache:6379, VPC endpoint com.amazonaws.us-east-1.sqs:443), ' +
        `but ${unjudged}: not proven reachable`,
    );
    expect(plan.findings).toContain(unjudged);
    expect(plan.runbook).toBeUndefined();
  });

  it('names the missing database ingress and fills in the runbook that applies it behind approval', () => {
    const plan = escalation(
      planConnectionTimeoutDiagnosis({
        observation: observation(groups({ db: { GroupId: G.db, GroupName: 'notification-service-db', IpPermissions: [] } })),
        runbookName: RUNBOOK,
        apiName: 'notification-service-api',
      }),
    );
    expect(plan.reason).toBe(
      'Lambda notification-service-consumer cannot reach RDS notification-service-db on tcp 5432: sg-0db (notification-service-db) allows no ingress on tcp 5432 ' +
        `from sg-0a11ce (notification-service-lambda) (Lambda notification-service-consumer) — fix behind approval: ${RUNBOOK} (AuthorizeSecurityGroupIngress on sg-0db)`,
    );
    // The document's own parameters (runbooks/NotificationService-TroubleshootConnectionTimeout.yaml); Approvers are the operator's.
    expect(plan.runbook).toEqual({
      documentName: RUNBOOK,
      parameters: {
        ApiName: ['notification-service-api'],
        SecurityGroupId: [G.db],
        SourceSecurityGroupId: [G.lambda],
        Port: ['5432'],
        RuleDescription: [`${RUNBOOK}: Lambda notification-service-consumer to RDS notification-service-db`],
      },
    });
    expect(plan.findings).toEqual(expect.arrayContaining([expect.stringMatching(/^RDS notification-service-db tcp 5432: fix: AuthorizeSecurityGroupIngress \{"GroupId":"sg-0db"/)]));
  });

  it('names the missing cache egress from the function', () => {
    const lambda = { GroupId: G.lambda, GroupName: 'notification-service-lambda', IpPermissionsEgress: [tcp(5432, G.db), tcp(443, G.endpoints)] };
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: observation(groups({ lambda })), runbookName: RUNBOOK }));
    expect(plan.reason).toContain('cannot reach ElastiCache notification-service-cache on tcp 6379: sg-0a11ce (notification-service-lambda) allows no egress on tcp 6379');
    // The document adds ingress rules only: the egress fix is spelled out as the exact EC2 call instead.
    expect(plan.runbook).toBeUndefined();
    expect(plan.reason).toContain(
      `fix by hand (${RUNBOOK} adds ingress rules by group reference only): AuthorizeSecurityGroupEgress {"GroupId":"sg-0a11ce","IpPermissions":[{"IpProtocol":"tcp","FromPort":6379,"ToPort":6379,"UserIdGroupPairs":[{"GroupId":"sg-0cache"`,
    );
  });

  it('reports a database port open to the world even though the function gets through', () => {
    const db = { GroupId: G.db, GroupName: 'notification-service-db', IpPermissions: [tcp(5432, G.lambda), { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] };
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: observation(groups({ db })), runbookName: RUNBOOK }));
    expect(plan.reason).toContain('RDS notification-service-db is open too widely: 0.0.0.0/0 open on tcp 5432 in sg-0db (notification-service-db)');
    expect(plan.runbook).toBeUndefined();
    expect(plan.findings).toEqual(
      expect.arrayContaining([
        'RDS notification-service-db tcp 5432: fix: RevokeSecurityGroupIngress {"GroupId":"sg-0db","IpPermissions":[{"IpProtocol":"tcp","FromPort":5432,"ToPort":5432,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]}',
      ]),
    );
  });

  it('says a function outside any VPC has no security-group path at all', () => {
    const { vpc: _vpc, ...outside } = observation();
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: { ...outside, dependencies: [] }, runbookName: RUNBOOK }));
    expect(plan.reason).toContain('is not attached to a VPC');
  });

  it('carries what could not be read into the findings', () => {
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: observation(groups(), { notes: ['ElastiCache x: security group "y" not found in vpc-1'] }) }));
    expect(plan.findings).toContain('ElastiCache x: security group "y" not found in vpc-1');
  });

  it('fills in the runbook for the narrow rule that must precede a revoke of a world-open one', () => {
    const db = { GroupId: G.db, GroupName: 'notification-service-db', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] };
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: observation(groups({ db })), runbookName: RUNBOOK }));
    expect(plan.runbook?.parameters).toMatchObject({ SecurityGroupId: [G.db], SourceSecurityGroupId: [G.lambda], Port: ['5432'] });
  });

  it('names no runbook when the row has none configured', () => {
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: observation(groups({ db: { GroupId: G.db, IpPermissions: [] } })) }));
    expect(plan.runbook).toBeUndefined();
    expect(plan.reason).not.toContain('fix behind approval');
  });
});

/** The seed VPC as EC2 describes it: default ACL, NAT per zone, public subnets routed to the internet gateway. */
function seedNetwork(): NonNullable<ConnectionTimeoutObservation['network']> {
  const all = (Egress: boolean, RuleAction: string, RuleNumber: number) => ({ RuleNumber, Egress, RuleAction, Protocol: '-1', CidrBlock: '0.0.0.0/0' });
  return {
    subnets: [
      { subnetId: 'subnet-a', availabilityZone: 'us-east-1a', cidrs: ['10.0.1.0/24'] },
      { subnetId: 'subnet-b', availabilityZone: 'us-east-1b', cidrs: ['10.0.2.0/24'] },
      { subnetId: 'subnet-pub-a', availabilityZone: 'us-east-1a', cidrs: ['10.0.3.0/24'] },
      { subnetId: 'subnet-pub-b', availabilityZone: 'us-east-1b', cidrs: ['10.0.4.0/24'] },
    ],
    acls: [{ NetworkAclId: 'acl-default', IsDefault: true, VpcId: 'vpc-1', Entries: [all(true, 'allow', 100), all(true, 'deny', 32767), all(false, 'allow', 100), all(false, 'deny', 32767)] }],
    routeTables: [
      { RouteTableId: 'rtb-pub', VpcId: 'vpc-1', Routes: [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-1', State: 'active' }], Associations: [{ SubnetId: 'subnet-pub-a' }, { SubnetId: 'subnet-pub-b' }] },
      { RouteTableId: 'rtb-a', VpcId: 'vpc-1', Routes: [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-a', State: 'active' }], Associations: [{ SubnetId: 'subnet-a' }] },
      { RouteTableId: 'rtb-b', VpcId: 'vpc-1', Routes: [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-b', State: 'active' }], Associations: [{ SubnetId: 'subnet-b' }] },
    ],
    natGateways: [
      { NatGatewayId: 'nat-a', State: 'available', SubnetId: 'subnet-pub-a', VpcId: 'vpc-1' },
      { NatGatewayId: 'nat-b', State: 'available', SubnetId: 'subnet-pub-b', VpcId: 'vpc-1' },
    ],
    internetGateways: [{ InternetGatewayId: 'igw-1', Attachments: [{ VpcId: 'vpc-1', State: 'available' }] }],
    endpoints: [],
  };
}

describe('planConnectionTimeoutDiagnosis: the rest of the path', () => {
  const withRdsSubnets = observation(groups()).dependencies.map((d) => (d.kind === 'rds' ? { ...d, subnetIds: ['subnet-a', 'subnet-b'] } : d));

  it.each<[string, Partial<ConnectionTimeoutObservation>, string, string | undefined]>([
    ['the seed network: every crossing allowed, nothing to fix', { network: seedNetwork(), dependencies: withRdsSubnets }, 'security groups, network ACLs and routes allow every path', undefined],
    [
      "the public subnets' ACL drops the internet's replies to the NAT gateway",
      {
        network: {
          ...seedNetwork(),
          acls: [
            ...seedNetwork().acls,
            {
              NetworkAclId: 'acl-public',
              VpcId: 'vpc-1',
              Entries: [
                { RuleNumber: 100, Egress: true, RuleAction: 'allow', Protocol: '-1', CidrBlock: '0.0.0.0/0' },
                { RuleNumber: 100, Egress: false, RuleAction: 'allow', Protocol: '6', CidrBlock: '10.0.0.0/16', PortRange: { From: 443, To: 443 } },
              ],
              Associations: [{ SubnetId: 'subnet-pub-a' }, { SubnetId: 'subnet-pub-b' }],
            },
          ],
        },
        dependencies: withRdsSubnets,
      },
      'but acl-public of subnet-pub-a (NAT gateway nat-a) denies ingress of the replies on tcp 1024-65535 from the internet (notification providers) (0.0.0.0/0)',
      'fix: CreateNetworkAclEntry {"NetworkAclId":"acl-public","RuleNumber":110,"Protocol":"6","RuleAction":"allow","Egress":false,"CidrBlock":"0.0.0.0/0","PortRange":{"From":1024,"To":65535}}',
    ],
    [
      'the database is failing over',
      { network: seedNetwork(), dependencies: withRdsSubnets, dependencyStates: [{ kind: 'rds', label: 'RDS notification-service-db', status: 'rebooting', detail: 'Multi-AZ' }] },
      'but RDS notification-service-db is rebooting (Multi-AZ): a reboot (or a Multi-AZ failover) is in progress',
      undefined,
    ],
    [
      "zone a's NAT gateway failed",
      { network: { ...seedNetwork(), natGateways: [{ ...seedNetwork().natGateways[0], State: 'failed' }, ...seedNetwork().natGateways.slice(1)] }, dependencies: withRdsSubnets },
      'but route 0.0.0.0/0 -> nat-a in rtb-a (associated with subnet-a) is a blackhole: NAT gateway nat-a is failed',
      'fix: ReplaceRoute {"RouteTableId":"rtb-a","DestinationCidrBlock":"0.0.0.0/0","NatGatewayId":"nat-b"}',
    ],
  ])('%s', (_name, overrides, reason, fix) => {
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: observation(groups(), overrides), runbookName: RUNBOOK }));
    expect(plan.reason).toContain(reason);
    // Network fixes are for a person to run: the runbook only adds security-group ingress by reference.
    expect(plan.runbook).toBeUndefined();
    const fixes = (plan.findings ?? []).filter((f) => f.startsWith('fix: '));
    expect(fixes).toEqual(fix ? [fix] : []);
  });

  describe('a route check that cannot judge is no all-clear (review 23b R23b-2)', () => {
    const unjudged = (network: NonNullable<ConnectionTimeoutObservation['network']>): Extract<Plan<never>, { kind: 'escalate' }> =>
      escalation(planConnectionTimeoutDiagnosis({ observation: observation(groups(), { network, dependencies: withRdsSubnets }), runbookName: RUNBOOK }));

    it.each<[string, NonNullable<ConnectionTimeoutObservation['network']>, string]>([
      [
        'a NAT gateway answered with no subnet (as a regional one has none), no AvailabilityMode to say so',
        {
          ...seedNetwork(),
          routeTables: [
            ...seedNetwork().routeTables.slice(0, 1),
            { RouteTableId: 'rtb-priv', VpcId: 'vpc-1', Routes: [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-r', State: 'active' }], Associations: [{ SubnetId: 'subnet-a' }, { SubnetId: 'subnet-b' }] },
          ],
          natGateways: [{ NatGatewayId: 'nat-r', State: 'available', VpcId: 'vpc-1' }],
        },
        'NAT gateway nat-r: DescribeNatGateways names no subnet for it (nor an AvailabilityMode): cannot judge its way to the internet',
      ],
      ['no route table found at all', { ...seedNetwork(), routeTables: [] }, "subnet-a, subnet-b (Lambda notification-service-consumer): no route table found, not even the VPC's main one: cannot judge their routes"],
    ])('%s', (_name, network, what) => {
      const plan = unjudged(network);
      expect(plan.reason).toBe(
        'security groups allow every path judged from Lambda notification-service-consumer (RDS notification-service-db:5432, ElastiCache notification-service-cache:6379, ' +
          `VPC endpoint com.amazonaws.us-east-1.sqs:443), but ${what}: not proven reachable`,
      );
      expect(plan.reason).not.toContain('not a network problem');
      // Said once, whatever number of subnets share it; nothing to fix.
      expect(plan.findings?.filter((f) => f === what)).toHaveLength(1);
      expect(plan.findings?.filter((f) => f.startsWith('fix: '))).toEqual([]);
    });
  });

  it('proves the way out through a regional NAT gateway (no public subnet) and gives the all-clear', () => {
    const network = {
      ...seedNetwork(),
      routeTables: [
        { RouteTableId: 'rtb-nat-r', VpcId: 'vpc-1', Routes: [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-1', State: 'active' }], Associations: [] },
        { RouteTableId: 'rtb-priv', VpcId: 'vpc-1', Routes: [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-r', State: 'active' }], Associations: [{ SubnetId: 'subnet-a' }, { SubnetId: 'subnet-b' }] },
      ],
      natGateways: [{ NatGatewayId: 'nat-r', State: 'available', VpcId: 'vpc-1', AvailabilityMode: 'regional', RouteTableId: 'rtb-nat-r' }],
    };
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: observation(groups(), { network, dependencies: withRdsSubnets }), runbookName: RUNBOOK }));
    expect(plan.reason).toContain('security groups, network ACLs and routes allow every path');
    expect(plan.findings).toContain('route subnet-a, subnet-b: 0.0.0.0/0 -> nat-r (available, regional (multi-AZ), route table rtb-nat-r) -> igw-1 (attached)');
  });

  it("names a subnet leaving through another zone's NAT gateway as a finding with its fix, not as what blocks the path (review 23b R23b-3)", () => {
    const network = {
      ...seedNetwork(),
      routeTables: [
        ...seedNetwork().routeTables.slice(0, 1),
        { RouteTableId: 'rtb-priv', VpcId: 'vpc-1', Routes: [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-a', State: 'active' }], Associations: [{ SubnetId: 'subnet-b' }] },
      ],
      natGateways: seedNetwork().natGateways.slice(0, 1),
    };
    // The function in subnet-b (us-east-1b) only; its table sends everything to nat-a in us-east-1a.
    const plan = escalation(
      planConnectionTimeoutDiagnosis({ observation: observation(groups(), { network, dependencies: withRdsSubnets, vpc: { vpcId: 'vpc-1', subnetIds: ['subnet-b'], securityGroupIds: [G.lambda], cidrs: PRIVATE } }), runbookName: RUNBOOK }),
    );
    expect(plan.reason).toContain('security groups, network ACLs and routes allow every path');
    expect(plan.findings).toContain(
      'subnet-b (us-east-1b) leaves through NAT gateway nat-a in us-east-1a: a us-east-1a outage cuts its internet access too (AWS, "NAT gateway basics": one NAT gateway per Availability Zone, each zone\'s subnets routed to their own) — create one in subnet-pub-b, then route rtb-priv through it',
    );
    expect(plan.findings).toEqual(expect.arrayContaining(['fix: ReplaceRoute {"RouteTableId":"rtb-priv","DestinationCidrBlock":"0.0.0.0/0","NatGatewayId":"<NatGatewayId returned by CreateNatGateway>"}']));
  });

  it('names the timeout race with both figures when the alarm came from the API', () => {
    const plan = escalation(
      planConnectionTimeoutDiagnosis({
        observation: observation(groups(), { network: seedNetwork(), timeout: { functionTimeoutSeconds: 30, integrationTimeoutMs: 29_000, apiLabel: 'API notification-service-api' } }),
        runbookName: RUNBOOK,
      }),
    );
    expect(plan.reason).toContain('the 504 is not a network problem; Lambda notification-service-consumer may run 30 s but API notification-service-api waits 29 s for it');
    expect(plan.findings).toContain('fix: UpdateFunctionConfiguration {"FunctionName":"notification-service-consumer","Timeout":28}');
  });
});
