// Preflight's NAT zone check (review 23b R23b-3) against mocked EC2 answers, judged by the diagnosis's own route proof:
// one NAT gateway per zone (or a regional one) passes; two zones leaving through one zonal NAT is a WARN naming both
// zones and the fix; a way out that is not proven is a WARN too; a refused read is a FAIL naming the EC2 actions.
import {
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  EC2Client,
  type NatGateway,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import { GetFunctionConcurrencyCommand, GetFunctionConfigurationCommand, LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { checkNatZones, type FunctionVpc } from '../../../../cli/preflight/network-checks';
import { checkResources } from '../../../../cli/preflight/resource-checks';
import type { CheckResult } from '../../../../cli/preflight/types';
import { awsError, clients, expectationsFor, TARGET } from './support';

const ec2 = mockClient(EC2Client);
const lambda = mockClient(LambdaClient);

const CONSUMER = 'notification-service-consumer';
const VPC = 'vpc-0a1b2c3d';
const IGW = 'igw-0a1b2c3d';
const FN: FunctionVpc = { functionName: CONSUMER, vpcId: VPC, subnetIds: ['subnet-priv-a', 'subnet-priv-b'] };
const SUBNETS = [
  { SubnetId: 'subnet-priv-a', AvailabilityZone: 'us-east-1a', VpcId: VPC },
  { SubnetId: 'subnet-priv-b', AvailabilityZone: 'us-east-1b', VpcId: VPC },
  { SubnetId: 'subnet-pub-a', AvailabilityZone: 'us-east-1a', VpcId: VPC },
  { SubnetId: 'subnet-pub-b', AvailabilityZone: 'us-east-1b', VpcId: VPC },
];
const rtb = (id: string, subnets: string[], target: { NatGatewayId: string } | { GatewayId: string } | undefined): RouteTable => ({
  RouteTableId: id,
  VpcId: VPC,
  Routes: [{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' }, ...(target ? [{ DestinationCidrBlock: '0.0.0.0/0', State: 'active' as const, ...target }] : [])],
  Associations: subnets.map((SubnetId) => ({ SubnetId, RouteTableAssociationId: `rtbassoc-${SubnetId}`, AssociationState: { State: 'associated' as const } })),
});
const PUBLIC = rtb('rtb-public', ['subnet-pub-a', 'subnet-pub-b'], { GatewayId: IGW });
const NAT_A: NatGateway = { NatGatewayId: 'nat-a', State: 'available', SubnetId: 'subnet-pub-a', VpcId: VPC };
const NAT_B: NatGateway = { NatGatewayId: 'nat-b', State: 'available', SubnetId: 'subnet-pub-b', VpcId: VPC };

function network(routeTables: RouteTable[], natGateways: NatGateway[]): void {
  ec2.reset();
  ec2.on(DescribeSubnetsCommand).resolves({ Subnets: SUBNETS });
  ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: routeTables });
  ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: natGateways });
  ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [{ InternetGatewayId: IGW, Attachments: [{ VpcId: VPC, State: 'attached' }] }] });
}

const line = (r: CheckResult): string => `${r.status} ${r.check} ${r.subject}: ${r.message}${r.fix ? ` | fix: ${r.fix}` : ''}`;

