// Which AWS APIs exist, read from the installed AWS SDK v3 client packages (@aws-sdk/client-*), not from a hand-made list.
//
// aws:executeAwsApi names a service the way boto3 does ("ec2", "logs", "events") and an API by its operation name
// ("DescribeInstances"). Each SDK v3 client package carries the same operation names as its `<Api>Command` classes
// (one dist-types/commands/<Api>Command.d.ts each) and, in its auth scheme provider, the SigV4 signing name
// ("logs" for @aws-sdk/client-cloudwatch-logs, "events" for @aws-sdk/client-eventbridge), which is what boto3 calls
// most services. So a boto3 service name matches a package by its package suffix, its signing name or its service id.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { editDistance } from './edit-distance';

export interface SdkClientPackage {
  /** e.g. @aws-sdk/client-cloudwatch-logs */
  packageName: string;
  version: string;
  directory: string;
  /** e.g. CloudWatch Logs */
  serviceId?: string;
  /** SigV4 signing name, e.g. logs */
  signingName?: string;
}

export type ApiCheck =
  | { status: 'found'; client: SdkClientPackage; operation: string }
  /** The service's client is installed and has no such operation. */
  | { status: 'unknown-api'; client: SdkClientPackage; suggestions: string[] }
  /** Found only with different spelling (case, snake_case): AWS may not accept it. */
  | { status: 'respelled'; client: SdkClientPackage; operation: string }
  /** No installed client package for this service: nothing to check against. */
  | { status: 'unverifiable' };

const CLIENT_PREFIX = 'client-';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The node_modules directories Node would search for an @aws-sdk package from here. */
function nodeModulesDirectories(): string[] {
  const fromHere = require.resolve.paths('@aws-sdk/client-sts') ?? [];
  const fromCwd = [join(process.cwd(), 'node_modules')];
  return [...new Set([...fromHere, ...fromCwd])];
}

function describePackage(directory: string, packageName: string): SdkClientPackage | undefined {
  const manifest = readText(join(directory, 'package.json'));
  if (!manifest) return undefined;
  const version = (JSON.parse(manifest) as { version?: string }).version ?? 'unknown';
  const client: SdkClientPackage = { packageName, version, directory };
  const auth = readText(join(directory, 'dist-es', 'auth', 'httpAuthSchemeProvider.js')) ?? readText(join(directory, 'dist-cjs', 'index.js'));
  const signingName = auth ? /name: "([a-z0-9.-]+)"/.exec(auth)?.[1] : undefined;
  if (signingName) client.signingName = signingName;
  const shared = readText(join(directory, 'dist-es', 'runtimeConfig.shared.js')) ?? readText(join(directory, 'dist-cjs', 'index.js'));
  const serviceId = shared ? /serviceId: config\?\.serviceId \?\? "([^"]+)"/.exec(shared)?.[1] : undefined;
  if (serviceId) client.serviceId = serviceId;
  return client;
}

export class SdkCatalog {
  private clientsCache: SdkClientPackage[] | undefined;
  private readonly commandsCache = new Map<string, string[]>();

  constructor(private readonly searchDirectories: () => string[] = nodeModulesDirectories) {}

  /** Every installed @aws-sdk/client-* package, the first found per name along Node's search path. */
  clients(): SdkClientPackage[] {
    if (this.clientsCache) return this.clientsCache;
    const byName = new Map<string, SdkClientPackage>();
    for (const modules of this.searchDirectories()) {
      const scope = join(modules, '@aws-sdk');
      if (!existsSync(scope)) continue;
      for (const entry of readdirSync(scope)) {
        if (!entry.startsWith(CLIENT_PREFIX) || byName.has(entry)) continue;
        const client = describePackage(join(scope, entry), `@aws-sdk/${entry}`);
        if (client) byName.set(entry, client);
      }
    }
    this.clientsCache = [...byName.values()].sort((a, b) => a.packageName.localeCompare(b.packageName));
    return this.clientsCache;
  }

  /** The client package for a service as executeAwsApi names it (case-insensitive). */
  clientFor(service: string): SdkClientPackage | undefined {
    const wanted = service.trim().toLowerCase();
    const squash = (s: string): string => s.toLowerCase().replace(/[\s_-]+/g, '');
    const clients = this.clients();
    return (
      clients.find((c) => c.packageName === `@aws-sdk/${CLIENT_PREFIX}${wanted}`) ??
      clients.find((c) => c.signingName === wanted) ??
      clients.find((c) => c.serviceId !== undefined && squash(c.serviceId) === squash(wanted))
    );
  }

  /** Operation names of a client package, from its dist-types/commands/<Operation>Command.d.ts files. */
  operations(client: SdkClientPackage): string[] {
    let operations = this.commandsCache.get(client.packageName);
    if (!operations) {
      const directory = join(client.directory, 'dist-types', 'commands');
      operations = existsSync(directory)
        ? readdirSync(directory)
            .filter((f) => f.endsWith('Command.d.ts'))
            .map((f) => f.slice(0, -'Command.d.ts'.length))
        : [];
      this.commandsCache.set(client.packageName, operations);
    }
    return operations;
  }

  checkApi(service: string, api: string): ApiCheck {
    const client = this.clientFor(service);
    if (!client) return { status: 'unverifiable' };
    const operations = this.operations(client);
    if (operations.includes(api)) return { status: 'found', client, operation: api };
    const pascal = api.includes('_') ? api.split('_').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('') : api;
    const respelled = operations.find((op) => op.toLowerCase() === pascal.toLowerCase());
    if (respelled) return { status: 'respelled', client, operation: respelled };
    return { status: 'unknown-api', client, suggestions: closest(api, operations) };
  }

  /** The directory of a client package's main module, for loading it at run time. */
  static entryPoint(client: SdkClientPackage): string {
    const manifest = JSON.parse(readFileSync(join(client.directory, 'package.json'), 'utf8')) as { main?: string };
    return join(client.directory, manifest.main ?? 'dist-cjs/index.js');
  }
}

/** Up to four operation names close to `name`: sharing a long prefix (UpdateFunction...), or a few edits away. */
function closest(name: string, candidates: readonly string[]): string[] {
  const target = name.toLowerCase();
  const prefixOf = (candidate: string): number => {
    let n = 0;
    while (n < target.length && n < candidate.length && target[n] === candidate[n]) n += 1;
    return n;
  };
  const longPrefix = Math.max(6, Math.floor(target.length * 0.6));
  return candidates
    .map((candidate) => ({ candidate, prefix: prefixOf(candidate.toLowerCase()), distance: editDistance(target, candidate.toLowerCase()) }))
    .filter(({ prefix, distance }) => prefix >= longPrefix || distance <= Math.max(3, Math.floor(target.length / 3)))
    .sort((a, b) => a.distance - b.distance || b.prefix - a.prefix || a.candidate.localeCompare(b.candidate))
    .slice(0, 4)
    .map(({ candidate }) => candidate);
}

let shared: SdkCatalog | undefined;
export function sdkCatalog(): SdkCatalog {
  shared ??= new SdkCatalog();
  return shared;
}
