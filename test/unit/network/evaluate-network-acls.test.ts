// Table-driven tests of the network-ACL evaluator: stateless rules behind a 504 from Lambda to RDS, first match wins.
import {
  aclPathCrossings,
  evaluateAclCrossing,
  evaluateCrossings,
  evaluateNetworkAclPath,
  networkAclOf,
  type NetworkAclEntryLike,
  type NetworkAclLike,
  type SubnetEnd,
} from '../../../shared/network/evaluate-network-acls';

const LAMBDA_A: SubnetEnd = { subnetId: 'subnet-0a', cidrs: ['10.0.1.0/24'], label: 'Lambda notification-service-consumer' };
const LAMBDA_B: SubnetEnd = { subnetId: 'subnet-0b', cidrs: ['10.0.2.0/24'], label: 'Lambda notification-service-consumer' };
const DB_A: SubnetEnd = { subnetId: 'subnet-0a', cidrs: ['10.0.1.0/24'], label: 'RDS notification-service-db' };
const DB_B: SubnetEnd = { subnetId: 'subnet-0b', cidrs: ['10.0.2.0/24'], label: 'RDS notification-service-db' };
const DATA_C: SubnetEnd = { subnetId: 'subnet-0c', cidrs: ['10.0.5.0/24'], label: 'RDS notification-service-db' };

const allow = (RuleNumber: number, Egress: boolean, CidrBlock: string, ports?: [number, number]): NetworkAclEntryLike => ({
  RuleNumber,
  Egress,
  CidrBlock,
  RuleAction: 'allow',
  Protocol: ports ? '6' : '-1',
  ...(ports ? { PortRange: { From: ports[0], To: ports[1] } } : {}),
});
const deny = (RuleNumber: number, Egress: boolean, CidrBlock: string, ports?: [number, number]): NetworkAclEntryLike => ({
  ...allow(RuleNumber, Egress, CidrBlock, ports),
  RuleAction: 'deny',
});
const star = (Egress: boolean): NetworkAclEntryLike => ({ RuleNumber: 32767, Egress, CidrBlock: '0.0.0.0/0', RuleAction: 'deny', Protocol: '-1' });

/** The VPC's default ACL as EC2 creates it: rule 100 allows everything each way, "*" denies the rest. */
const DEFAULT_ACL: NetworkAclLike = {
  NetworkAclId: 'acl-default',
  IsDefault: true,
  VpcId: 'vpc-1',
  Entries: [allow(100, true, '0.0.0.0/0'), star(true), allow(100, false, '0.0.0.0/0'), star(false)],
  Associations: [],
};

function dataAcl(entries: NetworkAclEntryLike[]): NetworkAclLike {
  return { NetworkAclId: 'acl-data', IsDefault: false, VpcId: 'vpc-1', Entries: [...entries, star(true), star(false)], Associations: [{ SubnetId: 'subnet-0c' }] };
}

describe('evaluateNetworkAclPath: paths that get through', () => {
  it.each<[string, NetworkAclLike[], SubnetEnd[]]>([
    ['the default ACL on every subnet', [DEFAULT_ACL], [DATA_C]],
    [
      'a data-tier ACL allowing 5432 in from the VPC and the ephemeral ports back out',
      [DEFAULT_ACL, dataAcl([allow(100, false, '10.0.0.0/16', [5432, 5432]), allow(100, true, '10.0.0.0/16', [1024, 65535])])],
      [DATA_C],
    ],
    [
      'one rule per Lambda subnet, written with protocol "tcp"',
      [
        DEFAULT_ACL,
        dataAcl([
          { ...allow(100, false, '10.0.1.0/24', [5432, 5432]), Protocol: 'tcp' },
          { ...allow(110, false, '10.0.2.0/24', [5432, 5432]), Protocol: 'tcp' },
          allow(120, true, '10.0.0.0/16', [1024, 65535]),
        ]),
      ],
      [DATA_C],
    ],
    [
      'a deny numbered after the allow that already matched (first match wins)',
      [DEFAULT_ACL, dataAcl([allow(100, false, '10.0.0.0/16', [5432, 5432]), deny(200, false, '10.0.0.0/8'), allow(100, true, '10.0.0.0/16', [1024, 65535])])],
      [DATA_C],
    ],
    ['the same subnet on both ends: no ACL is crossed', [{ ...DEFAULT_ACL, Entries: [star(true), star(false)] }], [DB_A]],
  ])('%s', (_name, acls, destinations) => {
    const result = evaluateNetworkAclPath({ sources: destinations[0] === DB_A ? [LAMBDA_A] : [LAMBDA_A, LAMBDA_B], destinations, port: 5432, acls, vpcId: 'vpc-1' });
    expect(result.findings).toEqual([]);
    expect(result.allowed).toBe(true);
    expect(result.fixes).toEqual([]);
  });

  it('checks four crossings per subnet pair and skips the same-subnet pairs', () => {
    const result = evaluateNetworkAclPath({ sources: [LAMBDA_A, LAMBDA_B], destinations: [DB_A, DB_B], port: 5432, acls: [DEFAULT_ACL], vpcId: 'vpc-1' });
    // a->b and b->a cross ACLs; a->a and b->b do not.
    expect(result.verdicts).toHaveLength(8);
    expect(result.verdicts.map((v) => `${v.crossing.subnet.subnetId} ${v.crossing.direction} ${v.crossing.purpose}`)).toEqual([
      'subnet-0a egress request',
      'subnet-0b ingress request',
      'subnet-0b egress return',
      'subnet-0a ingress return',
      'subnet-0b egress request',
      'subnet-0a ingress request',
      'subnet-0a egress return',
      'subnet-0b ingress return',
    ]);
    expect(result.verdicts.every((v) => v.via.includes('rule 100 allow all traffic to 0.0.0.0/0') || v.via.includes('rule 100 allow all traffic from 0.0.0.0/0'))).toBe(true);
  });
});

