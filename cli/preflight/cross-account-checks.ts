// Preflight, cross-account mode: what only the workload account can say, read through the read-only role it offers
// preflight (infra/lib/iam/workload-roles.ts, `notification-runbooks-preflight`, session "preflight").
//
// - The session: sts:AssumeRole into that role, the one call preflight makes that is not a read (the role can only read
//   and simulate). Refused: one FAIL naming role, account and caller, and the workload's checks do not run.
// - The alarms' way to the operations account: the workload's forwarding rule matches each alarm's ALARM and OK state
//   changes (TestEventPattern on events built from the real alarms) and targets the operations account's bus with
//   infra's forwarding role (whose own side forwarding-role-checks.ts judges).
// - Each remediation role can be assumed by the handler that uses it. Both halves of a cross-account request must allow
//   it (IAM User Guide, "Cross-account policy evaluation logic"): the handler's execution role's own policy (simulated in
//   the operations account by the permissions check, sts:AssumeRole/TagSession/SetSourceIdentity on this role's ARN), and
//   this role's trust policy, read here with iam:GetRole. AWS's simulator takes a resource policy only for an IAM user
//   as caller (SimulatePrincipalPolicy / SimulateCustomPolicy: "CallerArn ... You can specify only the ARN of an IAM
//   user"), so the trust is judged as AWS documents the Principal element: the statements whose Principal names the
//   execution role, its account or anyone (a NotPrincipal that does not name it), stripped of Principal, go to
//   iam:SimulateCustomPolicy with the context AWS sets on the handler's request (aws:PrincipalArn, aws:PrincipalAccount,
//   its session tags, its source identity): AWS's own evaluation of every condition. Then the same for a role of the
//   operations account that is not the handler's, with the handler's tags and source identity: a trust that admits it
//   (widened to the whole account) is a FAIL.
// - Each remediation role's permissions: iam:SimulatePrincipalPolicy on the role, in the workload, on the workload's
//   ARNs the resource checks found there.
// - Each remediation role's own IAM tags (iam:ListRoleTags, every page, in the workload): a session tag key there is
//   the principal tag of every session that does not set that key itself (decisions 168, 177).
import { GetRoleCommand, paginateListRoleTags, paginateSimulateCustomPolicy, type ContextEntry } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { FORWARD_ALARMS_RULE, forwardingRoleNameOf, PREFLIGHT_ROLE_NAME, PREFLIGHT_SESSION_NAME } from '../../infra/lib/iam/workload-roles';
import { remediationSourceIdentity, SESSION_TAG_KEYS } from '../../shared/config/names';
import { CROSS_ACCOUNT_ACTIONS } from '../../shared/pipeline/pipeline-actions';
import { enableRuleFix, matches, readRule, ruleNotDelivering, sampleEvent, type LiveRule } from './alarm-checks';
import type { ExpectedHandler } from './expectations';
import { simulateGroups, simulationGroups, type ArnContext, type SimulationGroup } from './handler-checks';
import { scopeOf } from '../../infra/lib/iam/action-scopes';
import type { DiscoveredResources } from './resource-checks';
import { awsErrorName, couldNotCheck, fail, guardedCheck, isAccessDenied, pass, warn, type CheckResult, type PreflightClients, type PreflightTarget } from './types';

export { PREFLIGHT_ROLE_NAME, PREFLIGHT_SESSION_NAME };
/** STS AssumeRole's minimum DurationSeconds. */
const SESSION_SECONDS = 900;
/** The incident tag's value in the simulated handler session (any `inc-…` id: the trust pins the tag key, not its value). */
const PROBE_INCIDENT = 'inc-preflight-probe';

export type WorkloadClients = PreflightClients & { destroy(): void };

const deployRemediation = (environment: string, workload: string, operations: string): string =>
  `deploy the workload's roles in ${workload}: npx cdk deploy NotificationRunbooksRemediation-${environment} -c operationsAccount=${operations}`;

/**
 * Opens preflight's session in the workload: sts:AssumeRole into its read-only preflight role, session "preflight",
 * 15 minutes, no tags, no source identity. Credentials for another account or role than asked for are refused
 * (decision 79). Returns the check's line and, when it passed, the workload's clients.
 */
