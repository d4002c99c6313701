// Pure diagnosis for Connection Timeout (504) -> inspect security groups: every path from the function to what it uses.
import {
  evaluateReachability,
  type ReachabilityResult,
  type SecurityGroupFix,
  type SecurityGroupLike,
} from '../network/evaluate-reachability';
import { evaluateDependencyStates, evaluateIntegrationTimeout, type DependencyState } from '../network/evaluate-dependency-state';
import { aclPathCrossings, evaluateCrossings, EPHEMERAL_PORTS, networkAclOf, type AclCrossing, type SubnetEnd } from '../network/evaluate-network-acls';
import { evaluateRoutes, routeTableOf, type InternetGatewayLike, type NatGatewayLike, type RouteTableLike, type VpcEndpointLike } from '../network/evaluate-routes';
import type { NetworkAclLike } from '../network/evaluate-network-acls';
import type { ManualRunbook, Plan } from '../pipeline/types';
import { apiAccessLogFormat } from '../config/alarm-specs';

export interface VpcSubnetInfo {
  subnetId: string;
  availabilityZone?: string;
  /** IPv4 CIDR, and associated IPv6 CIDRs. */
  cidrs: string[];
}

/** Everything the ACL and route proofs need about one VPC, as EC2's Describe* calls return it. */
export interface VpcNetwork {
  subnets: VpcSubnetInfo[];
  acls: NetworkAclLike[];
  routeTables: RouteTableLike[];
  natGateways: NatGatewayLike[];
  internetGateways: InternetGatewayLike[];
  endpoints: Array<VpcEndpointLike & { Groups?: Array<{ GroupId?: string }>; SubnetIds?: string[]; IpAddressType?: string }>;
}

export interface DependencyEndpoint {
  kind: 'rds' | 'cache' | 'vpc-endpoint';
  /** "RDS notification-service-db", "ElastiCache notification-service-cache", "VPC endpoint com.amazonaws.us-east-1.sqs". */
  label: string;
  port: number;
  groupIds: string[];
  /** Its subnets' CIDRs; empty when unknown. */
  cidrs: string[];
  /** Its subnets, where known (RDS DB subnet group, endpoint subnets): the network ACLs it sits behind. */
  subnetIds?: string[];
}

/** What the function's timeout is raced against: the API's integration timeout. */
export interface IntegrationTimeoutObservation {
  functionTimeoutSeconds: number;
  /** The integration's timeoutInMillis when read from API Gateway; undefined: the default (29 s; 30 s for an HTTP API). */
  integrationTimeoutMs?: number;
  /** "API notification-service-api". */
  apiLabel: string;
  /** The API is configured as an HTTP API (API Gateway v2): its default integration timeout is 30 s. */
  httpApi?: true;
}

/** One integration of the API that invokes the function. */
export interface ApiIntegrationTimeout {
  /** "POST /notifications" */
  method: string;
  /** timeoutInMillis, or API Gateway's default when the integration sets none (29000; 30000 for an HTTP API). */
  timeoutMs: number;
  /** The integration sets timeoutInMillis itself. */
  explicit: boolean;
}

/** A stage's access log, and whether the 504 metric filter reads it. */
export interface ApiStageLog {
  stageName: string;
  destinationArn?: string;
  /** Its destination is the filter's log group and its format carries a numeric "status". */
  readByMetricFilter: boolean;
  expectedLogGroup: string;
}

/**
 * The API as API Gateway has it: a REST API (GetRestApi(s), GetStage(s), GetResources with its methods) or an HTTP API
 * (GetApi(s), GetStage(s), GetIntegrations and GetRoutes).
 */
export interface ApiObservation {
  name: string;
  /** An HTTP API (API Gateway v2); absent: a REST API. */
  http?: true;
  id?: string;
  /** A missing API or stage, an ambiguous name, a read that was denied: each said as a finding, nothing changed. */
  problems: string[];
  stages: ApiStageLog[];
  /** The integrations that invoke the function. */
  integrations: ApiIntegrationTimeout[];
}

