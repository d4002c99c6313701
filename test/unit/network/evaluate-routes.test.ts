// Table-driven tests of the route evaluator: the function subnets' way to the internet and to the VPC endpoints.
import {
  endpointPolicyLimits,
  evaluateRoutes,
  routeTableOf,
  type NatGatewayLike,
  type RouteInput,
  type RouteTableLike,
  type VpcEndpointLike,
} from '../../../shared/network/evaluate-routes';

const VPC = 'vpc-1';
const IGW = 'igw-1';
const SUBNETS = [
  { subnetId: 'subnet-priv-a', availabilityZone: 'us-east-1a' },
  { subnetId: 'subnet-priv-b', availabilityZone: 'us-east-1b' },
  { subnetId: 'subnet-pub-a', availabilityZone: 'us-east-1a' },
  { subnetId: 'subnet-pub-b', availabilityZone: 'us-east-1b' },
];

const table = (id: string, subnets: string[], routes: RouteTableLike['Routes'], main = false): RouteTableLike => ({
  RouteTableId: id,
  VpcId: VPC,
  Routes: [{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' }, ...(routes ?? [])],
  Associations: [...(main ? [{ Main: true }] : []), ...subnets.map((SubnetId) => ({ SubnetId, AssociationState: { State: 'associated' } }))],
});

/** The seed topology: one NAT per zone in the public subnets, each private subnet routed through its zone's NAT. */
function seed(overrides: { tables?: RouteTableLike[]; nats?: NatGatewayLike[]; endpoints?: VpcEndpointLike[]; igwAttached?: boolean } = {}): RouteInput {
  return {
    vpcId: VPC,
    functionSubnets: SUBNETS.slice(0, 2),
    vpcSubnets: SUBNETS,
    routeTables: overrides.tables ?? [
      table('rtb-main', [], [], true),
      table('rtb-public', ['subnet-pub-a', 'subnet-pub-b'], [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: IGW, State: 'active' }]),
      table('rtb-priv-a', ['subnet-priv-a'], [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-a', State: 'active' }]),
      table('rtb-priv-b', ['subnet-priv-b'], [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-b', State: 'active' }]),
    ],
    natGateways: overrides.nats ?? [
      { NatGatewayId: 'nat-a', State: 'available', SubnetId: 'subnet-pub-a', VpcId: VPC },
      { NatGatewayId: 'nat-b', State: 'available', SubnetId: 'subnet-pub-b', VpcId: VPC },
    ],
    internetGateways: [{ InternetGatewayId: IGW, Attachments: overrides.igwAttached === false ? [] : [{ VpcId: VPC, State: 'available' }] }],
    endpoints: overrides.endpoints ?? [
      { VpcEndpointId: 'vpce-ddb', ServiceName: 'com.amazonaws.us-east-1.dynamodb', VpcEndpointType: 'Gateway', State: 'available', RouteTableIds: ['rtb-priv-a', 'rtb-priv-b'] },
      { VpcEndpointId: 'vpce-sqs', ServiceName: 'com.amazonaws.us-east-1.sqs', VpcEndpointType: 'Interface', State: 'available', PrivateDnsEnabled: true },
    ],
    label: 'Lambda notification-service-consumer',
  };
}

describe('evaluateRoutes: the seed topology', () => {
  it('follows each private subnet through its NAT to the internet gateway and finds nothing wrong', () => {
    const result = evaluateRoutes(seed());
    expect(result.findings).toEqual([]);
    expect(result.internetReachable).toBe(true);
    expect(result.ok).toEqual([
      'subnet-priv-a: 0.0.0.0/0 -> nat-a (available, in subnet-pub-a) -> igw-1 (attached)',
      'subnet-priv-b: 0.0.0.0/0 -> nat-b (available, in subnet-pub-b) -> igw-1 (attached)',
      'rtb-priv-a: dynamodb through gateway endpoint vpce-ddb',
      'rtb-priv-b: dynamodb through gateway endpoint vpce-ddb',
    ]);
  });
});

describe('evaluateRoutes: broken ways out, each with its fix', () => {
  const deadNatA = (state: string): NatGatewayLike[] => [
    { NatGatewayId: 'nat-a', State: state, SubnetId: 'subnet-pub-a', VpcId: VPC, ...(state === 'failed' ? { FailureMessage: 'Elastic IP address eipalloc-1 is already associated' } : {}) },
    { NatGatewayId: 'nat-b', State: 'available', SubnetId: 'subnet-pub-b', VpcId: VPC },
  ];
  it.each<[string, RouteInput, string, Array<{ api: string; input: Record<string, unknown> }>]>([
    [
      "the zone's NAT gateway was deleted: the route is a blackhole, the other zone's NAT takes over",
      seed({ nats: deadNatA('deleted') }),
      'route 0.0.0.0/0 -> nat-a in rtb-priv-a (associated with subnet-priv-a) is a blackhole: NAT gateway nat-a is deleted; internet-bound calls from subnet-priv-a (Lambda notification-service-consumer) time out — route through nat-b (available, in another zone',
      [{ api: 'ReplaceRoute', input: { RouteTableId: 'rtb-priv-a', DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-b' } }],
    ],
    [
      'the NAT gateway failed to create (its Elastic IP was taken)',
      seed({ nats: deadNatA('failed') }),
      'NAT gateway nat-a is failed (Elastic IP address eipalloc-1 is already associated)',
      [{ api: 'ReplaceRoute', input: { RouteTableId: 'rtb-priv-a', DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-b' } }],
    ],
    [
      'EC2 reports the route as blackhole and the NAT is gone from the account: a new NAT in the public subnet of the zone',
      seed({
        nats: [],
        tables: [
          table('rtb-public', ['subnet-pub-a', 'subnet-pub-b'], [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: IGW, State: 'active' }]),
          table('rtb-priv-a', ['subnet-priv-a', 'subnet-priv-b'], [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-a', State: 'blackhole' }], true),
        ],
      }),
      // One finding for the table both subnets use, naming both (review 23b R23b-2 (c)).
      'route 0.0.0.0/0 -> nat-a in rtb-priv-a (associated with subnet-priv-a, subnet-priv-b) is a blackhole: NAT gateway nat-a is not found; internet-bound calls from subnet-priv-a, subnet-priv-b (Lambda notification-service-consumer) time out',
      [
        { api: 'CreateNatGateway', input: { SubnetId: 'subnet-pub-a', AllocationId: '<AllocationId returned by AllocateAddress {"Domain":"vpc"}>', ConnectivityType: 'public' } },
        { api: 'ReplaceRoute', input: { RouteTableId: 'rtb-priv-a', DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: '<NatGatewayId returned by CreateNatGateway>' } },
      ],
    ],
    [
      'a private subnet with no association falls back to a main table that has no default route',
      seed({
        tables: [
          table('rtb-main', [], [], true),
          table('rtb-public', ['subnet-pub-a', 'subnet-pub-b'], [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: IGW, State: 'active' }]),
          table('rtb-priv-b', ['subnet-priv-b'], [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-b', State: 'active' }]),
        ],
      }),
      "rtb-main (the VPC's main route table, used by subnet-priv-a) has no route for 0.0.0.0/0: internet-bound calls from subnet-priv-a (Lambda notification-service-consumer) have no way out — route through nat-a (available, same zone)",
      [{ api: 'CreateRoute', input: { RouteTableId: 'rtb-main', DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-a' } }],
    ],
    [
      'a private subnet routed straight to the internet gateway (Lambda gets no public IP)',
      seed({
        tables: [
          table('rtb-public', ['subnet-pub-a', 'subnet-pub-b', 'subnet-priv-a'], [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: IGW, State: 'active' }]),
          table('rtb-priv-b', ['subnet-priv-b'], [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-b', State: 'active' }]),
        ],
      }),
      "rtb-public (associated with subnet-priv-a) sends 0.0.0.0/0 straight to igw-1: Lambda notification-service-consumer's network interfaces get no public address",
      [{ api: 'ReplaceRoute', input: { RouteTableId: 'rtb-public', DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-a' } }],
    ],
    [
      "the NAT's own subnet lost its route to the internet gateway",
      seed({
        tables: [
          table('rtb-public', ['subnet-pub-a', 'subnet-pub-b'], []),
          table('rtb-priv-a', ['subnet-priv-a'], [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-a', State: 'active' }]),
          table('rtb-priv-b', ['subnet-priv-b'], [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-b', State: 'active' }]),
        ],
      }),
      'NAT gateway nat-a sits in subnet-pub-a, whose rtb-public (associated with subnet-pub-a) has no route for 0.0.0.0/0, not an internet gateway attached to vpc-1',
      [{ api: 'CreateRoute', input: { RouteTableId: 'rtb-public', DestinationCidrBlock: '0.0.0.0/0', GatewayId: IGW } }],
    ],
    [
      'the internet gateway was detached from the VPC',
      seed({ igwAttached: false }),
      'no internet gateway is attached to vpc-1: attach one and route to it',
      [
        { api: 'AttachInternetGateway', input: { InternetGatewayId: IGW, VpcId: VPC } },
        { api: 'ReplaceRoute', input: { RouteTableId: 'rtb-public', DestinationCidrBlock: '0.0.0.0/0', GatewayId: IGW } },
      ],
    ],
  ])('%s', (_name, input, finding, fixes) => {
    // Endpoints are judged in their own table below: here only the way out.
    const result = evaluateRoutes({ ...input, endpoints: [] });
    expect(result.internetReachable).toBe(false);
    expect(result.findings.join('\n')).toContain(finding);
    // Each is a broken way out, said once (per route table, per NAT gateway): blocking, nothing left unjudged.
    expect(result.blocking).toEqual(result.findings);
    expect(new Set(result.findings).size).toBe(result.findings.length);
    expect(result.unjudged).toEqual([]);
    expect(result.fixes.map(({ api, input: i }) => ({ api, input: i }))).toEqual(fixes);
  });
});

describe('evaluateRoutes: what it cannot judge is no all-clear, said once per route table (review 23b R23b-2)', () => {
  it.each<[string, RouteInput, string]>([
    [
      'no route table at all, not even a main one: one unjudged entry naming both subnets',
      seed({ tables: [] }),
      "subnet-priv-a, subnet-priv-b (Lambda notification-service-consumer): no route table found, not even the VPC's main one: cannot judge their routes",
    ],
    [
      'a NAT gateway answered with no subnet and no AvailabilityMode (the review\'s repro): once, not once per subnet',
      seed({
        tables: [
          table('rtb-public', ['subnet-pub-a', 'subnet-pub-b'], [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: IGW, State: 'active' }]),
          table('rtb-priv', ['subnet-priv-a', 'subnet-priv-b'], [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-r', State: 'active' }], true),
        ],
        nats: [{ NatGatewayId: 'nat-r', State: 'available', VpcId: VPC }],
      }),
      'NAT gateway nat-r: DescribeNatGateways names no subnet for it (nor an AvailabilityMode): cannot judge its way to the internet',
    ],
    [
      "a regional NAT gateway whose route table is not among the VPC's route tables read",
      seed({
        tables: [table('rtb-priv', ['subnet-priv-a', 'subnet-priv-b'], [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-r', State: 'active' }], true)],
        nats: [{ NatGatewayId: 'nat-r', State: 'available', VpcId: VPC, AvailabilityMode: 'regional', RouteTableId: 'rtb-nat-r' }],
      }),
      "regional NAT gateway nat-r: its route table rtb-nat-r is not among vpc-1's route tables read: cannot judge its way to the internet",
    ],
  ])('%s', (_name, input, unjudged) => {
    const result = evaluateRoutes({ ...input, endpoints: [] });
    expect(result.unjudged).toEqual([unjudged]);
    expect(result.internetReachable).toBe(false);
    // Not a judged finding and not a route that works: nothing to fix, nothing proven.
    expect(result.findings).toEqual([]);
    expect(result.ok).toEqual([]);
    expect(result.fixes).toEqual([]);
  });
});

describe('evaluateRoutes: regional NAT gateways (VPC User Guide, "Regional NAT gateways for automatic multi-AZ expansion")', () => {
  /** No public subnet: one regional NAT for every zone, its own route table (AWS creates it) sending 0.0.0.0/0 to the IGW. */
  const regional = (overrides: { nat?: Partial<NatGatewayLike>; natRoutes?: RouteTableLike['Routes']; igwAttached?: boolean } = {}): RouteInput =>
    seed({
      tables: [
        { RouteTableId: 'rtb-nat-r', VpcId: VPC, Routes: overrides.natRoutes ?? [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: IGW, State: 'active' }], Associations: [] },
        table('rtb-priv', ['subnet-priv-a', 'subnet-priv-b'], [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-r', State: 'active' }], true),
      ],
      nats: [{ NatGatewayId: 'nat-r', State: 'available', VpcId: VPC, AvailabilityMode: 'regional', RouteTableId: 'rtb-nat-r', ...overrides.nat }],
      ...(overrides.igwAttached === false ? { igwAttached: false } : {}),
    });

  it('proves the way out through an available regional NAT gateway: no finding, no zone warning', () => {
    const result = evaluateRoutes({ ...regional(), endpoints: [] });
    expect(result).toEqual({
      internetReachable: true,
      ok: ['subnet-priv-a, subnet-priv-b: 0.0.0.0/0 -> nat-r (available, regional (multi-AZ), route table rtb-nat-r) -> igw-1 (attached)'],
      findings: [],
      blocking: [],
      crossZone: [],
      unjudged: [],
      fixes: [],
    });
  });

  it.each<[string, RouteInput, string, Array<{ api: string; input: Record<string, unknown> }>]>([
    [
      'a failed regional NAT gateway, no public subnet anywhere: a new regional one (it needs none)',
      regional({ nat: { State: 'failed', FailureMessage: 'Network vpc-1 has no Internet gateway attached' } }),
      "route 0.0.0.0/0 -> nat-r in rtb-priv (associated with subnet-priv-a, subnet-priv-b) is a blackhole: regional NAT gateway nat-r is failed (Network vpc-1 has no Internet gateway attached); internet-bound calls from subnet-priv-a, subnet-priv-b (Lambda notification-service-consumer) time out — no NAT gateway is available: create a regional one (no public subnet needed) and route through it",
      [
        { api: 'CreateNatGateway', input: { AvailabilityMode: 'regional', VpcId: VPC, ConnectivityType: 'public' } },
        { api: 'ReplaceRoute', input: { RouteTableId: 'rtb-priv', DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: '<NatGatewayId returned by CreateNatGateway>' } },
      ],
    ],
    [
      "the regional NAT's own route table lost its route to the internet gateway",
      regional({ natRoutes: [] }),
      'NAT gateway nat-r (regional), whose route table rtb-nat-r has no route for 0.0.0.0/0, not an internet gateway attached to vpc-1: internet-bound calls from subnet-priv-a, subnet-priv-b (Lambda notification-service-consumer) stop at the NAT — route it to igw-1',
      [{ api: 'CreateRoute', input: { RouteTableId: 'rtb-nat-r', DestinationCidrBlock: '0.0.0.0/0', GatewayId: IGW } }],
    ],
    [
      'the internet gateway was detached from the VPC',
      regional({ igwAttached: false }),
      'no internet gateway is attached to vpc-1: attach one and route to it',
      [
        { api: 'AttachInternetGateway', input: { InternetGatewayId: IGW, VpcId: VPC } },
        { api: 'ReplaceRoute', input: { RouteTableId: 'rtb-nat-r', DestinationCidrBlock: '0.0.0.0/0', GatewayId: IGW } },
      ],
    ],
  ])('%s', (_name, input, finding, fixes) => {
    const result = evaluateRoutes({ ...input, endpoints: [] });
    expect(result.internetReachable).toBe(false);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toContain(finding);
    expect(result.blocking).toEqual(result.findings);
    expect(result.fixes.map(({ api, input: i }) => ({ api, input: i }))).toEqual(fixes);
  });

  it("prefers an available regional NAT gateway over another zone's when a zone's NAT is gone", () => {
    const input = seed({
      nats: [
        { NatGatewayId: 'nat-a', State: 'deleted', SubnetId: 'subnet-pub-a', VpcId: VPC },
        { NatGatewayId: 'nat-b', State: 'available', SubnetId: 'subnet-pub-b', VpcId: VPC },
        { NatGatewayId: 'nat-r', State: 'available', VpcId: VPC, AvailabilityMode: 'regional', RouteTableId: 'rtb-nat-r' },
      ],
    });
    const result = evaluateRoutes({ ...input, endpoints: [] });
    expect(result.findings[0]).toContain('— route through nat-r (available, regional: it serves every zone)');
    expect(result.fixes.map((f) => f.input)).toEqual([{ RouteTableId: 'rtb-priv-a', DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-r' }]);
  });
});

describe("evaluateRoutes: subnets leaving through another zone's NAT gateway (review 23b R23b-3)", () => {
  it('names the subnet, both zones and AWS\'s advice when two zones share one zonal NAT, with a table of its own as the fix', () => {
    // The review's scratch case: one route table for both private subnets, to nat-a in us-east-1a; nat-b stands in us-east-1b.
    const input = seed({
      tables: [
        table('rtb-public', ['subnet-pub-a', 'subnet-pub-b'], [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: IGW, State: 'active' }]),
        {
          ...table('rtb-priv', ['subnet-priv-a', 'subnet-priv-b'], [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-a', State: 'active' }], true),
          Associations: [
            { Main: true },
            { SubnetId: 'subnet-priv-a', RouteTableAssociationId: 'rtbassoc-a', AssociationState: { State: 'associated' } },
            { SubnetId: 'subnet-priv-b', RouteTableAssociationId: 'rtbassoc-b', AssociationState: { State: 'associated' } },
          ],
        },
      ],
    });
    const result = evaluateRoutes({ ...input, endpoints: [] });
    // The path works: reachable, nothing blocking, nothing unjudged.
    expect(result.internetReachable).toBe(true);
    expect(result.blocking).toEqual([]);
    expect(result.unjudged).toEqual([]);
    expect(result.ok).toEqual(['subnet-priv-a, subnet-priv-b: 0.0.0.0/0 -> nat-a (available, in subnet-pub-a) -> igw-1 (attached)']);
    expect(result.crossZone).toEqual([
      'subnet-priv-b (us-east-1b) leaves through NAT gateway nat-a in us-east-1a: a us-east-1a outage cuts its internet access too (AWS, "NAT gateway basics": one NAT gateway per Availability Zone, each zone\'s subnets routed to their own) — nat-b is available in us-east-1b: give subnet-priv-b a route table of its own through nat-b (rtb-priv serves us-east-1a too)',
    ]);
    expect(result.findings).toEqual(result.crossZone);
    const newTable = '<RouteTableId returned by CreateRouteTable for us-east-1b>';
    expect(result.fixes.map(({ api, input: i }) => ({ api, input: i }))).toEqual([
      { api: 'CreateRouteTable', input: { VpcId: VPC } },
      { api: 'CreateRoute', input: { RouteTableId: newTable, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-b' } },
      { api: 'ReplaceRouteTableAssociation', input: { AssociationId: 'rtbassoc-b', RouteTableId: newTable } },
    ]);
  });

  it("creates the zone's NAT in its public subnet when the zone has none, and reroutes the subnet's own table", () => {
    const input = seed({
      tables: [
        table('rtb-public', ['subnet-pub-a', 'subnet-pub-b'], [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: IGW, State: 'active' }]),
        table('rtb-priv-a', ['subnet-priv-a'], [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-a', State: 'active' }]),
        table('rtb-priv-b', ['subnet-priv-b'], [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-a', State: 'active' }]),
      ],
      nats: [{ NatGatewayId: 'nat-a', State: 'available', SubnetId: 'subnet-pub-a', VpcId: VPC }],
    });
    const result = evaluateRoutes({ ...input, endpoints: [] });
    expect(result.internetReachable).toBe(true);
    expect(result.crossZone).toEqual([
      'subnet-priv-b (us-east-1b) leaves through NAT gateway nat-a in us-east-1a: a us-east-1a outage cuts its internet access too (AWS, "NAT gateway basics": one NAT gateway per Availability Zone, each zone\'s subnets routed to their own) — create one in subnet-pub-b, then route rtb-priv-b through it',
    ]);
    expect(result.fixes.map(({ api, input: i }) => ({ api, input: i }))).toEqual([
      { api: 'CreateNatGateway', input: { SubnetId: 'subnet-pub-b', AllocationId: '<AllocationId returned by AllocateAddress {"Domain":"vpc"}>', ConnectivityType: 'public' } },
      { api: 'ReplaceRoute', input: { RouteTableId: 'rtb-priv-b', DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: '<NatGatewayId returned by CreateNatGateway>' } },
    ]);
  });

  it('says nothing of zones when each subnet leaves through its own zone\'s NAT (the seed)', () => {
    expect(evaluateRoutes(seed()).crossZone).toEqual([]);
  });
});

describe('evaluateRoutes: VPC endpoints', () => {
  it.each<[string, VpcEndpointLike, string, Record<string, unknown> | undefined]>([
    [
      "a gateway endpoint not attached to one subnet's route table",
      { VpcEndpointId: 'vpce-ddb', ServiceName: 'com.amazonaws.us-east-1.dynamodb', VpcEndpointType: 'Gateway', State: 'available', RouteTableIds: ['rtb-priv-a'] },
      "rtb-priv-b (used by subnet-priv-b) has no route to gateway endpoint vpce-ddb (com.amazonaws.us-east-1.dynamodb): Lambda notification-service-consumer's dynamodb calls leave through the NAT gateway instead",
      { VpcEndpointId: 'vpce-ddb', AddRouteTableIds: ['rtb-priv-b'] },
    ],
    [
      'an interface endpoint with private DNS off',
      { VpcEndpointId: 'vpce-sqs', ServiceName: 'com.amazonaws.us-east-1.sqs', VpcEndpointType: 'Interface', State: 'available', PrivateDnsEnabled: false },
      "interface endpoint vpce-sqs (com.amazonaws.us-east-1.sqs) has private DNS disabled: sqs's public name resolves to public addresses",
      { VpcEndpointId: 'vpce-sqs', PrivateDnsEnabled: true },
    ],
    [
      'an interface endpoint whose policy allows only SendMessage',
      {
        VpcEndpointId: 'vpce-sqs',
        ServiceName: 'com.amazonaws.us-east-1.sqs',
        VpcEndpointType: 'Interface',
        State: 'available',
        PrivateDnsEnabled: true,
        PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage', Resource: '*' }] }),
      },
      'interface endpoint vpce-sqs (com.amazonaws.us-east-1.sqs): its policy allows only sqs:SendMessage (or with conditions): calls outside it are refused through the endpoint (a person decides whether to widen it: ModifyVpcEndpoint {"VpcEndpointId":"vpce-sqs","ResetPolicy":true})',
      undefined,
    ],
    [
      'an interface endpoint that is pending acceptance',
      { VpcEndpointId: 'vpce-x', ServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-1', VpcEndpointType: 'Interface', State: 'pendingAcceptance', PrivateDnsEnabled: true },
      'interface endpoint vpce-x (com.amazonaws.vpce.us-east-1.vpce-svc-1) is pendingAcceptance: it carries no traffic',
      undefined,
    ],
  ])('%s', (_name, endpoint, finding, fix) => {
    const result = evaluateRoutes(seed({ endpoints: [endpoint] }));
    expect(result.internetReachable).toBe(true);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toContain(finding);
    expect(result.fixes.map((f) => f.input)).toEqual(fix ? [fix] : []);
  });

  it.each<[string, string | undefined, string | undefined]>([
    ['no policy document (the default full access)', undefined, undefined],
    ['the default full-access policy', JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }), undefined],
    [
      'full access with a deny of DeleteQueue',
      JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: '*', Resource: '*' }, { Effect: 'Deny', Principal: '*', Action: ['sqs:DeleteQueue'], Resource: '*' }] }),
      'its policy allows only * and denies sqs:DeleteQueue: calls outside it are refused through the endpoint',
    ],
    ['a document that is not JSON', '{"Statement":', 'its policy document is not valid JSON'],
  ])('endpointPolicyLimits: %s', (_name, document, expected) => {
    expect(endpointPolicyLimits(document)).toBe(expected);
  });
});

describe('routeTableOf', () => {
  it.each<[string, string, { id: string; explicit: boolean } | undefined]>([
    ['an explicitly associated subnet', 'subnet-priv-a', { id: 'rtb-priv-a', explicit: true }],
    ['a subnet with no association uses the main table', 'subnet-other', { id: 'rtb-main', explicit: false }],
  ])('%s', (_name, subnet, expected) => {
    const found = routeTableOf(subnet, VPC, seed().routeTables);
    expect(found ? { id: found.table.RouteTableId, explicit: found.explicit } : undefined).toEqual(expected);
  });
});