export async function openWorkloadSession(
  clients: PreflightClients,
  environment: string,
  workload: string,
  target: PreflightTarget,
): Promise<{ result: CheckResult; workload?: WorkloadClients }> {
  const roleArn = `arn:${target.partition}:iam::${workload}:role/${PREFLIGHT_ROLE_NAME}`;
  const caller = target.caller ?? `account ${target.account}`;
  const notChecked = `not checked in ${workload}: the service's resources and matrix, the alarms and their forwarding, the remediation roles, the workload's SSM documents`;
  try {
    const out = await clients.sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: PREFLIGHT_SESSION_NAME, DurationSeconds: SESSION_SECONDS }));
    const k = out.Credentials;
    if (!k?.AccessKeyId || !k.SecretAccessKey) throw new Error(`STS AssumeRole ${roleArn} answered without credentials`);
    const assumed = out.AssumedRoleUser?.Arn ?? '';
    const expected = `arn:${target.partition}:sts::${workload}:assumed-role/${PREFLIGHT_ROLE_NAME}/`;
    if (!assumed.startsWith(expected)) {
      return {
        result: fail('cross-account', 'preflight-role', roleArn, `STS answered credentials for ${assumed || 'no ARN'}, not for ${roleArn}: refused; ${notChecked}`, 'check the STS endpoint and region preflight uses'),
      };
    }
    const session = clients.withCredentials({ accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey, ...(k.SessionToken ? { sessionToken: k.SessionToken } : {}) });
    return {
      result: pass('cross-account', 'preflight-role', roleArn, `preflight role ${PREFLIGHT_ROLE_NAME} in workload account ${workload}: assumed by ${caller} (session "${PREFLIGHT_SESSION_NAME}", read-only)`),
      workload: session,
    };
  } catch (error) {
    if (!isAccessDenied(error)) return { result: { ...couldNotCheck('cross-account', roleArn, error, ['sts:AssumeRole']), check: 'preflight-role' } };
    return {
      result: fail(
        'cross-account',
        'preflight-role',
        roleArn,
        `preflight role ${PREFLIGHT_ROLE_NAME} in workload account ${workload} cannot be assumed by ${caller} (${awsErrorName(error) ?? 'AccessDenied'}): it does not exist there, or its trust does not name this caller; ${notChecked}`,
        `${deployRemediation(environment, workload, target.account)}; set environments.${environment}.preflightPrincipals to the role(s) or user(s) of ${target.account} that run preflight (unset, no preflight role is deployed) and run preflight as one of them, allowed sts:AssumeRole on ${roleArn}`,
      ),
    };
  }
}

/**
 * The workload's forwarding rule (its default bus) matches each alarm's ALARM and OK state changes and targets the
 * project's bus in the operations account: without it no alarm of the workload reaches a handler. One line.
 */
