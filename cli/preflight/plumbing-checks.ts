// Preflight: the operations plumbing — kill switch, tier subscriptions, the health topic, the Support API, SSM documents, Scheduler.
import { GetRoleCommand, GetUserCommand } from '@aws-sdk/client-iam';
import { GetScheduleGroupCommand } from '@aws-sdk/client-scheduler';
import { GetSubscriptionAttributesCommand, paginateListSubscriptionsByTopic, type Subscription } from '@aws-sdk/client-sns';
import { GetDocumentCommand } from '@aws-sdk/client-ssm';
import { canonicalJson, contentHash, deleteVersionCommand, documentVersions, setDefaultVersionCommand, versionWithContent } from '../../shared/runbooks/document-versions';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { DescribeSeverityLevelsCommand } from '@aws-sdk/client-support';
import { parse } from 'yaml';
import { automationRoleNameOf, ESCALATION_SCHEDULE_GROUP, VERIFY_SCHEDULE_GROUP } from '../../shared/config/names';
import { noSubscriberFix } from '../../shared/config/tier-subscribers';
import { killSwitchStateOf } from '../../shared/guard/kill-switch';
import { TIMER_HANDLER, type ExpectedTier, type PreflightExpectations } from './expectations';
import { APPROVAL_TOPIC_ACTIONS, checkApprovalTopics } from './approval-topic-checks';
import { probeAccount } from './bus-policy-checks';
import { checkFailoverRecords, FAILOVER_RECORD_ACTIONS } from './failover-record-checks';
import { checkHealthTopic } from './health-topic-checks';
import { checkScheduleDelivery, SCHEDULE_DELIVERY_ACTIONS } from './schedule-delivery-checks';
import { checkSweepMetricAlarms, SWEEP_METRIC_ALARM_ACTIONS } from './sweep-metric-alarm-checks';
import { TOPIC_REACH_ACTIONS } from './topic-reach';
import { simulateGroups } from './handler-checks';
import { judgeServiceTrust, type ServiceTrustVerdict, type TrustSource } from './service-trust';
import { awsErrorName, couldNotCheck, fail, guardedCheck, isAccessDenied, pass, warn, type CheckResult, type PreflightClients, type PreflightTarget } from './types';

export interface ExpectedDocument {
  name: string;
  /** The content as deployed to this environment (its `${Deploy.…}` tokens filled in). */
  content: unknown;
  /** The account it is registered in, when known (cross-account mode: the workload's documents are there). */
  account?: string;
}

// The content hash preflight compares, shared with the deploy's version cleanup (shared/runbooks/document-versions.ts).
export { canonicalJson, contentHash };

async function checkKillSwitch(clients: PreflightClients, expected: PreflightExpectations): Promise<CheckResult> {
  const name = expected.killSwitchParameter;
  const putOff = `aws ssm put-parameter --region ${expected.region} --name ${name} --value off --overwrite (after checking why it was engaged; each region has its own switch)`;
  try {
    const value = (await clients.ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
    // The handlers' own rule (shared/guard/kill-switch.ts): what preflight says is what they will do.
    return !killSwitchStateOf(name, value).engaged
      ? pass('plumbing', 'kill-switch', name, `kill switch ${name} says "off": automation is on`)
      : fail('plumbing', 'kill-switch', name, `kill switch ${name} says "${value ?? ''}": the automation changes nothing, it only plans, reports and pages (anything but "off" engages it)`, putOff);
  } catch (error) {
    if (awsErrorName(error) !== 'ParameterNotFound') throw error;
    return fail('plumbing', 'kill-switch', name, `kill switch ${name} does not exist: the automation changes nothing, it only plans, reports and pages (a missing switch fails closed)`, 'deploy the runbook stack: it creates the switch as "off"');
  }
}

/** The filter policy infra writes on each email subscription (infra/lib/constructs/escalation-topics.ts). */
export const EMAIL_FILTER_POLICY = { channel: ['email'] } as const;

async function checkTiers(clients: PreflightClients, expected: PreflightExpectations, target: PreflightTarget): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const tier of expected.tiers) {
    const topicArn = `arn:${target.partition}:sns:${target.region}:${target.account}:${tier.topicName}`;
    let confirmed = 0;
    let pending = 0;
    const protocols = new Set<string>();
    const subscriptions: Subscription[] = [];
    try {
      for await (const page of paginateListSubscriptionsByTopic({ client: clients.sns }, { TopicArn: topicArn })) {
        for (const s of page.Subscriptions ?? []) {
          subscriptions.push(s);
          if (s.SubscriptionArn?.startsWith('arn:')) {
            confirmed += 1;
            if (s.Protocol) protocols.add(s.Protocol);
          } else if (s.SubscriptionArn === 'PendingConfirmation') pending += 1;
        }
      }
    } catch (error) {
      if (awsErrorName(error) !== 'NotFoundException' && awsErrorName(error) !== 'NotFound') throw error;
      results.push(fail('plumbing', 'tier-topic', tier.name, `L${tier.level} ${tier.name}: topic ${tier.topicName} does not exist`, 'deploy the runbook stack: it creates one topic per tier'));
      continue;
    }
    const subscribe = noSubscriberFix(expected.environment, tier, pending > 0);
    results.push(
      confirmed > 0
        ? pass('plumbing', 'tier-subscription', tier.name, `L${tier.level} ${tier.name}: ${confirmed} confirmed subscription(s) (${[...protocols].sort().join(', ')})${pending ? `, ${pending} pending` : ''}`)
        : fail('plumbing', 'tier-subscription', tier.name, `L${tier.level} ${tier.name}: no confirmed subscription on ${tier.topicName}${pending ? ` (${pending} pending confirmation)` : ''}: an escalation to this tier reaches nobody`, subscribe),
    );
    results.push(...(await checkTierPeople(clients, expected.environment, tier, subscriptions)));
  }
  return results;
}

