// The automation's own health alarms reach a person (review 12, R12-9): an SNS topic with no filter policy, the first
// tier's configured email endpoints (and, where the stack has them, its AWS Chatbot Slack channels) subscribed, and
// only the project's own health alarms allowed to publish to it.
import { Annotations, DefaultStackSynthesizer, Fn, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Subscription, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AUTOMATION_HEALTH_TOPIC_NAME, healthSubscribers, type HealthSubscribers } from '../../../shared/config/automation-health';
import type { AutomationConfig, EnvironmentName } from '../../../shared/config/schema';
import { topicPolicyStatements } from '../iam/topic-policy';

/** What every health alarm spec of shared/config/automation-health.ts carries besides its metric. */
export interface HealthAlarmSpec {
  alarmName: string;
  alarmDescription: string;
  threshold: number;
  comparisonOperator: 'GreaterThanThreshold';
  evaluationPeriods: number;
  /** Unset: every period evaluated must breach (CloudWatch's default, evaluationPeriods). */
  datapointsToAlarm?: number;
  treatMissingData: 'ignore' | 'notBreaching';
}

/** The specs' names for comparison and missing-data treatment as aws-cdk-lib names them. */
const COMPARISON: Record<HealthAlarmSpec['comparisonOperator'], ComparisonOperator> = { GreaterThanThreshold: ComparisonOperator.GREATER_THAN_THRESHOLD };
const TREAT_MISSING_DATA: Record<HealthAlarmSpec['treatMissingData'], TreatMissingData> = {
  ignore: TreatMissingData.IGNORE,
  notBreaching: TreatMissingData.NOT_BREACHING,
};

export interface AutomationHealthTopicProps {
  config: AutomationConfig;
  environment: EnvironmentName;
  /** A customer-managed key whose policy lets cloudwatch.amazonaws.com use it (ProjectKey): CloudWatch cannot publish to a topic under alias/aws/sns. */
  key: IKey;
  /** Where the topic is, for the warning: "the operations account", "the workload account". */
  where: string;
}

export class AutomationHealthTopic extends Construct {
  readonly topic: Topic;
  readonly subscribers: HealthSubscribers;
  private readonly alarmArns: string[] = [];
  private guarded = false;

  constructor(scope: Construct, id: string, private readonly props: AutomationHealthTopicProps) {
    super(scope, id);
    this.subscribers = healthSubscribers(props.config, props.environment);
    this.topic = new Topic(this, 'Topic', {
      topicName: AUTOMATION_HEALTH_TOPIC_NAME,
      displayName: 'Notification Service runbook automation health',
      masterKey: props.key,
      enforceSSL: true,
    });
    // No filter policy: a CloudWatch alarm action sets no message attributes, and every message here is for the tier.
    this.subscribers.emails.forEach((endpoint, index) => {
      new Subscription(this, `Email${index}`, { topic: this.topic, protocol: SubscriptionProtocol.EMAIL, endpoint });
    });
    this.node.addValidation({ validate: () => (this.guarded ? [] : ['AutomationHealthTopic.guard() was never called: the topic has no policy admitting its alarms']) });
  }

  /**
   * A health alarm as its spec defines it (the definition the sandbox provisions too), on `metric` (built by the caller:
   * its dimensions name deployed resources), watched by this topic. Before guard().
   */
  alarm(scope: Construct, id: string, spec: HealthAlarmSpec, metric: IMetric): Alarm {
    const alarm = new Alarm(scope, id, {
      alarmName: spec.alarmName,
      alarmDescription: spec.alarmDescription,
      metric,
      threshold: spec.threshold,
      comparisonOperator: COMPARISON[spec.comparisonOperator],
      evaluationPeriods: spec.evaluationPeriods,
      ...(spec.datapointsToAlarm !== undefined ? { datapointsToAlarm: spec.datapointsToAlarm } : {}),
      treatMissingData: TREAT_MISSING_DATA[spec.treatMissingData],
    });
    this.watch(alarm);
    return alarm;
  }

  /** `alarm` publishes to this topic in ALARM, and the topic's policy admits CloudWatch for it. Before guard(). */
  watch(alarm: Alarm): void {
    if (this.guarded) throw new Error('AutomationHealthTopic.watch() after guard(): the topic policy is already written');
    alarm.addAlarmAction(new SnsAction(this.topic));
    this.alarmArns.push(alarm.alarmArn);
  }

  /**
   * Writes the topic policy once every alarm is known: only CloudWatch, for these alarms, publishes (no role does); only
   * the deployment manages the topic and its subscriptions (the tier topics' statements, infra/lib/iam/topic-policy.ts).
   * `chatSubscribed`: the stack's AWS Chatbot Slack channels were given this topic.
   */
  guard(options: { chatSubscribed: boolean }): void {
    if (this.guarded) throw new Error('AutomationHealthTopic.guard() twice');
    this.guarded = true;
    if (this.subscribers.emails.length === 0 && !options.chatSubscribed) {
      const field = `environments.${this.props.environment}.escalation.tiers[].emails (level ${this.subscribers.level}, with "email" among its channels)`;
      Annotations.of(this).addWarningV2(
        'automation-health-no-subscriber',
        `the automation health topic ${AUTOMATION_HEALTH_TOPIC_NAME} in ${this.props.where} has no subscriber: set ${field}${this.props.where.includes('workload') ? ' (AWS Chatbot Slack channels are configured in the operations account only)' : ' or a Slack channel of that tier'}, or nobody hears that the automation's own invocations or deliveries fail`,
      );
    }
    const synthesizer = Stack.of(this).synthesizer;
    const deploymentRole = synthesizer instanceof DefaultStackSynthesizer ? synthesizer.cloudFormationExecutionRole : undefined;
    const statements = topicPolicyStatements({
      topicArn: this.topic.topicArn,
      publisherRoleArns: [],
      servicePublishers: this.alarmArns.map((sourceArn) => ({ service: 'cloudwatch.amazonaws.com', sourceArn })),
      ...(deploymentRole ? { deploymentRoleArn: deploymentRole.includes('${') ? Fn.sub(deploymentRole) : deploymentRole } : {}),
      chatbotSubscribes: options.chatSubscribed,
    });
    for (const statement of statements) this.topic.addToResourcePolicy(PolicyStatement.fromJson(statement));
  }
}
