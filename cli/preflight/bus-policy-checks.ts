// Preflight, cross-account mode: the operations account's bus admits the workload's forwarded alarm events, and refuses
// an account that is not configured.
//
// A rule in one account that targets a bus in another delivers only if the target bus's resource policy allows
// events:PutEvents from the sending account, or from the role the rule's target uses (EventBridge User Guide, "Sending
// and receiving events between AWS accounts"; PutPermission: "accounts ... must specify a RoleArn" when the grant is
// through an organization). Without it, every alarm of the workload is dropped silently: nothing in the workload fails.
// WorkloadStack's forwarding rule targets the bus with a role CDK creates (aws-events-targets EventBus: "a new role is
// created"), so the PutEvents comes from that role, read from the rule's target (`RoleArn`); a target without one is
// judged as the account.
//
// The policy is read with events:DescribeEventBus (`Policy`) and judged as decision 92 judges a trust: AWS's simulator
// takes a resource policy only with an IAM user as caller, so the statements whose Principal names the forwarding
// principal, its account or anyone (a NotPrincipal leaving it out), stripped of Principal, go to
// iam:SimulateCustomPolicy with the context EventBridge's PutEvents of a forwarded alarm carries: aws:PrincipalArn,
// aws:PrincipalAccount, aws:SourceAccount, aws:SourceArn (the forwarding rule: AWS's example policies restrict a bus to
// named rules with it), events:source and events:detail-type (the alarm event's own). AWS evaluates every condition and
// Deny; only the Principal match is preflight's. Then the same for an account that is not configured (a probe, as
// decision 94 probes each trust): a role there with the forwarding role's own path and name, and its root (decision
// 107); either admitted, the bus takes alarm events from anyone.
// aws:PrincipalOrgID: preflight does not know the workload's organization (that needs organizations:DescribeOrganization
// there, which the read-only preflight role does not have), so a policy that admits it only through its organization
// is a WARN naming the organization, never a PASS.
import { DescribeEventBusCommand } from '@aws-sdk/client-eventbridge';
import { SimulateCustomPolicyCommand, type ContextEntry } from '@aws-sdk/client-iam';
import { forwardedAlarmsSid, FORWARDED_ALARM_EVENT } from '../../infra/lib/iam/bus-policy';
import { FORWARD_ALARMS_RULE } from '../../infra/lib/iam/workload-roles';
import { readRule, type LiveRule } from './alarm-checks';
import { principalNames } from './cross-account-checks';
import { awsErrorName, fail, pass, warn, type CheckResult, type PreflightClients, type PreflightTarget } from './types';

/** The read-only calls this check makes: named in its could-not-check FAIL. */
export const BUS_POLICY_ACTIONS = ['events:DescribeEventBus', 'iam:SimulateCustomPolicy', 'events:DescribeRule', 'events:ListTargetsByRule'] as const;

/** Who puts a forwarded alarm event on the bus. */
export interface Forwarder {
  /** The role the rule's target uses, else the account's root ARN. */
  arn: string;
  account: string;
  /** The rule's target names a role (EventBridge assumes it for the PutEvents). */
  viaRole: boolean;
  /** The rule forwarding the events (aws:SourceArn of the PutEvents). */
  ruleArn: string;
}

type BusStatement = { Effect?: unknown; Principal?: unknown; NotPrincipal?: unknown; Resource?: unknown; NotResource?: unknown; Condition?: unknown; Sid?: unknown };

/** Pure: the forwarding rule's target on `busArn` decides who puts the events: its role, else the account. */
export function forwardingPrincipal(rule: LiveRule, busArn: string, account: string, target: { partition: string; region: string }): Forwarder {
  const ruleArn = `arn:${target.partition}:events:${target.region}:${account}:rule/${FORWARD_ALARMS_RULE}`;
  const role = rule?.targetRoles[busArn];
  return role ? { arn: role, account, viaRole: true, ruleArn } : { arn: `arn:${target.partition}:iam::${account}:root`, account, viaRole: false, ruleArn };
}