/**
 * Review 12 R12-5: the topic's policy cannot refuse Unsubscribe or SetSubscriptionAttributes (SNS accepts neither in a
 * topic policy: decision 205), so a role with sns:* may remove a tier's people or re-filter their subscriptions so that
 * every page is dropped while escalate records it SENT. Here each configured address is compared with the live
 * subscriptions: missing, pending, or filtered otherwise than infra writes is named; an email subscriber the
 * configuration does not name (it receives every page of the tier) is warned about. Nothing when no address is configured
 * and no email subscription exists (the sandbox's queues, a Slack-only tier).
 */
async function checkTierPeople(clients: PreflightClients, environment: string, tier: ExpectedTier, subscriptions: readonly Subscription[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const field = `environments.${environment}.escalation.tiers[] (level ${tier.level}).emails`;
  const label = `L${tier.level} ${tier.name}`;
  const emailSubscriptions = subscriptions.filter((s) => s.Protocol === 'email' || s.Protocol === 'email-json');
  const configured = new Set(tier.emails.map((e) => e.toLowerCase()));
  for (const address of tier.emails) {
    const mine = emailSubscriptions.filter((s) => s.Protocol === 'email' && (s.Endpoint ?? '').toLowerCase() === address.toLowerCase());
    const live = mine.filter((s) => s.SubscriptionArn?.startsWith('arn:'));
    if (live.length === 0) {
      results.push(
        mine.length > 0
          ? warn('plumbing', 'tier-people', `${tier.name} ${address}`, `${label}: ${address} has not confirmed its subscription: pages to this tier do not reach it until it follows the link in the email AWS sent it`, `${address} follows the confirmation link (valid for 3 days; after that remove it from ${field} and deploy, then add it back and deploy)`)
          : fail(
              'plumbing',
              'tier-people',
              `${tier.name} ${address}`,
              `${label}: ${address} is configured but not subscribed to ${tier.topicName} (unsubscribed outside the deployment, its footer link or a role with sns:Unsubscribe, or the deployment not run since it was added): pages to this tier do not reach it`,
              `if the deployment has not run since ${address} was added: deploy (cdk deploy). Otherwise CloudFormation does not re-create a subscription removed outside it while the template is unchanged: remove ${address} from ${field} and deploy, then add it back and deploy; it confirms the email AWS sends. Who removed it: CloudTrail Unsubscribe (an unsigned unsubscribe from the email's link is not logged)`,
            ),
      );
      continue;
    }
    for (const s of live) {
      const arn = s.SubscriptionArn ?? '';
      let attributes: Record<string, string>;
      try {
        attributes = (await clients.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }))).Attributes ?? {};
      } catch (error) {
        if (!isAccessDenied(error)) throw error;
        results.push(couldNotCheck('plumbing', `${tier.name} ${address}'s filter policy`, error, ['sns:GetSubscriptionAttributes']));
        continue;
      }
      const problems = filterProblems(attributes);
      results.push(
        problems.length === 0
          ? pass('plumbing', 'tier-people', `${tier.name} ${address}`, `${label}: ${address} is subscribed with infra's filter policy ${canonicalJson(EMAIL_FILTER_POLICY)}`)
          : fail(
              'plumbing',
              'tier-people',
              `${tier.name} ${address}`,
              `${label}: ${address}'s subscription ${arn} is not as the deployment wrote it: ${problems.join('; ')}: what reaches it is no longer what the deployment decided (a filter can drop every page while escalate records it sent)`,
              // set-subscription-attributes takes one attribute per call: a moved scope is a second command, run first.
              `${attributes.FilterPolicyScope && attributes.FilterPolicyScope !== 'MessageAttributes' ? `${setSubscriptionAttribute(arn, 'FilterPolicyScope', 'MessageAttributes')} && ` : ''}${setSubscriptionAttribute(arn, 'FilterPolicy', `'${canonicalJson(EMAIL_FILTER_POLICY)}'`)} (the topic's policy cannot govern this call; who changed it: CloudTrail SetSubscriptionAttributes)`,
            ),
      );
    }
  }
  for (const s of emailSubscriptions) {
    if (configured.has((s.Endpoint ?? '').toLowerCase()) && s.Protocol === 'email') continue;
    const arn = s.SubscriptionArn ?? '';
    results.push(
      warn(
        'plumbing',
        'tier-people',
        `${tier.name} ${s.Endpoint ?? '?'}`,
        `${label}: ${s.Protocol ?? 'email'} subscriber ${s.Endpoint ?? '?'} on ${tier.topicName} is not in the configuration (${field}): it receives every page of this tier${arn.startsWith('arn:') ? '' : ' once confirmed'}`,
        `add it to ${field} and deploy if it belongs; otherwise ${arn.startsWith('arn:') ? `aws sns unsubscribe --subscription-arn ${arn}` : 'nobody follows its confirmation link (valid for 3 days)'}`,
      ),
    );
  }
  return results;
}