describe('evaluateNetworkAclPath: what blocks, and the exact fix', () => {
  it.each<[string, NetworkAclEntryLike[], string, Record<string, unknown> | undefined]>([
    [
      'a data ACL that lets 5432 in but forgot the replies (no egress to the ephemeral ports)',
      [allow(100, false, '10.0.0.0/16', [5432, 5432])],
      'acl-data of subnet-0c (RDS notification-service-db) denies egress of the replies on tcp 1024-65535 to Lambda notification-service-consumer (10.0.1.0/24): rule * deny all traffic to 0.0.0.0/0: network ACLs are stateless, the return traffic needs its own rule',
      { NetworkAclId: 'acl-data', RuleNumber: 10, Protocol: '6', RuleAction: 'allow', Egress: true, CidrBlock: '10.0.1.0/24', PortRange: { From: 1024, To: 65535 } },
    ],
    [
      'replies allowed only to 32768-65535 (the Linux range), Lambda uses 1024-65535',
      [allow(100, false, '10.0.0.0/16', [5432, 5432]), allow(100, true, '10.0.0.0/16', [32768, 65535])],
      'acl-data of subnet-0c (RDS notification-service-db) denies egress of the replies on tcp 1024-65535 to Lambda notification-service-consumer (10.0.1.0/24): rule * deny all traffic to 0.0.0.0/0: network ACLs are stateless, the return traffic needs its own rule',
      { NetworkAclId: 'acl-data', RuleNumber: 110, Protocol: '6', RuleAction: 'allow', Egress: true, CidrBlock: '10.0.1.0/24', PortRange: { From: 1024, To: 65535 } },
    ],
    [
      'an explicit deny of the Lambda subnet numbered before the allow',
      [deny(50, false, '10.0.1.0/24'), allow(100, false, '10.0.0.0/16', [5432, 5432]), allow(100, true, '10.0.0.0/16', [1024, 65535])],
      'acl-data of subnet-0c (RDS notification-service-db) denies ingress on tcp 5432 from Lambda notification-service-consumer (10.0.1.0/24): rule 50 deny all traffic from 10.0.1.0/24',
      { NetworkAclId: 'acl-data', RuleNumber: 40, Protocol: '6', RuleAction: 'allow', Egress: false, CidrBlock: '10.0.1.0/24', PortRange: { From: 5432, To: 5432 } },
    ],
    [
      'a deny of one /25 inside an allowed /16: part of the subnet is cut off',
      [deny(90, false, '10.0.1.128/25', [5432, 5432]), allow(100, false, '10.0.0.0/16', [5432, 5432]), allow(100, true, '10.0.0.0/16', [1024, 65535])],
      'acl-data of subnet-0c (RDS notification-service-db) denies ingress on tcp 5432 from Lambda notification-service-consumer (10.0.1.0/24): rule 90 deny tcp 5432 from 10.0.1.128/25',
      { NetworkAclId: 'acl-data', RuleNumber: 80, Protocol: '6', RuleAction: 'allow', Egress: false, CidrBlock: '10.0.1.0/24', PortRange: { From: 5432, To: 5432 } },
    ],
    [
      'a deny of one reply port (2049) numbered before the allow of all of them: the ranges are judged piece by piece',
      [allow(100, false, '10.0.0.0/16', [5432, 5432]), deny(90, true, '10.0.0.0/16', [2049, 2049]), allow(100, true, '10.0.0.0/16', [1024, 65535])],
      'acl-data of subnet-0c (RDS notification-service-db) denies egress of the replies on tcp 1024-65535 to Lambda notification-service-consumer (10.0.1.0/24): rule 90 deny tcp 2049 to 10.0.0.0/16: network ACLs are stateless, the return traffic needs its own rule',
      { NetworkAclId: 'acl-data', RuleNumber: 80, Protocol: '6', RuleAction: 'allow', Egress: true, CidrBlock: '10.0.1.0/24', PortRange: { From: 1024, To: 65535 } },
    ],
    [
      'the port typo: 5433 allowed instead of 5432',
      [allow(100, false, '10.0.0.0/16', [5433, 5433]), allow(100, true, '10.0.0.0/16', [1024, 65535])],
      'acl-data of subnet-0c (RDS notification-service-db) denies ingress on tcp 5432 from Lambda notification-service-consumer (10.0.1.0/24): rule * deny all traffic from 0.0.0.0/0',
      { NetworkAclId: 'acl-data', RuleNumber: 110, Protocol: '6', RuleAction: 'allow', Egress: false, CidrBlock: '10.0.1.0/24', PortRange: { From: 5432, To: 5432 } },
    ],
  ])('%s', (_name, entries, finding, fix) => {
    const result = evaluateNetworkAclPath({ sources: [LAMBDA_A], destinations: [DATA_C], port: 5432, acls: [DEFAULT_ACL, dataAcl(entries)], vpcId: 'vpc-1' });
    expect(result.allowed).toBe(false);
    expect(result.findings).toEqual([finding]);
    expect(result.fixes.map((f) => f.input)).toEqual(fix ? [fix] : []);
  });

  it('a fix is really enough: the rule it proposes, added to the ACL, lets the path through', () => {
    const acls = [DEFAULT_ACL, dataAcl([allow(100, false, '10.0.0.0/16', [5432, 5432])])];
    const before = evaluateNetworkAclPath({ sources: [LAMBDA_A, LAMBDA_B], destinations: [DATA_C], port: 5432, acls, vpcId: 'vpc-1' });
    expect(before.fixes.map((f) => f.input.RuleNumber)).toEqual([10, 20]);
    const fixed = acls.map((acl) =>
      acl.NetworkAclId === 'acl-data'
        ? {
            ...acl,
            Entries: [
              ...(acl.Entries ?? []),
              ...before.fixes.map((f) => ({ ...f.input, PortRange: { From: f.input.PortRange.From, To: f.input.PortRange.To } })),
            ],
          }
        : acl,
    );
    const after = evaluateNetworkAclPath({ sources: [LAMBDA_A, LAMBDA_B], destinations: [DATA_C], port: 5432, acls: fixed, vpcId: 'vpc-1' });
    expect(after.findings).toEqual([]);
    expect(after.allowed).toBe(true);
  });

  it('the function side: its own subnet ACL drops the replies coming back from the database', () => {
    const lambdaAcl: NetworkAclLike = {
      NetworkAclId: 'acl-app',
      VpcId: 'vpc-1',
      Entries: [allow(100, true, '0.0.0.0/0'), allow(100, false, '10.0.0.0/16', [443, 443]), star(true), star(false)],
      Associations: [{ SubnetId: 'subnet-0a' }],
    };
    const result = evaluateNetworkAclPath({ sources: [LAMBDA_A], destinations: [DATA_C], port: 5432, acls: [DEFAULT_ACL, lambdaAcl], vpcId: 'vpc-1' });
    expect(result.findings).toEqual([
      'acl-app of subnet-0a (Lambda notification-service-consumer) denies ingress of the replies on tcp 1024-65535 from RDS notification-service-db (10.0.5.0/24): rule * deny all traffic from 0.0.0.0/0: network ACLs are stateless, the return traffic needs its own rule',
    ]);
    expect(result.fixes[0]?.input).toEqual({ NetworkAclId: 'acl-app', RuleNumber: 110, Protocol: '6', RuleAction: 'allow', Egress: false, CidrBlock: '10.0.5.0/24', PortRange: { From: 1024, To: 65535 } });
  });

  it('says the default deny is implicit when the ACL lists no "*" entry', () => {
    const verdict = evaluateAclCrossing({
      acl: { NetworkAclId: 'acl-x', Entries: [allow(100, false, '10.0.0.0/16', [443, 443])] },
      subnet: DATA_C,
      direction: 'ingress',
      peer: LAMBDA_A,
      ports: { from: 5432, to: 5432 },
      purpose: 'request',
    });
    expect(verdict.deniedBy).toEqual(['rule * deny all traffic (nothing else matched)']);
    expect(verdict.fix?.input.RuleNumber).toBe(110);
  });

  it('names no fix when no rule number is free below the deny', () => {
    const verdict = evaluateAclCrossing({
      acl: { NetworkAclId: 'acl-x', Entries: [deny(1, false, '0.0.0.0/0')] },
      subnet: DATA_C,
      direction: 'ingress',
      peer: LAMBDA_A,
      ports: { from: 5432, to: 5432 },
      purpose: 'request',
    });
    expect(verdict.allowed).toBe(false);
    expect(verdict.fix).toBeUndefined();
    expect(verdict.noFix).toBe('no free rule number below 1: renumber the rules');
  });
});

