// withCachedMiddleware (decision 332): a client with the SDK's cacheMiddleware shares one handler context across every
// send of a command class, concurrent ones included, and the SDK's middleware writes the resolved endpoint and auth scheme
// into it. That is safe only where both come from the client's configuration, never from a command's input: checked here
// for every command of every client built so, against the SDK as installed (an SDK update that gives one an input-derived
// endpoint parameter fails this). The auth scheme parameters likewise: every command of every such client is sent through
// the client's real stack as far as its auth scheme middleware, and nothing there may read the command's input or the
// command instance (review 20c R20-41). The concurrent sends themselves: test/integration/aws/cached-middleware.test.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { HandlerExecutionContext, MetadataBearer, SerializeHandler, SerializeHandlerArguments, SerializeMiddleware } from '@aws-sdk/types';
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

/** A client as the probe drives it: its middleware stack and send. */
interface ProbedClient {
  middlewareStack: {
    addRelativeTo(middleware: SerializeMiddleware<object, MetadataBearer>, options: { relation: 'before' | 'after'; toMiddleware: string; name: string; override?: boolean }): void;
  };
  send(command: unknown): Promise<unknown>;
  destroy(): void;
}
type ClientClass = new (config: object) => ProbedClient;
type CommandCtor = new (input: object) => unknown;

/** Thrown right after the auth scheme middleware: the command goes no further (nothing serialized, nothing sent). */
class StopAfterAuth extends Error {}

/** An object whose every property read, key listing or `in` test is written down as `<label>.<key>`. */
function recording<T extends object>(target: T, label: string, reads: string[]): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      reads.push(`${label}.${String(key)}`);
      return Reflect.get(object, key, receiver) as unknown;
    },
    has(object, key) {
      reads.push(`${label} has ${String(key)}`);
      return Reflect.has(object, key);
    },
    ownKeys(object) {
      reads.push(`${label} keys`);
      return Reflect.ownKeys(object);
    },
  });
}

/**
 * What the auth scheme middleware of `client`'s real stack (with the production configuration and the cache) read of
 * each command's input and of the command instance in the handler context, by command: two probes around
 * `httpAuthSchemeMiddleware` give it a recording input and a recording command instance, and stop the command after it.
 * `replaceAuth` swaps in another middleware of the same name (the probe's own check).
 */
async function authParameterReads(client: string, replaceAuth?: SerializeMiddleware<object, MetadataBearer>): Promise<{ probed: number; reads: Record<string, string[]> }> {
  const module = PACKAGES[client];
  const Client = module?.[client] as ClientClass | undefined;
  if (!Client) throw new Error(`no client class ${client}`);
  const instance = new Client(withCachedMiddleware({ ...clientConfig({ region: 'us-east-1' }), credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'probe' } }));
  if (replaceAuth) instance.middlewareStack.addRelativeTo(replaceAuth, { relation: 'before', toMiddleware: 'endpointV2Middleware', name: 'httpAuthSchemeMiddleware', override: true });
  let reads: string[] = [];
  let restore: (() => void) | undefined;
  const before: SerializeMiddleware<object, MetadataBearer> =
    (next: SerializeHandler<object, MetadataBearer>, context: HandlerExecutionContext) => (args: SerializeHandlerArguments<object>) => {
      const smithy = context['__smithy_context'] as Record<string, unknown> | undefined;
      const command = smithy?.['commandInstance'];
      // What the auth scheme middleware selects, cleared before it: the probe after it finds it chosen anew.
      if (smithy) delete smithy['selectedHttpAuthScheme'];
      if (smithy && typeof command === 'object' && command !== null) {
        smithy['commandInstance'] = recording(command, 'commandInstance', reads);
        restore = () => void (smithy['commandInstance'] = command);
      }
      return next({ ...args, input: recording(args.input, 'input', reads) });
    };
  const after: SerializeMiddleware<object, MetadataBearer> = (_next, context) => () => {
    const smithy = context['__smithy_context'] as Record<string, unknown> | undefined;
    if (!smithy?.['selectedHttpAuthScheme']) throw new Error('no auth scheme selected between the probes');
    throw new StopAfterAuth();
  };
  instance.middlewareStack.addRelativeTo(before, { relation: 'before', toMiddleware: 'httpAuthSchemeMiddleware', name: 'probeBeforeAuth' });
  instance.middlewareStack.addRelativeTo(after, { relation: 'after', toMiddleware: 'httpAuthSchemeMiddleware', name: 'probeAfterAuth' });
  const found: Record<string, string[]> = {};
  let probed = 0;
  try {
    for (const [name, command] of commandsOf(client)) {
      reads = [];
      const outcome = await instance.send(new (command as unknown as CommandCtor)({})).then(
        () => new Error(`${name} went past the auth scheme middleware`),
        (error: unknown) => error,
      );
      restore?.();
      restore = undefined;
      if (!(outcome instanceof StopAfterAuth)) throw new Error(`${client} ${name}: the probe did not reach the auth scheme middleware: ${String(outcome)}`);
      probed += 1;
      if (reads.length > 0) found[name] = reads;
    }
  } finally {
    instance.destroy();
  }
  return { probed, reads: found };
}

