// Cross-account mode, workload side (one region): the alarms on the service's resources, forwarded to the operations
// account's bus, and the runbook documents that act on those resources.
import { Stack, Tags, type StackProps } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { alarmStateChangePattern } from '../../shared/config/alarm-specs';
import type { AutomationConfig } from '../../shared/config/schema';
import type { StackPlan } from './deployment-plan';
import { toEventPattern } from './constructs/alarm-routing';
import { DeadLetterQueue } from './constructs/dead-letter-queue';
import { RunbookDocuments } from './constructs/runbook-documents';
import { WatchedAlarms } from './constructs/watched-alarms';
import { automationRoleNameOf } from '../../shared/config/names';
import type { HandlerSpec } from './handler-catalog';
import { regionDocuments } from './runbook-stack';
import { NAME_PREFIX } from './settings';

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

    const alarms = new WatchedAlarms(this, 'WatchedAlarms', { config, environment: deployment.environment, region: deployment.region });
    // The central bus is the project's bus in the operations account, same region; its policy admits this account.
    const central = EventBus.fromEventBusArn(
      this,
      'CentralBus',
      `arn:${this.partition}:events:${this.region}:${crossAccount.operationsAccount}:event-bus/${config.eventBusName}`,
    );
    const undelivered = new DeadLetterQueue(this, 'UndeliveredAlarms', {
      queueName: `${NAME_PREFIX}-undelivered-alarm-events`,
      holds: 'Alarm events EventBridge could not forward to the operations account',
    });
    new Rule(this, 'ForwardAlarms', {
      ruleName: `${NAME_PREFIX}-forward-alarms`,
      description: `State changes of the watched alarms, to the runbook automation in ${crossAccount.operationsAccount}`,
      eventPattern: toEventPattern(alarmStateChangePattern(alarms.alarmNames)),
    }).addTarget(new EventBusTarget(central, { deadLetterQueue: undelivered.queue }));

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