/** Pure: how a subscription's filter differs from infra's (FilterPolicy {"channel":["email"]} on message attributes). */
export function filterProblems(attributes: Record<string, string>): string[] {
  const problems: string[] = [];
  const want = canonicalJson(EMAIL_FILTER_POLICY);
  const raw = attributes.FilterPolicy;
  let have: string | undefined;
  try {
    have = raw === undefined || raw === '' ? undefined : canonicalJson(JSON.parse(raw));
  } catch {
    have = raw;
  }
  if (have !== want) problems.push(`FilterPolicy ${have ?? '(none)'}, infra writes ${want}`);
  const scope = attributes.FilterPolicyScope;
  if (scope !== undefined && scope !== 'MessageAttributes') problems.push(`FilterPolicyScope ${scope}, infra's filter is on MessageAttributes`);
  return problems;
}

/**
 * DescribeSeverityLevels answers only on a Business or Enterprise support plan (SubscriptionRequiredException on Basic
 * and Developer). Asked in every environment: without the plan, production (whose path the document gives with AWS
 * Support in it) and any environment whose tiers include the AWS Support tier FAIL; another environment is warned.
 */
async function checkSupport(clients: PreflightClients, expected: PreflightExpectations): Promise<CheckResult> {
  const subject = 'AWS Support API';
  const { environment, support } = expected;
  try {
    const levels = (await clients.support.send(new DescribeSeverityLevelsCommand({ language: 'en' }))).severityLevels ?? [];
    const codes = levels.map((l) => l.code ?? '');
    if (!support.enabled) {
      return pass('plumbing', 'support-api', subject, `DescribeSeverityLevels answers (${codes.join(', ')}); no AWS Support case is opened in ${environment} (supportCase disabled or no AWS Support tier)`);
    }
    return codes.includes(support.severityCode)
      ? pass('plumbing', 'support-api', subject, `DescribeSeverityLevels answers (${codes.join(', ')}): the support tier can open a case of severity ${support.severityCode}`)
      : fail('plumbing', 'support-api', subject, `severity ${support.severityCode} is not offered (${codes.join(', ')}): "critical" needs Enterprise support`, 'lower supportCase.severityCode, or upgrade the support plan');
  } catch (error) {
    if (awsErrorName(error) !== 'SubscriptionRequiredException') throw error;
    const refused = 'DescribeSeverityLevels is refused (SubscriptionRequiredException): the account is on Basic or Developer support, and the AWS Support API needs a Business or Enterprise plan';
    if (environment === 'production' || support.enabled || support.tierIncluded) {
      const why = support.enabled ? 'the AWS Support tier cannot open a case' : support.tierIncluded ? 'its AWS Support tier reaches AWS by its topic only' : 'production has no AWS Support to escalate to';
      return fail(
        'plumbing',
        'support-api',
        subject,
        `${refused}: ${why}`,
        `upgrade the account's support plan to Business or Enterprise (AWS Support Center, "Change plan")${support.enabled ? `, or set environments.${environment}.escalation.supportCase.enabled to false` : ''}`,
      );
    }
    return warn('plumbing', 'support-api', subject, `${refused}; ${environment}'s tiers do not include AWS Support, so nothing here needs it`, `before adding the AWS Support tier to ${environment}, upgrade the account's support plan to Business or Enterprise`);
  }
}