/** The installed package's bundled source of a client (its dist-cjs). */
function distSource(client: string): string {
  const names: Record<string, string> = {
    EC2Client: 'client-ec2',
    RDSClient: 'client-rds',
    ElastiCacheClient: 'client-elasticache',
    LambdaClient: 'client-lambda',
    CloudWatchClient: 'client-cloudwatch',
    SSMClient: 'client-ssm',
    APIGatewayClient: 'client-api-gateway',
    ApiGatewayV2Client: 'client-apigatewayv2',
    DynamoDBClient: 'client-dynamodb',
    EventBridgeClient: 'client-eventbridge',
  };
  const main = require.resolve(`@aws-sdk/${names[client] ?? client}`);
  return sourceFiles(dirname(main), '.js').map((file) => readFileSync(file, 'utf8')).join('\n');
}

function sourceFiles(dir: string, ext = '.ts'): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path, ext);
    return path.endsWith(ext) ? [path] : [];
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

  it.each(CACHED_STACK_CLIENTS.map((client) => [client]))(
    'is used only on a client whose auth scheme parameters, for every command, read neither its input nor the command: %s',
    async (client) => {
      const { probed, reads } = await authParameterReads(client);
      expect(probed).toBe(commandsOf(client).length);
      expect(reads).toEqual({});
      // Nor does anything else in the package reach the command through the handler context (EventBridge's endpoint
      // plugin does: below).
      expect(distSource(client)).not.toContain('commandInstance');
    },
  );

  it('sees an auth scheme middleware that reads the input or the command, and the package that reaches the command (the probe\'s own check)', async () => {
    // Each selects a scheme, as the real middleware does (the probe after it checks one was chosen).
    const select = (context: HandlerExecutionContext): { commandInstance?: { input?: unknown } } => {
      const smithy = context['__smithy_context'] as { commandInstance?: { input?: unknown }; selectedHttpAuthScheme?: unknown };
      smithy.selectedHttpAuthScheme = { httpAuthOption: { schemeId: 'aws.auth#sigv4' } };
      return smithy;
    };
    const readingInput: SerializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
      select(context);
      void (args.input as Record<string, unknown>)['FunctionName'];
      return next(args);
    };
    const readingCommand: SerializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
      void select(context).commandInstance?.input;
      return next(args);
    };
    const input = await authParameterReads('LambdaClient', readingInput);
    expect(input.probed).toBe(commandsOf('LambdaClient').length);
    expect(input.reads['InvokeCommand']).toEqual(['input.FunctionName']);
    expect(Object.keys(input.reads)).toHaveLength(input.probed);
    const command = await authParameterReads('LambdaClient', readingCommand);
    expect(command.reads['InvokeCommand']).toEqual(['commandInstance.input']);
    expect(distSource('EventBridgeClient')).toContain('commandInstance');
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
