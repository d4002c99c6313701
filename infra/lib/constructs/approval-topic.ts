// The SNS topic the runbook documents' aws:approve steps send their approval requests to (NotificationArn, review 11a
// finding 8), with the approvers' configured email endpoints subscribed: whoever must approve hears of it.
import { Annotations, DefaultStackSynthesizer, Fn, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { Subscription, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { EnvironmentName, RunbookApproversConfig } from '../../../shared/config/schema';
import { approvalTopicPolicyStatements } from '../iam/topic-policy';

export interface ApprovalTopicProps {
  /** Must start with "Automation" (SSM User Guide, "aws:approve"): shared/config/names.ts APPROVAL_TOPIC_NAME. */
  topicName: string;
  /** The role the documents run as: Automation publishes the request as it. */
  publisherRoleArn: string;
  approvers: RunbookApproversConfig | undefined;
  environment: EnvironmentName;
}

export class ApprovalTopic extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: ApprovalTopicProps) {
    super(scope, id);
    if (!props.topicName.startsWith('Automation')) throw new Error(`the approval topic ${props.topicName} must start with "Automation" (SSM aws:approve NotificationArn)`);
    this.topic = new Topic(this, 'Topic', {
      topicName: props.topicName,
      displayName: 'Notification Service runbook approvals',
      // SNS's AWS managed key: the automation role (in a workload account too, where the project has no key) publishes
      // without a key grant of its own.
      masterKey: Alias.fromAliasName(this, 'SnsManagedKey', 'alias/aws/sns'),
      enforceSSL: true,
    });
    const emails = props.approvers?.emails ?? [];
    emails.forEach((endpoint, index) => new Subscription(this, `Email${index}`, { topic: this.topic, protocol: SubscriptionProtocol.EMAIL, endpoint }));
    if (emails.length === 0) {
      Annotations.of(this).addWarningV2(
        'approval-topic-no-subscriber',
        `the runbook approval topic ${props.topicName} has no subscriber in ${props.environment}: set environments.${props.environment}.runbookApprovers.emails and deploy (cdk deploy), or no approver hears of an approval request and the documents' approval steps time out after 1 hour`,
      );
    }
    const synthesizer = Stack.of(this).synthesizer;
    const deploymentRole = synthesizer instanceof DefaultStackSynthesizer ? synthesizer.cloudFormationExecutionRole : undefined;
    const statements = approvalTopicPolicyStatements({
      topicArn: this.topic.topicArn,
      publisherRoleArn: props.publisherRoleArn,
      ...(deploymentRole ? { deploymentRoleArn: deploymentRole.includes('${') ? Fn.sub(deploymentRole) : deploymentRole } : {}),
    });
    for (const statement of statements) this.topic.addToResourcePolicy(PolicyStatement.fromJson(statement));
  }
}
