// Runs every preflight check against one account and region, read-only; a check that cannot read what it needs fails, naming why.
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { checkAlarms, checkRouting, type LiveRule } from './alarm-checks';
import { BUS_POLICY_ACTIONS, checkBusPolicy } from './bus-policy-checks';
import { checkDeadLetterQueues, DEAD_LETTER_ACTIONS, DEAD_LETTER_SOURCES_ACTION, workloadDeadLetterQueues } from './dead-letter-checks';
import { checkMetricFilters } from './detection-checks';
import { checkForwardingRole, FORWARDING_ROLE_ACTIONS } from './forwarding-role-checks';
import { checkAlarmForwarding, checkRemediationRoles, openWorkloadSession, PREFLIGHT_ROLE_NAME, type WorkloadClients } from './cross-account-checks';
import type { PreflightExpectations } from './expectations';
import { checkHandlers, checkRolePermissions, checkTargetedVersions, type LiveHandler } from './handler-checks';
import { checkDocuments, checkPlumbing, type ExpectedDocument } from './plumbing-checks';
import { checkResources, type DiscoveredResources } from './resource-checks';
import { invocationsOf, invokedHandlerFunctions } from '../../infra/lib/iam/invoked-functions';
import { checkInvokingRules, RULE_PERMISSION_ACTIONS, type FunctionPolicies } from './rule-permission-checks';
import { checkEscalationSweep, checkVerifySweep, SWEEP_CHECK_ACTIONS } from './sweep-checks';
import { couldNotCheck, guardedCheck, type CheckArea, type CheckResult, type PreflightClients, type PreflightTarget, type RuleTargets } from './types';

export interface PreflightReport {
  environment: string;
  account: string;
  region: string;
  /** single-account, or cross-account when the configuration's accountId (the workload) is another account. */
  mode: 'single-account' | 'cross-account';
  workloadAccount?: string;
  summary: { pass: number; warn: number; fail: number };
  checks: CheckResult[];
}

/** The read-only actions each area calls: named in its FAIL when AWS refuses one without naming it. */
export const AREA_ACTIONS: Readonly<Record<CheckArea, readonly string[]>> = {
  resources: ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes', 'lambda:GetFunctionConfiguration', 'lambda:GetFunctionConcurrency', 'lambda:ListEventSourceMappings', 'rds:DescribeDBInstances', 'apigateway:GET', 'elasticache:DescribeReplicationGroups', 'ec2:DescribeSubnets', 'ec2:DescribeRouteTables', 'ec2:DescribeNatGateways', 'ec2:DescribeInternetGateways'],
  matrix: ['lambda:GetFunctionConfiguration', 'lambda:GetFunctionConcurrency', 'rds:DescribeDBInstances'],
  alarms: ['cloudwatch:DescribeAlarms'],
  routing: ['events:DescribeRule', 'events:ListTargetsByRule', 'events:TestEventPattern'],
  handlers: ['lambda:GetFunctionConfiguration', 'lambda:GetFunctionEventInvokeConfig', 'sqs:GetQueueUrl'],
  permissions: ['iam:SimulatePrincipalPolicy'],
  plumbing: ['ssm:GetParameter', 'sns:ListSubscriptionsByTopic', 'support:DescribeSeverityLevels', 'ssm:GetDocument', 'ssm:ListDocumentVersions', 'scheduler:GetScheduleGroup', 'scheduler:ListSchedules', 'scheduler:GetSchedule', 'cloudwatch:DescribeAlarms', 'iam:GetRole', 'iam:GetUser', 'iam:SimulatePrincipalPolicy', 'iam:SimulateCustomPolicy', 'route53:ListResourceRecordSets', 'route53:GetHealthCheck', 'route53:GetHealthCheckStatus', 'sqs:GetQueueAttributes', 'sqs:ListDeadLetterSourceQueues'],
  'cross-account': ['sts:AssumeRole', 'iam:GetRole', 'iam:SimulatePrincipalPolicy', 'iam:SimulateCustomPolicy'],
};

/** An area whose reads failed (denied, throttled past retries, unreachable) is a FAIL naming the error: never a PASS. */
async function guarded<T>(area: CheckArea, fallback: T, run: () => Promise<T>, sink: CheckResult[]): Promise<T> {
  try {
    return await run();
  } catch (error) {
    sink.push(couldNotCheck(area, area, error, AREA_ACTIONS[area]));
    return fallback;
  }
}

/**
 * Single account: everything is read in the account preflight runs in. Cross-account mode (the configuration's
 * accountId is another account): the handlers, their rules and the operations plumbing there; the service's resources,
 * its alarms and their forwarding, the remediation roles and the workload's SSM documents in the workload, through the
 * read-only preflight role it offers (session "preflight"). If that role cannot be assumed, one FAIL says so and names
 * what was not checked.
 */
