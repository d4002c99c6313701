// Pure diagnosis for Connection Timeout (504) -> inspect security groups: every path from the function to what it uses.
import {
  evaluateReachability,
  type ReachabilityResult,
  type SecurityGroupFix,
  type SecurityGroupLike,
} from '../network/evaluate-reachability';
import type { ManualRunbook, Plan } from '../pipeline/types';

export interface DependencyEndpoint {
  kind: 'rds' | 'cache' | 'vpc-endpoint';
  /** "RDS notification-service-db", "ElastiCache notification-service-cache", "VPC endpoint com.amazonaws.us-east-1.sqs". */
  label: string;
  port: number;
  groupIds: string[];
  /** Its subnets' CIDRs; empty when unknown. */
  cidrs: string[];
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
 * ingress rule by group reference (SecurityGroupId, SourceSecurityGroupId, Port) after aws:approve. Approvers are the
 * operator's to give. Other fixes (egress, CIDR rules, revokes) are carried in the findings as exact EC2 calls.
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
    return {
      kind: 'escalate',
      cause: 'diagnosis',
      reason: `Lambda ${fn} is not attached to a VPC: security groups play no part, and it cannot reach the private database, cache or interface endpoints`,
      findings: observation.notes,
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
  findings.push(...observation.notes);
  if (paths.length > 0) findings.push('replies need no rule in either group: security groups are stateful');

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

  let reason: string;
  if (blocked.length > 0) {
    const [first] = blocked;
    const why = first?.result.findings[0] ?? 'blocked';
    reason =
      `Lambda ${fn} cannot reach ${blocked.map((p) => `${p.dependency.label} on tcp ${p.dependency.port}`).join(', ')}: ${why}` +
      (runbook ? ` — fix behind approval: ${runbook.documentName} (${applicable?.fix.api} on ${applicable?.fix.input.GroupId})` : noRunbook);
  } else if (ipv6Blocked.length > 0) {
    reason = `Lambda ${fn} reaches every dependency over IPv4, but IPv6 is blocked to ${ipv6Blocked.map((p) => p.dependency.label).join(', ')}`;
  } else if (broad.length > 0) {
    reason = `security groups allow every path from Lambda ${fn} (${checked}), but ${broad.map((p) => p.dependency.label).join(', ')} is open too widely: ${broad[0]?.result.findings.find((f) => f.includes(' open on ')) ?? ''}`;
  } else {
    reason = `security groups allow every path from Lambda ${fn} (${checked}): the 504 is not a security-group problem; check DB connections and the function's timeout`;
  }
  return { kind: 'escalate', cause: 'diagnosis', reason, findings, ...(runbook ? { runbook } : {}) };
}
