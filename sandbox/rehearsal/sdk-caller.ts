// aws:executeAwsApi through the real AWS SDK v3: Service/Api -> the installed @aws-sdk/client-<x> and its <Api>Command.
// The endpoint is whatever AWS_ENDPOINT_URL says (the sandbox), exactly as for the handlers.
// Automation sends these requests with boto3, whose model is botocore's, not the SDK v3's (Route 53's MaxItems is a
// string there, a number here: review 22b, R22b-1). So each request is first checked by botocore's own validator, and
// one boto3 would refuse fails the step with boto3's words, nothing sent (decision 367).
import { clientConfig } from '../../shared/aws/client-config';
import { SdkCatalog, sdkCatalog, type SdkClientPackage } from '../../shared/runbooks/sdk-catalog';
import { createBotocoreChecker, type BotocoreChecker } from './botocore-params';

interface SdkClient {
  send(command: unknown): Promise<unknown>;
  destroy?(): void;
}
type ClientClass = new (config: Record<string, unknown>) => SdkClient;
type CommandClass = new (input: Record<string, unknown>) => unknown;

export class RehearsalApiError extends Error {
  override readonly name = 'RehearsalApiError';
}

export interface SdkCaller {
  call(service: string, api: string, input: Record<string, unknown>): Promise<unknown>;
  destroy(): void;
}

/** The client class a package exports: <ServiceId>Client (EventBridgeClient, CloudWatchLogsClient). */
function clientClassOf(module: Record<string, unknown>, client: SdkClientPackage): ClientClass {
  const preferred = client.serviceId ? `${client.serviceId.replace(/\s+/g, '')}Client` : undefined;
  const name =
    (preferred && typeof module[preferred] === 'function' ? preferred : undefined) ??
    Object.keys(module).find((k) => k.endsWith('Client') && typeof module[k] === 'function' && !k.endsWith('ServiceClient'));
  if (!name) throw new RehearsalApiError(`${client.packageName} exports no client class`);
  return module[name] as ClientClass;
}

export function createSdkCaller(options: { region: string; catalog?: SdkCatalog; botocore?: BotocoreChecker }): SdkCaller {
  const catalog = options.catalog ?? sdkCatalog();
  const botocore = options.botocore ?? createBotocoreChecker();
  const clients = new Map<string, { client: SdkClient; module: Record<string, unknown> }>();

  const clientFor = (service: string): { client: SdkClient; module: Record<string, unknown>; pkg: SdkClientPackage } => {
    const pkg = catalog.clientFor(service);
    if (!pkg) {
      throw new RehearsalApiError(`no AWS SDK v3 client for service "${service}" is installed (npm install @aws-sdk/client-${service.toLowerCase()} to rehearse it)`);
    }
    let entry = clients.get(pkg.packageName);
    if (!entry) {
      // A package chosen at run time from the document, so it cannot be a static import.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by path from the installed SDK
      const module = require(SdkCatalog.entryPoint(pkg)) as Record<string, unknown>;
      const Client = clientClassOf(module, pkg);
      entry = { client: new Client({ ...clientConfig({ region: options.region }), region: options.region }), module };
      clients.set(pkg.packageName, entry);
    }
    return { ...entry, pkg };
  };

  return {
    async call(service, api, input) {
      const check = catalog.checkApi(service, api);
      if (check.status === 'unknown-api') {
        throw new RehearsalApiError(`${service} has no API ${api} in ${check.client.packageName}${check.suggestions.length ? ` (did you mean ${check.suggestions.join(', ')}?)` : ''}`);
      }
      const operation = check.status === 'found' || check.status === 'respelled' ? check.operation : api;
      const boto = await botocore.check({ service, api, params: input });
      if (boto.unknown) throw new RehearsalApiError(`boto3, which Automation runs this step with, cannot call it: ${boto.unknown}`);
      if (boto.invalid) throw new RehearsalApiError(`ParamValidationError: boto3, which Automation runs this step with, refuses ${service} ${api} before sending it: ${boto.invalid.replace(/\n/g, ' ')}`);
      const { client, module, pkg } = clientFor(service);
      const Command = module[`${operation}Command`];
      if (typeof Command !== 'function') throw new RehearsalApiError(`${pkg.packageName} has no ${operation}Command`);
      return client.send(new (Command as CommandClass)(input));
    },
    destroy() {
      for (const { client } of clients.values()) client.destroy?.();
      clients.clear();
      botocore.close();
    },
  };
}
