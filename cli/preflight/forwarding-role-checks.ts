// Preflight, cross-account mode: the workload's forwarding role, its own side (decision 114). The operations bus's policy
// admitting the role (bus-policy-checks.ts) is half of a cross-account PutEvents; the other half is the role's own
// identity policy, and before either EventBridge must be able to assume the role at all (IAM User Guide, "Cross-account
// policy evaluation logic"). If either is wrong EventBridge cannot deliver: the alarms land in the workload's
// undelivered-alarm-events queue and no handler runs.
//
// - The role exists (iam:GetRole in the workload, through the preflight role: infra grants it on this role only).
// - Its trust admits nobody but EventBridge: an Allow statement naming any other principal (AWS, `*`, Federated, another
//   service) or using NotPrincipal is a FAIL naming it (foreignTrustPrincipals), nothing simulated.
// - Its trust admits EventBridge for the forwarding rule: the statements whose Principal names events.amazonaws.com,
//   stripped of Principal, go to iam:SimulateCustomPolicy (asked in the operations account, like the other trusts) for
//   sts:AssumeRole on the role with the context EventBridge sets for a rule's target: aws:SourceAccount (the workload)
//   and aws:SourceArn (the rule; EventBridge User Guide, "Cross-service confused deputy prevention"). AWS judges every
//   condition. Then the same for the rule of the same name in an account nobody configured, and for another rule of
//   the workload: infra's trust refuses both (its aws:SourceAccount / aws:SourceArn conditions); a trust that admits
//   either lacks them, a WARN (the alarms still arrive; the role is open to any rule that may be given it).
// - Its identity policy allows events:PutEvents on the operations bus of this region: iam:SimulatePrincipalPolicy on
//   the role, in the workload, with the forwarded event's events:source / events:detail-type. SCPs and permission
//   boundaries are as the simulator applies them; this check claims nothing beyond the simulator's answer.
// That the forwarding rule's target on the bus uses this role is the alarms-forwarded check's (cross-account-checks.ts).
import { GetRoleCommand, SimulateCustomPolicyCommand, SimulatePrincipalPolicyCommand, type ContextEntry } from '@aws-sdk/client-iam';
import { FORWARDED_ALARM_EVENT } from '../../infra/lib/iam/bus-policy';
import { FORWARD_ALARMS_RULE, forwardingRoleNameOf, forwardingRuleArn } from '../../infra/lib/iam/workload-roles';
import { probeAccount } from './bus-policy-checks';
import { awsErrorName, couldNotCheck, fail, guardedCheck, pass, warn, type CheckResult, type PreflightClients, type PreflightTarget } from './types';

/** The calls these checks make: named in their could-not-check FAIL. */
export const FORWARDING_ROLE_ACTIONS = ['iam:GetRole', 'iam:SimulateCustomPolicy', 'iam:SimulatePrincipalPolicy'] as const;

/** The service principal EventBridge assumes a target's role as. */
export const EVENTS_SERVICE = 'events.amazonaws.com';

/** A rule of the workload that is not the forwarding rule: infra's trust refuses EventBridge acting for it. */
export const OTHER_RULE_PROBE = 'runbook-preflight-probe-not-the-forwarder';

type TrustStatement = { Effect?: unknown; Principal?: unknown; NotPrincipal?: unknown; Resource?: unknown; NotResource?: unknown; Condition?: unknown; Sid?: unknown };

/** Pure: does a Principal element name this service principal (or anyone)? */
export function principalNamesService(principal: unknown, service: string): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const named = (principal as { Service?: unknown }).Service;
  const services = named === undefined ? [] : Array.isArray(named) ? named.map(String) : [String(named)];
  return services.includes(service);
}

/**
 * Pure: the trust's statements that apply to `service`, as identity-policy statements on the role (Principal / a
 * NotPrincipal that leaves the service out removed, Resource = the role), for iam:SimulateCustomPolicy; and what the
 * trust names (for the message when none applies). A resource policy's statement (a Lambda function's) keeps its own
 * Resource / NotResource: the resource it names is judged against `roleArn`, the resource asked for.
 */
export function serviceTrustStatements(trust: string | undefined, roleArn: string, service: string): { statements: Array<Record<string, unknown>>; named: string[] } {
  const text = trust ?? '{}';
  const document = JSON.parse(text.trimStart().startsWith('{') ? text : decodeURIComponent(text)) as { Statement?: unknown };
  const all = (document.Statement === undefined ? [] : Array.isArray(document.Statement) ? document.Statement : [document.Statement]) as TrustStatement[];
  const named = [...new Set(all.map((s) => JSON.stringify(s.Principal ?? s.NotPrincipal ?? null)))];
  const statements = all
    .filter((s) => (s.NotPrincipal !== undefined ? !principalNamesService(s.NotPrincipal, service) : principalNamesService(s.Principal, service)))
    .map(({ Principal: _p, NotPrincipal: _n, ...rest }) => (rest.Resource === undefined && rest.NotResource === undefined ? { ...rest, Resource: roleArn } : { ...rest }));
  return { statements, named };
}