/** Each document at its expected content hash, read with `clients` (the account it is registered in). */
export async function checkDocuments(clients: PreflightClients, documents: readonly ExpectedDocument[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const doc of documents) {
    const want = contentHash(doc.content);
    const where = doc.account ? ` in account ${doc.account}` : '';
    let got;
    try {
      got = await clients.ssm.send(new GetDocumentCommand({ Name: doc.name }));
    } catch (error) {
      if (awsErrorName(error) !== 'InvalidDocument') throw error;
      results.push(fail('plumbing', 'ssm-document', doc.name, `SSM document ${doc.name} is not registered${where}`, 'deploy the runbook stack: it registers runbooks/*.yaml'));
      continue;
    }
    const live = got.DocumentFormat === 'JSON' ? (JSON.parse(got.Content ?? 'null') as unknown) : (parse(got.Content ?? '') as unknown);
    const have = contentHash(live);
    // Its own reads: a refused ListDocumentVersions (or GetDocument of a version) is a could-not-check for this
    // document's versions; the content check of the default stands.
    let versions: { result: CheckResult; reviewed?: string } | { error: unknown };
    try {
      versions = await checkDocumentVersions(clients, doc.name, where, have === want ? undefined : want);
    } catch (error) {
      versions = { error };
    }
    const reviewed = 'result' in versions ? versions.reviewed : undefined;
    const region = await clients.ssm.config.region();
    results.push(
      have === want
        ? pass('plumbing', 'ssm-document', doc.name, `SSM document ${doc.name}${where} (version ${got.DocumentVersion ?? '?'}) at the expected content hash ${want.slice(0, 12)}`)
        : fail(
            'plumbing',
            'ssm-document',
            doc.name,
            `SSM document ${doc.name}${where} (version ${got.DocumentVersion ?? '?'}) has content hash ${have.slice(0, 12)}, expected ${want.slice(0, 12)}: it is not what runbooks/${doc.name}.yaml deploys${reviewed !== undefined ? `; version ${reviewed} is` : ''}`,
            reviewed !== undefined
              ? `make version ${reviewed} (the deployed content) the default again: ${setDefaultVersionCommand(doc.name, reviewed, region)}`
              : 'register the reviewed content as the default: deploy the runbook stack with a change to this document (CloudFormation updates a document only when its template content changes), or aws ssm update-document with runbooks/' + doc.name + '.yaml as rendered for this environment, then update-document-default-version',
          ),
    );
    results.push('result' in versions ? versions.result : couldNotCheck('plumbing', `versions of SSM document ${doc.name}${where}`, versions.error, ['ssm:ListDocumentVersions', 'ssm:GetDocument']));
  }
  return results;
}

/**
 * A deployed document with versions besides its default: each is still startable by number, and an earlier one may lack
 * a later check (the FailoverToDR before decision 202 lets an approver approve their own run): FAIL naming them and the
 * commands that delete them (review 13 R13-15, decision 233; a deploy that changes a document deletes them too). When the
 * default is not the deployed content (`reviewedHash` given), the version that is (if any) is found and never offered
 * for deletion: it is made the default first (review 15, R15-7).
 */
async function checkDocumentVersions(clients: PreflightClients, name: string, where: string, reviewedHash: string | undefined): Promise<{ result: CheckResult; reviewed?: string }> {
  const versions = await documentVersions(clients.ssm, name);
  if (versions.superseded.length === 0) {
    return { result: pass('plumbing', 'ssm-document-versions', name, `SSM document ${name}${where} has its default version ${versions.defaultVersion} only: no earlier version can be started`) };
  }
  const region = await clients.ssm.config.region();
  const reviewed = reviewedHash === undefined ? undefined : await versionWithContent(clients.ssm, name, versions.superseded, reviewedHash);
  const message = `SSM document ${name}${where} has ${versions.superseded.length} version(s) besides its default ${versions.defaultVersion}: ${versions.superseded.join(', ')}; anyone who may start it can start one of them by number (--document-version), without the checks added since`;
  const deletes = (list: readonly string[]): string => list.map((v) => deleteVersionCommand(name, v, region)).join(' ; ');
  if (reviewed !== undefined) {
    const others = [...versions.superseded.filter((v) => v !== reviewed), versions.defaultVersion].sort((a, b) => Number(a) - Number(b));
    return {
      reviewed,
      result: fail('plumbing', 'ssm-document-versions', name, `${message}; version ${reviewed} is the deployed content, the default is not`, `first make version ${reviewed} the default again: ${setDefaultVersionCommand(name, reviewed, region)} ; then delete the others (never ${reviewed}): ${deletes(others)}`),
    };
  }
  if (reviewedHash !== undefined) {
    return { result: fail('plumbing', 'ssm-document-versions', name, `${message}; none of them is the deployed content either`, `first register the deployed content (the ssm-document line), then delete the others: ${deletes(versions.superseded)}`) };
  }
  return { result: fail('plumbing', 'ssm-document-versions', name, message, `delete them (the default is kept): ${deletes(versions.superseded)}; a deploy of the runbook stack that changes a runbook document deletes them too`) };
}

/** The service principal EventBridge Scheduler assumes a schedule's execution role as. */
export const SCHEDULER_SERVICE = 'scheduler.amazonaws.com';
/** The service principal Automation assumes a document's AutomationAssumeRole as. */
export const AUTOMATION_SERVICE = 'ssm.amazonaws.com';
/** An execution id no run has: the aws:SourceArn of "an Automation execution" in the automation role's trust probes. */
export const PROBE_EXECUTION_ID = 'runbook-preflight-probe';

