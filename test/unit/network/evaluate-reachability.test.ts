// Table-driven tests of the security-group reachability evaluator: field situations behind a 504 from Lambda to RDS.
import {
  evaluateReachability,
  type IpPermissionLike,
  type ReachabilityInput,
  type SecurityGroupLike,
} from '../../../shared/network/evaluate-reachability';

const LAMBDA = 'sg-0a11ce0000000001a';
const DB = 'sg-0db0000000000001b';
const DB_EXTRA = 'sg-0db0000000000002c';
const LAMBDA_EXTRA = 'sg-0a11ce0000000002d';
const PRIVATE_SUBNETS = ['10.0.1.0/24', '10.0.2.0/24'];
const PRIVATE_SUBNETS_V6 = ['2600:1f18:abcd:1201::/64', '2600:1f18:abcd:1202::/64'];

const tcp = (port: number, peer: Partial<IpPermissionLike>, toPort = port): IpPermissionLike => ({ IpProtocol: 'tcp', FromPort: port, ToPort: toPort, ...peer });
const fromGroup = (groupId: string): Partial<IpPermissionLike> => ({ UserIdGroupPairs: [{ GroupId: groupId, UserId: '123456789012' }] });
const fromCidrs = (...cidrs: string[]): Partial<IpPermissionLike> => ({ IpRanges: cidrs.map((CidrIp) => ({ CidrIp })) });
const fromV6 = (...cidrs: string[]): Partial<IpPermissionLike> => ({ Ipv6Ranges: cidrs.map((CidrIpv6) => ({ CidrIpv6 })) });
const ALL_EGRESS: IpPermissionLike = { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] };

/** The seed topology: the consumer's group egress 5432 to the DB group, the DB group ingress 5432 from it. */
function seed(overrides: { lambdaEgress?: IpPermissionLike[]; dbIngress?: IpPermissionLike[]; extraGroups?: SecurityGroupLike[] } = {}): SecurityGroupLike[] {
  return [
    {
      GroupId: LAMBDA,
      GroupName: 'notification-service-lambda',
      IpPermissions: [],
      IpPermissionsEgress: overrides.lambdaEgress ?? [tcp(5432, fromGroup(DB)), tcp(443, fromCidrs('0.0.0.0/0'))],
    },
    { GroupId: DB, GroupName: 'notification-service-db', IpPermissions: overrides.dbIngress ?? [tcp(5432, fromGroup(LAMBDA))], IpPermissionsEgress: [ALL_EGRESS] },
    ...(overrides.extraGroups ?? []),
  ];
}

function input(groups: SecurityGroupLike[], overrides: Partial<ReachabilityInput> = {}): ReachabilityInput {
  return {
    source: { label: 'Lambda notification-service-consumer', groupIds: [LAMBDA], cidrs: PRIVATE_SUBNETS },
    destination: { label: 'RDS notification-service-db', groupIds: [DB], cidrs: PRIVATE_SUBNETS, port: 5432 },
    securityGroups: groups,
    prefixLists: {},
    ...overrides,
  };
}

