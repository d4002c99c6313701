// Integration-test support: what `cdk deploy` of the runbook stack adds to a sandbox account, for `runbook preflight`.
//
// The sandbox provisions the service's topology and the automation's shared resources (alarms, rules, topics, state table,
// kill switch, schedule groups); the handlers run in-process there, so it deploys no handler function or role. This adds
// them as infra deploys them: each handler's function (Node.js 22, infra's environment variables, failures to an SQS
// queue) and execution role, whose inline policy is infra's own `scopedStatements` for the handler's declared actions
// (the same code the CDK app synthesizes), the rule targets, the scheduler roles (infra's trust, and lambda:InvokeFunction
// on the lane's target), the SSM documents as deployed to the
// environment, the service's API, and one confirmed (SQS) subscription per tier and on the automation health topic, each Scheduler lane's alarm and the sweep metric alarms. With `dr` it deploys the DR region's
// stack instead (its handlers only, infra handlersForRegion): on the shared resources sandbox/provision-dr.ts provisions
// there, plus the region's alarms and alarm rules the sandbox has not created (the diagnose-only rows').
import { APIGatewayClient, CreateRestApiCommand, GetRestApisCommand } from '@aws-sdk/client-api-gateway';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeMetricFiltersCommand, PutMetricFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ensureWatchedLogGroup, LOG_GROUP_NAME_PROPERTY, LOG_GROUP_NAMES_ENV } from '../../../custom-resources/ensure-log-groups';
import { DescribeRuleCommand, EventBridgeClient, PutPermissionCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AddPermissionCommand, CreateFunctionCommand, LambdaClient, PutFunctionEventInvokeConfigCommand } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateDocumentCommand, SSMClient } from '@aws-sdk/client-ssm';
import { join } from 'node:path';
import { ZipFile } from 'yazl';
import { decisionPublishersStatement, forwardedAlarmsStatement, sourceAbsentStatement, type BusPolicyStatement } from '../../../infra/lib/iam/bus-policy';
import { scopedStatements, type ScopeTargets } from '../../../infra/lib/iam/scoped-policy';
import { SERVICE_HANDLER_ACTIONS } from '../../../infra/lib/service-handlers';
import { sizingOf } from '../../../infra/lib/settings';
import { holdToSessionRegion } from '../../../infra/lib/iam/session-region';
import { FORWARD_ALARMS_RULE, forwardingRoleNameOf, forwardingRolePolicy, forwardingRoleTrust, PREFLIGHT_ROLE_NAME, preflightReads, preflightTrust, remediationRoleTrust } from '../../../infra/lib/iam/workload-roles';
import { handlerDeclarations } from '../../../cli/preflight/declarations';
import { preflightExpectations, HANDLER_RUNTIME, type ExpectedHandler, type PreflightExpectations } from '../../../cli/preflight/expectations';
import { deployedDocuments } from '../../../cli/preflight/index';
import { documentApprovers } from '../../../cli/preflight/plumbing-checks';
import { automationRoleNameOf, DECISION_DETAIL_TYPE, DECISION_SOURCE, DECISIONS_RULE, ESCALATION_SWEEP_RULE, KILL_SWITCH_CHANGE_DETAIL_TYPE, KILL_SWITCH_CHANGES_RULE, VERIFY_HANDLER, VERIFY_SWEEP_RULE } from '../../../shared/config/names';
import { SWEEP_SCHEDULE_EXPRESSION } from '../../../cli/preflight/sweep-checks';
import { TIMER_HANDLER } from '../../../cli/preflight/expectations';
import { forwardedAlarmsPattern } from '../../../shared/config/alarm-rules';
import { alarmStateChangePattern } from '../../../shared/config/alarm-specs';
import { disasterRecoveryScope } from '../../../shared/config/dr-scope';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { createEscalationInbox, type EscalationInbox } from '../../../sandbox/escalation-inbox';
import { APPROVAL_TOPIC_NAME } from '../../../shared/config/names';
import { AUTOMATION_HEALTH_TOPIC_NAME, DEAD_LETTER_QUEUES, DEAD_LETTER_RETENTION_DAYS, schedulerAlarmSpec, SWEEP_INPUT } from '../../../shared/config/automation-health';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { provisionAutomationHealth, schedulerAlarmInput, sweepMetricAlarmInput, type AutomationHealth } from '../../../sandbox/automation-health';
import { expectedSweepMetricAlarms } from '../../../cli/preflight/sweep-metric-alarm-checks';
import { provisionAlarms } from '../../../sandbox/provision';
import type { DrAutomation } from '../../../sandbox/provision-dr';
import type { SandboxAccount } from './sandbox-account';