/** Pure: an account id that is neither of the deployment's (the probe's: nobody configured it). */
export function probeAccount(...configured: readonly string[]): string {
  return ['999999999999', '999999999998', '999999999997'].find((a) => !configured.includes(a)) ?? '999999999996';
}

/** The probe role's name when the forwarding rule's target names no role. */
const PROBE_ROLE_NAME = 'runbook-preflight-probe-forwarder';

/**
 * Pure: the principals of an account nobody configured that must be refused, forwarding through a rule of the same
 * name there: a role with the forwarding role's own path and name (a policy matching the role by name, e.g.
 * `ArnLike aws:PrincipalArn arn:aws:iam::*:role/NotificationRunbooksWorkload-*`, admits it in any account), and the
 * account's root (no role). Decision 107.
 */
export function probeForwarders(forwarder: Forwarder, partition: string, region: string, ...configured: readonly string[]): Forwarder[] {
  const account = probeAccount(...configured);
  const ruleArn = `arn:${partition}:events:${region}:${account}:rule/${FORWARD_ALARMS_RULE}`;
  const roleAt = forwarder.viaRole ? forwarder.arn.indexOf(':role/') : -1;
  const pathAndName = roleAt >= 0 ? forwarder.arn.slice(roleAt + ':role/'.length) : PROBE_ROLE_NAME;
  return [
    { arn: `arn:${partition}:iam::${account}:role/${pathAndName}`, account, viaRole: true, ruleArn },
    { arn: `arn:${partition}:iam::${account}:root`, account, viaRole: false, ruleArn },
  ];
}

/** Pure: a policy document as EventBridge or IAM returns it (JSON text, sometimes URL-encoded). */
function parsePolicy(text: string): BusStatement[] {
  const document = JSON.parse(text.trimStart().startsWith('{') ? text : decodeURIComponent(text)) as { Statement?: unknown };
  return (document.Statement === undefined ? [] : Array.isArray(document.Statement) ? document.Statement : [document.Statement]) as BusStatement[];
}

/**
 * Pure: the bus policy's statements that apply to `forwarder`, as identity-policy statements (Principal / a NotPrincipal
 * leaving it out removed; a statement without Resource gets the bus), for iam:SimulateCustomPolicy; the principals
 * the policy names (for the message when none applies); the organization ids its applying statements name under
 * aws:PrincipalOrgID.
 */
export function busStatementsFor(policy: string, busArn: string, forwarder: Forwarder, partition: string): { statements: Array<Record<string, unknown>>; named: string[]; organizations: string[] } {
  const all = parsePolicy(policy);
  const caller = { account: forwarder.account, arn: forwarder.arn, partition };
  const named = [...new Set(all.map((s) => JSON.stringify(s.Principal ?? s.NotPrincipal ?? null)))];
  const applying = all.filter((s) => (s.NotPrincipal !== undefined ? !principalNames(s.NotPrincipal, caller) : principalNames(s.Principal, caller)));
  const statements = applying.map(({ Principal: _p, NotPrincipal: _n, ...rest }) => (rest.Resource === undefined && rest.NotResource === undefined ? { ...rest, Resource: busArn } : { ...rest }));
  const organizations = applying.flatMap((s) =>
    Object.values((s.Condition ?? {}) as Record<string, Record<string, unknown>>).flatMap((keys) =>
      Object.entries(keys ?? {}).flatMap(([key, value]) => (key.toLowerCase() === 'aws:principalorgid' ? ([] as unknown[]).concat(value).map(String) : [])),
    ),
  );
  return { statements, named, organizations: [...new Set(organizations)] };
}

