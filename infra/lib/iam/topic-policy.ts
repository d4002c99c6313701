// The escalation tier topics' resource policy, statement by statement (review 11b F5): who may page a tier and who may
// change who is paged. Pure and CDK-free, mirrored from bus-policy.ts's explicit Denies.

/** Statement ids, one per rule: tests and preflight find them by these. */
export const TOPIC_SIDS = {
  rolePublishers: 'OnlyEscalationRolesPublish',
  servicePublishers: 'OnlyProjectAlarmsAndRulesPublish',
  serviceAllow: 'ProjectAlarmsAndRulesPublish',
  management: 'OnlyTheDeploymentManagesTheTopic',
  subscribe: 'OnlyTheDeploymentSubscribes',
} as const;

/**
 * The actions a topic policy can name at all: the SNS developer guide's "Valid Amazon SNS policy actions"
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-language-api-permissions-reference.html). SNS refuses a
 * policy naming another action ("Invalid parameter: Policy statement action out of service scope!", seen for
 * SetSubscriptionAttributes in AddPermission, aws/aws-cli#3143, and for CreateTopic in a topic policy,
 * hashicorp/terraform#12740): a Deny of sns:Unsubscribe here would fail the deployment, not protect the subscriptions.
 */
export const SNS_TOPIC_POLICY_ACTIONS = [
  'sns:AddPermission',
  'sns:DeleteTopic',
  'sns:GetDataProtectionPolicy',
  'sns:GetTopicAttributes',
  'sns:ListSubscriptionsByTopic',
  'sns:ListTagsForResource',
  'sns:Publish',
  'sns:PutDataProtectionPolicy',
  'sns:RemovePermission',
  'sns:SetTopicAttributes',
  'sns:Subscribe',
] as const;

/**
 * Actions the Service Authorization Reference puts on the topic resource that a topic policy cannot govern (not in
 * SNS_TOPIC_POLICY_ACTIONS): only the caller's own IAM (identity policy, permissions boundary, an SCP) refuses them.
 * Unsubscribe and SetSubscriptionAttributes (a FilterPolicy that drops every page) change who is paged without touching
 * the topic: preflight compares each tier's subscriptions with the configuration (cli/preflight/plumbing-checks.ts,
 * checkTierPeople). An email recipient's own unsubscribe link (AuthenticateOnUnsubscribe false, as every email
 * confirmation leaves it) is not even signed.
 */
export const OUTSIDE_TOPIC_POLICY_ACTIONS = ['sns:Unsubscribe', 'sns:SetSubscriptionAttributes', 'sns:GetSubscriptionAttributes', 'sns:ConfirmSubscription', 'sns:TagResource', 'sns:UntagResource'] as const;

/**
 * What changes who a tier pages or who may publish to it, of what a topic policy can govern: the deployment's alone
 * (CloudFormation's execution role). PutDataProtectionPolicy can deny outbound delivery of a message that names a data
 * identifier; DeleteTopic takes every subscription with it (review 12 R12-5). Subscribe has its own statement.
 */
export const TOPIC_MANAGEMENT_ACTIONS = ['sns:SetTopicAttributes', 'sns:AddPermission', 'sns:RemovePermission', 'sns:PutDataProtectionPolicy', 'sns:DeleteTopic'] as const;

export interface TopicPolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal: { AWS: string } | { Service: string | string[] };
  Action: string | string[];
  Resource: string;
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** A service that publishes to a tier on behalf of one of the project's own resources (an alarm, a rule). */
export interface ServicePublisher {
  /** e.g. cloudwatch.amazonaws.com (alarm actions), events.amazonaws.com (a rule's SNS target). */
  service: string;
  /** The alarm's or rule's ARN: what the service names as aws:SourceArn when it publishes (confused-deputy guard). */
  sourceArn: string;
}

export interface TopicPolicyInputs {
  topicArn: string;
  /** The IAM roles that page people: escalate's and escalation-timer's execution roles, and any other holding sns:Publish. */
  publisherRoleArns: readonly string[];
  servicePublishers: readonly ServicePublisher[];
  /** CloudFormation's execution role (the CDK bootstrap's cfn-exec-role); undefined: the deployment is not known, no Deny. */
  deploymentRoleArn?: string;
  /** AWS Chatbot subscribes its Slack channels to the topic (SlackChannelConfiguration): exempt from the Subscribe Deny. */
  chatbotSubscribes: boolean;
}