/**
 * Pure: what the trust's Allow statements admit besides `service` (decision 114, reviewer's finding): every principal of
 * an Allow statement's Principal that is not the service principal (`*`, AWS accounts / roles / `*`, Federated,
 * CanonicalUser, other services), and every Allow statement using NotPrincipal (it admits everyone it does not name).
 * Each entry names the statement (Sid, else its position) and the principal. Deny statements admit nobody.
 */
export function foreignTrustPrincipals(trust: string | undefined, service: string): string[] {
  return foreignPrincipals(trust, service).map((f) => f.text);
}

/** One principal an Allow statement admits besides the service (foreignPrincipals). */
export interface ForeignPrincipal {
  /** "statement <Sid>: AWS arn:aws:iam::999999999999:root", as foreignTrustPrincipals says it. */
  text: string;
  /** The Principal's key ('AWS', 'Service', 'Federated', 'CanonicalUser'), '*' for `Principal: "*"`, 'NotPrincipal'. */
  kind: string;
  value: string;
  /** Whether the statement has a Condition (which may confine whom it admits; not judged here). */
  conditional: boolean;
  /** The statement as the document holds it (a resource policy's is simulated for a stranger: decision 320). */
  statement: Record<string, unknown>;
}

/**
 * Pure: foreignTrustPrincipals with what each entry is; `only` keeps the statements it accepts (a resource policy's
 * statements granting the action judged: decision 311).
 */
export function foreignPrincipals(document: string | undefined, service: string, only: (statement: Record<string, unknown>) => boolean = () => true): ForeignPrincipal[] {
  const text = document ?? '{}';
  const parsed = JSON.parse(text.trimStart().startsWith('{') ? text : decodeURIComponent(text)) as { Statement?: unknown };
  const all = (parsed.Statement === undefined ? [] : Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement]) as TrustStatement[];
  const found: ForeignPrincipal[] = [];
  all.forEach((s, i) => {
    if (s.Effect !== 'Allow' || !only(s as Record<string, unknown>)) return;
    const where = `statement ${typeof s.Sid === 'string' && s.Sid !== '' ? s.Sid : `#${i + 1}`}`;
    const conditional = s.Condition !== undefined;
    const statement = s as Record<string, unknown>;
    if (s.NotPrincipal !== undefined) {
      found.push({ text: `${where}: NotPrincipal ${JSON.stringify(s.NotPrincipal)} (everyone it does not name)`, kind: 'NotPrincipal', value: JSON.stringify(s.NotPrincipal), conditional, statement });
      return;
    }
    const principal = s.Principal;
    if (principal === undefined) return;
    if (typeof principal !== 'object' || principal === null) {
      found.push({ text: `${where}: Principal ${JSON.stringify(principal)}`, kind: '*', value: String(principal), conditional, statement });
      return;
    }
    for (const [kind, value] of Object.entries(principal as Record<string, unknown>)) {
      const values = Array.isArray(value) ? value.map(String) : [String(value)];
      for (const v of values) if (!(kind === 'Service' && v === service)) found.push({ text: `${where}: ${kind} ${v}`, kind, value: v, conditional, statement });
    }
  });
  return found;
}

/** Pure: the context EventBridge's AssumeRole of a rule target's role carries (the rule and its account). */
export function ruleTargetContext(account: string, ruleArn: string): ContextEntry[] {
  return [
    { ContextKeyName: 'aws:SourceAccount', ContextKeyType: 'string', ContextKeyValues: [account] },
    { ContextKeyName: 'aws:SourceArn', ContextKeyType: 'string', ContextKeyValues: [ruleArn] },
  ];
}

/** iam:SimulateCustomPolicy of sts:AssumeRole on the role: AWS's decision, and the context keys it lacked. */
export async function simulateAssume(operations: PreflightClients, statements: Array<Record<string, unknown>>, roleArn: string, context: ContextEntry[]): Promise<string> {
  return simulateServiceAction(operations, statements, 'sts:AssumeRole', roleArn, context);
}

/**
 * iam:SimulateCustomPolicy of `action` on `resourceArn` by the statements a service principal is named in (a role's
 * trust: sts:AssumeRole; a function's resource policy: lambda:InvokeFunction): AWS's decision, and the context keys it lacked.
 */
