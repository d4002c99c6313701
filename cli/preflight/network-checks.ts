// Preflight: each watched consumer's subnets leave for the internet through a NAT gateway of their own zone, or a
// regional one, so that a zone outage is found before an incident rather than during one (review 23b R23b-3). The same
// pure route proof the Connection Timeout diagnosis runs (shared/network/evaluate-routes.ts); four read-only EC2 calls.
import { DescribeInternetGatewaysCommand, DescribeNatGatewaysCommand, DescribeRouteTablesCommand, DescribeSubnetsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { evaluateRoutes, type RouteResult } from '../../shared/network/evaluate-routes';
import { everyNextTokenPage } from '../../shared/aws/every-page';
import { pass, warn, type CheckResult } from './types';

/** A watched function attached to a VPC, as GetFunctionConfiguration answers (VpcConfig). */
export interface FunctionVpc {
  functionName: string;
  vpcId: string;
  subnetIds: string[];
}

/** The read-only actions the check calls: named in its FAIL when AWS refuses one without naming it. */
export const NETWORK_ACTIONS = ['ec2:DescribeSubnets', 'ec2:DescribeRouteTables', 'ec2:DescribeNatGateways', 'ec2:DescribeInternetGateways'] as const;

const CHECK = 'nat-zone';

/**
 * Pure: one WARN per subnet group leaving through another zone's NAT gateway (AWS, VPC User Guide, "NAT gateway basics":
 * one NAT gateway per zone, each zone's subnets routed to their own), with its fix and exact calls. Not a FAIL: the path
 * works today. A way out that is broken or cannot be judged is a WARN too (the zones are then not judged), naming why.
 */
export function judgeNatZones(fn: FunctionVpc, routes: RouteResult, zones: readonly string[]): CheckResult[] {
  if (routes.crossZone.length > 0) {
    return routes.crossZone.map((finding) => {
      const [message = finding, fix = ''] = finding.split(' — ');
      const calls = routes.fixes.filter((f) => f.why === message).map((f) => `${f.api} ${JSON.stringify(f.input)}`);
      return warn('resources', CHECK, fn.functionName, `${fn.functionName}: ${message}`, `${fix}${calls.length > 0 ? ` (EC2: ${calls.join('; ')})` : ''}`);
    });
  }
  const [notProven] = [...routes.blocking, ...routes.unjudged];
  if (notProven !== undefined) {
    const [message = notProven, fix] = notProven.split(' — ');
    return [
      warn(
        'resources',
        CHECK,
        fn.functionName,
        `${fn.functionName}'s way to the internet is not proven, so neither are its NAT gateways' zones: ${message}`,
        fix ?? `read ${fn.vpcId}'s route tables and NAT gateways (the Connection Timeout diagnosis, inspect-security-groups, names the same)`,
      ),
    ];
  }
  // Zones, not ids: the line reads the same in every account (the README's transcript is a real run's).
  const where = zones.length > 0 ? `in ${zones.join(', ')}` : '(zones unknown)';
  return [pass('resources', CHECK, fn.functionName, `${fn.functionName}'s subnets ${where} leave for the internet through a NAT gateway of their own zone or a regional one`)];
}

/**
 * Each function's VPC read once (subnets, route tables, NAT and internet gateways, every page), then judged. The SDK's
 * own errors reach guardedCheck as they are, so a refusal is a FAIL naming the permission.
 */
export async function checkNatZones(ec2: Pick<EC2Client, 'send'>, functions: readonly FunctionVpc[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const read = new Map<string, Promise<Omit<Parameters<typeof evaluateRoutes>[0], 'functionSubnets' | 'label'>>>();
  const next = (token: string | undefined) => (token ? { NextToken: token } : {});
  for (const fn of functions) {
    const inVpc = [{ Name: 'vpc-id', Values: [fn.vpcId] }];
    if (!read.has(fn.vpcId)) {
      read.set(
        fn.vpcId,
        Promise.all([
          everyNextTokenPage('EC2 DescribeSubnets', (t) => ec2.send(new DescribeSubnetsCommand({ Filters: inVpc, ...next(t) })), (p) => p.Subnets),
          everyNextTokenPage('EC2 DescribeRouteTables', (t) => ec2.send(new DescribeRouteTablesCommand({ Filters: inVpc, ...next(t) })), (p) => p.RouteTables),
          everyNextTokenPage('EC2 DescribeNatGateways', (t) => ec2.send(new DescribeNatGatewaysCommand({ Filter: inVpc, ...next(t) })), (p) => p.NatGateways),
          everyNextTokenPage('EC2 DescribeInternetGateways', (t) => ec2.send(new DescribeInternetGatewaysCommand({ ...next(t) })), (p) => p.InternetGateways),
        ]).then(([subnets, routeTables, natGateways, internetGateways]) => ({
          vpcId: fn.vpcId,
          vpcSubnets: subnets.map((s) => ({ subnetId: s.SubnetId ?? '', ...(s.AvailabilityZone ? { availabilityZone: s.AvailabilityZone } : {}) })),
          routeTables,
          natGateways,
          internetGateways,
          // Endpoints are the diagnosis's, not this check's.
          endpoints: [],
        })),
      );
    }
    const vpc = await read.get(fn.vpcId);
    if (!vpc) continue;
    const zoneOf = new Map(vpc.vpcSubnets.map((s) => [s.subnetId, s.availabilityZone]));
    const routes = evaluateRoutes({
      ...vpc,
      functionSubnets: fn.subnetIds.map((id) => ({ subnetId: id, ...(zoneOf.get(id) ? { availabilityZone: zoneOf.get(id) } : {}) })),
      label: `Lambda ${fn.functionName}`,
    });
    const zones = [...new Set(fn.subnetIds.map((id) => zoneOf.get(id)).filter((z): z is string => z !== undefined))].sort();
    results.push(...judgeNatZones(fn, routes, zones));
  }
  return results;
}