export async function checkAlarmForwarding(
  workload: PreflightClients,
  operations: PreflightClients,
  c: { environment: string; eventBusName: string; workloadAccount: string; target: PreflightTarget },
  live: ReadonlyMap<string, MetricAlarm>,
  rules: Map<string, LiveRule> = new Map(),
): Promise<CheckResult[]> {
  const { target, workloadAccount } = c;
  const subject = `arn:${target.partition}:events:${target.region}:${workloadAccount}:rule/${FORWARD_ALARMS_RULE}`;
  const bus = `arn:${target.partition}:events:${target.region}:${target.account}:event-bus/${c.eventBusName}`;
  const redeploy = `deploy the workload's regional stack: npx cdk deploy NotificationRunbooksWorkload-${c.environment}-${target.region} -c operationsAccount=${target.account}`;
  const rule: LiveRule = await readRule(workload, FORWARD_ALARMS_RULE, rules);
  const lost = `the workload's alarms never reach the handlers in ${target.account}`;
  if (!rule) return [fail('routing', 'alarms-forwarded', subject, `rule ${FORWARD_ALARMS_RULE} does not exist in workload account ${workloadAccount}: ${lost}`, redeploy)];
  if (!rule.targets.includes(bus)) {
    return [fail('routing', 'alarms-forwarded', subject, `rule ${FORWARD_ALARMS_RULE} in ${workloadAccount} does not target the operations bus ${bus} (targets: ${rule.targets.join(', ') || 'none'}): ${lost}`, redeploy)];
  }
  // The target puts the events on the bus with infra's forwarding role, the one whose trust and permissions preflight
  // checks (forwarding-role-checks.ts; the preflight role may read that role only): another role, or none, is drift.
  const role = `arn:${target.partition}:iam::${workloadAccount}:role/${forwardingRoleNameOf(target.region)}`;
  const used = rule.targetRoles[bus];
  if (used !== role) {
    const why = used
      ? `whether that role may put events on the bus preflight does not judge (it reads the forwarding role only): the alarms may never reach the handlers in ${target.account}`
      : `EventBridge needs a role to put events on a bus in another account: ${lost}`;
    return [fail('routing', 'alarms-forwarded', subject, `rule ${FORWARD_ALARMS_RULE} in ${workloadAccount} targets the operations bus ${bus} with ${used ? `role ${used}` : 'no role'}, not with the forwarding role ${role}; ${why}`, redeploy)];
  }
  const disabled = ruleNotDelivering(rule);
  if (disabled) return [fail('routing', 'alarms-forwarded', subject, `rule ${FORWARD_ALARMS_RULE} in ${workloadAccount}: ${disabled}: ${lost}`, `in ${workloadAccount}: ${enableRuleFix(FORWARD_ALARMS_RULE, undefined, redeploy)}`)];
  const unmatched: string[] = [];
  for (const alarm of live.values()) {
    for (const [from, to] of [['OK', 'ALARM'], ['ALARM', 'OK']] as const) {
      // TestEventPattern evaluates a pattern and an event given in the request: asked in the operations account.
      if (!(await matches(operations, rule.pattern, sampleEvent(alarm, target, from, to, workloadAccount)))) unmatched.push(`${to} of "${alarm.AlarmName ?? '?'}"`);
    }
  }
  return [
    unmatched.length === 0
      ? pass('routing', 'alarms-forwarded', subject, `rule ${FORWARD_ALARMS_RULE} in workload account ${workloadAccount} forwards the ALARM and OK state changes of all ${live.size} alarms to ${bus} with role ${forwardingRoleNameOf(target.region)}`)
      : fail('routing', 'alarms-forwarded', subject, `rule ${FORWARD_ALARMS_RULE} in ${workloadAccount} does not forward: ${unmatched.join(', ')}: those state changes never reach the operations account`, redeploy),
  ];
}

type TrustStatement = { Effect?: unknown; Principal?: unknown; NotPrincipal?: unknown; Action?: unknown; NotAction?: unknown; Condition?: unknown; Sid?: unknown };

/** Pure: does a Principal element name this caller: anyone, its account (id or root) or its own ARN (IAM User Guide, "Principal")? */
export function principalNames(principal: unknown, caller: { account: string; arn: string; partition: string }): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const aws = (principal as { AWS?: unknown }).AWS;
  const names = aws === undefined ? [] : Array.isArray(aws) ? aws.map(String) : [String(aws)];
  return names.some((n) => n === '*' || n === caller.account || n === `arn:${caller.partition}:iam::${caller.account}:root` || n === caller.arn);
}

/**
 * Pure: the trust's statements that apply to this caller as identity-policy statements on the role (Principal / a
 * NotPrincipal that leaves the caller out removed, Resource = the role), for iam:SimulateCustomPolicy, and the
 * principals the trust names (for the message when none applies).
 */
export function trustStatementsFor(trust: string | undefined, roleArn: string, caller: { account: string; arn: string; partition: string }): { statements: Array<Record<string, unknown>>; named: string[] } {
  const text = trust ?? '{}';
  const document = JSON.parse(text.trimStart().startsWith('{') ? text : decodeURIComponent(text)) as { Statement?: unknown };
  const all = (document.Statement === undefined ? [] : Array.isArray(document.Statement) ? document.Statement : [document.Statement]) as TrustStatement[];
  const named = [...new Set(all.flatMap((s) => [JSON.stringify(s.Principal ?? s.NotPrincipal ?? null)]))];
  const statements = all
    .filter((s) => (s.NotPrincipal !== undefined ? !principalNames(s.NotPrincipal, caller) : principalNames(s.Principal, caller)))
    .map(({ Principal: _p, NotPrincipal: _n, ...rest }) => ({ ...rest, Resource: roleArn }));
  return { statements, named };
}

const contextEntry = (name: string, values: string[], type: 'string' | 'stringList' = 'string'): ContextEntry => ({ ContextKeyName: name, ContextKeyType: type, ContextKeyValues: values });