describe('networkAclOf', () => {
  it.each<[string, string, string | undefined]>([
    ['a subnet with an explicit association', 'subnet-0c', 'acl-data'],
    ['any other subnet uses the default ACL', 'subnet-0a', 'acl-default'],
  ])('%s', (_name, subnet, expected) => {
    expect(networkAclOf(subnet, [DEFAULT_ACL, dataAcl([])], 'vpc-1')?.NetworkAclId).toBe(expected);
  });
});

// Decision 112: connection-timeout-plan.ts takes each path's crossings from aclPathCrossings and judges them once, and
// evaluateCrossings parses each ACL's rules once per call. The verdicts must be those of judging every crossing alone.
describe('aclPathCrossings and the rules parsed once per call (decision 112)', () => {
  const blocking = dataAcl([deny(50, false, '10.0.1.0/24'), allow(100, false, '10.0.0.0/16', [5432, 5432]), deny(90, true, '10.0.2.128/25', [1024, 65535]), allow(100, true, '10.0.0.0/16', [1024, 65535])]);
  const input = { sources: [LAMBDA_A, LAMBDA_B], destinations: [DATA_C, DB_B], port: 5432, acls: [DEFAULT_ACL, blocking], vpcId: 'vpc-1' };

  it('are exactly the crossings, in order, and the notes that evaluateNetworkAclPath judges', () => {
    const { crossings, notes } = aclPathCrossings(input);
    const judged = evaluateNetworkAclPath(input);
    // 2 sources x 2 destinations, less the same-subnet pair (subnet-0b), four crossings each.
    expect(crossings).toHaveLength(12);
    expect(crossings).toEqual(judged.verdicts.map((v) => v.crossing));
    expect(notes).toEqual([]);
    // Without the default ACL three subnets have none: a note per subnet end met (repeats included), which
    // evaluateNetworkAclPath and connection-timeout-plan.ts both say once each, in the order first met.
    const missing = { ...input, acls: [blocking] };
    expect(aclPathCrossings(missing).notes).toEqual([
      'subnet-0a (Lambda notification-service-consumer): no network ACL found for it: not judged',
      'subnet-0a (Lambda notification-service-consumer): no network ACL found for it: not judged',
      'subnet-0b (RDS notification-service-db): no network ACL found for it: not judged',
      'subnet-0b (Lambda notification-service-consumer): no network ACL found for it: not judged',
    ]);
    expect(evaluateNetworkAclPath(missing).notes).toEqual([...new Set(aclPathCrossings(missing).notes)]);
    expect(evaluateNetworkAclPath(missing).notes).toHaveLength(3);
  });

  it('judged together, each crossing of a shared ACL gets the verdict it gets alone (rules, denials, findings)', () => {
    const together = evaluateCrossings(aclPathCrossings(input).crossings);
    const blockedCrossings = together.verdicts.filter((v) => !v.allowed);
    // The case covers both: crossings of the blocking ACL that pass and that do not, in both directions.
    expect(blockedCrossings.map((v) => `${v.crossing.subnet.subnetId} ${v.crossing.direction}`)).toEqual(['subnet-0c ingress', 'subnet-0c egress']);
    expect(together.verdicts.filter((v) => v.crossing.acl === blocking && v.allowed).length).toBe(2);
    for (const verdict of together.verdicts) {
      const alone = evaluateAclCrossing(verdict.crossing);
      expect({ allowed: verdict.allowed, via: verdict.via, deniedBy: verdict.deniedBy, finding: verdict.finding }).toEqual({
        allowed: alone.allowed,
        via: alone.via,
        deniedBy: alone.deniedBy,
        finding: alone.finding,
      });
    }
  });
});