export async function simulateServiceAction(operations: PreflightClients, statements: Array<Record<string, unknown>>, action: string, resourceArn: string, context: ContextEntry[]): Promise<string> {
  if (!statements.some((st) => st.Effect === 'Allow')) return 'implicitDeny, no statement allows it';
  const out = await operations.iam.send(
    new SimulateCustomPolicyCommand({ PolicyInputList: [JSON.stringify({ Version: '2012-10-17', Statement: statements })], ActionNames: [action], ResourceArns: [resourceArn], ContextEntries: context }),
  );
  const results = out.EvaluationResults ?? [];
  if (results.length !== 1) throw new Error(`iam:SimulateCustomPolicy judged ${results.length} requests for one (${action} on ${resourceArn})`);
  const r = results[0];
  const missing = r?.MissingContextValues ?? [];
  return `${r?.EvalDecision ?? '?'}${missing.length > 0 ? `, missing ${missing.join(', ')}` : ''}`;
}

export interface ForwardingContext {
  environment: string;
  eventBusName: string;
  workloadAccount: string;
  /** Where preflight runs: the operations account and the region. */
  target: PreflightTarget;
}

async function checkTrust(operations: PreflightClients, c: ForwardingContext, roleArn: string, trust: string | undefined, fix: string): Promise<CheckResult> {
  const { target, workloadAccount: w } = c;
  const role = forwardingRoleNameOf(target.region);
  const rule = forwardingRuleArn(target.partition, w, target.region);
  const undelivered = `EventBridge cannot assume it for rule ${FORWARD_ALARMS_RULE}: every forwarded alarm fails delivery (to the workload's undelivered-alarm-events queue) and no handler runs`;
  const { statements, named } = serviceTrustStatements(trust, roleArn, EVENTS_SERVICE);
  if (statements.length === 0) {
    return fail('routing', 'forwarding-role-trust', roleArn, `trust of forwarding role ${role} in ${w} names no ${EVENTS_SERVICE} (it names ${named.join(', ') || 'nobody'}): ${undelivered}`, fix);
  }
  // The trust must admit EventBridge and nobody else: another principal allowed to assume the role may put events on
  // the operations bus as the workload (the bus policy admits this role), whatever the simulation below says.
  const foreign = foreignTrustPrincipals(trust, EVENTS_SERVICE);
  if (foreign.length > 0) {
    return fail(
      'routing',
      'forwarding-role-trust',
      roleArn,
      `trust of forwarding role ${role} in ${w} admits principals other than ${EVENTS_SERVICE}: ${foreign.join('; ')}: they may assume the role and put events on the operations bus as the workload's alarms`,
      `${fix} (its trust admits ${EVENTS_SERVICE} only)`,
    );
  }
  const own = await simulateAssume(operations, statements, roleArn, ruleTargetContext(w, rule));
  if (!own.startsWith('allowed')) {
    return fail('routing', 'forwarding-role-trust', roleArn, `trust of forwarding role ${role} in ${w} does not admit ${EVENTS_SERVICE} for rule ${rule} (sts:AssumeRole: ${own}, iam:SimulateCustomPolicy): ${undelivered}`, fix);
  }
  // Admitting the forwarding rule is half of it: EventBridge acting for any other rule must be refused.
  const stranger = probeAccount(w, target.account);
  const probes = [
    { what: `rule ${FORWARD_ALARMS_RULE} of ${stranger}, an account not configured`, account: stranger, ruleArn: forwardingRuleArn(target.partition, stranger, target.region), condition: 'aws:SourceAccount' },
    { what: `rule ${OTHER_RULE_PROBE} of ${w}, not the forwarding rule`, account: w, ruleArn: `arn:${target.partition}:events:${target.region}:${w}:rule/${OTHER_RULE_PROBE}`, condition: 'aws:SourceArn' },
  ];
  const admitted: typeof probes = [];
  for (const probe of probes) if ((await simulateAssume(operations, statements, roleArn, ruleTargetContext(probe.account, probe.ruleArn))).startsWith('allowed')) admitted.push(probe);
  if (admitted.length > 0) {
    return warn(
      'routing',
      'forwarding-role-trust',
      roleArn,
      `trust of forwarding role ${role} in ${w} admits ${EVENTS_SERVICE} for rule ${FORWARD_ALARMS_RULE}, and also for ${admitted.map((p) => p.what).join(', and ')} (iam:SimulateCustomPolicy): it lacks infra's ${admitted.map((p) => p.condition).join(' and ')} condition, so any rule given this role may put events on the operations bus with it`,
      `${fix} (its trust: ${EVENTS_SERVICE} with StringEquals aws:SourceAccount ${w} and ArnEquals aws:SourceArn ${rule})`,
    );
  }
  return pass(
    'routing',
    'forwarding-role-trust',
    roleArn,
    `trust of forwarding role ${role} in ${w} admits ${EVENTS_SERVICE} for rule ${FORWARD_ALARMS_RULE} (aws:SourceAccount ${w}, aws:SourceArn the rule), and refuses it for ${probes.map((p) => p.what).join(' and for ')} (iam:SimulateCustomPolicy)`,
  );
}