export interface DeployedRunbookStack {
  handlers: ExpectedHandler[];
  /** handler -> the inline policy document its role was given (infra's statements). */
  policies: Map<string, { Version: string; Statement: Array<Record<string, unknown>> }>;
  inbox: EscalationInbox;
  /** The queue subscribed to the region's automation health topic (the first tier's stand-in). */
  health: EscalationInbox;
  /** Single account: the queue subscribed to the region's approval topic (the approvers' stand-in). */
  approvals?: EscalationInbox;
  iam: IAMClient;
  lambda: LambdaClient;
  /** Cross-account mode: the project bus's resource policy as put (infra's statements). */
  busPolicy?: BusPolicy;
  /** infra's two dead-letter queues of the region (failed invocations, undelivered events) and the health topic. */
  deadLetters: AutomationHealth;
}

export type BusPolicy = { Version: string; Statement: BusPolicyStatement[] };

const LAMBDA_TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
/** infra addAutomationRole's trust: Systems Manager, for Automation executions of this account in the role's region only (confused deputy; decision 250). */
const automationTrust = (accountId: string, region: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'ssm.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': accountId }, ArnLike: { 'aws:SourceArn': `arn:aws:ssm:${region}:${accountId}:automation-execution/*` } },
      },
    ],
  });
/** An approver role as the account's people would make it: assumable by the account's principals IAM allows. */
const APPROVER_TRUST = (accountId: string): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' }] });
/** infra EscalationTimers' trust: EventBridge Scheduler, for this account's schedules of the lane's own group only. */
const schedulerTrust = (accountId: string, groupArn: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': accountId }, ArnEquals: { 'aws:SourceArn': groupArn } },
      },
    ],
  });
/** infra EscalationTimers.watchHealth's lanes, as it describes them (escalation-routing.ts). */
export const SANDBOX_SCHEDULER_LANES = [
  { groupName: 'notification-runbooks', target: 'escalation-timer', stops: 'the escalation ladder of an open incident stops climbing', retry: 'retried for up to 15 min, then dropped' },
  { groupName: 'notification-runbooks-verify', target: 'verify-change', stops: 'the health check after an automated change never runs', retry: 'retried for up to 24 h, then dropped' },
] as const;
/** infra EscalationTimers.allowInvoke: the lane's role may invoke its one target (escalation-timer, verify-change). */
export const SCHEDULER_INVOKE_POLICY = 'invoke-target';
export const schedulerInvokePolicy = (functionArn: string): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'InvokeTarget', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: functionArn }] });

function placeholderZip(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from('export const handler = async () => ({});\n'), 'index.mjs');
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.once('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.once('error', reject);
    zip.end();
  });
}

export interface DeployOptions {
  /**
   * Cross-account mode (the configuration's accountId names this workload): the execution roles get what infra grants
   * them there (the pipeline's or their own actions, plus AssumeRole on the handler's remediation role in the workload).
   */
  workloadAccount?: string;
  /**
   * The DR region's stack instead of the primary's: its shared resources as sandbox/provision-dr.ts provisions them
   * (state table, bus, tier topics, the standby alarms); this adds the rest of what the region's stack deploys.
   */
  dr?: DrAutomation;
}

/**
 * infra WatchedAlarms' metric filters (metricFilterSpecs) that do not exist yet, as infra deploys them: each log group made
 * sure of first by the Custom::WatchedLogGroup function's own code (custom-resources/ensure-log-groups.ts, given the
 * CloudFormation request infra's template sends: CreateLogGroup, "already exists" taken as done; review 22a, R22a-5), then
 * the filter (value 1, the 504 count's ApiName dimension), which the gap proxy refuses on a missing group as CloudWatch
 * Logs does. The sandbox's primary topology already has both groups; the DR standby consumer's is missing until it runs.
 */
