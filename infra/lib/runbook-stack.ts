// The runbook automation of one environment in one region: handlers, rules, alarms, state, bus, topics, documents.
import { Annotations, CfnOutput, Duration, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import { CfnArchive, CfnEventBusPolicy, EventBus } from 'aws-cdk-lib/aws-events';
import { ArnPrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { alarmSpecs, roleOfRegion, runbooksNotRegisteredIn, watchedResources } from '../../shared/config/alarm-specs';
import { DEAD_LETTER_QUEUES } from '../../shared/config/automation-health';
import { disasterRecoveryScope } from '../../shared/config/dr-scope';
import {
  automationRoleNameOf,
  DECISION_SOURCE,
  METRICS_NAMESPACE,
  OWN_ACCOUNT_ENV,
  WORKLOAD_ACCOUNT_ENV,
  REMEDIATION_ROLE_ENV,
  SERVICE_NAME,
  VERIFY_CHANGE_ARN_ENV,
  VERIFY_HANDLER,
  VERIFY_SCHEDULE_GROUP_ENV,
} from '../../shared/config/names';
import type { AutomationConfig, EnvironmentName } from '../../shared/config/schema';
import { CHANGING_PLAYBOOKS } from '../../shared/playbooks/changing-rows';
import { CROSS_ACCOUNT_ACTIONS, PIPELINE_ACTIONS, REGION_SERVING_ACTIONS } from '../../shared/pipeline/pipeline-actions';
import type { StackPlan } from './deployment-plan';
import type { HandlerSpec } from './handler-catalog';
import { forwardedAlarmsSid, forwardedAlarmsStatement } from './iam/bus-policy';
import { scopedStatements, type ScopeTargets } from './iam/scoped-policy';
import { AlarmRouting } from './constructs/alarm-routing';
import { AutomationHealthTopic } from './constructs/automation-health-topic';
import { DeadLetterQueue } from './constructs/dead-letter-queue';
import { DecisionPublishersOnly, ESCALATE_HANDLER, EscalationRouting, escalationSweep, EscalationTimers, TIMER_HANDLER, verifySweep } from './constructs/escalation-routing';
import { EscalationTopics } from './constructs/escalation-topics';
import { ProjectKey } from './constructs/project-key';
import { handlersForRegion } from './region-handlers';
import { documentsFor, documentsForRegion, invokedHandlerFunctions, readRunbookDocuments, RunbookDocuments, type RegionDocuments } from './constructs/runbook-documents';
import { RunbookFunction } from './constructs/runbook-function';
import { StateTable } from './constructs/state-table';
import { logGroupsBundleZip, WatchedAlarms } from './constructs/watched-alarms';
import {
  ENVIRONMENT_INFRA,
  executionRoleNameOf,
  functionNameOf,
  NAME_PREFIX,
  remediationRoleNameOf,
} from './settings';

/**
 * The pipeline's actions a playbook handler is granted: all of them, except that only a playbook that schedules a
 * health check (it declares `health`) may create schedules and pass the health checks' scheduler role.
 */
export function pipelineActionsOf(handler: Pick<HandlerSpec, 'schedulesHealthCheck'>): string[] {
  return Object.entries(PIPELINE_ACTIONS).flatMap(([resource, actions]) => (resource === 'verifySchedule' && !handler.schedulesHealthCheck ? [] : [...actions]));
}

/** What an event held for the handler carries, for its "events waiting" alarm (R14-7): what is late while Lambda retries it. */
export function eventCarries(handler: Pick<HandlerSpec, 'name' | 'kind' | 'row'>): string {
  if (handler.kind === 'playbook') return `the automated response to its alarm (${handler.row})`;
  if (handler.name === ESCALATE_HANDLER) return "an incident's page";
  if (handler.name === TIMER_HANDLER) return "the next tier's page, or an incident's still-firing check";
  if (handler.name === VERIFY_HANDLER) return 'the health check after an automated change';
  return `the ${handler.name} handler's work`;
}

/** The handlers a region of this role deploys (CDK-free, shared with `runbook preflight`: infra/lib/region-handlers.ts). */
export { handlersForRegion };

/**
 * What one region of an environment registers of runbooks/: only documents whose handlers are deployed there (by the
 * operations account in cross-account mode) and none of a row that changes something not watched there.
 */
export function regionDocuments(config: AutomationConfig, environment: EnvironmentName, region: string, handlers: readonly HandlerSpec[]): RegionDocuments {
  const role = roleOfRegion(config, environment, region);
  return {
    deployedFunctions: handlersForRegion(config, role, handlers).map((h) => functionNameOf(h.name)),
    notRegistered: runbooksNotRegisteredIn(config, role, new Set(CHANGING_PLAYBOOKS.map((p) => p.row))),
  };
}

export interface RunbookStackProps extends StackProps {
  deployment: StackPlan;
  config: AutomationConfig;
  /**
   * RUNBOOK_CONFIG_JSON for the handlers when the app was given overrides for them: the overrides infra validated, of
   * `environments` only this stack's environment's section (shared/config/overrides-for-environment.ts), compacted.
   */
  configOverridesJson?: string;
  handlers: readonly HandlerSpec[];
  runbooksDir: string;
}

/** The seed's environment matrix in words, for the stack description. */
function describeEnvironment(config: AutomationConfig, props: RunbookStackProps): string {
  const { environment, region } = props.deployment;
  const env = config.environments[environment];
  const mode = env.mutationMode ?? (env.autoScaling ? 'automatic' : 'report-only');
  return (
    `Notification Service runbook automation, ${environment} ${region}: RDS ${env.dbInstanceClass}, Multi-AZ ${env.multiAz ? 'yes' : 'no'}, ` +
    `backups ${env.backupRetentionDays} d, auto scaling ${env.autoScaling ? 'on' : 'off'} (remediation ${mode})` +
    (props.deployment.crossAccount ? `, operations account for workload ${props.deployment.crossAccount.workloadAccount}` : '')
  );
}

export class RunbookStack extends Stack {
  /** handler -> its deployed function. */
  readonly functions = new Map<string, RunbookFunction>();
  readonly projectBus: EventBus;

  constructor(scope: Construct, id: string, props: RunbookStackProps) {
    super(scope, id, { ...props, description: describeEnvironment(props.config, props) });
    const { config, deployment } = props;
    const { environment } = deployment;
    const env = config.environments[environment];
    const settings = ENVIRONMENT_INFRA[environment];
    const crossAccount = deployment.crossAccount;
    Tags.of(this).add('Service', config.service);
    Tags.of(this).add('Environment', environment);
    Tags.of(this).add('Component', NAME_PREFIX);

    const projectKey = new ProjectKey(this, 'Key', { alias: `alias/${NAME_PREFIX}`, retain: settings.retainData });
    const key = projectKey.key;
    // Review 12, R12-9: the automation's own alarms publish here, unfiltered, not to L1's topic (whose subscriptions filter
    // on the channel attribute an alarm action cannot set).
    const health = new AutomationHealthTopic(this, 'AutomationHealth', { config, environment, key, where: crossAccount ? 'the operations account' : 'this account' });
    const topics = new EscalationTopics(this, 'EscalationTopics', { config, key, environment, region: deployment.region, health: { level: health.subscribers.level, topic: health.topic } });
    const table = new StateTable(this, 'State', {
      tableName: config.stateTableName,
      recoveryPeriodDays: env.backupRetentionDays,
      retain: settings.retainData,
    }).table;
    // The stack writes "off" once; CloudFormation touches the value again only if this template's value changes, so an
    // engaged switch survives later deployments.
    const killSwitch = new StringParameter(this, 'KillSwitch', {
      parameterName: config.killSwitchParameterName,
      stringValue: 'off',
      description: 'Runbook automation kill switch: anything but exactly "off" stops every automated change within 30 s (escalation still pages; every change is told to L1)',
    });
    this.projectBus = new EventBus(this, 'ProjectBus', {
      eventBusName: config.eventBusName,
      description: 'Runbook decisions (audit) and escalation events of the Notification Service automation',
    });
    // The decision archive (every decision, replayable), encrypted with the project's key. CfnArchive rather than
    // bus.archive(): CDK's Archive would add "kms:ReEncrypt*" to the key policy, and no policy here allows a wildcard action.
    projectKey.allowEventBridgeArchive(this.projectBus.eventBusArn);
    const archive = new CfnArchive(this, 'DecisionArchive', {
      archiveName: `${NAME_PREFIX}-decisions`,
      description: 'Every runbook decision, replayable',
      sourceArn: this.projectBus.eventBusArn,
      eventPattern: { source: [DECISION_SOURCE] },
      retentionDays: Duration.days(config.recordRetentionDays).toDays(),
      kmsKeyIdentifier: key.keyArn,
    });
    // EventBridge checks the key policy when the archive is created.
    archive.node.addDependency(key);
    // Their alarm actions publish to the health topic as cloudwatch.amazonaws.com: its policy admits these two alarms, no other.
    const undelivered = new DeadLetterQueue(this, 'UndeliveredEvents', { queue: DEAD_LETTER_QUEUES.undeliveredEvents, health });
    const failed = new DeadLetterQueue(this, 'FailedInvocations', { queue: DEAD_LETTER_QUEUES.failedInvocations, health });

    const regionRole = roleOfRegion(config, environment, deployment.region);
    const handlers = handlersForRegion(config, regionRole, props.handlers);
    const alarms = alarmSpecs(config, environment, deployment.region);
    // Single account: the alarms live here. Cross-account: in each workload account, which forwards their events here.
    if (!crossAccount) new WatchedAlarms(this, 'WatchedAlarms', { config, environment, region: deployment.region, logGroupsBundleZip: logGroupsBundleZip(props.runbooksDir) });
    const alarmBus = crossAccount ? this.projectBus : EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    const sourceAccounts = crossAccount ? [crossAccount.workloadAccount] : undefined;
    if (crossAccount) {
      // The workload account may put its alarms' state changes here, and nothing else.
      new CfnEventBusPolicy(this, 'WorkloadAlarms', {
        eventBusName: this.projectBus.eventBusName,
        statementId: forwardedAlarmsSid(crossAccount.workloadAccount),
        statement: forwardedAlarmsStatement(this.partition, crossAccount.workloadAccount, this.projectBus.eventBusArn),
      });
    }

    const names = new Set(handlers.map((h) => h.name));
    const timers =
      names.has(TIMER_HANDLER) || names.has(VERIFY_HANDLER)
        ? new EscalationTimers(this, 'EscalationTimers', {
            escalationRoleName: `${NAME_PREFIX}-escalation-scheduler-${this.region}`.slice(0, 64),
            ...(names.has(VERIFY_HANDLER) ? { verifyRoleName: `${NAME_PREFIX}-verify-scheduler-${this.region}`.slice(0, 64) } : {}),
          })
        : undefined;
    // The timers' own failures (no DLQ on a schedule) page through the health topic too; its policy is written once all are known.
    timers?.watchHealth(health);
    // Decisions 300, 311: a sweep that keeps running out of time, or refuses a record of its own, pages too (it returns
    // success, counting what it left or refused): each alarm where the handler counting it is deployed.
    timers?.watchSweepMetrics(health, environment, (handler) => names.has(handler));
    const functionArn = (handler: string): string => `arn:${this.partition}:lambda:${this.region}:${this.account}:function:${functionNameOf(handler)}`;

    const drScope = disasterRecoveryScope(config, environment, this.region);
    const ownTargets: ScopeTargets = {
      partition: this.partition,
      account: this.account,
      regions: [this.region],
      environment,
      // In the DR region its database is the replica (decision 123): rds grants there name it, never the primary's.
      watched: watchedResources(config, environment, regionRole),
      alarmNames: alarms.map((a) => a.name),
      stateTableArn: table.tableArn,
      eventBusArn: this.projectBus.eventBusArn,
      killSwitchParameterArn: killSwitch.parameterArn,
      escalationTopicArns: topics.topics.map((t) => t.topicArn),
      escalationKeyArn: key.keyArn,
      // In the DR region the standby watch reads the cross-region replica (rds:DescribeDBInstances on it, nothing more).
      ...(drScope && regionRole === 'dr' ? { disasterRecovery: drScope } : {}),
    };
    // An API found by name lets Connection Timeout read every REST (or HTTP) API of the account (infra/lib/iam/scoped-policy.ts).
    if (props.handlers.some((h) => h.actions.includes('apigateway:GET'))) {
      for (const api of config.dependencies.apis.filter((a) => !a.id)) {
        Annotations.of(this).addWarningV2(
          api.type === 'http' ? `http-api-without-id-${api.name}` : `rest-api-without-id-${api.name}`,
          api.type === 'http'
            ? `dependencies.apis has no id for the HTTP API ${api.name}: inspect-security-groups finds it by name, so apigateway:GET is granted on every HTTP API of the account; set dependencies.apis[].id to scope it to /apis/<id>`
            : `dependencies.apis has no id for ${api.name}: inspect-security-groups finds it by name, so apigateway:GET is granted on every REST API of the account; set dependencies.apis[].id to scope it to /restapis/<id>`,
        );
      }
    }
    // Each handler that creates schedules does so in its own lane only (infra/lib/constructs/escalation-routing.ts).
    const escalationLane: Partial<ScopeTargets> = timers ? { scheduleGroupName: timers.escalation.groupName, schedulerRoleArn: timers.escalation.role.roleArn } : {};
    const verifyLane: Partial<ScopeTargets> = timers?.verify ? { scheduleGroupName: timers.verify.groupName, schedulerRoleArn: timers.verify.role.roleArn } : {};

    const decisionPublishers: string[] = [];
    const tierPublishers: string[] = [];
    for (const handler of handlers) {
      const environmentVariables: Record<string, string> = {
        RUNBOOK_ENVIRONMENT: environment,
        STATE_TABLE_NAME: table.tableName,
        EVENT_BUS_NAME: this.projectBus.eventBusName,
        KILL_SWITCH_PARAMETER: killSwitch.parameterName,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: settings.powertoolsLogLevel,
        [OWN_ACCOUNT_ENV]: this.account,
        // The only account whose alarm events and recorded changes the handlers act on (shared/config/workload-account.ts).
        ...(crossAccount ? { [WORKLOAD_ACCOUNT_ENV]: crossAccount.workloadAccount } : {}),
        ...(props.configOverridesJson ? { RUNBOOK_CONFIG_JSON: props.configOverridesJson } : {}),
      };
      let actions: string[];
      let targets = ownTargets;
      let declaredBy = handler.declaredIn;
      const schedulesHealthCheck = handler.kind === 'playbook' && handler.schedulesHealthCheck === true && timers !== undefined && names.has(VERIFY_HANDLER);
      if (handler.kind === 'playbook' && crossAccount) {
        // The playbook acts in the workload account through its remediation role; here only the pipeline and STS.
        const roleName = remediationRoleNameOf(handler.name);
        environmentVariables[REMEDIATION_ROLE_ENV] = roleName;
        actions = [...pipelineActionsOf({ schedulesHealthCheck }), ...CROSS_ACCOUNT_ACTIONS];
        targets = { ...ownTargets, remediationRoleArns: [`arn:${this.partition}:iam::${crossAccount.workloadAccount}:role/${roleName}`] };
        declaredBy = 'shared/pipeline/pipeline-actions.ts';
      } else if (handler.kind === 'playbook') {
        // In a DR region a changing row reads whether the region serves before a change (decision 123): the replica and
        // the DR consumers' mappings, granted there only (the replica's read scoped to it).
        const serving = regionRole === 'dr' && handler.readsRegionServing === true ? REGION_SERVING_ACTIONS : [];
        actions = [...new Set([...handler.actions, ...pipelineActionsOf({ schedulesHealthCheck }), ...serving])];
        declaredBy = `${handler.declaredIn} + shared/pipeline/pipeline-actions.ts${serving.length > 0 ? ' (REGION_SERVING_ACTIONS in a DR region)' : ''}`;
      } else if (handler.crossAccount && crossAccount) {
        // escalate, escalation-timer, verify-change: the operations account's resources here; the workload's (the alarm,
        // the changed resource and its metrics) only through the remediation role the workload offers this handler.
        const roleName = remediationRoleNameOf(handler.name);
        environmentVariables[REMEDIATION_ROLE_ENV] = roleName;
        actions = [...handler.crossAccount.ownActions, ...CROSS_ACCOUNT_ACTIONS];
        targets = { ...ownTargets, remediationRoleArns: [`arn:${this.partition}:iam::${crossAccount.workloadAccount}:role/${roleName}`] };
      } else {
        // escalation-timer in a DR region reads whether the region serves before a standby incident climbs (R12-7).
        const serving = regionRole === 'dr' && handler.readsRegionServing === true ? REGION_SERVING_ACTIONS : [];
        actions = [...new Set([...handler.actions, ...serving])];
        if (serving.length > 0) declaredBy = `${handler.declaredIn} + shared/pipeline/pipeline-actions.ts (REGION_SERVING_ACTIONS in a DR region)`;
      }
      if (timers && (handler.name === ESCALATE_HANDLER || handler.name === TIMER_HANDLER)) {
        environmentVariables.ESCALATION_TIMER_ARN = functionArn(TIMER_HANDLER);
        environmentVariables.ESCALATION_SCHEDULER_ROLE_ARN = timers.escalation.role.roleArn;
        environmentVariables.ESCALATION_SCHEDULE_GROUP = timers.escalation.groupName;
        targets = { ...targets, ...escalationLane };
      }
      if (timers?.verify && schedulesHealthCheck) {
        // The pipeline schedules the health check after a change: verify-change, invoked with the health checks' role.
        environmentVariables[VERIFY_CHANGE_ARN_ENV] = functionArn(VERIFY_HANDLER);
        environmentVariables[VERIFY_SCHEDULE_GROUP_ENV] = timers.verify.groupName;
        environmentVariables.ESCALATION_SCHEDULER_ROLE_ARN = timers.verify.role.roleArn;
        targets = { ...targets, ...verifyLane };
      }
      if (actions.includes('events:PutEvents')) decisionPublishers.push(`arn:${this.partition}:iam::${this.account}:role/${executionRoleNameOf(handler.name, this.region)}`);
      if (actions.includes('sns:Publish')) tierPublishers.push(`arn:${this.partition}:iam::${this.account}:role/${executionRoleNameOf(handler.name, this.region)}`);
      const fn = new RunbookFunction(this, `Handler-${handler.name}`, {
        handler,
        functionName: functionNameOf(handler.name),
        roleName: executionRoleNameOf(handler.name, this.region),
        settings,
        environment: environmentVariables,
        grant: scopedStatements(actions, targets, declaredBy, handler.narrowed),
        failureQueue: failed.queue,
        key,
      });
      this.functions.set(handler.name, fn);
      fn.watchEventAge(health, eventCarries(handler));
    }
    // Every health alarm is known (dead-letter queues, Scheduler lanes, events waiting): the topic's policy admits them.
    health.guard({ chatSubscribed: topics.healthTopicInChat });

    // Forged decisions (issue 17): only the handlers that publish decisions may use the decision source on this bus.
    new DecisionPublishersOnly(this, 'DecisionPublishers', { bus: this.projectBus, publisherRoleArns: decisionPublishers });

    const functions = new Map<string, IFunction>([...this.functions].map(([name, f]) => [name, f.fn]));
    // A route's rules: its names spread over the environment's fixed bucket count for it (decision 364).
    const ruleBuckets = env.alarmRuleBuckets ?? {};
    const routing = new AlarmRouting(this, 'AlarmRouting', { alarms, functions, bus: alarmBus, deadLetterQueue: undelivered.queue, ruleBuckets, ...(sourceAccounts ? { sourceAccounts } : {}) });
    const escalate = functions.get(ESCALATE_HANDLER);
    if (escalate) {
      new EscalationRouting(this, 'EscalationRouting', {
        escalate,
        projectBus: this.projectBus,
        alarmBus,
        alarmNames: alarms.map((a) => a.name),
        routedToEscalate: routing.routes.get(ESCALATE_HANDLER) ?? [],
        deadLetterQueue: undelivered.queue,
        killSwitchParameterName: config.killSwitchParameterName,
        ruleBuckets,
        ...(sourceAccounts ? { sourceAccounts } : {}),
      });
    }
    const timer = functions.get(TIMER_HANDLER);
    if (timers && timer) {
      timers.allowInvoke(timers.escalation, timer, 'InvokeEscalationTimer');
      // Decision 264: the timers Scheduler could not deliver are done by a sweep that does not depend on Scheduler.
      escalationSweep(this, timer, undelivered.queue);
    }
    const verifier = functions.get(VERIFY_HANDLER);
    if (timers?.verify && verifier) {
      timers.allowInvoke(timers.verify, verifier, 'InvokeVerifyChange');
      // Decision 293: the health checks Scheduler could not deliver are done by a sweep that does not depend on Scheduler.
      verifySweep(this, verifier, undelivered.queue);
    }

    // Cross-account mode: only the documents on the automation's own incident state run here; the others, with their
    // role, are deployed into the workload account (WorkloadStack, RemediationRolesStack), whose automation role may
    // invoke exactly the handlers those documents run.
    const runbooks = new RunbookDocuments(this, 'Runbooks', {
      runbooksDir: props.runbooksDir,
      placement: crossAccount ? 'operations' : 'all',
      region: regionDocuments(config, environment, this.region, props.handlers),
      role: {
        create: {
          roleName: automationRoleNameOf(this.region),
          targets: { ...ownTargets, ...(drScope && !crossAccount ? { disasterRecovery: drScope } : {}) },
          handlerFunctionArns: new Map([...this.functions].map(([name, f]) => [functionNameOf(name), f.fn.functionArn])),
        },
      },
      config,
      environment,
    });
    if (runbooks.rolePublishes) tierPublishers.push(`arn:${this.partition}:iam::${this.account}:role/${automationRoleNameOf(this.region)}`);
    // Review 11b F5: the tiers page people; only the roles granted sns:Publish above and the admitted alarms may publish.
    topics.guard(tierPublishers);
    if (crossAccount) {
      const workloadDocuments = documentsForRegion(documentsFor(readRunbookDocuments(props.runbooksDir), 'workload'), regionDocuments(config, environment, this.region, props.handlers));
      const invoked = invokedHandlerFunctions(workloadDocuments, [...this.functions.keys()].map(functionNameOf));
      const workloadRole = `arn:${this.partition}:iam::${crossAccount.workloadAccount}:role/${automationRoleNameOf(this.region)}`;
      for (const [name, f] of this.functions) {
        if (!invoked.includes(functionNameOf(name))) continue;
        f.fn.addPermission('InvokedByWorkloadRunbooks', { principal: new ArnPrincipal(workloadRole), action: 'lambda:InvokeFunction' });
      }
    }

    new CfnOutput(this, 'ProjectBusArn', { value: this.projectBus.eventBusArn, description: 'Runbook decisions are published here' });
    new CfnOutput(this, 'StateTableName', { value: table.tableName });
    new CfnOutput(this, 'KillSwitchParameter', { value: killSwitch.parameterName, description: 'Anything but exactly "off" stops every automated change (escalation still pages)' });
  }
}
