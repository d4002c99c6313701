// Cross-account mode, workload side (one region): the alarms on the service's resources, forwarded to the operations
// account's bus, and the runbook documents that act on those resources.
import { Stack, Tags, type StackProps } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import { PolicyDocument, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { forwardedAlarmsPattern } from '../../shared/config/alarm-rules';
import { alarmNamePrefix } from '../../shared/config/alarm-specs';
import { DEAD_LETTER_QUEUES } from '../../shared/config/automation-health';
import type { AutomationConfig } from '../../shared/config/schema';
import type { StackPlan } from './deployment-plan';
import { toEventPattern } from './constructs/alarm-routing';
import { AutomationHealthTopic } from './constructs/automation-health-topic';
import { DeadLetterQueue } from './constructs/dead-letter-queue';
import { ProjectKey } from './constructs/project-key';
import { RunbookDocuments } from './constructs/runbook-documents';
import { logGroupsBundleZip, WatchedAlarms } from './constructs/watched-alarms';
import { automationRoleNameOf } from '../../shared/config/names';
import type { HandlerSpec } from './handler-catalog';
import { forwardingRoleNameOf, forwardingRolePolicy, forwardingRoleTrust, FORWARD_ALARMS_RULE } from './iam/workload-roles';
import { trustExactly } from './remediation-roles-stack';
import { regionDocuments } from './runbook-stack';
import { ENVIRONMENT_INFRA, NAME_PREFIX } from './settings';

export interface WorkloadStackProps extends StackProps {
  deployment: StackPlan;
  config: AutomationConfig;
  /** runbooks/: the documents that act on the service's resources are registered here. */
  runbooksDir?: string;
  /** The handler catalog: a document is registered only where the operations account deploys the handlers it runs. */
  handlers: readonly HandlerSpec[];
}

export class WorkloadStack extends Stack {
  constructor(scope: Construct, id: string, props: WorkloadStackProps) {
    const { deployment, config } = props;
    const crossAccount = deployment.crossAccount;
    if (!crossAccount) throw new Error('WorkloadStack is the workload side of cross-account mode: its plan names no operations account');
    super(scope, id, {
      ...props,
      description: `Notification Service runbook automation, ${deployment.environment} ${deployment.region}: alarms, forwarded to operations account ${crossAccount.operationsAccount}`,
    });
    Tags.of(this).add('Service', config.service);
    Tags.of(this).add('Environment', deployment.environment);
    Tags.of(this).add('Component', NAME_PREFIX);

    if (!props.runbooksDir) throw new Error('WorkloadStack needs runbooksDir (runbooks/ beside the built dist/): its metric filters\' log groups are made sure of by a built custom resource');
    new WatchedAlarms(this, 'WatchedAlarms', { config, environment: deployment.environment, region: deployment.region, logGroupsBundleZip: logGroupsBundleZip(props.runbooksDir) });
    // The central bus is the project's bus in the operations account, same region; its policy admits this account.
    const central = EventBus.fromEventBusArn(
      this,
      'CentralBus',
      `arn:${this.partition}:events:${this.region}:${crossAccount.operationsAccount}:event-bus/${config.eventBusName}`,
    );
    // Review 12, R12-9: this account's own health topic (its alarm could not reach the operations account's: the path that
    // failed is the one that would carry it), under a key of this account that CloudWatch may use.
    const healthKey = new ProjectKey(this, 'HealthKey', {
      alias: `alias/${NAME_PREFIX}-health`,
      retain: ENVIRONMENT_INFRA[deployment.environment].retainData,
      description: 'Notification Service runbook automation: the workload account\'s automation health topic',
    });
    const health = new AutomationHealthTopic(this, 'AutomationHealth', { config, environment: deployment.environment, key: healthKey.key, where: `the workload account ${this.account}` });
    const undelivered = new DeadLetterQueue(this, 'UndeliveredAlarms', { queue: DEAD_LETTER_QUEUES.undeliveredAlarmEvents, health });
    // AWS Chatbot's Slack workspaces are authorized in the operations account: email only here.
    health.guard({ chatSubscribed: false });
    // The role EventBridge puts the events on that bus with (a bus in another account needs one): named, trusted by
    // EventBridge for this rule only, allowed events:PutEvents on that bus only; the statements are infra's pure ones
    // (infra/lib/iam/workload-roles.ts), which the sandbox deploys too and preflight checks (decision 114). Handed to the
    // target without policy updates, so CDK adds no statement of its own beside them.
    const forwardingRole = new Role(this, 'ForwardAlarmsRole', {
      roleName: forwardingRoleNameOf(this.region),
      description: `EventBridge puts the watched alarms' state changes on the runbook automation's bus in ${crossAccount.operationsAccount} with this role`,
      assumedBy: new ServicePrincipal('events.amazonaws.com'),
      inlinePolicies: {
        PutOnOperationsBus: PolicyDocument.fromJson({ Version: '2012-10-17', Statement: forwardingRolePolicy(this.partition, this.region, crossAccount.operationsAccount, config.eventBusName) }),
      },
    });
    trustExactly(forwardingRole, forwardingRoleTrust(this.partition, this.account, this.region));
    // By the alarm-name prefix, not by listing every name: one rule (the forwarding role's trust names its ARN) whatever
    // the number of alarms, within EventBridge's pattern size. It invokes nothing: the operations account's rules, by
    // exact name, decide what reaches a handler (decision 351).
    new Rule(this, 'ForwardAlarms', {
      ruleName: FORWARD_ALARMS_RULE,
      description: `State changes of the watched alarms (named "${alarmNamePrefix(config)}..."), to the runbook automation in ${crossAccount.operationsAccount}`,
      eventPattern: toEventPattern(forwardedAlarmsPattern(config)),
    }).addTarget(new EventBusTarget(central, { deadLetterQueue: undelivered.queue, role: forwardingRole.withoutPolicyUpdates() }));

    // The runbook documents that act on the service's resources, here where the resources are (issue 17): they run as
    // this account's automation role of this region (RemediationRolesStack) and invoke the handlers by their full ARN
    // in the operations account. The documents on the incident state stay there (OPERATIONS_DOCUMENTS).
    if (props.runbooksDir) {
      new RunbookDocuments(this, 'Runbooks', {
        runbooksDir: props.runbooksDir,
        placement: 'workload',
        region: regionDocuments(config, deployment.environment, this.region, props.handlers),
        role: { arn: `arn:${this.partition}:iam::${this.account}:role/${automationRoleNameOf(this.region)}` },
        handlerAccount: crossAccount.operationsAccount,
        config,
        environment: deployment.environment,
      });
    }
  }
}
