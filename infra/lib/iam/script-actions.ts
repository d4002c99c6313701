// The AWS calls an aws:executeScript step's Python makes, read from its source, so the role and the script cannot drift.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { automationApiAction } from './api-actions';

export interface ScriptCalls {
  /** IAM actions of calls through a client built without region_name: they act in the execution's region. */
  here: string[];
  /** IAM actions of calls through a client built with region_name: they act in another region (the DR pair's other). */
  peer: string[];
}

const CLIENT = /(\w+)\s*=\s*boto3\.client\(\s*['"]([\w-]+)['"]\s*(,[^)]*)?\)/g;
const CALL = /\b(\w+)\.([a-z][a-z0-9_]*)\(/g;

/** snake_case boto3 method -> API name: update_event_source_mapping -> UpdateEventSourceMapping. */
const apiOf = (method: string): string =>
  method
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/**
 * The installed SDK v3 client package of a boto3 service name: @aws-sdk/client-<service>, or the package whose name is
 * that with hyphens (boto3's route53 is @aws-sdk/client-route-53). Throws when there is none.
 */
function clientPackageJson(service: string): string {
  const wanted = `client-${service.toLowerCase()}`;
  try {
    return require.resolve(`@aws-sdk/${wanted}/package.json`);
  } catch {
    const scope = dirname(dirname(require.resolve('@aws-sdk/client-ssm/package.json')));
    const found = readdirSync(scope).find((name) => name.replace(/-/g, '') === wanted.replace(/-/g, ''));
    if (found === undefined) throw new Error(`no @aws-sdk/${wanted}`);
    return require.resolve(`@aws-sdk/${found}/package.json`);
  }
}

/**
 * The API's own spelling, from the installed SDK v3 client of the same service (describe_db_instances ->
 * DescribeDBInstances: IAM names the action as the API is spelled). A service or API the installed SDK does not have is
 * refused: a grant guessed from the method name could be one the call never matches.
 */
function sdkSpelling(service: string, method: string, where: string): string {
  let commands: string[] = [];
  try {
    const directory = join(dirname(clientPackageJson(service)), 'dist-types', 'commands');
    if (existsSync(directory)) commands = readdirSync(directory).filter((f) => f.endsWith('Command.d.ts')).map((f) => f.slice(0, -'Command.d.ts'.length));
  } catch {
    throw new Error(`${where}: no installed SDK v3 client of ${service} (@aws-sdk/client-${service.toLowerCase()}) to read ${service}.${method}'s API name from`);
  }
  const wanted = apiOf(method).toLowerCase();
  const found = commands.find((c) => c.toLowerCase() === wanted);
  if (!found) throw new Error(`${where}: ${service}.${method} is not an API of the installed SDK v3 client of ${service}`);
  return found;
}

/**
 * Every `<client>.<method>(` of a client assigned from `boto3.client('<service>'...)`. A script that calls AWS any other
 * way (boto3.resource, a session, a client passed around under another name) is refused: its calls could not be granted.
 */
export function scriptCalls(script: string, where: string): ScriptCalls {
  const clients = new Map<string, { service: string; peer: boolean }>();
  for (const match of script.matchAll(CLIENT)) clients.set(match[1] ?? '', { service: match[2] ?? '', peer: /region_name\s*=/.test(match[3] ?? '') });
  if (/boto3\.(resource|session|Session)\b/.test(script)) throw new Error(`${where}: a script may call AWS only through clients assigned from boto3.client(...), whose calls infra can read`);
  const here = new Set<string>();
  const peer = new Set<string>();
  for (const match of script.matchAll(CALL)) {
    const client = clients.get(match[1] ?? '');
    if (!client) continue;
    (client.peer ? peer : here).add(automationApiAction(client.service, sdkSpelling(client.service, match[2] ?? '', where)));
  }
  return { here: [...here].sort(), peer: [...peer].sort() };
}
