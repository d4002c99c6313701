// Cross-account mode, workload side: the alarms on the service's resources, forwarded to the operations account's bus.
import { Stack, Tags, type StackProps } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { alarmStateChangePattern } from '../../shared/config/alarm-specs';
import type { AutomationConfig } from '../../shared/config/schema';
import type { StackPlan } from './deployment-plan';
import { toEventPattern } from './constructs/alarm-routing';
import { DeadLetterQueue } from './constructs/dead-letter-queue';
import { WatchedAlarms } from './constructs/watched-alarms';
import { NAME_PREFIX } from './settings';

export interface WorkloadStackProps extends StackProps {
  deployment: StackPlan;
  config: AutomationConfig;
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
  }
}