/**
 * Cross-account mode: `expected` with the handlers the workload's documents (those of `documents` registered there)
 * invoke, the only ones infra grants the workload's automation role (review 19 R19-14, decision 320). Else as given.
 */
export function withWorkloadInvocations(expected: PreflightExpectations, target: PreflightTarget, documents: readonly ExpectedDocument[]): PreflightExpectations {
  const workload = expected.workloadAccount !== undefined && expected.workloadAccount !== target.account ? expected.workloadAccount : undefined;
  if (!workload) return expected;
  const there = documents.filter((d) => d.account === workload).map((d) => invocationsOf(d.content));
  return { ...expected, workloadInvokedFunctions: invokedHandlerFunctions(there, expected.handlers.map((h) => h.functionName)) };
}

export async function runPreflight(
  clients: PreflightClients,
  configured: PreflightExpectations,
  target: PreflightTarget,
  documents: readonly ExpectedDocument[],
): Promise<PreflightReport> {
  const checks: CheckResult[] = [];
  const workloadAccount = configured.workloadAccount !== undefined && configured.workloadAccount !== target.account ? configured.workloadAccount : undefined;
  const expected = withWorkloadInvocations(configured, target, documents);
  let session: WorkloadClients | undefined;
  try {
    // Where the service lives: this account, or the workload through the preflight role.
    let where: PreflightClients | undefined = clients;
    if (workloadAccount) {
      const opened = await openWorkloadSession(clients, expected.environment, workloadAccount, target);
      checks.push(opened.result);
      session = opened.workload;
      where = session;
    }
    const serviceTarget = workloadAccount ? { ...target, account: workloadAccount } : target;
    const emptyFound: DiscoveredResources = { queueArns: [], functionArns: [], mappingArns: [], dbArns: [], dbParameterGroups: [], dbSubnetGroups: [] };
    const resources = where ? await guarded('resources', { results: [], found: emptyFound }, () => checkResources(where, expected, serviceTarget), checks) : { results: [], found: emptyFound };
    checks.push(...resources.results);
    const alarms = where ? await guarded('alarms', { results: [], live: new Map<string, MetricAlarm>() }, () => checkAlarms(where, expected), checks) : { results: [], live: new Map<string, MetricAlarm>() };
    checks.push(...alarms.results);
    // The metric filters behind Memory Pressure and Connection Timeout, where the alarms are (the workload in cross-account mode).
    if (where) checks.push(...(await guarded('alarms', [], () => checkMetricFilters(where, expected), checks)));
    const handlers = await guarded('handlers', { results: [], live: [] as LiveHandler[] }, () => checkHandlers(clients, expected), checks);
    const functionArns = new Map(handlers.live.flatMap((h) => (h.configuration.FunctionArn ? [[h.handler.name, h.configuration.FunctionArn] as const] : [])));
    // Every target of every rule routing reads: a handler's version or alias one targets is checked as the handler is.
    const ruleTargets: RuleTargets = new Map();
    if (where) {
      // Cross-account: the workload forwards its alarms to the project's bus here, whose rules match the workload's account.
      const route = workloadAccount ? { eventBusName: expected.eventBusName, eventAccount: workloadAccount } : {};
      if (session && workloadAccount) {
        const forwarding = { environment: expected.environment, eventBusName: expected.eventBusName, workloadAccount, target };
        const workloadRules = new Map<string, LiveRule>();
        checks.push(...(await guardedCheck('routing', `alarm forwarding in ${workloadAccount}`, ['events:DescribeRule', 'events:ListTargetsByRule', 'events:TestEventPattern'], () => checkAlarmForwarding(session!, clients, forwarding, alarms.live, workloadRules))));
        // ...and the project's bus here must admit what that rule puts on it (its resource policy; decision 102).
        checks.push(...(await guardedCheck('routing', `policy of bus ${expected.eventBusName}`, BUS_POLICY_ACTIONS, () => checkBusPolicy(session!, clients, forwarding, workloadRules))));
        // ...and the forwarding role's own side: EventBridge may assume it, and it may put events on that bus (decision 114).
        checks.push(...(await guardedCheck('routing', `forwarding role in ${workloadAccount}`, FORWARDING_ROLE_ACTIONS, () => checkForwardingRole(session!, clients, forwarding))));
      }
      checks.push(...(await guarded('routing', [], () => checkRouting(clients, expected, target, alarms.live, functionArns, route, ruleTargets), checks)));
    }
    // Each function's resource-based policy, read once in this run however many rules target it (decision 316).
    const policies: FunctionPolicies = new Map();
    // Every other rule that targets a handler: EventBridge may invoke it for that rule (its Lambda permission, decision 316).
    const ruleBus = workloadAccount ? { eventBusName: expected.eventBusName } : {};
    checks.push(...(await guardedCheck('routing', 'the rules\' Lambda permissions', RULE_PERMISSION_ACTIONS, () => checkInvokingRules(clients, expected, target, functionArns, ruleBus, policies, ruleTargets))));
    // The escalation sweep's rule, where the timers run (decision 264).
    checks.push(...(await guardedCheck('routing', 'the escalation sweep', SWEEP_CHECK_ACTIONS, () => checkEscalationSweep(clients, expected, target, policies, ruleTargets))));
    // The verify sweep's rule, where the health checks run (decision 293).
    checks.push(...(await guardedCheck('routing', 'the verify sweep', SWEEP_CHECK_ACTIONS, () => checkVerifySweep(clients, expected, target, policies, ruleTargets))));
    checks.push(...handlers.results);
    // A version or alias of a handler that a rule targets runs with its own configuration: its Timeout against the lease.
    checks.push(...(await guardedCheck('handlers', 'the versions and aliases rules target', ['lambda:GetFunctionConfiguration', 'lambda:ListAliases'], () => checkTargetedVersions(clients, handlers.live, expected.claimLeaseSeconds, ruleTargets))));
    const alarmArns = [...alarms.live.values()].flatMap((a) => (a.AlarmArn ? [a.AlarmArn] : []));
    const arnContext = {
      target,
      expected,
      found: resources.found,
      alarmArns,
      handlerFunctionArns: [...functionArns.values()],
      automationDocuments: documents.map((d) => d.name),
    };
    checks.push(...(await guarded('permissions', [], () => checkRolePermissions(clients, handlers.live, arnContext), checks)));
    // The documents registered where preflight runs; in cross-account mode the workload's are read there.
    const here = documents.filter((d) => !workloadAccount || d.account === undefined || d.account === target.account);
    const there = workloadAccount ? documents.filter((d) => d.account === workloadAccount) : [];
    checks.push(...(await guarded('plumbing', [], () => checkPlumbing(clients, expected, target, here), checks)));
    // The dead-letter queues where the handlers run: a message there is an event the automation never acted on.
    checks.push(...(await guardedCheck('plumbing', 'dead-letter queues', DEAD_LETTER_ACTIONS, () => checkDeadLetterQueues(clients, target, handlers.live))));
    // ...and in cross-account mode the workload's: the alarm events its forwarding rule could not put on the bus here.
    if (session && workloadAccount) {
      const workloadTarget = { ...target, account: workloadAccount };
      // A refused source list there is the preflight role's missing grant: infra deploys that role (workload-roles.ts).
      const grantThere = (arn: string): string => `deploy the workload's remediation roles stack: its ${PREFLIGHT_ROLE_NAME} role grants ${DEAD_LETTER_SOURCES_ACTION} on ${arn} (an explicit deny comes from an SCP or permission boundary)`;
      checks.push(...(await guardedCheck('plumbing', `dead-letter queue in ${workloadAccount}`, DEAD_LETTER_ACTIONS, () => checkDeadLetterQueues(session!, workloadTarget, [], workloadDeadLetterQueues(workloadAccount), undefined, grantThere))));
    }
    if (session && there.length > 0) checks.push(...(await guardedCheck('plumbing', `SSM documents in ${workloadAccount}`, ['ssm:GetDocument'], () => checkDocuments(session!, there))));
    if (session && workloadAccount) {
      const executionRoleArns = new Map(handlers.live.flatMap((h) => (h.configuration.Role ? [[h.handler.name, h.configuration.Role] as const] : [])));
      const context = { ...arnContext, workloadAccount, executionRoleArns, workloadFound: resources.found, workloadAlarmArns: alarmArns };
      checks.push(...(await guarded('cross-account', [], () => checkRemediationRoles(clients, session!, context), checks)));
    }
  } finally {
    session?.destroy();
  }
  const count = (status: CheckResult['status']): number => checks.filter((c) => c.status === status).length;
  return {
    environment: expected.environment,
    account: target.account,
    region: target.region,
    mode: workloadAccount ? 'cross-account' : 'single-account',
    ...(workloadAccount ? { workloadAccount } : {}),
    summary: { pass: count('PASS'), warn: count('WARN'), fail: count('FAIL') },
    checks,
  };
}

/** One line per check (PASS / WARN / FAIL), what to do under each WARN and FAIL, and the totals. */
export function renderPreflight(report: PreflightReport): string {
  const where = report.workloadAccount ? `, cross-account: workload ${report.workloadAccount}` : '';
  const lines = [`preflight ${report.environment} in account ${report.account}, ${report.region}${where} (read-only${report.workloadAccount ? ', plus sts:AssumeRole' : ''})`];
  for (const c of report.checks) {
    lines.push(`${c.status.padEnd(4)}  ${c.area.padEnd(11)}  ${c.message}`);
    if (c.fix) lines.push(`${' '.repeat(19)}-> ${c.fix}`);
  }
  const { pass, warn, fail: failed } = report.summary;
  lines.push(`${pass} passed, ${warn} warnings, ${failed} failed`);
  return lines.join('\n');
}