/**
 * The context AWS sets on the handler's AssumeRole (shared/aws/account-clients.ts remediationSession): its session is
 * tagged with the region it runs in (`region`; another region's value is the attacker's probe, decision 147).
 */
function handlerSessionContext(handler: string, callerRoleArn: string, operationsAccount: string, region: string): ContextEntry[] {
  const s = contextEntry;
  return [
    s('aws:PrincipalArn', [callerRoleArn]),
    s('aws:PrincipalAccount', [operationsAccount]),
    s(`aws:RequestTag/${SESSION_TAG_KEYS.playbook}`, [handler]),
    s(`aws:RequestTag/${SESSION_TAG_KEYS.incident}`, [PROBE_INCIDENT]),
    s(`aws:RequestTag/${SESSION_TAG_KEYS.region}`, [region]),
    s('aws:TagKeys', [SESSION_TAG_KEYS.playbook, SESSION_TAG_KEYS.incident, SESSION_TAG_KEYS.region], 'stringList'),
    s('sts:SourceIdentity', [remediationSourceIdentity(handler)]),
  ];
}

/**
 * The context of a request a remediation session makes in `region`, the session tagged `sessionRegion` (the handler's own
 * region; another is the probe): infra holds every statement of the role to both (decision 147).
 */
export function sessionRequestContext(region: string, sessionRegion: string): ContextEntry[] {
  return [contextEntry('aws:RequestedRegion', [region]), contextEntry(`aws:PrincipalTag/${SESSION_TAG_KEYS.region}`, [sessionRegion])];
}

/**
 * The regions whose sessions must act in none of this region's resources: the environment's others, or (one region) a
 * neighbouring one, so a role not held to its session's region is caught even where no other region is configured.
 */
export function foreignSessionRegions(c: { region: string; otherRegions: readonly string[] }): string[] {
  return c.otherRegions.length > 0 ? [...c.otherRegions] : [c.region === 'us-west-2' ? 'us-east-1' : 'us-west-2'];
}

/**
 * Pure: the workload's ARNs for a remediation role's simulation: what the resource checks found there, else (a
 * resource already reported missing) the configured names; ids AWS assigns that were not found (a mapping's UUID, the
 * database's groups) as probes of the right shape, which infra scopes to `*` in the account.
 */
export function workloadArnContext(c: ArnContext, account: string, found: DiscoveredResources, alarmArns: readonly string[]): ArnContext {
  const { partition: p, region: r } = c.target;
  const { watched } = c.expected;
  const or = (have: readonly string[], fallback: string[]): string[] => (have.length > 0 ? [...have] : fallback);
  return {
    target: { ...c.target, account },
    expected: c.expected,
    found: {
      queueArns: or(found.queueArns, watched.queues.map((q) => `arn:${p}:sqs:${r}:${account}:${q}`)),
      functionArns: or(found.functionArns, watched.functions.map((f) => `arn:${p}:lambda:${r}:${account}:function:${f}`)),
      mappingArns: or(found.mappingArns, [`arn:${p}:lambda:${r}:${account}:event-source-mapping:preflight-probe`]),
      dbArns: or(found.dbArns, watched.databases.map((d) => `arn:${p}:rds:${r}:${account}:db:${d}`)),
      dbParameterGroups: or(found.dbParameterGroups, ['preflight-probe']),
      dbSubnetGroups: or(found.dbSubnetGroups, ['preflight-probe']),
    },
    alarmArns: or(alarmArns, c.expected.alarms.map((a) => `arn:${p}:cloudwatch:${r}:${account}:alarm:${a.name}`)),
    handlerFunctionArns: [],
    automationDocuments: c.automationDocuments,
  };
}

export interface CrossAccountContext extends ArnContext {
  workloadAccount: string;
  /** handler -> its execution role's ARN in the operations account (the live function's Role, else infra's name). */
  executionRoleArns: ReadonlyMap<string, string>;
  /** What the resource and alarm checks found in the workload. */
  workloadFound: DiscoveredResources;
  workloadAlarmArns: readonly string[];
}

/**
 * A role of the operations account that is no handler's execution role: the trust must refuse it whatever tags and source
 * identity it brings (it may set the handler's own), or anyone there who may call sts:AssumeRole acts as the handler.
 */
export const notTheHandlerProbe = (partition: string, operationsAccount: string): string => `arn:${partition}:iam::${operationsAccount}:role/runbook-preflight-probe-not-a-handler`;

