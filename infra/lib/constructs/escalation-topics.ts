// One SNS topic per tier of the seed's escalation path, encrypted with the project's KMS key, TLS only; the tiers'
// configured email endpoints and AWS Chatbot Slack channels subscribed to it.
import { Annotations, DefaultStackSynthesizer, Fn, Stack } from 'aws-cdk-lib';
import { LoggingLevel, SlackChannelConfiguration } from 'aws-cdk-lib/aws-chatbot';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal, type IManagedPolicy } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Subscription, SubscriptionFilter, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { AutomationConfig, EnvironmentName } from '../../../shared/config/schema';
import { DEFAULT_SLACK_GUARDRAIL_POLICY, slackChannelPlans } from '../../../shared/config/slack-channels';
import { topicPolicyStatements, type ServicePublisher } from '../iam/topic-policy';
import { NAME_PREFIX } from '../settings';
import { noSubscriberFix } from '../../../shared/config/tier-subscribers';

export interface EscalationTopicsProps {
  config: AutomationConfig;
  key: IKey;
  /** Whose tiers' email endpoints and Slack channels are subscribed (environments.<env>.escalation.tiers[].emails / .slack). */
  environment: EnvironmentName;
  /** The stack's region: Chatbot configuration names are per account, not per region, so each region's carry it. */
  region: string;
  /**
   * The automation health topic (review 12, R12-9): every Slack channel of the tier of `level` is subscribed to it as
   * well, so the automation's own alarms reach that tier's chat too.
   */
  health?: { level: number; topic: Topic };
}

export class EscalationTopics extends Construct {
  /** By tier level (1 = DevOps Team L1 ...). */
  readonly byLevel = new Map<number, Topic>();
  /** By tier level: the project's own alarms and rules whose service may publish to it (admitServicePublisher). */
  private readonly servicePublishers = new Map<number, ServicePublisher[]>();
  private hasSlackChannels = false;
  /** The health topic was given to at least one Slack channel configuration. */
  readonly healthTopicInChat: boolean;
  private guarded = false;

  constructor(scope: Construct, id: string, props: EscalationTopicsProps) {
    super(scope, id);
    for (const tier of props.config.escalationPath) {
      const topic = new Topic(this, `Level${tier.level}`, {
        topicName: tier.topicName,
        displayName: `Notification Service escalation: ${tier.name}`,
        masterKey: props.key,
        enforceSSL: true,
      });
      this.byLevel.set(tier.level, topic);
    }
    const slackLevels = this.slackChannels(props);
    this.hasSlackChannels = slackLevels.size > 0;
    this.healthTopicInChat = props.health !== undefined && slackLevels.has(props.health.level);
    for (const tier of props.config.environments[props.environment]?.escalation?.tiers ?? []) {
      const topic = this.byLevel.get(tier.level);
      if (!topic) continue;
      const emails = tier.channels.includes('email') ? (tier.emails ?? []) : [];
      emails.forEach((endpoint, index) => {
        new Subscription(this, `Level${tier.level}Email${index}`, {
          topic,
          protocol: SubscriptionProtocol.EMAIL,
          endpoint,
          filterPolicy: { channel: SubscriptionFilter.stringFilter({ allowlist: ['email'] }) },
        });
      });
      if (emails.length === 0 && !slackLevels.has(tier.level)) {
        // Review 12 R12-6: the topic's policy refuses Subscribe to all but the deployment (decision 179): the fix is the
        // configuration and a deploy (under another synthesizer, without that Deny, it still works).
        Annotations.of(this).addWarningV2(
          `escalation-tier-${tier.level}-no-subscriber`,
          `escalation tier L${tier.level} (${topic.node.id}) has no subscriber (email or Slack channel) in ${props.environment}, so nobody is notified: ${noSubscriberFix(props.environment, tier, false)}`,
        );
      }
    }
  }

