// The project's customer-managed KMS key: escalation topics and the handlers' environment variables (seed: "Lambda ENV: KMS, customer managed").
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccountRootPrincipal, PolicyDocument, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * What the account's administrators may do with the key, listed rather than "kms:*" (the default key policy): no policy
 * in this app allows a wildcard action. This is the full set of key-administration and key-use actions for one key.
 */
const ACCOUNT_KEY_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:CreateGrant',
  'kms:Decrypt',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

export interface ProjectKeyProps {
  alias: string;
  retain: boolean;
  /** What the key encrypts; the default is the operations (or single) account's key. */
  description?: string;
}

export class ProjectKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: ProjectKeyProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    this.key = new Key(this, 'Key', {
      alias: props.alias,
      description: props.description ?? 'Notification Service runbook automation: escalation and health topics, handler environment variables and the decision archive',
      enableKeyRotation: true,
      // KMS waits 7-30 days before deleting a key; the longest wait leaves time to notice a mistaken deletion.
      pendingWindow: Duration.days(30),
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      policy: new PolicyDocument({
        statements: [
          // IAM policies in the account decide who may use the key (the handlers' roles get kms:Decrypt from CDK).
          new PolicyStatement({ sid: 'AccountAdministersAndUsesTheKey', principals: [new AccountRootPrincipal()], actions: ACCOUNT_KEY_ACTIONS, resources: ['*'] }),
          // CloudWatch alarm actions publish to the encrypted automation health topic (SNS SSE with a customer-managed key).
          new PolicyStatement({
            sid: 'CloudWatchAlarmsPublishToEncryptedTopics',
            principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
            actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
            resources: ['*'],
            conditions: { StringEquals: { 'aws:SourceAccount': account } },
          }),
        ],
      }),
    });
  }

  /**
   * EventBridge encrypts an archive of `eventBusArn` with this key (EventBridge archive encryption with a customer-managed
   * key): data keys bound to the bus by the encryption context, and DescribeKey. The actions are listed where CDK's
   * Archive construct would grant "kms:ReEncrypt*": no policy in this app allows a wildcard action.
   */
  allowEventBridgeArchive(eventBusArn: string): void {
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'EventBridgeEncryptsTheDecisionArchive',
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:EncryptionContext:aws:events:event-bus:arn': eventBusArn } },
      }),
    );
    this.key.addToResourcePolicy(
      new PolicyStatement({ sid: 'EventBridgeDescribesTheArchiveKey', principals: [new ServicePrincipal('events.amazonaws.com')], actions: ['kms:DescribeKey'], resources: ['*'] }),
    );
  }
}