/** iam:SimulateCustomPolicy of the trust's statements that apply to `callerArn`, with the handler session's context; the actions not allowed and how many were judged. */
async function simulateTrust(operations: PreflightClients, statements: Array<Record<string, unknown>>, roleArn: string, context: ContextEntry[]): Promise<{ denied: string[]; allowed: string[] }> {
  const denied: string[] = [];
  const allowed: string[] = [];
  const pages = paginateSimulateCustomPolicy(
    { client: operations.iam },
    { PolicyInputList: [JSON.stringify({ Version: '2012-10-17', Statement: statements })], ActionNames: [...CROSS_ACCOUNT_ACTIONS], ResourceArns: [roleArn], ContextEntries: context },
  );
  let judged = 0;
  for await (const page of pages) {
    for (const r of page.EvaluationResults ?? []) {
      judged += 1;
      if (r.EvalDecision === 'allowed') allowed.push(r.EvalActionName ?? '?');
      else denied.push(`${r.EvalActionName ?? '?'} (${r.EvalDecision ?? '?'}${r.MissingContextValues?.length ? `, missing ${r.MissingContextValues.join(', ')}` : ''})`);
    }
  }
  if (judged !== CROSS_ACCOUNT_ACTIONS.length) denied.push(`the simulator judged ${judged} of ${CROSS_ACCOUNT_ACTIONS.length} actions`);
  return { denied, allowed };
}

async function checkTrust(operations: PreflightClients, handler: ExpectedHandler, roleArn: string, trust: string | undefined, c: CrossAccountContext): Promise<CheckResult> {
  const roleName = handler.remediationRoleName ?? roleArn;
  const callerArn = c.executionRoleArns.get(handler.name) ?? `arn:${c.target.partition}:iam::${c.target.account}:role/${handler.roleName}`;
  const callerName = callerArn.split('/').pop() ?? callerArn;
  const fix = `${deployRemediation(c.expected.environment, c.workloadAccount, c.target.account)}: infra's trust names each handler's execution roles`;
  const cannot = `${handler.name} cannot act in ${c.workloadAccount}`;
  const { statements, named } = trustStatementsFor(trust, roleArn, { account: c.target.account, arn: callerArn, partition: c.target.partition });
  if (statements.length === 0) {
    return fail('cross-account', 'remediation-role-trust', roleArn, `trust of ${roleName} in ${c.workloadAccount} names no principal that is ${callerName} (${handler.name}'s execution role in ${c.target.account}) or its account (it names ${named.join(', ') || 'nobody'}): ${cannot}`, fix);
  }
  const region = c.target.region;
  const { denied } = await simulateTrust(operations, statements, roleArn, handlerSessionContext(handler.name, callerArn, c.target.account, region));
  // Only the tagging refused: the trust's callers are right, its tags are not (a trust from before the region tag).
  const onlyTagging = denied.length === 1 && denied[0]!.startsWith('sts:TagSession ');
  if (denied.length > 0) {
    return fail(
      'cross-account',
      'remediation-role-trust',
      roleArn,
      `trust of ${roleName} in ${c.workloadAccount} does not admit ${callerName} (${handler.name}'s execution role) for ${denied.join('; ')}, its session tagged with its playbook, incident and region (${SESSION_TAG_KEYS.region}=${region}): ${cannot}${onlyTagging ? ' (a role deployed before decision 147 does not admit the region tag)' : ''}`,
      fix,
    );
  }
  // Admitting the handler is half of it: another role of the operations account, with the handler's own tags and source
  // identity, must be refused (a trust widened to the whole account admits it).
  const probeArn = notTheHandlerProbe(c.target.partition, c.target.account);
  const forProbe = trustStatementsFor(trust, roleArn, { account: c.target.account, arn: probeArn, partition: c.target.partition }).statements;
  const widened = forProbe.length === 0 ? [] : (await simulateTrust(operations, forProbe, roleArn, handlerSessionContext(handler.name, probeArn, c.target.account, region))).allowed;
  if (widened.length > 0) {
    return fail(
      'cross-account',
      'remediation-role-trust',
      roleArn,
      `trust of ${roleName} in ${c.workloadAccount} also admits ${probeArn.split('/').pop() ?? probeArn}, a role of ${c.target.account} that is not ${handler.name}'s execution role, for ${widened.join(', ')} (iam:SimulateCustomPolicy): any principal there allowed sts:AssumeRole can act as ${handler.name} in ${c.workloadAccount}`,
      fix,
    );
  }
  // The region tag is the caller's to choose: the trust must bind it to the caller, refusing this region's execution role
  // a session tagged with another region (whose resources it would then act on, decision 147).
  const foreign: string[] = [];
  for (const other of foreignSessionRegions({ region, otherRegions: c.expected.otherRegions })) {
    const { allowed } = await simulateTrust(operations, statements, roleArn, handlerSessionContext(handler.name, callerArn, c.target.account, other));
    if (allowed.includes('sts:TagSession')) foreign.push(other);
  }
  if (foreign.length > 0) {
    return fail(
      'cross-account',
      'remediation-role-trust',
      roleArn,
      `trust of ${roleName} in ${c.workloadAccount} lets ${callerName} (${handler.name}'s execution role in ${region}) tag its session ${foreign.map((r) => `${SESSION_TAG_KEYS.region}=${r}`).join(', ')} (iam:SimulateCustomPolicy): the region tag is not bound to the caller, so ${region}'s handler could act in ${foreign.join(', ')} (a role deployed before decision 147, or widened)`,
      fix,
    );
  }
  // A session without tags (a plain sts:AssumeRole by the handler's own execution role, no source identity either) must
  // be refused outright: it would carry only the role's own IAM tags as its principal tags (decisions 168, 176).
  const plain = await simulateTrust(operations, statements, roleArn, [contextEntry('aws:PrincipalArn', [callerArn]), contextEntry('aws:PrincipalAccount', [c.target.account])]);
  if (plain.allowed.includes('sts:AssumeRole')) {
    return fail(
      'cross-account',
      'remediation-role-trust',
      roleArn,
      `trust of ${roleName} in ${c.workloadAccount} admits ${callerName} (${handler.name}'s execution role) to a session with no tags, a plain sts:AssumeRole (iam:SimulateCustomPolicy): such a session's principal tags are the role's own IAM tags, so a ${SESSION_TAG_KEYS.region} tag added to the role would give it that region's grants (a role deployed before decision 176)`,
      fix,
    );
  }
  return pass(
    'cross-account',
    'remediation-role-trust',
    roleArn,
    `trust of ${roleName} in ${c.workloadAccount} admits ${callerName} (${handler.name}'s execution role): ${CROSS_ACCOUNT_ACTIONS.join(', ')} with its playbook, incident and region (${SESSION_TAG_KEYS.region}=${region}) tags and source identity ${remediationSourceIdentity(handler.name)}; refuses it another region's tag (${foreignSessionRegions({ region, otherRegions: c.expected.otherRegions }).join(', ')}) and a session without tags, and another role of ${c.target.account} with the same tags (iam:SimulateCustomPolicy)`,
  );
}