export interface ConnectionTimeoutObservation {
  functionName: string;
  /** Undefined when the function is not attached to a VPC. */
  vpc?: {
    vpcId?: string;
    subnetIds: string[];
    securityGroupIds: string[];
    /** Its subnets' IPv4 CIDRs, and IPv6 ones when the function may use them (Ipv6AllowedForDualStack). */
    cidrs: string[];
  };
  dependencies: DependencyEndpoint[];
  securityGroups: SecurityGroupLike[];
  prefixLists: Record<string, string[]>;
  /** What could not be read, for the report (a cache group not found, a prefix list not readable). */
  notes: string[];
  /** What keeps the diagnosis from an all-clear: a dependency whose path (no port, not found) or status could not be read, each saying why. */
  unjudged?: string[];
  /** The VPC's network ACLs, route tables, NAT and internet gateways, endpoints and subnets (absent outside a VPC). */
  network?: VpcNetwork;
  /** The database's and the cache's status. */
  dependencyStates?: DependencyState[];
  /** Present when the alarm came from an API: the function's timeout against the integration's. */
  timeout?: IntegrationTimeoutObservation;
  /** Present when the alarm came from an API: that API, read from API Gateway. */
  api?: ApiObservation;
}

export interface PathVerdict {
  dependency: DependencyEndpoint;
  result: ReachabilityResult;
}

/** Every path from the function to each dependency, judged by the pure evaluator. */
export function evaluatePaths(observation: ConnectionTimeoutObservation): PathVerdict[] {
  const vpc = observation.vpc;
  if (!vpc) return [];
  const source = { label: `Lambda ${observation.functionName}`, groupIds: vpc.securityGroupIds, cidrs: vpc.cidrs };
  return observation.dependencies.map((dependency) => ({
    dependency,
    result: evaluateReachability({
      source,
      destination: { label: dependency.label, groupIds: dependency.groupIds, cidrs: dependency.cidrs, port: dependency.port },
      securityGroups: observation.securityGroups,
      prefixLists: observation.prefixLists,
    }),
  }));
}