  /**
   * One AWS Chatbot Slack channel configuration per configured channel, subscribed to its tiers' topics. Its role has no
   * permissions at all (a notification needs none) and its guardrail is read-only, so nothing typed in the channel can
   * change anything through Chatbot. Returns the levels that have a channel.
   */
  private slackChannels(props: EscalationTopicsProps): Set<number> {
    const plans = slackChannelPlans(props.config, props.environment);
    if (plans.length === 0) return new Set();
    const role = new Role(this, 'SlackChannelRole', {
      assumedBy: new ServicePrincipal('chatbot.amazonaws.com'),
      description: 'AWS Chatbot channel role of the escalation tiers: no permissions (notifications need none)',
    });
    const defaultGuardrail = ManagedPolicy.fromAwsManagedPolicyName(DEFAULT_SLACK_GUARDRAIL_POLICY);
    const levels = new Set<number>();
    for (const plan of plans) {
      const guardrails: IManagedPolicy[] = plan.guardrailPolicyArns
        ? plan.guardrailPolicyArns.map((arn, index) => ManagedPolicy.fromManagedPolicyArn(this, `Slack${plan.workspaceId}${plan.channelId}Guardrail${index}`, arn))
        : [defaultGuardrail];
      new SlackChannelConfiguration(this, `Slack${plan.workspaceId}${plan.channelId}`, {
        // ConfigurationName: [A-Za-z0-9-_], at most 128 (AWS::Chatbot::SlackChannelConfiguration); unique per account.
        slackChannelConfigurationName: `${NAME_PREFIX}-${props.environment}-${props.region}-${plan.channelId}`.slice(0, 128),
        slackWorkspaceId: plan.workspaceId,
        slackChannelId: plan.channelId,
        role,
        guardrailPolicies: guardrails,
        notificationTopics: [
          ...plan.levels.flatMap((level) => {
            const topic = this.byLevel.get(level);
            return topic ? [topic] : [];
          }),
          ...(props.health && plan.levels.includes(props.health.level) ? [props.health.topic] : []),
        ],
        loggingLevel: LoggingLevel[plan.loggingLevel],
        userRoleRequired: plan.userRoleRequired,
      });
      plan.levels.forEach((level) => levels.add(level));
    }
    return levels;
  }

  /**
   * Lets `publisher.service` publish to the tier of `level` for the project's own alarm or rule `publisher.sourceArn`
   * (an alarm action, an EventBridge rule's SNS target). Before guard(): the topic policy is written once, from these.
   */
  admitServicePublisher(level: number, publisher: ServicePublisher): void {
    if (this.guarded) throw new Error(`admitServicePublisher(${level}) after guard(): the tier topics' policies are already written`);
    if (!this.byLevel.has(level)) throw new Error(`no escalation tier L${level}`);
    this.servicePublishers.set(level, [...(this.servicePublishers.get(level) ?? []), publisher]);
  }

  /**
   * Review 11b F5: only `publisherRoleArns` (the execution roles holding sns:Publish on the tiers) and the admitted
   * services page a tier; only CloudFormation's execution role changes a topic's policy, attributes and subscriptions
   * (infra/lib/iam/topic-policy.ts). Call once, after every publisher is known.
   */
  guard(publisherRoleArns: readonly string[]): void {
    if (this.guarded) throw new Error('guard() twice');
    this.guarded = true;
    const deploymentRoleArn = this.deploymentRoleArn();
    for (const [level, topic] of this.byLevel) {
      const statements = topicPolicyStatements({
        topicArn: topic.topicArn,
        publisherRoleArns,
        servicePublishers: this.servicePublishers.get(level) ?? [],
        ...(deploymentRoleArn ? { deploymentRoleArn } : {}),
        chatbotSubscribes: this.hasSlackChannels,
      });
      for (const statement of statements) topic.addToResourcePolicy(PolicyStatement.fromJson(statement));
    }
  }

  /**
   * The role CloudFormation deploys this stack with: the CDK bootstrap's cfn-exec-role (DefaultStackSynthesizer, which
   * `cdk deploy` passes to CloudFormation as its service role). Another synthesizer deploys with whatever credentials
   * run it, which the template cannot name: then no management Deny, and a warning says so.
   */
  private deploymentRoleArn(): string | undefined {
    const synthesizer = Stack.of(this).synthesizer;
    const arn = synthesizer instanceof DefaultStackSynthesizer ? synthesizer.cloudFormationExecutionRole : undefined;
    if (!arn) {
      Annotations.of(this).addWarningV2(
        'escalation-topics-deployment-role-unknown',
        'the stack synthesizer names no CloudFormation execution role: the escalation topics keep Publish to the escalation roles, but anyone of the account the IAM allows may still subscribe to them or change their policy',
      );
      return undefined;
    }
    // The synthesizer leaves ${AWS::AccountId} / ${AWS::Region} / ${AWS::Partition} in an environment-agnostic stack.
    return arn.includes('${') ? Fn.sub(arn) : arn;
  }

  get topics(): Topic[] {
    return [...this.byLevel.values()];
  }

  get firstTierLevel(): number {
    const first = [...this.byLevel.keys()].sort((a, b) => a - b)[0];
    if (first === undefined) throw new Error('the configuration has no escalation tier');
    return first;
  }
}