/** Session tag keys, as IAM compares tag keys: case-insensitively ("Runbook-Region" is runbook-region). */
const SESSION_KEYS_LOWER: ReadonlySet<string> = new Set(Object.values(SESSION_TAG_KEYS).map((k) => k.toLowerCase()));

/**
 * A remediation role's own IAM tags (iam:ListRoleTags, every page): none may be a session tag key. IAM gives a session
 * the tags of the role it assumed as principal tags where the session sets no tag of that key (IAM User Guide, "Pass
 * session tags in AWS STS"): a `runbook-region` tag there would be every untagged session's region (infra's trust refuses
 * such a session since decision 176, a trust deployed before admits it), a `runbook-incident` tag the incident of a session
 * opened without one. Synth refuses such a tag (decision 168); this reads what is deployed now (a tag policy, a hand).
 */
async function checkRoleTags(workload: PreflightClients, handler: ExpectedHandler, roleArn: string, c: CrossAccountContext): Promise<CheckResult> {
  const roleName = handler.remediationRoleName ?? roleArn;
  const tags: Array<{ Key: string; Value: string }> = [];
  try {
    for await (const page of paginateListRoleTags({ client: workload.iam }, { RoleName: roleName })) tags.push(...(page.Tags ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' })));
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    return fail(
      'cross-account',
      'remediation-role-tags',
      roleArn,
      `could not read the IAM tags of ${roleName} in ${c.workloadAccount} (${awsErrorName(error) ?? 'AccessDenied'}: iam:ListRoleTags refused): whether the role carries a session tag key is not checked (a preflight role deployed before decision 177)`,
      deployRemediation(c.expected.environment, c.workloadAccount, c.target.account),
    );
  }
  const found = tags.filter((t) => SESSION_KEYS_LOWER.has(t.Key.toLowerCase()));
  if (found.length > 0) {
    const named = found.map((t) => `${t.Key}=${JSON.stringify(t.Value.slice(0, 64))}`).join(', ');
    return fail(
      'cross-account',
      'remediation-role-tags',
      roleArn,
      `remediation role ${roleName} in ${c.workloadAccount} carries the IAM tag ${named}, a session tag key (${Object.values(SESSION_TAG_KEYS).join(', ')}; IAM tag keys compare case-insensitively): every session of the role that does not set that key itself takes the role's value as its principal tag, so a ${SESSION_TAG_KEYS.region} tag gives an untagged session that region's grants and a ${SESSION_TAG_KEYS.incident} tag names an incident the session is not about`,
      `remove it: aws iam untag-role --role-name ${roleName} --tag-keys ${found.map((t) => t.Key).join(' ')}; then keep whatever added it (a tag policy, an account-wide tagging tool, a hand) off the remediation roles: infra refuses such a tag at synth (decision 168)`,
    );
  }
  return pass('cross-account', 'remediation-role-tags', roleArn, `remediation role ${roleName} in ${c.workloadAccount}: none of its ${tags.length} IAM tag(s) is a session tag key (${Object.values(SESSION_TAG_KEYS).join(', ')}, any case; iam:ListRoleTags)`);
}

/**
 * Pure: the probe of a remediation role's database actions on the environment's databases this region does not hold,
 * named in this region (expected.otherRegionDatabases): infra names in each region only that region's (decision 131),
 * so each must be refused. None where the role holds no database action or the environment has no other region's.
 */
export function otherRegionDatabaseProbe(handler: ExpectedHandler, c: CrossAccountContext): SimulationGroup | undefined {
  const { partition: p, region: r } = c.target;
  const actions = (handler.workloadRoleActions ?? []).filter((action) => {
    const scope = scopeOf(action, handler.name);
    return !('anyResource' in scope) && scope.resources.some((kind) => kind === 'db-instance' || kind === 'dr-replica');
  });
  const resources = c.expected.otherRegionDatabases.map((d) => `arn:${p}:rds:${r}:${c.workloadAccount}:db:${d}`);
  return actions.length > 0 && resources.length > 0 ? { actions: [...actions].sort(), resources, context: sessionRequestContext(r, r) } : undefined;
}

/** Groups simulated as the session tagged `sessionRegion` would ask, in the region being checked. */
const asSession = (groups: readonly SimulationGroup[], region: string, sessionRegion: string): SimulationGroup[] =>
  groups.map((g) => ({ ...g, context: [...g.context, ...sessionRequestContext(region, sessionRegion)] }));

async function checkPermissions(workload: PreflightClients, handler: ExpectedHandler, roleArn: string, c: CrossAccountContext): Promise<CheckResult> {
  const roleName = handler.remediationRoleName ?? roleArn;
  const inWorkload = workloadArnContext(c, c.workloadAccount, c.workloadFound, c.workloadAlarmArns);
  const { groups, unresolved } = simulationGroups({ ...handler, actions: handler.workloadRoleActions ?? [] }, inWorkload);
  const region = c.target.region;
  // As the handler's session asks: tagged with this region, sent to this region (decision 147).
  const { allowed, denied } = await simulateGroups(workload.iam, roleArn, asSession(groups, region, region));
  const count = handler.workloadRoleActions?.length ?? 0;
  const probe = otherRegionDatabaseProbe(handler, c);
  const leaked = probe ? (await simulateGroups(workload.iam, roleArn, [probe])).allowedCalls : [];
  const redeploy = `${deployRemediation(c.expected.environment, c.workloadAccount, c.target.account)} (infra derives their policies from the declared actions)`;
  // The same calls as another region's session would ask them here: each must be refused (the role holds every statement
  // to its session's region). A role allowing them serves every region's session alike.
  const foreignRegions = foreignSessionRegions({ region, otherRegions: c.expected.otherRegions });
  const unbound: string[] = [];
  for (const other of foreignRegions) unbound.push(...(await simulateGroups(workload.iam, roleArn, asSession(groups, region, other))).allowedCalls.map((call) => `${call} (${other}'s session)`));
  if (unbound.length > 0) {
    return fail(
      'cross-account',
      'remediation-role-permissions',
      roleArn,
      `remediation role ${roleName} in ${c.workloadAccount} is not held to its session's region: a session tagged ${foreignRegions.map((r) => `${SESSION_TAG_KEYS.region}=${r}`).join(', ')} is allowed ${unbound.length} of ${handler.name}'s call(s) in ${region}: ${unbound.join('; ')} (a role deployed before decision 147, or widened)`,
      redeploy,
    );
  }
  if (leaked.length > 0) {
    return fail(
      'cross-account',
      'remediation-role-permissions',
      roleArn,
      `remediation role ${roleName} in ${c.workloadAccount} is also allowed ${leaked.length} call(s) on databases ${c.target.region} does not hold: ${leaked.join('; ')} (its grants name the other region's database here: a role deployed before decision 131, or widened)`,
      redeploy,
    );
  }
  const refusedOther = probe ? `; refused on ${c.expected.otherRegionDatabases.join(', ')}, which ${c.target.region} does not hold` : '';
  if (denied.length > 0) {
    return fail(
      'cross-account',
      'remediation-role-permissions',
      roleArn,
      `remediation role ${roleName} in ${c.workloadAccount} is denied ${denied.length} of ${handler.name}'s call(s) there: ${denied.join('; ')}`,
      `${deployRemediation(c.expected.environment, c.workloadAccount, c.target.account)} (infra derives their policies from the declared actions); an explicit deny comes from an SCP or permission boundary: ask that account's administrators`,
    );
  }
  if (unresolved.length > 0) {
    return warn('cross-account', 'remediation-role-permissions', roleArn, `remediation role ${roleName} in ${c.workloadAccount}: ${allowed} calls allowed; not simulated (no resource of that kind configured): ${unresolved.join(', ')}`, 'check the configuration names the resources these actions act on');
  }
  return pass(
    'cross-account',
    'remediation-role-permissions',
    roleArn,
    `remediation role ${roleName} in ${c.workloadAccount}: all ${allowed} of ${handler.name}'s calls there allowed on the workload's ARNs (${count} actions) to its session of ${region}, none to a session of ${foreignRegions.join(', ')}${refusedOther}`,
  );
}

/**
 * Per remediation role: it exists (iam:GetRole in the workload), its trust admits the handler's execution role, it
 * may make the handler's calls on the workload's ARNs, and it carries no session tag key as an IAM tag. Each part
 * guarded on its own: a refused read is a FAIL naming it.
 */
export async function checkRemediationRoles(operations: PreflightClients, workload: PreflightClients, c: CrossAccountContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const handler of c.expected.handlers) {
    if (!handler.remediationRoleName) continue;
    const roleArn = `arn:${c.target.partition}:iam::${c.workloadAccount}:role/${handler.remediationRoleName}`;
    let trust: string | undefined;
    try {
      trust = (await workload.iam.send(new GetRoleCommand({ RoleName: handler.remediationRoleName }))).Role?.AssumeRolePolicyDocument;
    } catch (error) {
      if (awsErrorName(error) === 'NoSuchEntityException' || awsErrorName(error) === 'NoSuchEntity') {
        results.push(
          fail('cross-account', 'remediation-role-exists', roleArn, `remediation role ${handler.remediationRoleName} of ${handler.name} does not exist in workload account ${c.workloadAccount}: ${handler.name} cannot act there`, deployRemediation(c.expected.environment, c.workloadAccount, c.target.account)),
        );
      } else {
        results.push({ ...couldNotCheck('cross-account', roleArn, error, ['iam:GetRole']), check: 'remediation-role-exists' });
      }
      continue;
    }
    results.push(...(await guardedCheck('cross-account', `trust of ${roleArn}`, ['iam:SimulateCustomPolicy'], () => checkTrust(operations, handler, roleArn, trust, c))));
    results.push(...(await guardedCheck('cross-account', `permissions of ${roleArn}`, ['iam:SimulatePrincipalPolicy'], () => checkPermissions(workload, handler, roleArn, c))));
    results.push(...(await guardedCheck('cross-account', `tags of ${roleArn}`, ['iam:ListRoleTags'], () => checkRoleTags(workload, handler, roleArn, c))));
  }
  return results;
}