/** A schedule group's ARN, as Scheduler names it in aws:SourceArn (EventBridge Scheduler User Guide, "Confused deputy prevention"). */
export function scheduleGroupArn(target: PreflightTarget, account: string, group: string): string {
  return `arn:${target.partition}:scheduler:${target.region}:${account}:schedule-group/${group}`;
}

/**
 * Pure: a role's trust verdict (service-trust.ts) as its check line. Not named, another principal admitted, or the
 * service refused for its own resource: FAIL (the real AssumeRole fails, or someone else may act as the service);
 * admitted for a probe too: WARN naming the condition infra's trust has; else PASS naming what was refused.
 */
export function trustResult(
  verdict: ServiceTrustVerdict,
  c: { check: string; subject: string; role: string; service: string; own: TrustSource; impact: string; extra: string; fix: string; infraTrust: string },
): CheckResult {
  switch (verdict.kind) {
    case 'not-named':
      return fail('plumbing', c.check, c.subject, `${c.role} exists, but its trust does not let ${c.service} assume it: ${c.impact}`, c.fix);
    case 'foreign':
      return fail('plumbing', c.check, c.subject, `${c.role} exists, but its trust admits principals other than ${c.service}: ${verdict.principals.join('; ')}: they may assume it and ${c.extra}`, `${c.fix} (its trust: ${c.infraTrust})`);
    case 'refused':
      return fail(
        'plumbing',
        c.check,
        c.subject,
        `${c.role} exists, but its trust does not admit ${c.service} for ${c.own.what} (aws:SourceAccount ${c.own.account}, aws:SourceArn ${c.own.sourceArn}; sts:AssumeRole: ${verdict.decision}, iam:SimulateCustomPolicy): ${c.impact}`,
        `${c.fix} (its trust: ${c.infraTrust}); a trust edited by hand to name another group, account or execution, or a Deny of the service, refuses the real call`,
      );
    case 'too-wide':
      return warn(
        'plumbing',
        c.check,
        c.subject,
        `${c.role} admits ${c.service} for ${c.own.what}, and also for ${verdict.admitted.map((p) => p.what).join(', and ')} (iam:SimulateCustomPolicy): its trust lacks infra's ${[...new Set(verdict.admitted.map((p) => p.condition ?? 'confining'))].join(' and ')} condition`,
        `${c.fix} (its trust: ${c.infraTrust})`,
      );
    case 'admitted':
      return pass('plumbing', c.check, c.subject, `${c.role} exists and ${c.service} may assume it for ${c.own.what}, and not for ${verdict.refused.map((p) => p.what).join(' nor for ')} (iam:SimulateCustomPolicy)`);
  }
}

/**
 * Each schedule group exists, and its role: exists, trusts EventBridge Scheduler for schedules of that group (its
 * conditions judged by iam:SimulateCustomPolicy with the aws:SourceAccount / aws:SourceArn Scheduler sets, and refused
 * for the other lane's group and another account's: review 13 R13-8), and may invoke the lane's one target
 * (escalation-timer, verify-change), simulated with iam:SimulatePrincipalPolicy on the target's real ARN as the handler
 * roles are. A role that exists but may not invoke fails every timer of its lane (review 11a, finding 3: L2, L3 and L4
 * never paged, the ladder stopping at L1 without anyone being told).
 */
