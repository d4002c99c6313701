// Unit-test support for the preflight checks: the expectations of a real environment from the project's configuration,
// and a set of SDK clients the tests mock with aws-sdk-client-mock (class-wide, so any instance is mocked).
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { SupportClient } from '@aws-sdk/client-support';
import { handlerDeclarations, type AccountMode } from '../../../../cli/preflight/declarations';
import { preflightExpectations, type PreflightExpectations } from '../../../../cli/preflight/expectations';
import type { PreflightClients, PreflightTarget } from '../../../../cli/preflight/types';
import { loadRuntimeConfig } from '../../../../shared/config/load-config';
import type { EnvironmentName } from '../../../../shared/config/schema';

export const ACCOUNT = '111122223333';
export const WORKLOAD = '444455556666';
export const REGION = 'us-east-1';
export const TARGET: PreflightTarget = { account: ACCOUNT, region: REGION, partition: 'aws', caller: `arn:aws:iam::${ACCOUNT}:role/Operator` };

export function expectationsFor(environment: EnvironmentName, mode: AccountMode = 'single-account', overrides?: unknown): PreflightExpectations {
  const { config } = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: environment, AWS_REGION: REGION, ...(overrides ? { RUNBOOK_CONFIG_JSON: JSON.stringify(overrides) } : {}) });
  return preflightExpectations(config, environment, REGION, handlerDeclarations(mode));
}

const config = { region: REGION, credentials: { accessKeyId: 'AKIDUNITTEST', secretAccessKey: 'unit' }, maxAttempts: 1 };

/** Fresh clients; every call goes to the class-wide mocks the test installs. */
export function clients(): PreflightClients & { created: IAMClient[] } {
  const created: IAMClient[] = [];
  return {
    sqs: new SQSClient(config),
    lambda: new LambdaClient(config),
    rds: new RDSClient(config),
    apiGateway: new APIGatewayClient(config),
    elastiCache: new ElastiCacheClient(config),
    cloudWatch: new CloudWatchClient(config),
    events: new EventBridgeClient(config),
    iam: new IAMClient(config),
    ssm: new SSMClient(config),
    sns: new SNSClient(config),
    support: new SupportClient(config),
    scheduler: new SchedulerClient(config),
    sts: new STSClient(config),
    iamWith: (credentials) => {
      const client = new IAMClient({ ...config, credentials });
      created.push(client);
      return client;
    },
    created,
  };
}

/** An AWS SDK error as the SDK throws it: its name is the exception type. */
export function awsError(name: string, message = `${name} (unit test)`): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}
