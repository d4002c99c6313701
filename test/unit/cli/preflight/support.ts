// Unit-test support for the preflight checks: the expectations of a real environment from the project's configuration,
// and a set of SDK clients the tests mock with aws-sdk-client-mock (class-wide, so any instance is mocked).
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient, SimulateCustomPolicyCommand, type ServiceInputTypes as IamInput, type ServiceOutputTypes as IamOutput, type IAMClientResolvedConfig } from '@aws-sdk/client-iam';
import { LambdaClient, ListAliasesCommand, ListVersionsByFunctionCommand, type LambdaClientResolvedConfig, type ServiceInputTypes as LambdaInput, type ServiceOutputTypes as LambdaOutput } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
  type ServiceInputTypes as SnsInput,
  type ServiceOutputTypes as SnsOutput,
  type SNSClientResolvedConfig,
  type Subscription,
} from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { SupportClient } from '@aws-sdk/client-support';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { AwsStub } from 'aws-sdk-client-mock';
import { handlerDeclarations, type AccountMode } from '../../../../cli/preflight/declarations';
import { preflightExpectations, type PreflightExpectations } from '../../../../cli/preflight/expectations';
import type { PreflightClients, PreflightTarget } from '../../../../cli/preflight/types';
import { loadRuntimeConfig } from '../../../../shared/config/load-config';
import type { EnvironmentName } from '../../../../shared/config/schema';
import { simulatePolicies } from '../../../../sandbox/iam-policy-simulator';

export const ACCOUNT = '111122223333';
export const WORKLOAD = '444455556666';
export const REGION = 'us-east-1';
export const TARGET: PreflightTarget = { account: ACCOUNT, region: REGION, partition: 'aws', caller: `arn:aws:iam::${ACCOUNT}:role/Operator` };

/** verify-change and the rule that invokes it with {"action":"sweep"} (decision 293), in TARGET's account and region. */
export const VERIFY = 'notification-runbooks-verify-change';
export const VERIFY_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${VERIFY}`;
export const VERIFY_RULE = 'notification-runbooks-verify-sweep';
export const VERIFY_RULE_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:rule/${VERIFY_RULE}`;
/** The statement CDK's LambdaFunction target writes for the verify sweep's rule (add-permission --source-arn), as get-policy returns it. */
export const VERIFY_SWEEP_STATEMENT: Record<string, unknown> = {
  Sid: 'VerifySweep',
  Effect: 'Allow',
  Principal: { Service: 'events.amazonaws.com' },
  Action: 'lambda:InvokeFunction',
  Resource: VERIFY_ARN,
  Condition: { ArnLike: { 'AWS:SourceArn': VERIFY_RULE_ARN } },
};
/** An account nobody configured (the AWS documentation's example account), and the attacker's role in it. */
export const STRANGER = '123456789012';
export const STRANGER_ROLE = `arn:aws:iam::${STRANGER}:role/attacker`;

export function expectationsFor(environment: EnvironmentName, mode: AccountMode = 'single-account', overrides?: unknown): PreflightExpectations {
  const { config } = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: environment, AWS_REGION: REGION, ...(overrides ? { RUNBOOK_CONFIG_JSON: JSON.stringify(overrides) } : {}) });
  return preflightExpectations(config, environment, REGION, handlerDeclarations(mode));
}

const config: { region: string; credentials: AwsCredentialIdentity; maxAttempts: number } = { region: REGION, credentials: { accessKeyId: 'AKIDUNITTEST', secretAccessKey: 'unit' }, maxAttempts: 1 };

/** Fresh clients; every call goes to the class-wide mocks the test installs. `created`: the IAM clients of each session opened. */
export function clients(settings: typeof config & { credentials: AwsCredentialIdentity } = config): PreflightClients & { created: IAMClient[]; destroy(): void } {
  const created: IAMClient[] = [];
  const own = {
    sqs: new SQSClient(settings),
    lambda: new LambdaClient(settings),
    rds: new RDSClient(settings),
    apiGateway: new APIGatewayClient(settings),
    apiGatewayV2: new ApiGatewayV2Client(settings),
    elastiCache: new ElastiCacheClient(settings),
    ec2: new EC2Client(settings),
    cloudWatch: new CloudWatchClient(settings),
    logs: new CloudWatchLogsClient(settings),
    events: new EventBridgeClient(settings),
    iam: new IAMClient(settings),
    ssm: new SSMClient(settings),
    sns: new SNSClient(settings),
    support: new SupportClient(settings),
    scheduler: new SchedulerClient(settings),
    route53: new Route53Client(settings),
  };
  return {
    ...own,
    sts: new STSClient(settings),
    withCredentials: (credentials: AwsCredentialIdentity) => {
      const session = clients({ ...config, credentials });
      created.push(session.iam);
      return session;
    },
    created,
    destroy: () => Object.values(own).forEach((c) => c.destroy()),
  };
}