describe('checkNatZones', () => {
  it.each<[string, RouteTable[], NatGateway[]]>([
    ['the seed: one NAT gateway per zone, each private subnet routed to its own', [PUBLIC, rtb('rtb-priv-a', ['subnet-priv-a'], { NatGatewayId: 'nat-a' }), rtb('rtb-priv-b', ['subnet-priv-b'], { NatGatewayId: 'nat-b' })], [NAT_A, NAT_B]],
    [
      'one regional NAT gateway for every zone (no public subnet)',
      [{ ...rtb('rtb-nat-r', [], { GatewayId: IGW }) }, rtb('rtb-priv', ['subnet-priv-a', 'subnet-priv-b'], { NatGatewayId: 'nat-r' })],
      [{ NatGatewayId: 'nat-r', State: 'available', VpcId: VPC, AvailabilityMode: 'regional', RouteTableId: 'rtb-nat-r' }],
    ],
  ])('passes %s, naming the zones and no per-account id', async (_name, tables, nats) => {
    network(tables, nats);
    expect((await checkNatZones(ec2 as unknown as EC2Client, [FN])).map(line)).toEqual([
      `PASS nat-zone ${CONSUMER}: ${CONSUMER}'s subnets in us-east-1a, us-east-1b leave for the internet through a NAT gateway of their own zone or a regional one`,
    ]);
  });

  it('warns (not fails) when two zones leave through one zonal NAT gateway, naming both zones, AWS\'s advice and the exact calls', async () => {
    // The review's scratch case: one table for both private subnets, to nat-a in us-east-1a; us-east-1b has no NAT.
    network([PUBLIC, rtb('rtb-priv', ['subnet-priv-a', 'subnet-priv-b'], { NatGatewayId: 'nat-a' })], [NAT_A]);
    const results = await checkNatZones(ec2 as unknown as EC2Client, [FN]);
    expect(results.map(line)).toEqual([
      `WARN nat-zone ${CONSUMER}: ${CONSUMER}: subnet-priv-b (us-east-1b) leaves through NAT gateway nat-a in us-east-1a: a us-east-1a outage cuts its internet access too (AWS, "NAT gateway basics": one NAT gateway per Availability Zone, each zone's subnets routed to their own)` +
        ' | fix: create one in subnet-pub-b, then give subnet-priv-b a route table of its own through it (rtb-priv serves us-east-1a too) (EC2: ' +
        'CreateNatGateway {"SubnetId":"subnet-pub-b","AllocationId":"<AllocationId returned by AllocateAddress {\\"Domain\\":\\"vpc\\"}>","ConnectivityType":"public"}; ' +
        `CreateRouteTable {"VpcId":"${VPC}"}; ` +
        'CreateRoute {"RouteTableId":"<RouteTableId returned by CreateRouteTable for us-east-1b>","DestinationCidrBlock":"0.0.0.0/0","NatGatewayId":"<NatGatewayId returned by CreateNatGateway>"}; ' +
        'ReplaceRouteTableAssociation {"AssociationId":"rtbassoc-subnet-priv-b","RouteTableId":"<RouteTableId returned by CreateRouteTable for us-east-1b>"})',
    ]);
  });

  it('warns that the zones are not judged when the way out itself is not proven (a NAT gateway with no subnet named)', async () => {
    network([PUBLIC, rtb('rtb-priv', ['subnet-priv-a', 'subnet-priv-b'], { NatGatewayId: 'nat-x' })], [{ NatGatewayId: 'nat-x', State: 'available', VpcId: VPC }]);
    const [result, ...rest] = await checkNatZones(ec2 as unknown as EC2Client, [FN]);
    expect(rest).toEqual([]);
    expect(result?.status).toBe('WARN');
    expect(result?.message).toBe(
      `${CONSUMER}'s way to the internet is not proven, so neither are its NAT gateways' zones: NAT gateway nat-x: DescribeNatGateways names no subnet for it (nor an AvailabilityMode): cannot judge its way to the internet`,
    );
  });

  it('reads a VPC once for every function in it (4 calls, not 8)', async () => {
    network([PUBLIC, rtb('rtb-priv-a', ['subnet-priv-a'], { NatGatewayId: 'nat-a' }), rtb('rtb-priv-b', ['subnet-priv-b'], { NatGatewayId: 'nat-b' })], [NAT_A, NAT_B]);
    const results = await checkNatZones(ec2 as unknown as EC2Client, [FN, { ...FN, functionName: 'notification-service-other', subnetIds: ['subnet-priv-a'] }]);
    expect(results.map((r) => `${r.status} ${r.subject}`)).toEqual([`PASS ${CONSUMER}`, 'PASS notification-service-other']);
    expect(ec2.calls()).toHaveLength(4);
  });
});

describe('checkResources runs it for a consumer attached to a VPC', () => {
  const deployConsumer = (vpc: boolean): void => {
    lambda.reset();
    lambda.on(GetFunctionConfigurationCommand).resolves({ FunctionName: CONSUMER, MemorySize: 512, Timeout: 30, ...(vpc ? { VpcConfig: { VpcId: VPC, SubnetIds: FN.subnetIds, SecurityGroupIds: ['sg-1'] } } : {}) });
    lambda.on(GetFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 100 });
    lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [] });
  };
  const natZone = async (): Promise<CheckResult[]> => (await checkResources(clients(), expectationsFor('production'), TARGET)).results.filter((r) => r.check === 'nat-zone' || /NAT gateway zones/.test(r.subject));

  it('after the other resources, and not at all for a function outside any VPC', async () => {
    network([PUBLIC, rtb('rtb-priv', ['subnet-priv-a', 'subnet-priv-b'], { NatGatewayId: 'nat-a' })], [NAT_A]);
    deployConsumer(true);
    expect((await natZone()).map((r) => `${r.status} ${r.subject}`)).toEqual([`WARN ${CONSUMER}`]);
    deployConsumer(false);
    ec2.resetHistory();
    expect(await natZone()).toEqual([]);
    expect(ec2.calls()).toHaveLength(0);
  });

  it('is a FAIL naming the EC2 reads when AWS refuses one, and the other resources are still checked', async () => {
    network([], []);
    ec2.on(DescribeRouteTablesCommand).rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    deployConsumer(true);
    const { results } = await checkResources(clients(), expectationsFor('production'), TARGET);
    expect(results.filter((r) => /NAT gateway zones/.test(r.subject)).map(line)).toEqual([
      `FAIL could-not-check NAT gateway zones of ${CONSUMER}: could not check NAT gateway zones of ${CONSUMER}: UnauthorizedOperation: preflight is not allowed ec2:DescribeSubnets, ec2:DescribeRouteTables, ec2:DescribeNatGateways, ec2:DescribeInternetGateways` +
        ' | fix: grant the credentials preflight runs with ec2:DescribeSubnets, ec2:DescribeRouteTables, ec2:DescribeNatGateways, ec2:DescribeInternetGateways (read-only); an explicit deny comes from an SCP or permission boundary',
    ]);
    expect(results.some((r) => r.check === 'function' && r.status === 'PASS')).toBe(true);
  });
});