describe('evaluateReachability: what is allowed', () => {
  it.each<[string, ReachabilityInput]>([
    ['the seed topology: egress and ingress by group reference', input(seed())],
    ['default allow-all egress (-1 to 0.0.0.0/0) and ingress from the group', input(seed({ lambdaEgress: [ALL_EGRESS] }))],
    ['ingress from the VPC CIDR, which contains both private subnets', input(seed({ dbIngress: [tcp(5432, fromCidrs('10.0.0.0/16'))] }))],
    ['ingress from one rule per private subnet', input(seed({ dbIngress: [tcp(5432, fromCidrs('10.0.1.0/24')), tcp(5432, fromCidrs('10.0.2.0/24'))] }))],
    ['ingress from /25 halves that together cover the subnets', input(seed({ dbIngress: [tcp(5432, fromCidrs('10.0.1.0/25', '10.0.1.128/25', '10.0.2.0/24'))] }))],
    ['a port range holding 5432', input(seed({ dbIngress: [tcp(5000, fromGroup(LAMBDA), 6000)] }))],
    ['an all-traffic rule (-1) from the group', input(seed({ dbIngress: [{ IpProtocol: '-1', ...fromGroup(LAMBDA) }] }))],
    ['a rule written with protocol number 6 (tcp)', input(seed({ dbIngress: [{ IpProtocol: '6', FromPort: 5432, ToPort: 5432, ...fromGroup(LAMBDA) }] }))],
    ['a rule CIDR written with host bits set (10.0.9.9/16)', input(seed({ dbIngress: [tcp(5432, fromCidrs('10.0.9.9/16'))] }))],
    [
      'ingress through a managed prefix list holding the VPC CIDR',
      input(seed({ dbIngress: [tcp(5432, { PrefixListIds: [{ PrefixListId: 'pl-0corp' }] })] }), { prefixLists: { 'pl-0corp': ['10.0.0.0/16'] } }),
    ],
    [
      'the union of two groups on the database (only the second allows)',
      input(seed({ dbIngress: [], extraGroups: [{ GroupId: DB_EXTRA, IpPermissions: [tcp(5432, fromGroup(LAMBDA))] }] }), {
        destination: { label: 'RDS notification-service-db', groupIds: [DB, DB_EXTRA], cidrs: PRIVATE_SUBNETS, port: 5432 },
      }),
    ],
    [
      'the union of two groups on the function, ingress naming the second',
      input(seed({ dbIngress: [tcp(5432, fromGroup(LAMBDA_EXTRA))], extraGroups: [{ GroupId: LAMBDA_EXTRA, IpPermissionsEgress: [] }] }), {
        source: { label: 'Lambda notification-service-consumer', groupIds: [LAMBDA, LAMBDA_EXTRA], cidrs: PRIVATE_SUBNETS },
      }),
    ],
  ])('allows %s', (_situation, situation) => {
    const result = evaluateReachability(situation);
    expect(result.findings).toEqual([]);
    expect(result.reachable).toBe(true);
    expect(result.egress.via.length).toBeGreaterThan(0);
    expect(result.ingress.via.length).toBeGreaterThan(0);
  });

  it('needs no ingress on the function nor egress on the database: security groups are stateful', () => {
    const groups = seed();
    const result = evaluateReachability(input(groups.map((g) => (g.GroupId === DB ? { ...g, IpPermissionsEgress: [] } : g))));
    expect(result).toMatchObject({ reachable: true, findings: [], fixes: [] });
  });
});