async function checkScheduler(clients: PreflightClients, expected: PreflightExpectations, target: PreflightTarget): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const group of expected.scheduleGroups) {
    try {
      const got = await clients.scheduler.send(new GetScheduleGroupCommand({ Name: group.name }));
      results.push(pass('plumbing', 'schedule-group', group.name, `Scheduler group ${group.name} exists (${got.State ?? '?'})`));
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
      results.push(fail('plumbing', 'schedule-group', group.name, `Scheduler group ${group.name} does not exist: timers cannot be created`, 'deploy the runbook stack'));
    }
    const lane = group.targetFunctionName.endsWith(`-${TIMER_HANDLER}`)
      ? 'every escalation timer fails: the ladder stops at the first tier, and nobody is told'
      : `every schedule of ${group.name} fails: no health check runs after a change`;
    let trust: string | undefined;
    try {
      trust = (await clients.iam.send(new GetRoleCommand({ RoleName: group.roleName }))).Role?.AssumeRolePolicyDocument;
    } catch (error) {
      if (awsErrorName(error) !== 'NoSuchEntityException' && awsErrorName(error) !== 'NoSuchEntity') throw error;
      results.push(fail('plumbing', 'scheduler-role', group.roleName, `Scheduler role ${group.roleName} does not exist: schedules in ${group.name} cannot invoke their target: ${lane}`, 'deploy the runbook stack'));
      continue;
    }
    const roleArn = `arn:${target.partition}:iam::${target.account}:role/${group.roleName}`;
    const groupArn = scheduleGroupArn(target, target.account, group.name);
    const otherLane = group.name === ESCALATION_SCHEDULE_GROUP ? VERIFY_SCHEDULE_GROUP : ESCALATION_SCHEDULE_GROUP;
    const stranger = probeAccount(target.account);
    const own: TrustSource = { what: `schedules of group ${group.name}`, account: target.account, sourceArn: groupArn };
    const probes: TrustSource[] = [
      { what: `group ${otherLane} (the other lane)`, account: target.account, sourceArn: scheduleGroupArn(target, target.account, otherLane), condition: 'aws:SourceArn' },
      { what: `group ${group.name} of ${stranger}, an account not configured`, account: stranger, sourceArn: scheduleGroupArn(target, stranger, group.name), condition: 'aws:SourceAccount' },
    ];
    const infraTrust = `${SCHEDULER_SERVICE} with StringEquals aws:SourceAccount ${target.account} and ArnEquals aws:SourceArn ${groupArn}`;
    let verdict: ServiceTrustVerdict | undefined;
    try {
      verdict = await judgeServiceTrust(clients, { trust, roleArn, service: SCHEDULER_SERVICE, own, probes });
    } catch (error) {
      // The trust could not be judged (the simulation refused): named, and the grant below still checked.
      results.push(couldNotCheck('plumbing', `trust of Scheduler role ${group.roleName}`, error, ['iam:SimulateCustomPolicy']));
    }
    if (verdict) {
      const judged = trustResult(verdict, {
        check: 'scheduler-role',
        subject: group.roleName,
        role: `Scheduler role ${group.roleName}`,
        service: `EventBridge Scheduler (${SCHEDULER_SERVICE})`,
        own,
        impact: lane,
        extra: `invoke ${group.targetFunctionName} as the timers do`,
        fix: 'deploy the runbook stack: it writes the trust',
        infraTrust,
      });
      results.push(judged);
      if (judged.status === 'FAIL') continue;
    }
    const functionArn = `arn:${target.partition}:lambda:${target.region}:${target.account}:function:${group.targetFunctionName}`;
    results.push(
      ...(await guardedCheck('plumbing', `Scheduler role ${group.roleName}`, ['iam:SimulatePrincipalPolicy'], async () => {
        const { denied } = await simulateGroups(clients.iam, roleArn, [{ actions: ['lambda:InvokeFunction'], resources: [functionArn], context: [] }]);
        return denied.length === 0
          ? pass('plumbing', 'scheduler-role-permissions', group.roleName, `Scheduler role ${group.roleName} may invoke ${group.targetFunctionName} (lambda:InvokeFunction on ${functionArn})`)
          : fail(
              'plumbing',
              'scheduler-role-permissions',
              group.roleName,
              `Scheduler role ${group.roleName} is denied ${denied.join('; ')}: ${lane}`,
              'deploy the runbook stack: it grants the role lambda:InvokeFunction on its lane\'s target only; an explicit deny comes from an SCP or permission boundary: ask the account\'s administrators',
            );
      })),
    );
  }
  return results;
}

/** Pure: each aws:approve step's Approvers in the documents as deployed, principal ARN -> the documents that name it. */
export function documentApprovers(documents: readonly ExpectedDocument[]): Map<string, string[]> {
  const approvers = new Map<string, string[]>();
  for (const doc of documents) {
    const steps = (doc.content as { mainSteps?: Array<{ action?: unknown; inputs?: { Approvers?: unknown } }> } | null)?.mainSteps ?? [];
    for (const step of steps) {
      if (step.action !== 'aws:approve') continue;
      const named = step.inputs?.Approvers;
      for (const arn of Array.isArray(named) ? named.map(String) : named === undefined ? [] : [String(named)]) {
        const docs = approvers.get(arn) ?? [];
        if (!docs.includes(doc.name)) docs.push(doc.name);
        approvers.set(arn, docs);
      }
    }
  }
  return approvers;
}

/** A region of each partition that is not `region` (the probe when the environment has no other region). */
const SPARE_REGIONS: Readonly<Record<string, readonly string[]>> = { aws: ['us-east-1', 'us-west-2'], 'aws-us-gov': ['us-gov-west-1', 'us-gov-east-1'], 'aws-cn': ['cn-north-1', 'cn-northwest-1'] };

/** Pure: the regions whose executions the automation role's trust must refuse: the environment's others, or one spare. */
export function automationProbeRegions(target: PreflightTarget, otherRegions: readonly string[]): string[] {
  const others = otherRegions.filter((r) => r !== target.region);
  if (others.length > 0) return [...others];
  const spare = (SPARE_REGIONS[target.partition] ?? SPARE_REGIONS.aws ?? []).find((r) => r !== target.region);
  return spare ? [spare] : [];
}

const isNoSuchEntity = (error: unknown): boolean => awsErrorName(error) === 'NoSuchEntityException' || awsErrorName(error) === 'NoSuchEntity';