/** An AWS SDK error as the SDK throws it: its name is the exception type. */
export function awsError(name: string, message = `${name} (unit test)`): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

/**
 * iam:SimulateCustomPolicy answered as AWS evaluates it: the documents given, under the context given, by the sandbox's
 * evaluator (sandbox/iam-policy-simulator.ts, the gap proxy's), multivalued keys as their ContextKeyType says.
 */
export function simulateCustomPolicyAsAws(iam: AwsStub<IamInput, IamOutput, IAMClientResolvedConfig>): void {
  iam.on(SimulateCustomPolicyCommand).callsFake((input: { PolicyInputList: string[]; ActionNames: string[]; ResourceArns?: string[]; ContextEntries?: Array<{ ContextKeyName: string; ContextKeyValues: string[]; ContextKeyType: string }> }) => {
    const policies = input.PolicyInputList.map((document, i) => ({ name: `input${i + 1}`, document: JSON.parse(document) as { Statement?: unknown } }));
    const context = Object.fromEntries((input.ContextEntries ?? []).map((e) => [e.ContextKeyName, e.ContextKeyValues]));
    const multivalued = new Set((input.ContextEntries ?? []).filter((e) => e.ContextKeyType.endsWith('List')).map((e) => e.ContextKeyName.toLowerCase()));
    return {
      EvaluationResults: input.ActionNames.flatMap((action) =>
        (input.ResourceArns ?? ['*']).map((resource) => {
          const r = simulatePolicies(policies, { action, resource, context, multivalued });
          return { EvalActionName: action, EvalResourceName: resource, EvalDecision: r.decision, MissingContextValues: r.missingContextValues };
        }),
      ),
    };
  });
}

/** The expectations of an environment in one of its regions (production's us-west-2 is its DR region). */
export function expectationsIn(environment: EnvironmentName, region: string): PreflightExpectations {
  const { config } = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: environment, AWS_REGION: region });
  return preflightExpectations(config, environment, region, handlerDeclarations());
}

/** An email subscription of `topicArn` as ListSubscriptionsByTopic lists it: confirmed (its ARN) unless `arn` says otherwise. */
export function emailSubscription(topicArn: string, address: string, arn = `${topicArn}:${address}`): Subscription {
  return { SubscriptionArn: arn, Protocol: 'email', Endpoint: address, TopicArn: topicArn };
}

/**
 * An SNS topic as preflight reads it (cli/preflight/topic-reach.ts): its subscriptions, and each confirmed one's
 * attributes (a signed confirmation, not pending, unless `attributes` says otherwise); 'missing': the topic does not exist.
 */
export function mockTopic(sns: AwsStub<SnsInput, SnsOutput, SNSClientResolvedConfig>, subscriptions: Subscription[] | 'missing', attributes: Record<string, Record<string, string>> = {}): void {
  sns.reset();
  if (subscriptions === 'missing') {
    sns.on(ListSubscriptionsByTopicCommand).rejects(awsError('NotFoundException', 'Topic does not exist'));
    return;
  }
  sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: subscriptions });
  sns.on(GetSubscriptionAttributesCommand).callsFake((input: { SubscriptionArn: string }) => ({
    Attributes: { SubscriptionArn: input.SubscriptionArn, ConfirmationWasAuthenticated: 'true', PendingConfirmation: 'false', ...(attributes[input.SubscriptionArn] ?? {}) },
  }));
}

/**
 * A function with no published version and no alias, as CDK deploys the handlers (ListVersionsByFunction lists $LATEST
 * only; ListAliases none): preflight then reads no qualified policy (review 20b R20-22).
 */
export function noVersionsOrAliases(lambda: AwsStub<LambdaInput, LambdaOutput, LambdaClientResolvedConfig>): void {
  lambda.on(ListVersionsByFunctionCommand).resolves({ Versions: [{ Version: '$LATEST' }] });
  lambda.on(ListAliasesCommand).resolves({ Aliases: [] });
}
