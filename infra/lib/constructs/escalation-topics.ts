// One SNS topic per tier of the seed's escalation path, encrypted with the project's KMS key, TLS only.
import { Annotations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Subscription, SubscriptionFilter, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { AutomationConfig, EnvironmentName } from '../../../shared/config/schema';

export interface EscalationTopicsProps {
  config: AutomationConfig;
  key: IKey;
  /** Whose tiers' email endpoints are subscribed (environments.<env>.escalation.tiers[].emails). */
  environment: EnvironmentName;
}

export class EscalationTopics extends Construct {
  /** By tier level (1 = DevOps Team L1 ...). */
  readonly byLevel = new Map<number, Topic>();

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
      if (emails.length === 0) {
        Annotations.of(this).addWarningV2(
          `escalation-tier-${tier.level}-no-subscriber`,
          `escalation tier L${tier.level} (${topic.node.id}) has no email subscriber in ${props.environment}: set environments.${props.environment}.escalation.tiers[].emails, or subscribe the topic yourself, or nobody is notified`,
        );
      }
    }
  }

  get topics(): Topic[] {
    return [...this.byLevel.values()];
  }

  /** The first tier's topic: where the automation's own operational alarms go. */
  get firstTier(): Topic {
    const first = [...this.byLevel.entries()].sort(([a], [b]) => a - b)[0];
    if (!first) throw new Error('the configuration has no escalation tier');
    return first[1];
  }
}