describe('evaluateReachability: what is missing', () => {
  it('names the missing database ingress and the exact AuthorizeSecurityGroupIngress that fixes it', () => {
    const result = evaluateReachability(input(seed({ dbIngress: [] })));
    expect(result.reachable).toBe(false);
    expect(result.egress.allowed).toBe(true);
    expect(result.findings).toEqual([
      `${DB} (notification-service-db) allows no ingress on tcp 5432 from ${LAMBDA} (notification-service-lambda) (Lambda notification-service-consumer)`,
    ]);
    expect(result.fixes).toEqual([
      {
        api: 'AuthorizeSecurityGroupIngress',
        input: {
          GroupId: DB,
          IpPermissions: [
            {
              IpProtocol: 'tcp',
              FromPort: 5432,
              ToPort: 5432,
              UserIdGroupPairs: [{ GroupId: LAMBDA, Description: 'Lambda notification-service-consumer to RDS notification-service-db' }],
            },
          ],
        },
        why: result.findings[0],
      },
    ]);
  });

  it('names the missing function egress when its group only allows HTTPS out', () => {
    const result = evaluateReachability(input(seed({ lambdaEgress: [tcp(443, fromCidrs('0.0.0.0/0'))] })));
    expect(result.reachable).toBe(false);
    expect(result.findings).toEqual([
      `${LAMBDA} (notification-service-lambda) allows no egress on tcp 5432 to ${DB} (notification-service-db) (RDS notification-service-db)`,
    ]);
    expect(result.fixes[0]).toMatchObject({
      api: 'AuthorizeSecurityGroupEgress',
      input: { GroupId: LAMBDA, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: DB }] }] },
    });
  });

  it('names both when both sides are missing, egress first', () => {
    const result = evaluateReachability(input(seed({ lambdaEgress: [], dbIngress: [] })));
    expect(result.fixes.map((f) => f.api)).toEqual(['AuthorizeSecurityGroupEgress', 'AuthorizeSecurityGroupIngress']);
  });

  it.each<[string, IpPermissionLike[], string]>([
    ['a port typo (5433)', [tcp(5433, fromGroup(LAMBDA))], 'tcp 5433'],
    ['the MySQL port copied from another stack', [tcp(3306, fromGroup(LAMBDA))], 'tcp 3306'],
    ['a range that stops short (5000-5431)', [tcp(5000, fromGroup(LAMBDA), 5431)], 'tcp 5000-5431'],
    ['udp instead of tcp', [{ IpProtocol: 'udp', FromPort: 5432, ToPort: 5432, ...fromGroup(LAMBDA) }], 'udp 5432'],
  ])('does not allow %s and points at the near miss', (_situation, dbIngress, near) => {
    const result = evaluateReachability(input(seed({ dbIngress })));
    expect(result.reachable).toBe(false);
    expect(result.ingress.nearMisses).toEqual([expect.stringContaining(near)]);
    expect(result.findings[0]).toContain(`rules naming it on other ports: ${DB} (notification-service-db) ingress ${near} from ${LAMBDA}`);
  });

  it('does not allow one private subnet only, and names the other', () => {
    const result = evaluateReachability(input(seed({ dbIngress: [tcp(5432, fromCidrs('10.0.1.0/24'))] })));
    expect(result.reachable).toBe(false);
    expect(result.ingress.ipv4.uncovered).toEqual(['10.0.2.0/24']);
    expect(result.findings[0]).toContain('IPv4 only partly: not from 10.0.2.0/24');
  });

  it('does not allow half a subnet (a /25 rule on a /24 subnet)', () => {
    const result = evaluateReachability(input(seed({ dbIngress: [tcp(5432, fromCidrs('10.0.1.0/25', '10.0.2.0/24'))] })));
    expect(result.ingress.ipv4.uncovered).toEqual(['10.0.1.0/24']);
  });

  it('does not trust a prefix list whose entries were not read', () => {
    const result = evaluateReachability(input(seed({ dbIngress: [tcp(5432, { PrefixListIds: [{ PrefixListId: 'pl-0unread' }] })] })));
    expect(result.reachable).toBe(false);
  });

  it('says it cannot judge when a group of the path was not found', () => {
    const result = evaluateReachability(input(seed().filter((g) => g.GroupId !== DB)));
    expect(result.reachable).toBe(false);
    expect(result.findings).toEqual([`Lambda notification-service-consumer -> RDS notification-service-db on tcp 5432: cannot judge ingress: security group ${DB} was not found`]);
  });

  it('proves nothing about a peer whose addresses are unknown, unless the rule is open to all of IPv4', () => {
    const unknown = { label: 'ElastiCache notification-service-cache', groupIds: ['sg-0cache'], cidrs: [], port: 6379 };
    const groups = seed({ lambdaEgress: [tcp(6379, fromCidrs('10.0.0.0/16'))], extraGroups: [{ GroupId: 'sg-0cache', IpPermissions: [tcp(6379, fromGroup(LAMBDA))] }] });
    expect(evaluateReachability(input(groups, { destination: unknown })).egress.allowed).toBe(false);
    const open = seed({ lambdaEgress: [ALL_EGRESS], extraGroups: [{ GroupId: 'sg-0cache', IpPermissions: [tcp(6379, fromGroup(LAMBDA))] }] });
    expect(evaluateReachability(input(open, { destination: unknown })).reachable).toBe(true);
  });
});