/**
 * The statements infra adds to a tier topic's policy (after CDK's TLS-only Deny).
 *
 * Publish: a principal that is not an AWS service (aws:PrincipalIsAWSService false, present in every signed request) is
 * refused unless it is one of the publishing roles; a service is refused unless it publishes for one of the project's
 * own alarms or rules (aws:SourceArn; a request without it is refused: ArnNotEquals on an absent key is true). So an
 * alarm or a rule of someone else's making, with a description or input transformer of their choosing, pages nobody.
 * Management: TOPIC_MANAGEMENT_ACTIONS and Subscribe only by CloudFormation's execution role (the same role that writes
 * this policy, creates the subscriptions and deletes the topic with the stack, so the deployment is never locked out).
 */
export function topicPolicyStatements(inputs: TopicPolicyInputs): TopicPolicyStatement[] {
  const { topicArn } = inputs;
  const statements: TopicPolicyStatement[] = [
    {
      Sid: TOPIC_SIDS.rolePublishers,
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sns:Publish',
      Resource: topicArn,
      // With no publishing role here, nobody but a service (next statement) may publish.
      Condition: {
        Bool: { 'aws:PrincipalIsAWSService': 'false' },
        ...(inputs.publisherRoleArns.length > 0 ? { ArnNotEquals: { 'aws:PrincipalArn': [...inputs.publisherRoleArns] } } : {}),
      },
    },
    {
      Sid: TOPIC_SIDS.servicePublishers,
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sns:Publish',
      Resource: topicArn,
      // With no service publisher, every service is refused (no ArnNotEquals over an empty list: IAM rejects it).
      Condition: {
        Bool: { 'aws:PrincipalIsAWSService': 'true' },
        ...(inputs.servicePublishers.length > 0 ? { ArnNotEquals: { 'aws:SourceArn': inputs.servicePublishers.map((p) => p.sourceArn) } } : {}),
      },
    },
  ];
  const services = [...new Set(inputs.servicePublishers.map((p) => p.service))].sort();
  if (services.length > 0) {
    // A service principal needs the topic's Allow (its own account's IAM does not speak for it): only for these sources.
    statements.push({
      Sid: TOPIC_SIDS.serviceAllow,
      Effect: 'Allow',
      Principal: { Service: services.length === 1 ? (services[0] ?? '') : services },
      Action: 'sns:Publish',
      Resource: topicArn,
      Condition: { ArnEquals: { 'aws:SourceArn': inputs.servicePublishers.map((p) => p.sourceArn) } },
    });
  }
  if (inputs.deploymentRoleArn) {
    statements.push({
      Sid: TOPIC_SIDS.management,
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: [...TOPIC_MANAGEMENT_ACTIONS],
      Resource: topicArn,
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': inputs.deploymentRoleArn } },
    });
    statements.push({
      Sid: TOPIC_SIDS.subscribe,
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sns:Subscribe',
      Resource: topicArn,
      Condition: {
        ArnNotEquals: { 'aws:PrincipalArn': inputs.deploymentRoleArn },
        // Whether Chatbot subscribes as its service principal or on the deployment's behalf is not documented: both pass.
        ...(inputs.chatbotSubscribes ? { StringNotEquals: { 'aws:PrincipalServiceName': 'chatbot.amazonaws.com' } } : {}),
      },
    });
  }
  return statements;
}

/** Statement ids of the approval topic's policy (infra/lib/constructs/approval-topic.ts). */
export const APPROVAL_TOPIC_SIDS = {
  automationPublishes: 'AutomationRolePublishesApprovalRequests',
  management: TOPIC_SIDS.management,
  subscribe: TOPIC_SIDS.subscribe,
} as const;

/**
 * The approval topic's policy (review 11a finding 8): the automation role publishes the requests of the documents'
 * aws:approve steps (Allow; its own policy grants it too); only the deployment changes the topic or who is subscribed
 * (the same Denies as the tiers'). Publishing is not denied to others: a document started without AutomationAssumeRole
 * runs with the starter's own permissions, and its request would be refused. Without the deployment role, no Deny.
 */
export function approvalTopicPolicyStatements(inputs: { topicArn: string; publisherRoleArn: string; deploymentRoleArn?: string }): TopicPolicyStatement[] {
  const statements: TopicPolicyStatement[] = [
    { Sid: APPROVAL_TOPIC_SIDS.automationPublishes, Effect: 'Allow', Principal: { AWS: inputs.publisherRoleArn }, Action: 'sns:Publish', Resource: inputs.topicArn },
  ];
  if (inputs.deploymentRoleArn) {
    statements.push(
      ...topicPolicyStatements({ topicArn: inputs.topicArn, publisherRoleArns: [], servicePublishers: [], deploymentRoleArn: inputs.deploymentRoleArn, chatbotSubscribes: false }).filter(
        (s) => s.Sid === TOPIC_SIDS.management || s.Sid === TOPIC_SIDS.subscribe,
      ),
    );
  }
  return statements;
}