/** RuleDescription's allowedPattern in the document: letters, digits, space and ._:/()#,@[]+=&;{}!$*- only, at most 255. */
function ruleDescription(text: string): string {
  return text.replace(/[^A-Za-z0-9 ._:/()#,@[\]+=&;{}!$*-]/g, ' ').slice(0, 255);
}

/**
 * The runbook run for a fix, when the document can apply it: NotificationService-TroubleshootConnectionTimeout adds one
 * ingress rule by group reference (SecurityGroupId, SourceSecurityGroupId, Port) after aws:approve. Approvers are fixed
 * in the deployed document; it adds only the rule its own re-inspection names. Other fixes (egress, CIDR rules, revokes)
 * are carried in the findings as exact EC2 calls.
 */
export function runbookFor(documentName: string, fix: SecurityGroupFix, apiName: string | undefined): ManualRunbook | undefined {
  if (fix.api !== 'AuthorizeSecurityGroupIngress') return undefined;
  const [permission] = fix.input.IpPermissions;
  const source = permission?.UserIdGroupPairs?.[0];
  if (!permission || !source?.GroupId || permission.FromPort === undefined || permission.FromPort !== permission.ToPort) return undefined;
  return {
    documentName,
    parameters: {
      ...(apiName ? { ApiName: [apiName] } : {}),
      SecurityGroupId: [fix.input.GroupId],
      SourceSecurityGroupId: [source.GroupId],
      Port: [String(permission.FromPort)],
      RuleDescription: [ruleDescription(`${documentName}: ${source.Description ?? 'allow the source group'}`)],
    },
  };
}

/** Internet-bound calls (the notification providers) are HTTPS. */
const INTERNET_PORT = 443;
const INTERNET: SubnetEnd = { subnetId: 'internet', cidrs: ['0.0.0.0/0'], label: 'the internet (notification providers)' };

export interface NetworkVerdict {
  /** Findings that stop a path (ACL denials, broken routes, unavailable dependencies), each naming its fix. */
  blocking: string[];
  /** Findings that do not stop the path but are worth a person's look (endpoint policies, timeouts, usable states). */
  other: string[];
  /** What was proven, for the report. */
  ok: string[];
  /** What could not be judged (a subnet with no route table, a NAT gateway whose way on cannot be read): no all-clear. */
  unjudged: string[];
  /** The exact EC2 / Lambda calls, as "fix: Api {...}". */
  fixes: string[];
}

/**
 * Network ACLs of every path (dependency subnets, and the internet path through each subnet's NAT gateway), the
 * function subnets' routes, the dependencies' states and the timeout race: what a person checks after security groups.
 */
export function evaluateNetwork(observation: ConnectionTimeoutObservation): NetworkVerdict {
  const verdict: NetworkVerdict = { blocking: [], other: [], ok: [], unjudged: [], fixes: [] };
  const { vpc, network } = observation;
  const fn = `Lambda ${observation.functionName}`;
  if (vpc && network && vpc.vpcId) {
    const vpcId = vpc.vpcId;
    const subnetById = new Map(network.subnets.map((s) => [s.subnetId, s]));
    const endOf = (subnetId: string, label: string): SubnetEnd => ({ subnetId, cidrs: subnetById.get(subnetId)?.cidrs ?? [], label });
    const sources = vpc.subnetIds.map((id) => endOf(id, fn));
    const crossings: AclCrossing[] = [];
    const notes: string[] = [];
    for (const dependency of observation.dependencies) {
      const destinations = (dependency.subnetIds ?? []).map((id) => endOf(id, dependency.label));
      if (destinations.length === 0) {
        notes.push(`${dependency.label}: its subnets are unknown: only the function side of its network ACLs is judged`);
        continue;
      }
      // The path's crossings, judged once below with the internet path's (not judged here first: the same verdicts twice).
      const path = aclPathCrossings({ sources, destinations, port: dependency.port, acls: network.acls, vpcId });
      crossings.push(...path.crossings);
      notes.push(...path.notes);
    }
    // The internet path: the function subnet's ACL toward any address, then the NAT subnet's ACL both ways.
    for (const source of sources) {
      const acl = networkAclOf(source.subnetId, network.acls, vpcId);
      if (!acl) continue;
      const service = { from: INTERNET_PORT, to: INTERNET_PORT };
      crossings.push(
        { acl, subnet: source, direction: 'egress', peer: INTERNET, ports: service, purpose: 'request' },
        { acl, subnet: source, direction: 'ingress', peer: INTERNET, ports: EPHEMERAL_PORTS, purpose: 'return' },
      );
      const table = routeTableOf(source.subnetId, vpcId, network.routeTables);
      const natId = table?.table.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0')?.NatGatewayId;
      const natSubnet = network.natGateways.find((n) => n.NatGatewayId === natId)?.SubnetId;
      const natAcl = natSubnet ? networkAclOf(natSubnet, network.acls, vpcId) : undefined;
      if (!natSubnet || !natAcl || natSubnet === source.subnetId) continue;
      const nat = endOf(natSubnet, `NAT gateway ${natId ?? '?'}`);
      crossings.push(
        { acl: natAcl, subnet: nat, direction: 'ingress', peer: source, ports: service, purpose: 'request' },
        { acl: natAcl, subnet: nat, direction: 'egress', peer: INTERNET, ports: service, purpose: 'request' },
        { acl: natAcl, subnet: nat, direction: 'ingress', peer: INTERNET, ports: EPHEMERAL_PORTS, purpose: 'return' },
        { acl: natAcl, subnet: nat, direction: 'egress', peer: source, ports: EPHEMERAL_PORTS, purpose: 'return' },
      );
    }
    const acls = evaluateCrossingsOnce(crossings);
    verdict.blocking.push(...acls.findings);
    verdict.fixes.push(...acls.fixes.map((f) => `fix: ${f.api} ${JSON.stringify(f.input)}`));
    if (acls.findings.length === 0 && crossings.length > 0) verdict.ok.push(`network ACLs allow every path both ways (${crossings.length} crossings, replies on tcp ${EPHEMERAL_PORTS.from}-${EPHEMERAL_PORTS.to} included)`);
    verdict.other.push(...[...new Set(notes)]);

    const routes = evaluateRoutes({
      vpcId,
      functionSubnets: vpc.subnetIds.map((id) => ({ subnetId: id, ...(subnetById.get(id)?.availabilityZone ? { availabilityZone: subnetById.get(id)?.availabilityZone } : {}) })),
      vpcSubnets: network.subnets.map((s) => ({ subnetId: s.subnetId, ...(s.availabilityZone ? { availabilityZone: s.availabilityZone } : {}) })),
      routeTables: network.routeTables,
      natGateways: network.natGateways,
      internetGateways: network.internetGateways,
      endpoints: network.endpoints,
      label: fn,
    });
    // A broken way out blocks the internet path; an endpoint finding is a detour or a policy, not a timeout by itself; a
    // route that could not be judged is neither, and keeps the diagnosis from an all-clear (review 23b R23b-2).
    for (const finding of routes.findings) (routes.blocking.includes(finding) ? verdict.blocking : verdict.other).push(finding);
    verdict.unjudged.push(...routes.unjudged);
    verdict.fixes.push(...routes.fixes.map((f) => `fix: ${f.api} ${JSON.stringify(f.input)}`));
    verdict.ok.push(...routes.ok.map((text) => `route ${text}`));
  }
  for (const state of evaluateDependencyStates(observation.dependencyStates ?? [])) {
    (state.blocking ? verdict.blocking : verdict.other).push(`${state.finding} — next: ${state.next}`);
  }
  if (observation.api) judgeApi(observation.api, observation.functionName, verdict);
  if (observation.timeout) {
    const race = evaluateIntegrationTimeout({ functionName: observation.functionName, ...raceAgainst(observation.timeout, observation.api) });
    if (race) {
      verdict.other.push(race.finding);
      verdict.fixes.push(`fix: ${race.fix.api} ${JSON.stringify(race.fix.input)}`);
    }
  }
  return verdict;
}

const apiLabelOf = (api: ApiObservation): string => `API ${api.name}${api.id ? ` (${api.id})` : ''}`;

/** The shortest integration timeout that invokes the function (the first to give up), as read from the API. */
function raceAgainst(timeout: IntegrationTimeoutObservation, api: ApiObservation | undefined): IntegrationTimeoutObservation {
  const shortest = api?.integrations.reduce<ApiIntegrationTimeout | undefined>((min, i) => (min === undefined || i.timeoutMs < min.timeoutMs ? i : min), undefined);
  if (!api || !shortest) return timeout;
  return {
    functionTimeoutSeconds: timeout.functionTimeoutSeconds,
    apiLabel: `${apiLabelOf(api)} ${shortest.method}`,
    ...(timeout.httpApi ? { httpApi: true as const } : {}),
    // An integration that sets no timeout waits API Gateway's default, said as such.
    ...(shortest.explicit ? { integrationTimeoutMs: shortest.timeoutMs } : {}),
  };
}

/** The API read from API Gateway: what is missing, the stages' access logs (the 504 metric's source), its integrations. */
/** The stage's access log pointed at the 504 metric filter's log group: a REST API's UpdateStage, or an HTTP API's. */
function accessLogFix(api: ApiObservation & { id: string }, stage: ApiStageLog): string {
  const destinationArn = `arn:<partition>:logs:<region>:<account>:log-group:${stage.expectedLogGroup}`;
  // An HTTP API's AccessLogSettings are given whole: the destination with the format the filter reads.
  const input = api.http
    ? { ApiId: api.id, StageName: stage.stageName, AccessLogSettings: { DestinationArn: destinationArn, Format: apiAccessLogFormat(api.name, 'http') } }
    : { restApiId: api.id, stageName: stage.stageName, patchOperations: [{ op: 'replace', path: '/accessLogSettings/destinationArn', value: destinationArn }] };
  return `fix: UpdateStage ${JSON.stringify(input)}`;
}

function judgeApi(api: ApiObservation, functionName: string, verdict: NetworkVerdict): void {
  const label = apiLabelOf(api);
  // A missing API or stage is not a network fault: a person's look, no change.
  verdict.other.push(...api.problems);
  if (!api.id) return;
  const read = { ...api, id: api.id };
  for (const stage of api.stages) {
    if (stage.readByMetricFilter) {
      verdict.ok.push(`${label} stage ${stage.stageName} logs every request to ${stage.expectedLogGroup} (JSON with status): the 504 metric filter counts its 504s`);
    } else {
      verdict.other.push(
        `${label} stage ${stage.stageName} ${stage.destinationArn ? `logs to ${stage.destinationArn}` : 'has no access log'}: the 504 metric filter reads ${stage.expectedLogGroup} (JSON with "status":$context.status), so 504s through this stage are not counted — ${accessLogFix(read, stage)}`,
      );
    }
  }
  if (api.problems.length === 0 && api.integrations.length === 0) {
    verdict.other.push(`no integration of ${label} invokes Lambda ${functionName}: dependencies.apis says it serves this API, API Gateway does not`);
  }
  for (const integration of api.integrations) {
    verdict.ok.push(`${label} ${integration.method} invokes Lambda ${functionName} with a ${integration.timeoutMs / 1000} s integration timeout${integration.explicit ? '' : ` (API Gateway's default${api.http ? ' for HTTP APIs' : ''})`}`);
  }
}

function evaluateCrossingsOnce(crossings: readonly AclCrossing[]): { findings: string[]; fixes: Array<{ api: string; input: unknown }> } {
  // Two paths can share a crossing (two dependencies in one subnet): judge each once.
  const unique = new Map<string, AclCrossing>();
  for (const c of crossings) {
    const key = `${c.acl.NetworkAclId ?? '?'}#${c.subnet.subnetId}#${c.direction}#${c.peer.subnetId}#${c.ports.from}-${c.ports.to}`;
    // The first path named keeps its label (the database before the endpoints).
    if (!unique.has(key)) unique.set(key, c);
  }
  const verdicts = [...unique.values()];
  return evaluateCrossings(verdicts);
}

function describeFix(fix: SecurityGroupFix): string {
  return `fix: ${fix.api} ${JSON.stringify(fix.input)}`;
}

export interface ConnectionTimeoutPlanInput {
  observation: ConnectionTimeoutObservation;
  /** The troubleshooting row's runbook (NotificationService-TroubleshootConnectionTimeout). */
  runbookName?: string;
  /** The API whose 504s led here (the alarm's ApiName), a parameter of the runbook. */
  apiName?: string;
}

/**
 * Always escalates (cause "diagnosis"): security-group changes widen network access, which is never automatic.
 * The findings name each missing or too-broad rule and its exact fix; the runbook applies the first fix behind approval.
 */
export function planConnectionTimeoutDiagnosis(input: ConnectionTimeoutPlanInput): Plan<never> {
  const { observation } = input;
  const fn = observation.functionName;
  if (!observation.vpc) {
    // No network to prove, but the API and the timeout race still say something.
    const rest = evaluateNetwork(observation);
    return {
      kind: 'escalate',
      cause: 'diagnosis',
      reason: `Lambda ${fn} is not attached to a VPC: security groups play no part, and it cannot reach the private database, cache or interface endpoints`,
      findings: [...observation.notes, ...rest.blocking, ...rest.other, ...rest.fixes, ...rest.ok],
    };
  }
  const paths = evaluatePaths(observation);
  const findings: string[] = [];
  const fixes: SecurityGroupFix[] = [];
  for (const { dependency, result } of paths) {
    const path = `${dependency.label} tcp ${dependency.port}`;
    if (result.findings.length === 0) {
      findings.push(`${path}: allowed (egress ${result.egress.via.join('; ')}; ingress ${result.ingress.via.join('; ')})`);
      continue;
    }
    for (const finding of result.findings) findings.push(`${path}: ${finding}`);
    for (const fix of result.fixes) {
      fixes.push(fix);
      findings.push(`${path}: ${describeFix(fix)}`);
    }
  }
  const network = evaluateNetwork(observation);
  // What the reads could not judge (a dependency's path or status) and what the route proof could not (review 23b R23b-2).
  const unjudged = [...(observation.unjudged ?? []), ...network.unjudged];
  findings.push(...unjudged, ...observation.notes);
  if (paths.length > 0) findings.push('replies need no rule in either group: security groups are stateful');
  findings.push(...network.blocking, ...network.other, ...network.fixes, ...network.ok);

  const blocked = paths.filter((p) => !p.result.reachable);
  const ipv6Blocked = paths.filter((p) => p.result.reachable && p.result.ipv6Reachable === false);
  const broad = paths.filter((p) => p.result.fixes.some((f) => f.api === 'RevokeSecurityGroupIngress'));
  const runbookName = input.runbookName;
  const applicable = runbookName ? fixes.map((fix) => ({ fix, runbook: runbookFor(runbookName, fix, input.apiName) })).find((f) => f.runbook) : undefined;
  const runbook = applicable?.runbook;
  const [firstFix] = fixes;
  const noRunbook =
    firstFix && !runbook ? ` — fix by hand (${runbookName ?? 'the runbook'} adds ingress rules by group reference only): ${firstFix.api} ${JSON.stringify(firstFix.input)}` : '';
  const checked = paths.map((p) => `${p.dependency.label}:${p.dependency.port}`).join(', ') || 'no dependency';
  const [firstNetwork] = network.blocking;
  const networkFix = network.fixes.length > 0 ? ` (${network.fixes.length} fix${network.fixes.length === 1 ? '' : 'es'} in the findings, for a person to run)` : '';

  let reason: string;
  if (blocked.length > 0) {
    const [first] = blocked;
    const why = first?.result.findings[0] ?? 'blocked';
    reason =
      `Lambda ${fn} cannot reach ${blocked.map((p) => `${p.dependency.label} on tcp ${p.dependency.port}`).join(', ')}: ${why}` +
      (runbook ? ` — fix behind approval: ${runbook.documentName} (${applicable?.fix.api} on ${applicable?.fix.input.GroupId})` : noRunbook);
  } else if (firstNetwork !== undefined) {
    reason = `security groups allow every path from Lambda ${fn} (${checked}), but ${firstNetwork}${networkFix}`;
  } else if (ipv6Blocked.length > 0) {
    reason = `Lambda ${fn} reaches every dependency over IPv4, but IPv6 is blocked to ${ipv6Blocked.map((p) => p.dependency.label).join(', ')}`;
  } else if (broad.length > 0) {
    reason = `security groups allow every path from Lambda ${fn} (${checked}), but ${broad.map((p) => p.dependency.label).join(', ')} is open too widely: ${broad[0]?.result.findings.find((f) => f.includes(' open on ')) ?? ''}`;
  } else if (unjudged.length > 0) {
    // Missing data is no all-clear: a path that could not be judged is said, not counted as allowed.
    reason = `security groups allow every path judged from Lambda ${fn} (${checked}), but ${unjudged.join('; ')}: not proven reachable`;
  } else {
    const race = network.other.find((f) => f.includes(' waits '));
    reason =
      `security groups, network ACLs and routes allow every path from Lambda ${fn} (${checked}) and every dependency is available: the 504 is not a network problem; ` +
      (race ? `${race} — check slow queries and DB connections` : "check DB connections and the function's duration");
  }
  return { kind: 'escalate', cause: 'diagnosis', reason, findings, ...(runbook ? { runbook } : {}) };
}