/**
 * The role the documents registered here run as (the stack's automation role of this region, which the DR documents pin
 * as their only AutomationAssumeRole): it exists and Systems Manager may assume it. And each principal their aws:approve
 * steps name, in this account: it exists (a role or a user). Without them a run fails at its first step, or waits at
 * its approval until it times out, with nobody able to answer it (review 11a, finding 3; decision 200's "not done").
 * An approver of another account cannot be read from here: a WARN says so.
 */
async function checkAutomationPrincipals(clients: PreflightClients, expected: PreflightExpectations, target: PreflightTarget, documents: readonly ExpectedDocument[]): Promise<CheckResult[]> {
  if (documents.length === 0) return [];
  const results: CheckResult[] = [];
  const roleName = automationRoleNameOf(target.region);
  let trust: string | undefined;
  let exists = true;
  try {
    trust = (await clients.iam.send(new GetRoleCommand({ RoleName: roleName }))).Role?.AssumeRolePolicyDocument;
  } catch (error) {
    if (!isNoSuchEntity(error)) throw error;
    exists = false;
  }
  const pinned = documents.filter((d) => JSON.stringify(d.content).includes(`:role/${roleName}`)).map((d) => d.name);
  const impact =
    pinned.length === 0
      ? 'a run given it as AutomationAssumeRole fails at its first step'
      : `${pinned.join(', ')} ${pinned.length === 1 ? 'runs as it and no other role: it fails' : 'run as it and no other role: they fail'} at the first step`;
  if (!exists) {
    results.push(fail('plumbing', 'automation-role', roleName, `automation role ${roleName} does not exist: ${impact}`, 'deploy the runbook stack: it creates the role'));
  } else {
    // Automation names the execution as aws:SourceArn (Systems Manager User Guide, "Cross-service confused deputy
    // prevention"); infra's trust admits this account's executions of the role's own region (decision 250).
    const execution = (account: string): string => `arn:${target.partition}:ssm:${target.region}:${account}:automation-execution/${PROBE_EXECUTION_ID}`;
    const stranger = probeAccount(target.account);
    const own: TrustSource = { what: `an Automation execution of ${target.account}`, account: target.account, sourceArn: execution(target.account) };
    // Decision 250: an execution of this account in another region (the environment's other regions, where the same
    // documents are registered, or one region it does not use) must be refused too. A role deployed before 250 admits them.
    const regionProbes: TrustSource[] = automationProbeRegions(target, expected.otherRegions).map((region) => ({
      what: `an execution of ${target.account} in ${region}`,
      account: target.account,
      sourceArn: `arn:${target.partition}:ssm:${region}:${target.account}:automation-execution/${PROBE_EXECUTION_ID}`,
      condition: 'aws:SourceArn',
    }));
    const probes: TrustSource[] = [{ what: `an execution of ${stranger}, an account not configured`, account: stranger, sourceArn: execution(stranger), condition: 'aws:SourceAccount' }, ...regionProbes];
    const roleArn = `arn:${target.partition}:iam::${target.account}:role/${roleName}`;
    const infraTrust = `${AUTOMATION_SERVICE} with StringEquals aws:SourceAccount ${target.account} and ArnLike aws:SourceArn arn:${target.partition}:ssm:${target.region}:${target.account}:automation-execution/*`;
    try {
      const verdict = await judgeServiceTrust(clients, { trust, roleArn, service: AUTOMATION_SERVICE, own, probes });
      const otherRegions = verdict.kind === 'too-wide' ? verdict.admitted.filter((p) => regionProbes.includes(p)) : [];
      if (otherRegions.length > 0) {
        results.push(
          fail(
            'plumbing',
            'automation-role',
            roleName,
            `automation role ${roleName} admits Systems Manager for ${otherRegions.map((p) => p.what).join(' and ')} (iam:SimulateCustomPolicy): its trust is not pinned to ${target.region} as decision 250 requires (a stack deployed before it): an Automation execution there, of any document given this role as AutomationAssumeRole, gets every grant of the documents that run as it, without their approval steps`,
            `redeploy the runbook stack of ${target.region} (npx cdk deploy -c environment=${expected.environment} -c region=${target.region} NotificationRunbooks-${expected.environment}-${target.region}): it writes the trust ${infraTrust}`,
          ),
        );
      } else
        results.push(
          trustResult(verdict, {
          check: 'automation-role',
          subject: roleName,
          role: `automation role ${roleName}`,
          service: `Systems Manager (${AUTOMATION_SERVICE})`,
          own,
          impact,
          extra: 'act as every document that runs as it',
            fix: 'deploy the runbook stack: it writes the trust',
            infraTrust,
          }),
        );
    } catch (error) {
      results.push(couldNotCheck('plumbing', `trust of automation role ${roleName}`, error, ['iam:SimulateCustomPolicy']));
    }
  }
  for (const [arn, docs] of documentApprovers(documents)) {
    const match = /^arn:[^:]+:iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/.exec(arn);
    const approves = `it approves ${docs.join(', ')}`;
    if (!match) {
      results.push(fail('plumbing', 'approver', arn, `approver ${arn} is not an IAM role or user ARN: ${approves}`, 'name a role or user in environments.<env>.runbookApprovers.principals and deploy'));
      continue;
    }
    const [, account = '', kind = '', name = ''] = match;
    if (account !== target.account) {
      results.push(warn('plumbing', 'approver', arn, `approver ${arn} is in account ${account}: not read from ${target.account} (${approves})`, `check it exists there: aws iam get-${kind} --${kind}-name ${name}`));
      continue;
    }
    try {
      const read = kind === 'role' ? (await clients.iam.send(new GetRoleCommand({ RoleName: name }))).Role?.Arn : (await clients.iam.send(new GetUserCommand({ UserName: name }))).User?.Arn;
      // IAM finds a role or user by its name in any case, but ExecutedBy and the approver's signal carry IAM's own ARN,
      // which the requester check compares byte for byte (review 13, R13-10): only the exact ARN is what was configured.
      if (read !== undefined && read !== arn) {
        const differs = read.toLowerCase() === arn.toLowerCase() ? 'in case' : 'in its path or name';
        results.push(
          fail(
            'plumbing',
            'approver',
            arn,
            `approver ${kind} ${name} exists, but IAM names it ${read}, which differs ${differs}: the documents compare the ARN byte for byte, so ${kind === 'role' ? 'a session of that role' : 'that user'} starting a change is not refused as its own approver, and whether Automation takes its answer is not documented (${approves})`,
            `set environments.<env>.runbookApprovers.principals to ${read} exactly and deploy`,
          ),
        );
        continue;
      }
      results.push(pass('plumbing', 'approver', arn, `approver ${kind} ${name} exists (${approves})`));
    } catch (error) {
      if (!isNoSuchEntity(error)) throw error;
      const alone = documentApprovers(documents).size === 1 ? 'nobody can answer their approval steps: a run waits there until it times out' : 'it cannot answer their approval steps';
      results.push(
        fail(
          'plumbing',
          'approver',
          arn,
          `approver ${kind} ${name} does not exist: ${alone} (${approves})`,
          `create the ${kind} for the people who approve, or name existing principals in environments.<env>.runbookApprovers.principals and deploy`,
        ),
      );
    }
  }
  return results;
}