async function checkPermissions(workload: PreflightClients, c: ForwardingContext, roleArn: string, busArn: string, fix: string): Promise<CheckResult> {
  const { target, workloadAccount: w } = c;
  const role = forwardingRoleNameOf(target.region);
  const list = (name: string, value: string): ContextEntry => ({ ContextKeyName: name, ContextKeyType: 'stringList', ContextKeyValues: [value] });
  const out = await workload.iam.send(
    new SimulatePrincipalPolicyCommand({
      PolicySourceArn: roleArn,
      ActionNames: ['events:PutEvents'],
      ResourceArns: [busArn],
      // A forwarded alarm state change is one entry of this source and detail-type (multivalued keys, as the bus check).
      ContextEntries: [list('events:source', FORWARDED_ALARM_EVENT.source), list('events:detail-type', FORWARDED_ALARM_EVENT.detailType)],
    }),
  );
  const results = out.EvaluationResults ?? [];
  if (results.length !== 1) throw new Error(`iam:SimulatePrincipalPolicy judged ${results.length} requests for one (events:PutEvents on ${busArn})`);
  const decision = results[0]?.EvalDecision ?? '?';
  const missing = results[0]?.MissingContextValues ?? [];
  if (decision === 'allowed') {
    return pass('routing', 'forwarding-role-permissions', roleArn, `forwarding role ${role} in ${w} may events:PutEvents the workload's alarm state changes on ${busArn} (iam:SimulatePrincipalPolicy)`);
  }
  return fail(
    'routing',
    'forwarding-role-permissions',
    roleArn,
    `forwarding role ${role} in ${w} is not allowed events:PutEvents on the operations bus ${busArn} (${decision}${missing.length > 0 ? `, missing ${missing.join(', ')}` : ''}, iam:SimulatePrincipalPolicy): EventBridge's delivery fails whatever the bus's policy says; the alarms go to the workload's undelivered-alarm-events queue and no handler runs`,
    `${fix} (its policy: events:PutEvents on ${busArn}); an explicit deny comes from an SCP or permission boundary: ask that account's administrators`,
  );
}

/**
 * The forwarding role of this region: it exists, EventBridge may assume it for the forwarding rule (and for no other
 * rule), and it may put events on the operations bus. Lines `forwarding-role-exists` (only when it does not),
 * `forwarding-role-trust`, `forwarding-role-permissions`. The role is read and simulated in the workload, the trust
 * judged in the operations account. Each part guarded on its own: a refused read or simulation is a FAIL naming it.
 */
export async function checkForwardingRole(workload: PreflightClients, operations: PreflightClients, c: ForwardingContext): Promise<CheckResult[]> {
  const { target, workloadAccount: w } = c;
  const role = forwardingRoleNameOf(target.region);
  const roleArn = `arn:${target.partition}:iam::${w}:role/${role}`;
  const busArn = `arn:${target.partition}:events:${target.region}:${target.account}:event-bus/${c.eventBusName}`;
  const fix = `deploy the workload's regional stack, which defines the forwarding role: npx cdk deploy NotificationRunbooksWorkload-${c.environment}-${target.region} -c operationsAccount=${target.account}`;
  let trust: string | undefined;
  try {
    trust = (await workload.iam.send(new GetRoleCommand({ RoleName: role }))).Role?.AssumeRolePolicyDocument;
  } catch (error) {
    const name = awsErrorName(error);
    if (name !== 'NoSuchEntityException' && name !== 'NoSuchEntity') return [{ ...couldNotCheck('routing', roleArn, error, ['iam:GetRole']), check: 'forwarding-role-exists' }];
    return [fail('routing', 'forwarding-role-exists', roleArn, `forwarding role ${role} does not exist in workload account ${w}: EventBridge cannot put the forwarded alarms on ${busArn}, and no handler runs`, fix)];
  }
  return [
    ...(await guardedCheck('routing', `trust of ${roleArn}`, ['iam:SimulateCustomPolicy'], () => checkTrust(operations, c, roleArn, trust, fix))),
    ...(await guardedCheck('routing', `permissions of ${roleArn}`, ['iam:SimulatePrincipalPolicy'], () => checkPermissions(workload, c, roleArn, busArn, fix))),
  ];
}