describe('evaluateReachability: what is too broad', () => {
  it.each<[string, IpPermissionLike, string]>([
    ['0.0.0.0/0 on the database port', tcp(5432, fromCidrs('0.0.0.0/0')), '0.0.0.0/0 open on tcp 5432'],
    ['::/0 on the database port', tcp(5432, fromV6('::/0')), '::/0 open on tcp 5432'],
    ['all traffic from 0.0.0.0/0', { IpProtocol: '-1', ...fromCidrs('0.0.0.0/0') }, '0.0.0.0/0 open on all traffic'],
    ['a port range from 0.0.0.0/0 that holds 5432', tcp(5000, fromCidrs('0.0.0.0/0'), 6000), '0.0.0.0/0 open on tcp 5000-6000'],
  ])('flags %s, and revokes it only after the narrow rule is authorized', (_situation, rule, finding) => {
    const result = evaluateReachability(input(seed({ dbIngress: [rule] })));
    expect(result.findings).toEqual(expect.arrayContaining([expect.stringContaining(`${finding} in ${DB} (notification-service-db)`)]));
    // Nothing narrower allows the function: the group reference is authorized before the world-open rule goes.
    expect(result.fixes.map((f) => [f.api, f.input.GroupId])).toEqual([
      ['AuthorizeSecurityGroupIngress', DB],
      ['RevokeSecurityGroupIngress', DB],
    ]);
    expect(result.fixes[0]?.input.IpPermissions[0]?.UserIdGroupPairs).toEqual([expect.objectContaining({ GroupId: LAMBDA })]);
  });

  it('flags a prefix list that holds 0.0.0.0/0', () => {
    const result = evaluateReachability(
      input(seed({ dbIngress: [tcp(5432, fromGroup(LAMBDA)), tcp(5432, { PrefixListIds: [{ PrefixListId: 'pl-0world' }] })] }), { prefixLists: { 'pl-0world': ['0.0.0.0/0'] } }),
    );
    expect(result.reachable).toBe(true);
    expect(result.findings).toEqual([expect.stringContaining('0.0.0.0/0 open on tcp 5432 in sg-0db0000000000001b (notification-service-db) (RDS notification-service-db) through prefix list pl-0world')]);
    expect(result.fixes).toEqual([
      expect.objectContaining({ api: 'RevokeSecurityGroupIngress', input: { GroupId: DB, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, PrefixListIds: [{ PrefixListId: 'pl-0world' }] }] } }),
    ]);
  });

  it('revokes a world-open rule without a new rule when a group reference already allows the function', () => {
    const result = evaluateReachability(input(seed({ dbIngress: [tcp(5432, fromGroup(LAMBDA)), tcp(5432, fromCidrs('0.0.0.0/0'))] })));
    expect(result.reachable).toBe(true);
    expect(result.fixes).toEqual([
      expect.objectContaining({ api: 'RevokeSecurityGroupIngress', input: { GroupId: DB, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] } }),
    ]);
  });

  it('does not flag 0.0.0.0/0 on another port of the same group', () => {
    const result = evaluateReachability(input(seed({ dbIngress: [tcp(5432, fromGroup(LAMBDA)), tcp(443, fromCidrs('0.0.0.0/0'))] })));
    expect(result.findings).toEqual([]);
  });
});

describe('evaluateReachability: IPv6', () => {
  const dualStack = (groups: SecurityGroupLike[]): ReachabilityInput =>
    input(groups, {
      source: { label: 'Lambda notification-service-consumer', groupIds: [LAMBDA], cidrs: [...PRIVATE_SUBNETS, ...PRIVATE_SUBNETS_V6] },
      destination: { label: 'RDS notification-service-db', groupIds: [DB], cidrs: [...PRIVATE_SUBNETS, ...PRIVATE_SUBNETS_V6], port: 5432 },
    });

  it('allows both families through a group reference', () => {
    const result = evaluateReachability(dualStack(seed()));
    expect(result).toMatchObject({ reachable: true, ipv6Reachable: true, findings: [] });
  });

  it('reports the IPv6 path blocked when ingress lists only IPv4 CIDRs', () => {
    const result = evaluateReachability(dualStack(seed({ dbIngress: [tcp(5432, fromCidrs('10.0.0.0/16'))] })));
    expect(result.reachable).toBe(true);
    expect(result.ipv6Reachable).toBe(false);
    expect(result.findings[0]).toContain('blocked for IPv6 (not from 2600:1f18:abcd:1201::/64, 2600:1f18:abcd:1202::/64)');
  });

  it('allows IPv6 from an Ipv6Ranges rule holding the subnets', () => {
    const result = evaluateReachability(dualStack(seed({ dbIngress: [tcp(5432, { ...fromCidrs('10.0.0.0/16'), ...fromV6('2600:1f18:abcd:1200::/56') })] })));
    expect(result).toMatchObject({ reachable: true, ipv6Reachable: true, findings: [] });
  });

  it('ignores IPv6 when only one end has IPv6 addresses', () => {
    const result = evaluateReachability(input(seed({ dbIngress: [tcp(5432, fromCidrs('10.0.0.0/16'))] }), {
      source: { label: 'Lambda', groupIds: [LAMBDA], cidrs: [...PRIVATE_SUBNETS, ...PRIVATE_SUBNETS_V6] },
    }));
    expect(result.ipv6Reachable).toBeUndefined();
    expect(result.reachable).toBe(true);
  });
});