/** Pure: the context EventBridge's PutEvents of a forwarded alarm state change carries. */
export function forwardedEventContext(forwarder: Forwarder): ContextEntry[] {
  const s = (name: string, value: string, type: 'string' | 'stringList' = 'string'): ContextEntry => ({ ContextKeyName: name, ContextKeyType: type, ContextKeyValues: [value] });
  return [
    ...(forwarder.viaRole ? [s('aws:PrincipalArn', forwarder.arn)] : []),
    s('aws:PrincipalAccount', forwarder.account),
    s('aws:SourceAccount', forwarder.account),
    s('aws:SourceArn', forwarder.ruleArn),
    // Multivalued (ArrayOfString, Service Authorization Reference: one value per entry); a forwarded event is one entry.
    s('events:source', FORWARDED_ALARM_EVENT.source, 'stringList'),
    s('events:detail-type', FORWARDED_ALARM_EVENT.detailType, 'stringList'),
  ];
}

/** iam:SimulateCustomPolicy of events:PutEvents on the bus: AWS's decision and the context keys it lacked. */
async function simulatePut(operations: PreflightClients, statements: Array<Record<string, unknown>>, busArn: string, forwarder: Forwarder): Promise<{ decision: string; missing: string[] }> {
  const out = await operations.iam.send(
    new SimulateCustomPolicyCommand({
      PolicyInputList: [JSON.stringify({ Version: '2012-10-17', Statement: statements })],
      ActionNames: ['events:PutEvents'],
      ResourceArns: [busArn],
      ContextEntries: forwardedEventContext(forwarder),
    }),
  );
  const results = out.EvaluationResults ?? [];
  if (results.length !== 1) throw new Error(`iam:SimulateCustomPolicy judged ${results.length} requests for one (events:PutEvents on ${busArn})`);
  return { decision: results[0]?.EvalDecision ?? '?', missing: results[0]?.MissingContextValues ?? [] };
}

/** allowed, refused (the decision and the keys lacking), or admitted only through the organization. */
async function judge(operations: PreflightClients, policy: string, busArn: string, forwarder: Forwarder, partition: string): Promise<{ verdict: 'allowed' | 'refused' | 'organization'; why: string; named: string[]; organizations: string[] }> {
  const { statements, named, organizations } = busStatementsFor(policy, busArn, forwarder, partition);
  // Only a Deny (infra's decision-source Deny names anyone) cannot admit: no Allow names it.
  if (!statements.some((st) => st.Effect === 'Allow')) return { verdict: 'refused', why: 'no statement names it', named, organizations };
  const { decision, missing } = await simulatePut(operations, statements, busArn, forwarder);
  if (decision === 'allowed') return { verdict: 'allowed', why: decision, named, organizations };
  const orgOnly = decision === 'implicitDeny' && missing.length > 0 && missing.every((k) => k.toLowerCase() === 'aws:principalorgid');
  return { verdict: orgOnly ? 'organization' : 'refused', why: `${decision}${missing.length > 0 ? `, missing ${missing.join(', ')}` : ''}`, named, organizations };
}

/**
 * The operations bus's policy admits events:PutEvents of the workload's forwarded alarm state changes from the principal
 * the forwarding rule uses, and refuses the same from an account not configured. One line, `bus-policy`.
 * `rules`: the rules the forwarding check read (the forwarding rule is read once).
 */