/** Each part guarded on its own: one refused read is a FAIL naming its permission, and the others still run. */
export async function checkPlumbing(clients: PreflightClients, expected: PreflightExpectations, target: PreflightTarget, documents: readonly ExpectedDocument[]): Promise<CheckResult[]> {
  return [
    ...(await guardedCheck('plumbing', `kill switch ${expected.killSwitchParameter}`, ['ssm:GetParameter'], () => checkKillSwitch(clients, expected))),
    ...(await guardedCheck('plumbing', 'tier subscriptions', ['sns:ListSubscriptionsByTopic', 'sns:GetSubscriptionAttributes'], () => checkTiers(clients, expected, target))),
    ...(await guardedCheck('plumbing', 'the automation health topic', TOPIC_REACH_ACTIONS, () => checkHealthTopic(clients, expected, target))),
    ...(await guardedCheck('plumbing', 'AWS Support API', ['support:DescribeSeverityLevels'], () => checkSupport(clients, expected))),
    ...(await guardedCheck('plumbing', 'SSM documents', ['ssm:GetDocument'], () => checkDocuments(clients, documents))),
    ...(await guardedCheck('plumbing', 'Scheduler groups and roles', ['scheduler:GetScheduleGroup', 'iam:GetRole', 'iam:SimulateCustomPolicy'], () => checkScheduler(clients, expected, target))),
    ...(await guardedCheck('plumbing', "the schedules' failed deliveries", SCHEDULE_DELIVERY_ACTIONS, () => checkScheduleDelivery(clients, expected, target))),
    ...(await guardedCheck('plumbing', "the sweeps' health alarms", SWEEP_METRIC_ALARM_ACTIONS, () => checkSweepMetricAlarms(clients, expected, target))),
    ...(await guardedCheck('plumbing', 'the approval topic', APPROVAL_TOPIC_ACTIONS, () => checkApprovalTopics(clients, expected, documents))),
    ...(await guardedCheck('plumbing', 'the Route 53 failover record pair', FAILOVER_RECORD_ACTIONS, () => checkFailoverRecords(clients, expected, documents))),
    ...(await guardedCheck('plumbing', 'automation role and approvers', ['iam:GetRole', 'iam:GetUser', 'iam:SimulateCustomPolicy'], () => checkAutomationPrincipals(clients, expected, target, documents))),
  ];
}

/** One `aws sns set-subscription-attributes` call (the API sets one attribute per call). */
function setSubscriptionAttribute(subscriptionArn: string, name: string, value: string): string {
  return `aws sns set-subscription-attributes --region ${subscriptionArn.split(':')[3] ?? ''} --subscription-arn ${subscriptionArn} --attribute-name ${name} --attribute-value ${value}`;
}