export async function deployMetricFilters(clientConfig: SandboxAccount['clientConfig'], expected: Pick<PreflightExpectations, 'metricFilters'>, options: { ensureLogGroups?: boolean } = {}): Promise<void> {
  const logs = new CloudWatchLogsClient(clientConfig);
  const groups = [...new Set(expected.metricFilters.map((f) => f.logGroupName))];
  const answers: Array<{ Status?: string; Reason?: string }> = [];
  const deps = {
    logs,
    put: (_url: string, body: string): Promise<number> => {
      answers.push(JSON.parse(body) as { Status?: string; Reason?: string });
      return Promise.resolve(200);
    },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    env: { [LOG_GROUP_NAMES_ENV]: groups.join(','), AWS_REGION: clientConfig.region },
  };
  try {
    // The template's order: every group's custom resource before the filters that DependsOn it.
    if (options.ensureLogGroups !== false) {
      for (const [index, logGroupName] of groups.entries()) {
        await ensureWatchedLogGroup(
          {
            RequestType: 'Create',
            ResponseURL: `https://cloudformation-custom-resource-response-${clientConfig.region.replace(/-/g, '')}.s3.amazonaws.com/sandbox?X-Amz-Signature=0`,
            StackId: `arn:aws:cloudformation:${clientConfig.region}:000000000000:stack/sandbox/00000000-0000-0000-0000-000000000000`,
            RequestId: `ensure-${index}`,
            LogicalResourceId: `WatchedAlarmsLogGroupsGroup${index}`,
            ResourceProperties: { [LOG_GROUP_NAME_PROPERTY]: logGroupName },
          },
          deps,
        );
        const answer = answers.at(-1);
        if (answer?.Status !== 'SUCCESS') throw new Error(`Custom::WatchedLogGroup ${logGroupName}: ${answer?.Status ?? 'no answer'} ${answer?.Reason ?? ''}`);
      }
    }
    for (const spec of expected.metricFilters) {
      const present = ((await logs.send(new DescribeMetricFiltersCommand({ logGroupName: spec.logGroupName, filterNamePrefix: spec.filterName }))).metricFilters ?? []).some(
        (f) => f.filterName === spec.filterName,
      );
      if (present) continue;
      await logs.send(
        new PutMetricFilterCommand({
          logGroupName: spec.logGroupName,
          filterName: spec.filterName,
          filterPattern: spec.pattern,
          metricTransformations: [{ metricNamespace: spec.namespace, metricName: spec.metricName, metricValue: spec.metricValue, ...(spec.dimensions ? { dimensions: spec.dimensions } : {}) }],
        }),
      );
    }
  } finally {
    logs.destroy();
  }
}

/** Creates the region's alarms that do not exist yet, and each alarm handler's rule (default bus) that does not. */
async function deployDrAlarmsAndRules(clientConfig: SandboxAccount['clientConfig'], events: EventBridgeClient, expected: PreflightExpectations): Promise<void> {
  const cloudWatch = new CloudWatchClient(clientConfig);
  try {
    const present = new Set(((await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: expected.alarms.map((a) => a.name) }))).MetricAlarms ?? []).map((a) => a.AlarmName));
    const missing = expected.alarms.filter((a) => !present.has(a.name));
    if (missing.length > 0) await provisionAlarms(cloudWatch, missing);
  } finally {
    cloudWatch.destroy();
  }
  for (const { ruleName, alarmNames } of expected.handlers.flatMap((h) => h.rules)) {
    const exists = await events.send(new DescribeRuleCommand({ Name: ruleName })).then(
      () => true,
      (error: unknown) => {
        if ((error as Error).name === 'ResourceNotFoundException') return false;
        throw error;
      },
    );
    if (!exists) await events.send(new PutRuleCommand({ Name: ruleName, EventPattern: JSON.stringify(alarmStateChangePattern(alarmNames)), State: 'ENABLED' }));
  }
}