export async function checkBusPolicy(
  workload: PreflightClients,
  operations: PreflightClients,
  c: { environment: string; eventBusName: string; workloadAccount: string; target: PreflightTarget },
  rules: Map<string, LiveRule>,
): Promise<CheckResult> {
  const { target, workloadAccount: w } = c;
  const busArn = `arn:${target.partition}:events:${target.region}:${target.account}:event-bus/${c.eventBusName}`;
  const bus = `bus ${c.eventBusName} in ${target.account}`;
  const lost = `EventBridge drops the workload's forwarded alarms, silently: no handler runs for an alarm of ${w}`;
  const fix = `deploy the operations stack with the workload named (environments.${c.environment}.accountId = ${w}): npx cdk deploy NotificationRunbooks-${c.environment}-${target.region} -c operationsAccount=${target.account}; it writes statement ${forwardedAlarmsSid(w)}: events:PutEvents from ${w} for source ${FORWARDED_ALARM_EVENT.source}, detail-type "${FORWARDED_ALARM_EVENT.detailType}"`;
  // The forwarding check read this rule (and reported a failure to); unreadable here, the account is judged.
  let rule: LiveRule;
  let unread = '';
  try {
    rule = await readRule(workload, FORWARD_ALARMS_RULE, rules);
  } catch (error) {
    rule = undefined;
    unread = ` (rule ${FORWARD_ALARMS_RULE} could not be read, ${awsErrorName(error) ?? 'error'}: judged for the account)`;
  }
  const forwarder = forwardingPrincipal(rule, busArn, w, target);
  const who = forwarder.viaRole ? `role ${forwarder.arn.split('/').pop() ?? forwarder.arn} of ${w} (the forwarding rule's target role)` : `account ${w}${unread || " (the forwarding rule's target names no role)"}`;

  let policy: string | undefined;
  try {
    policy = (await operations.events.send(new DescribeEventBusCommand({ Name: c.eventBusName }))).Policy;
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
    return fail('routing', 'bus-policy', busArn, `${bus} does not exist: ${lost}`, fix);
  }
  if (!policy) return fail('routing', 'bus-policy', busArn, `${bus} has no resource policy: events:PutEvents from ${who} is refused; ${lost}`, fix);

  const admitted = await judge(operations, policy, busArn, forwarder, target.partition);
  if (admitted.verdict === 'refused') {
    const whom = admitted.why === 'no statement names it' ? `names no principal that is ${who} or its account (it names ${admitted.named.join(', ') || 'nobody'})` : `does not admit events:PutEvents of an alarm state change from ${who} (${admitted.why}, iam:SimulateCustomPolicy)`;
    return fail('routing', 'bus-policy', busArn, `policy of ${bus} ${whom}: ${lost}`, fix);
  }

  const probes = probeForwarders(forwarder, target.partition, target.region, w, target.account);
  for (const probe of probes) {
    const stranger = await judge(operations, policy, busArn, probe, target.partition);
    if (stranger.verdict !== 'allowed') continue;
    const probeWho = probe.viaRole ? `role ${probe.arn.split(':role/').pop() ?? probe.arn} of ${probe.account}` : `the root of ${probe.account}`;
    return fail(
      'routing',
      'bus-policy',
      busArn,
      `policy of ${bus} also admits events:PutEvents of an alarm state change from ${probeWho}, an account not configured (iam:SimulateCustomPolicy): any account can put alarm events on the handlers' bus`,
      `narrow the policy to the workload account: a Principal of ${w} (or its forwarding role), not "*" or another account, and no condition on the role's name alone; ${fix}`,
    );
  }
  const probe = probes[0] ?? forwarder;
  const refusesStranger = `refuses the same from ${probe.account}, an account not configured`;
  if (admitted.verdict === 'organization') {
    const orgs = admitted.organizations.join(', ') || 'the one its condition names';
    return warn(
      'routing',
      'bus-policy',
      busArn,
      `policy of ${bus} admits events:PutEvents from ${who} only as a member of organization ${orgs} (aws:PrincipalOrgID), which preflight cannot read in ${w}; it ${refusesStranger}${forwarder.viaRole ? '' : '; an organization grant also needs the forwarding rule\'s target to use a role (EventBridge PutPermission)'}`,
      `confirm ${w} is in ${orgs} (aws organizations describe-account --account-id ${w}, from the management account), or grant ${w} by account: ${fix}`,
    );
  }
  return pass('routing', 'bus-policy', busArn, `policy of ${bus} admits events:PutEvents of the workload's alarm state changes from ${who}, and ${refusesStranger} (iam:SimulateCustomPolicy)`);
}
