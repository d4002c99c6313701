// withCachedMiddleware (decision 332): a client with the SDK's cacheMiddleware shares one handler context across every
// send of a command class, concurrent ones included, and the SDK's middleware writes the resolved endpoint and auth scheme
// into it. That is safe only where both come from the client's configuration, never from a command's input: checked here
// for every command of every client built so, against the SDK as installed (an SDK update that gives one an input-derived
// endpoint parameter fails this). The concurrent sends themselves: test/integration/aws/cached-middleware.test.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as apiGateway from '@aws-sdk/client-api-gateway';
import * as apiGatewayV2 from '@aws-sdk/client-apigatewayv2';
import * as cloudWatch from '@aws-sdk/client-cloudwatch';
import * as dynamoDb from '@aws-sdk/client-dynamodb';
import * as ec2 from '@aws-sdk/client-ec2';
import * as elastiCache from '@aws-sdk/client-elasticache';
import * as eventBridge from '@aws-sdk/client-eventbridge';
import * as lambda from '@aws-sdk/client-lambda';
import * as rds from '@aws-sdk/client-rds';
import * as ssm from '@aws-sdk/client-ssm';
import { CACHED_STACK_CLIENTS, clientConfig, withCachedMiddleware } from '../../../shared/aws/client-config';
import { connectionTimeoutPlaybook } from '../../../shared/playbooks/connection-timeout';

type Instructions = Record<string, { type: string; name?: string }>;
type CommandClass = { getEndpointParameterInstructions(): Instructions };

const PACKAGES: Record<string, Record<string, unknown>> = {
  EC2Client: ec2,
  RDSClient: rds,
  ElastiCacheClient: elastiCache,
  LambdaClient: lambda,
  CloudWatchClient: cloudWatch,
  SSMClient: ssm,
  APIGatewayClient: apiGateway,
  ApiGatewayV2Client: apiGatewayV2,
  DynamoDBClient: dynamoDb,
  EventBridgeClient: eventBridge,
};

/** The endpoint parameter sources that are the client's own: its configuration, a constant of the command class. */
const CONFIGURATION_ONLY = new Set(['builtInParams', 'clientContextParams', 'staticContextParams']);

function commandsOf(client: string): Array<[string, CommandClass]> {
  const module = PACKAGES[client];
  if (!module) throw new Error(`no package for ${client}`);
  return Object.entries(module).filter((entry): entry is [string, CommandClass] => {
    const value = entry[1] as Partial<CommandClass> | undefined;
    return entry[0].endsWith('Command') && typeof value?.getEndpointParameterInstructions === 'function';
  });
}

/** The commands of a client whose endpoint depends on their input, each with the parameters that do. */
function inputDerivedEndpoints(client: string): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const [name, command] of commandsOf(client)) {
    const params = Object.entries(command.getEndpointParameterInstructions()).filter(([, instruction]) => !CONFIGURATION_ONLY.has(instruction.type));
    if (params.length > 0) found[name] = params.map(([param, instruction]) => `${param} (${instruction.type})`);
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const root = join(__dirname, '..', '..', '..');

describe('withCachedMiddleware', () => {
  it.each(CACHED_STACK_CLIENTS.map((client) => [client]))('is used only on a client whose every command takes its endpoint from the configuration: %s', (client) => {
    expect(commandsOf(client).length).toBeGreaterThan(0);
    expect(inputDerivedEndpoints(client)).toEqual({});
  });

  it('tells the clients it must not be used on: EventBridge (PutEvents EndpointId) and DynamoDB (the table or ARN of the call)', () => {
    expect(inputDerivedEndpoints('EventBridgeClient')).toEqual({ PutEventsCommand: ['EndpointId (contextParams)'] });
    const dynamo = inputDerivedEndpoints('DynamoDBClient');
    expect(dynamo).toMatchObject({
      GetItemCommand: ['ResourceArn (contextParams)'],
      PutItemCommand: ['ResourceArn (contextParams)'],
      UpdateItemCommand: ['ResourceArn (contextParams)'],
      BatchGetItemCommand: ['ResourceArnList (operationContextParams)'],
    });
    expect(CACHED_STACK_CLIENTS).not.toContain('EventBridgeClient');
    expect(CACHED_STACK_CLIENTS).not.toContain('DynamoDBClient');
  });

  it('sets the option on a copy, leaving the shared configuration as it was', () => {
    const config = clientConfig({ region: 'eu-west-1' });
    expect(withCachedMiddleware(config)).toEqual({ ...config, cacheMiddleware: true });
    expect(config).not.toHaveProperty('cacheMiddleware');
  });

  it("builds inspect-security-groups' own clients with it", () => {
    const clients = connectionTimeoutPlaybook.createClients?.(clientConfig({ region: 'us-east-1' }), { cloudWatch: new cloudWatch.CloudWatchClient({ region: 'us-east-1' }) });
    if (!clients) throw new Error('connection-timeout declares no createClients');
    for (const client of [clients.lambda, clients.ec2, clients.rds, clients.elastiCache]) expect(client.config.cacheMiddleware).toBe(true);
    for (const client of [clients.lambda, clients.ec2, clients.rds, clients.elastiCache]) client.destroy();
  });

  it('is used at exactly the sites of decision 332, each on a client checked above, and nothing else sets cacheMiddleware', () => {
    const sites: string[] = [];
    const otherMentions: string[] = [];
    for (const file of [...sourceFiles(join(root, 'shared')), ...sourceFiles(join(root, 'handlers'))]) {
      const text = readFileSync(file, 'utf8');
      const where = relative(root, file);
      for (const match of text.matchAll(/new (\w+)\(withCachedMiddleware\(/g)) sites.push(`${where}: ${match[1] ?? ''}`);
      if (where !== join('shared', 'aws', 'client-config.ts') && /cacheMiddleware/.test(text)) otherMentions.push(where);
    }
    expect(sites.sort()).toEqual([
      'shared/pipeline/create-alarm-handler.ts: CloudWatchClient',
      'shared/pipeline/recording-services.ts: SSMClient',
      'shared/playbooks/connection-timeout-api.ts: APIGatewayClient',
      'shared/playbooks/connection-timeout-http-api.ts: ApiGatewayV2Client',
      'shared/playbooks/connection-timeout.ts: EC2Client',
      'shared/playbooks/connection-timeout.ts: ElastiCacheClient',
      'shared/playbooks/connection-timeout.ts: LambdaClient',
      'shared/playbooks/connection-timeout.ts: RDSClient',
    ]);
    for (const site of sites) expect(CACHED_STACK_CLIENTS).toContain(site.split(': ')[1]);
    expect(otherMentions).toEqual([]);
  });
});
