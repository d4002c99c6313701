// One SNS topic per tier of the seed's escalation path, encrypted with the project's KMS key, TLS only.
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { AutomationConfig } from '../../../shared/config/schema';

export interface EscalationTopicsProps {
  config: AutomationConfig;
  key: IKey;
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