export async function deployRunbookStack(account: SandboxAccount, options: DeployOptions = {}): Promise<DeployedRunbookStack> {
  const { topology, accountId } = account;
  const { dr } = options;
  const clientConfig = dr ? { ...account.clientConfig, region: dr.region } : account.clientConfig;
  const region = clientConfig.region;
  // What the region's stack shares with its handlers: the primary topology's, or the DR region's.
  const shared = dr ?? { stateTable: topology.stateTable, eventBus: topology.eventBus, escalationTopics: topology.escalationTopics };
  const runtime = loadRuntimeConfig({ ...process.env, AWS_REGION: region });
  const { config, environment } = runtime;
  const iam = new IAMClient(clientConfig);
  const lambda = new LambdaClient(clientConfig);
  const ssm = new SSMClient(clientConfig);
  const events = new EventBridgeClient(clientConfig);
  const apiGateway = new APIGatewayClient(clientConfig);

  const expected = preflightExpectations(config, environment, region, handlerDeclarations(options.workloadAccount ? 'cross-account' : 'single-account'));
  // The service's API, once: the sandbox's provisioning already made it where it provisions the topology (a second of the
  // same name is an ambiguity preflight and the Connection Timeout playbook both refuse to guess through).
  const apiName = expected.watched.apis[0] ?? `${config.service}-api`;
  const existing = (await apiGateway.send(new GetRestApisCommand({ limit: 500 }))).items ?? [];
  if (!existing.some((api) => api.name === apiName)) await apiGateway.send(new CreateRestApiCommand({ name: apiName }));
  // The DR region's alarms the sandbox did not create (infra WatchedAlarms: the diagnose-only rows'), and the rule of each
  // handler an alarm reaches there (infra AlarmRouting): sandbox/provision-dr.ts provisions the standby alarms only.
  if (dr) await deployDrAlarmsAndRules(clientConfig, events, expected);
  // Single account: the region's stack creates the metric filters (infra WatchedAlarms); cross-account: the workload's.
  if (!options.workloadAccount) await deployMetricFilters(clientConfig, expected);

  // infra's DeadLetterQueue pair (RunbookStack): the handlers' on-failure destination and the rule targets' dead-letter
  // queue, with their "not empty" alarms on the automation health topic.
  const deadLetters = await provisionAutomationHealth(clientConfig);
  const failedArn = deadLetters.failedInvocations.arn;

  const roleArn = (name: string): string => `arn:aws:iam::${accountId}:role/${name}`;
  for (const group of expected.scheduleGroups) {
    const groupArn = `arn:aws:scheduler:${region}:${accountId}:schedule-group/${group.name}`;
    await iam.send(new CreateRoleCommand({ RoleName: group.roleName, AssumeRolePolicyDocument: schedulerTrust(accountId, groupArn) }));
    const target = `arn:aws:lambda:${region}:${accountId}:function:${group.targetFunctionName}`;
    await iam.send(new PutRolePolicyCommand({ RoleName: group.roleName, PolicyName: SCHEDULER_INVOKE_POLICY, PolicyDocument: schedulerInvokePolicy(target) }));
  }

  // Cross-account mode: only the incident-state documents are registered here; the others go to the workload (decision 86).
  const documents = deployedDocuments(join(__dirname, '../../../runbooks'), config, environment, { account: accountId, partition: 'aws', region, ...(options.workloadAccount ? { workloadAccount: options.workloadAccount } : {}) }).filter(
    (d) => d.account === undefined || d.account === accountId,
  );
  for (const doc of documents) {
    await ssm.send(new CreateDocumentCommand({ Name: doc.name, Content: JSON.stringify(doc.content), DocumentType: 'Automation', DocumentFormat: 'JSON' }));
  }
  // The role the documents run as (infra addAutomationRole's trust: Systems Manager, for this account's executions), and
  // the roles their aws:approve steps name in this account (no stack creates those: the people who approve do; IAM is
  // global, so a second region's deploy finds them there).
  await iam.send(new CreateRoleCommand({ RoleName: automationRoleNameOf(region), AssumeRolePolicyDocument: automationTrust(accountId, region) }));
  for (const arn of documentApprovers(documents).keys()) {
    const role = new RegExp(`^arn:aws:iam::${accountId}:role/(?:.*/)?([^/]+)$`).exec(arn)?.[1];
    if (!role) continue;
    await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: APPROVER_TRUST(accountId) })).catch((error: unknown) => {
      if ((error as { name?: string }).name !== 'EntityAlreadyExistsException' && (error as { name?: string }).name !== 'EntityAlreadyExists') throw error;
    });
  }

  // As infra's stack: in the DR region every role may read the cross-region replica (the standby watch does).
  const disasterRecovery = expected.regionRole === 'dr' ? disasterRecoveryScope(config, environment, region) : undefined;
  const ownTargets: ScopeTargets = {
    partition: 'aws',
    account: accountId,
    regions: [region],
    environment,
    watched: expected.watched,
    alarmNames: expected.alarms.map((a) => a.name),
    stateTableArn: shared.stateTable.arn,
    eventBusArn: shared.eventBus.arn,
    killSwitchParameterArn: `arn:aws:ssm:${region}:${accountId}:parameter${config.killSwitchParameterName}`,
    escalationTopicArns: shared.escalationTopics.map((t) => t.arn),
    ...(disasterRecovery ? { disasterRecovery } : {}),
  };
  const zip = await placeholderZip();
  // Single account: the alarms' rules are on the default bus (the sandbox topology's); cross-account: on the project's bus.
  const onBus = options.workloadAccount ? { EventBusName: config.eventBusName } : {};
  const policies = new Map<string, { Version: string; Statement: Array<Record<string, unknown>> }>();
  /** The statement id preflight names for the rule's permission (expectations.ts invokingRules: infra's construct id). */
  const statementIdOf = (ruleName: string): string => {
    const found = expected.invokingRules.find((r) => r.ruleName === ruleName);
    if (!found) throw new Error(`no invoking rule ${ruleName} in the expectations`);
    return found.statementId;
  };
  // The Lambda permission CDK's LambdaFunction target adds for every rule that targets a function (AddPermission:
  // events.amazonaws.com, SourceArn the rule's ARN as EventBridge names it, "rule/<bus>/<name>" on a custom bus), without
  // which EventBridge never invokes it for that rule (decisions 309, 316; preflight's rule-permission and sweep checks).
  const permitRule = async (functionName: string, statementId: string, ruleArn: string | undefined): Promise<void> => {
    if (!ruleArn) throw new Error(`no ARN for the rule of ${statementId}`);
    await lambda.send(new AddPermissionCommand({ FunctionName: functionName, StatementId: statementId, Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: ruleArn }));
  };
  for (const handler of expected.handlers) {
    const targets: ScopeTargets = {
      ...ownTargets,
      ...(options.workloadAccount && handler.remediationRoleName ? { remediationRoleArns: [`arn:aws:iam::${options.workloadAccount}:role/${handler.remediationRoleName}`] } : {}),
      ...(handler.scheduleGroup && handler.schedulerRoleName ? { scheduleGroupName: handler.scheduleGroup, schedulerRoleArn: roleArn(handler.schedulerRoleName) } : {}),
    };
    const grant = scopedStatements(handler.actions, targets, `${handler.name} (sandbox deploy)`, SERVICE_HANDLER_ACTIONS[handler.name]?.narrowed);
    // infra's SqsDestination: the execution role may send to the on-failure queue (queue.grantSendMessages), the call
    // Lambda makes with it when an asynchronous invocation fails every retry (preflight simulates it, decision 291).
    const failureDelivery = { Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], Resource: failedArn };
    const policy = { Version: '2012-10-17', Statement: [...grant.statements.map((s) => s.toStatementJson() as Record<string, unknown>), failureDelivery] };
    policies.set(handler.name, policy);
    await iam.send(new CreateRoleCommand({ RoleName: handler.roleName, AssumeRolePolicyDocument: LAMBDA_TRUST }));
    await iam.send(new PutRolePolicyCommand({ RoleName: handler.roleName, PolicyName: 'declared-actions', PolicyDocument: JSON.stringify(policy) }));
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: handler.functionName,
        Runtime: HANDLER_RUNTIME,
        Role: roleArn(handler.roleName),
        Handler: 'index.handler',
        Code: { ZipFile: zip },
        // infra's timeout (settings.ts sizingOf): preflight compares the deployed one with the claim lease (decision 335).
        Timeout: sizingOf(handler.name).timeoutSeconds,
        Environment: { Variables: { ...handler.environment, RUNBOOK_ACCOUNT_ID: accountId } },
      }),
    );
    await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: handler.functionName, MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: failedArn } } }));
    // infra AlarmRouting: each rule of the handler's route (several where its names exceed one pattern: decision 351).
    for (const { ruleName, alarmNames } of handler.rules) {
      if (options.workloadAccount) {
        // infra AlarmRouting in cross-account mode: on the project's bus, the workload's alarms only (their events keep its account).
        const pattern = { ...alarmStateChangePattern(alarmNames), account: [options.workloadAccount] };
        await events.send(new PutRuleCommand({ Name: ruleName, EventBusName: config.eventBusName, EventPattern: JSON.stringify(pattern), State: 'ENABLED' }));
      }
      await events.send(new PutTargetsCommand({ Rule: ruleName, ...onBus, Targets: [{ Id: 'handler', Arn: created.FunctionArn ?? '', DeadLetterConfig: { Arn: deadLetters.undeliveredEvents.arn } }] }));
      // CDK's LambdaFunction target: EventBridge may invoke the handler for this rule (decision 316).
      const { Arn } = await events.send(new DescribeRuleCommand({ Name: ruleName, ...onBus }));
      await permitRule(handler.functionName, statementIdOf(ruleName), Arn);
    }
  }
  // infra EscalationRouting's recoveries rules: the watched alarms escalate does not handle itself, back to OK -> escalate.
  const escalate = expected.handlers.find((h) => h.name === expected.okRoute.handler);
  for (const { ruleName, alarmNames } of escalate ? expected.okRoute.recoveriesRules : []) {
    const pattern = {
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: alarmNames, state: { value: ['OK'] } },
      ...(options.workloadAccount ? { account: [options.workloadAccount] } : {}),
    };
    const { RuleArn } = await events.send(new PutRuleCommand({ Name: ruleName, ...onBus, EventPattern: JSON.stringify(pattern), State: 'ENABLED' }));
    await events.send(
      new PutTargetsCommand({ Rule: ruleName, ...onBus, Targets: [{ Id: 'escalate', Arn: `arn:aws:lambda:${region}:${accountId}:function:${escalate?.functionName ?? ''}`, DeadLetterConfig: { Arn: deadLetters.undeliveredEvents.arn } }] }),
    );
    await permitRule(escalate?.functionName ?? '', statementIdOf(ruleName), RuleArn);
  }
  // infra EscalationRouting's two other rules to escalate: the runbook decisions on the project's bus, and every change of
  // the kill switch on the default bus (SSM's Parameter Store Change), each with its permission.
  if (escalate) {
    const escalateTarget = [{ Id: 'escalate', Arn: `arn:aws:lambda:${region}:${accountId}:function:${escalate.functionName}`, DeadLetterConfig: { Arn: deadLetters.undeliveredEvents.arn } }];
    const decisions = { source: [DECISION_SOURCE], 'detail-type': [DECISION_DETAIL_TYPE], detail: { outcome: ['escalate', 'applied', 'dry-run', 'skipped'] } };
    const decisionRule = await events.send(new PutRuleCommand({ Name: DECISIONS_RULE, EventBusName: shared.eventBus.name, EventPattern: JSON.stringify(decisions), State: 'ENABLED' }));
    await events.send(new PutTargetsCommand({ Rule: DECISIONS_RULE, EventBusName: shared.eventBus.name, Targets: escalateTarget }));
    await permitRule(escalate.functionName, 'Decisions', decisionRule.RuleArn);
    const switchChanges = { source: ['aws.ssm'], 'detail-type': [KILL_SWITCH_CHANGE_DETAIL_TYPE], detail: { name: [config.killSwitchParameterName] } };
    const switchRule = await events.send(new PutRuleCommand({ Name: KILL_SWITCH_CHANGES_RULE, EventPattern: JSON.stringify(switchChanges), State: 'ENABLED' }));
    await events.send(new PutTargetsCommand({ Rule: KILL_SWITCH_CHANGES_RULE, Targets: escalateTarget }));
    await permitRule(escalate.functionName, 'KillSwitchChanges', switchRule.RuleArn);
  }
  // infra's SweepRule (decisions 264, 293): on the default bus, every 5 minutes, the function with the sweep's Input, and
  // the function's permission for that rule (CDK's LambdaFunction target adds it: events.amazonaws.com, AWS:SourceArn
  // the rule), without which EventBridge never invokes it (decision 309; preflight's sweep checks read it).
  const sweepRule = async (ruleName: string, statementId: string, functionName: string): Promise<void> => {
    const { RuleArn } = await events.send(new PutRuleCommand({ Name: ruleName, ScheduleExpression: SWEEP_SCHEDULE_EXPRESSION, State: 'ENABLED' }));
    await events.send(new PutTargetsCommand({ Rule: ruleName, Targets: [{ Id: 'sweep', Arn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`, Input: JSON.stringify(SWEEP_INPUT), DeadLetterConfig: { Arn: deadLetters.undeliveredEvents.arn } }] }));
    await permitRule(functionName, statementId, RuleArn);
  };
  // infra escalationSweep (decision 264): escalation-timer.
  const timerHandler = expected.handlers.find((h) => h.name === TIMER_HANDLER);
  if (timerHandler) await sweepRule(ESCALATION_SWEEP_RULE, 'EscalationSweep', timerHandler.functionName);
  // infra verifySweep (decision 293): the same for verify-change, where it is deployed.
  const verifyHandler = expected.handlers.find((h) => h.name === VERIFY_HANDLER);
  if (verifyHandler) await sweepRule(VERIFY_SWEEP_RULE, 'VerifySweep', verifyHandler.functionName);
  // infra's bus policy (RunbookStack, EscalationRouting), statement for statement: in cross-account mode the workload may
  // put its alarms' state changes on the project's bus; and only the decision publishers' roles the decision source.
  let busPolicy: BusPolicy | undefined;
  if (options.workloadAccount) {
    const publishers = expected.handlers.filter((h) => h.actions.includes('events:PutEvents')).map((h) => roleArn(h.roleName));
    busPolicy = { Version: '2012-10-17', Statement: [forwardedAlarmsStatement('aws', options.workloadAccount, shared.eventBus.arn), decisionPublishersStatement(shared.eventBus.arn, publishers), sourceAbsentStatement(shared.eventBus.arn, publishers)] };
    await events.send(new PutPermissionCommand({ EventBusName: config.eventBusName, Policy: JSON.stringify(busPolicy) }));
  }
  const inbox = await createEscalationInbox(clientConfig, shared, 'preflight-tier');
  // The approvers as infra subscribes them to the region's approval topic (runbookApprovers.emails; an SQS queue stands
  // in for their email, as for the tiers): single account, where the documents with an approval step are registered.
  let approvals: EscalationInbox | undefined;
  if (!options.workloadAccount) {
    const approvalTopic = { level: 0, name: 'approvers', topicName: APPROVAL_TOPIC_NAME, arn: `arn:aws:sns:${region}:${accountId}:${APPROVAL_TOPIC_NAME}` };
    approvals = await createEscalationInbox(clientConfig, { escalationTopics: [approvalTopic] }, 'preflight-approvers');
  }
  // infra's AutomationHealthTopic (every region's stack, either mode): the first tier's people subscribed with no filter
  // (an SQS queue stands in for them, as for the tiers); the topic may exist already (sandbox/automation-health.ts).
  const sns = new SNSClient(clientConfig);
  const healthTopicArn = (await sns.send(new CreateTopicCommand({ Name: AUTOMATION_HEALTH_TOPIC_NAME }))).TopicArn ?? '';
  sns.destroy();
  const health = await createEscalationInbox(clientConfig, { escalationTopics: [{ level: expected.health.level, name: 'automation health', topicName: AUTOMATION_HEALTH_TOPIC_NAME, arn: healthTopicArn }] }, 'preflight-health');
  // infra EscalationTimers.watchHealth: each lane's "failing to invoke" alarm, its ALARM action the health topic.
  const cloudWatch = new CloudWatchClient(clientConfig);
  for (const lane of SANDBOX_SCHEDULER_LANES.filter((l) => expected.scheduleGroups.some((g) => g.name === l.groupName))) {
    await cloudWatch.send(new PutMetricAlarmCommand(schedulerAlarmInput(schedulerAlarmSpec(lane), [healthTopicArn])));
  }
  // infra EscalationTimers.watchSweepMetrics: the sweep metric alarms of the handlers deployed here (decisions 300, 311).
  for (const spec of expectedSweepMetricAlarms(expected)) await cloudWatch.send(new PutMetricAlarmCommand(sweepMetricAlarmInput(spec, [healthTopicArn])));
  cloudWatch.destroy();
  for (const client of [ssm, events, apiGateway]) client.destroy();
  return { handlers: expected.handlers, policies, inbox, health, iam, lambda, deadLetters, ...(approvals ? { approvals } : {}), ...(busPolicy ? { busPolicy } : {}) };
}

export interface WorkloadSide {
  /** handler -> its remediation role, with the inline policy and trust it was given (infra's). */
  roles: Map<string, { roleName: string; policy: Record<string, unknown>; trust: Record<string, unknown> }>;
  /** The read-only preflight role, its trust naming `preflightCaller`. */
  preflightRole: { roleName: string; policy: Record<string, unknown>; trust: Record<string, unknown> };
  /** The role the forwarding rule's target puts the alarm events on the operations bus with. */
  forwardingRoleArn: string;
  /** That role (infra's name for the region), with the inline policy (`put-on-operations-bus`) and trust it was given (infra's). */
  forwardingRole: { roleName: string; policy: Record<string, unknown>; trust: Record<string, unknown> };
  /** The operations bus the forwarding rule targets. */
  busArn: string;
}

/**
 * The workload side of cross-account mode, as infra deploys it (RemediationRolesStack, WorkloadStack), from infra's own
 * pure statements (infra/lib/iam/workload-roles.ts, scopedStatements): one remediation role per handler that acts
 * there, trusted by that handler's execution role in the operations account only; the read-only preflight role, trusted
 * by `preflightCaller` only (the sandbox's operator: moto names a sandbox key's caller arn:aws:sts::<account>:user/moto);
 * the rule forwarding the alarms' state changes to the operations account's bus; the runbook documents that act on the
 * service's resources, invoking the handlers by their ARN in the operations account.
 */
export async function deployWorkloadSide(workload: SandboxAccount, operationsAccount: string, preflightCaller: string, options: { region?: string } = {}): Promise<WorkloadSide> {
  // `region`: the workload's stacks of another region than the account's (the DR region); the roles are scoped to it.
  const region = options.region ?? workload.clientConfig.region;
  const clientConfig = { ...workload.clientConfig, region };
  const { config, environment } = loadRuntimeConfig({ ...process.env, ...workload.env, AWS_REGION: region });
  const expected = preflightExpectations(config, environment, region, handlerDeclarations('cross-account'));
  const iam = new IAMClient(clientConfig);
  const events = new EventBridgeClient(clientConfig);
  const ssm = new SSMClient(clientConfig);
  const roles: WorkloadSide['roles'] = new Map();
  const document = (statements: unknown[]): Record<string, unknown> => ({ Version: '2012-10-17', Statement: statements });
  try {
    for (const handler of expected.handlers) {
      if (!handler.remediationRoleName || !handler.workloadRoleActions) continue;
      const grant = scopedStatements(
        handler.workloadRoleActions,
        { partition: 'aws', account: workload.accountId, regions: [region], environment, watched: expected.watched, alarmNames: expected.alarms.map((a) => a.name) },
        `${handler.name} (sandbox remediation role)`,
      );
      // Held to the session's region as infra holds them (decision 147): the sandbox's role serves this region's sessions.
      const statements = holdToSessionRegion(grant.statements, [region], `${handler.name} (sandbox remediation role)`);
      const policy = document(statements.map((st) => st.toStatementJson() as Record<string, unknown>));
      const trust = document(remediationRoleTrust('aws', operationsAccount, handler.name, [{ region, roleArn: `arn:aws:iam::${operationsAccount}:role/${handler.roleName}` }]));
      await iam.send(new CreateRoleCommand({ RoleName: handler.remediationRoleName, AssumeRolePolicyDocument: JSON.stringify(trust) }));
      await iam.send(new PutRolePolicyCommand({ RoleName: handler.remediationRoleName, PolicyName: 'workload-actions', PolicyDocument: JSON.stringify(policy) }));
      roles.set(handler.name, { roleName: handler.remediationRoleName, policy, trust });
    }
    const runbooks = join(__dirname, '../../../runbooks');
    const documents = deployedDocuments(runbooks, config, environment, { account: operationsAccount, partition: 'aws', region, workloadAccount: workload.accountId }).filter((d) => d.account === workload.accountId);
    const reads = preflightReads({
      partition: 'aws',
      account: workload.accountId,
      regions: [region],
      watched: expected.watched,
      caches: expected.caches,
      alarmNames: expected.alarms.map((a) => a.name),
      metricFilterLogGroups: [...new Set(expected.metricFilters.map((f) => f.logGroupName))],
      remediationHandlers: [...roles.keys()],
      documentNames: documents.map((d) => d.name),
    });
    // WorkloadStack's WatchedAlarms: the metric filters on the service's log groups there.
    await deployMetricFilters(clientConfig, expected);
    const preflightRole = { roleName: PREFLIGHT_ROLE_NAME, policy: document(reads.statements), trust: document(preflightTrust('aws', operationsAccount, [preflightCaller])) };
    await iam.send(new CreateRoleCommand({ RoleName: PREFLIGHT_ROLE_NAME, AssumeRolePolicyDocument: JSON.stringify(preflightRole.trust) }));
    await iam.send(new PutRolePolicyCommand({ RoleName: PREFLIGHT_ROLE_NAME, PolicyName: 'preflight-reads', PolicyDocument: JSON.stringify(preflightRole.policy) }));
    // WorkloadStack's forwarding rule: every watched alarm's state changes, to the project's bus in the operations account,
    // put there by infra's forwarding role of the region (trusted by EventBridge for this rule, events:PutEvents on that bus).
    const busArn = `arn:aws:events:${region}:${operationsAccount}:event-bus/${config.eventBusName}`;
    const forwarding = {
      roleName: forwardingRoleNameOf(region),
      policy: document(forwardingRolePolicy('aws', region, operationsAccount, config.eventBusName)),
      trust: document(forwardingRoleTrust('aws', workload.accountId, region)),
    };
    const created = await iam.send(new CreateRoleCommand({ RoleName: forwarding.roleName, AssumeRolePolicyDocument: JSON.stringify(forwarding.trust) }));
    await iam.send(new PutRolePolicyCommand({ RoleName: forwarding.roleName, PolicyName: 'put-on-operations-bus', PolicyDocument: JSON.stringify(forwarding.policy) }));
    const forwardingRoleArn = created.Role?.Arn ?? '';
    // infra WorkloadStack's ForwardAlarms: by the alarm-name prefix (decision 351).
    await events.send(new PutRuleCommand({ Name: FORWARD_ALARMS_RULE, EventPattern: JSON.stringify(forwardedAlarmsPattern(config)), State: 'ENABLED' }));
    // WorkloadStack's DeadLetterQueue: the alarm events EventBridge could not put on the operations bus (the target's DLQ).
    const sqs = new SQSClient(clientConfig);
    const undeliveredUrl = (await sqs.send(new CreateQueueCommand({ QueueName: DEAD_LETTER_QUEUES.undeliveredAlarmEvents.queueName, Attributes: { MessageRetentionPeriod: String(DEAD_LETTER_RETENTION_DAYS * 86400) } }))).QueueUrl ?? '';
    const undeliveredArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: undeliveredUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? '';
    sqs.destroy();
    await events.send(new PutTargetsCommand({ Rule: FORWARD_ALARMS_RULE, Targets: [{ Id: 'operations-bus', Arn: busArn, RoleArn: forwardingRoleArn, DeadLetterConfig: { Arn: undeliveredArn } }] }));
    for (const doc of documents) {
      await ssm.send(new CreateDocumentCommand({ Name: doc.name, Content: JSON.stringify(doc.content), DocumentType: 'Automation', DocumentFormat: 'JSON' }));
    }
    return { roles, preflightRole, forwardingRoleArn, forwardingRole: forwarding, busArn };
  } finally {
    iam.destroy();
    events.destroy();
    ssm.destroy();
  }
}
