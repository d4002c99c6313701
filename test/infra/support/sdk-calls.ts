// Which AWS APIs a built handler bundle can call: the project's own modules in the bundle, read for the SDK commands they import.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as ts from 'typescript';
import { iamActionFor, SDK_PACKAGE_PREFIX } from '../../../infra/lib/iam/api-actions';

/*
 * Why source + bundle and not either alone:
 * - The bundle alone over-reports: the SDK and Powertools drag in commands nobody calls (the credential chain's
 *   STS/SSO clients, DynamoDB's DescribeEndpoints, SSMProvider's GetParameters and PutParameter).
 * - The source alone over-reports what tree-shaking removed, and cannot tell which shared modules a handler bundles.
 * So: the esbuild metafile says which of our modules are in the handler's bundle; their imports of SDK commands,
 * paginators, waiters and the Powertools SSM entry points say what they call; a command whose module did not make it
 * into the bundle output was tree-shaken away and cannot be called. Anything the scanner cannot attribute (a namespace
 * import, an aggregated client, an unknown Powertools entry point) fails the scan rather than passing silently.
 */

export interface ApiCall {
  /** The IAM actions that authorize the call; any one of them suffices (a DynamoDB transaction needs its items' actions). */
  actions: string[];
  /** e.g. lambda:UpdateEventSourceMapping */
  operation: string;
  /** Where the scanner saw it: shared/playbooks/queue-backup.ts imports UpdateEventSourceMappingCommand. */
  via: string;
  /** The command modules in the bundle this call accounts for. */
  modules: string[];
}

export interface EsbuildMetafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}

export class UnattributableCallError extends Error {
  override readonly name = 'UnattributableCallError';
}

/** DynamoDB transactions have no IAM action of their own: each item needs its operation's action (DynamoDB docs). */
const TRANSACTION_ACTIONS: Readonly<Record<string, string[]>> = {
  'dynamodb:TransactWriteItems': ['dynamodb:ConditionCheckItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  'dynamodb:TransactGetItems': ['dynamodb:GetItem'],
};

/** Powertools parameters entry points -> the SSM API they call (as used: SSMProvider.get is GetParameter). */
const POWERTOOLS_SSM: Readonly<Record<string, string>> = {
  SSMProvider: 'GetParameter',
  getParameter: 'GetParameter',
  getParameters: 'GetParametersByPath',
  getParametersByName: 'GetParameters',
  setParameter: 'PutParameter',
};

/**
 * @aws-sdk/credential-providers entry points -> the STS call they make with the SDK's own STS client (nested-clients),
 * loaded on demand into a chunk: counted when that command module is in the deployment package.
 */
const CREDENTIAL_PROVIDERS: Readonly<Record<string, { prefix: string; operation: string; module: string }>> = {
  fromTemporaryCredentials: { prefix: 'sts', operation: 'AssumeRole', module: 'node_modules/@aws-sdk/nested-clients/dist-es/submodules/sts/commands/AssumeRoleCommand.js' },
};

function moduleDir(rootDir: string, pkg: string): string {
  return join(rootDir, 'node_modules', pkg, 'dist-es');
}

function inBundle(bundled: ReadonlySet<string>, path: string): boolean {
  return bundled.has(path);
}

/** The client command a lib-dynamodb command wraps (GetCommand -> GetItem), read from the package itself. */
function libDynamoOperation(rootDir: string, command: string): string {
  const source = readFileSync(join(moduleDir(rootDir, '@aws-sdk/lib-dynamodb'), 'commands', `${command}.js`), 'utf8');
  const wrapped = /import \{ (\w+)Command as __\w+ \} from "@aws-sdk\/client-dynamodb"/.exec(source)?.[1];
  if (!wrapped) throw new UnattributableCallError(`@aws-sdk/lib-dynamodb ${command} wraps no client command the scanner can read`);
  return wrapped;
}

/** The commands a waiter polls (waitUntilDBInstanceAvailable -> DescribeDBInstances), read from the package itself. */
function waiterOperations(rootDir: string, pkg: string, waiter: string): string[] {
  const file = join(moduleDir(rootDir, pkg), 'waiters', `${waiter.replace(/^waitUntil/, 'waitFor')}.js`);
  if (!existsSync(file)) throw new UnattributableCallError(`${pkg} ${waiter}: no waiter module at ${file}`);
  return [...readFileSync(file, 'utf8').matchAll(/import \{ (\w+)Command, \} from "\.\.\/commands\//g)].map((m) => m[1] ?? '');
}

function toCall(prefix: string, operation: string, via: string, modules: string[]): ApiCall {
  const action = iamActionFor(prefix, operation);
  return { actions: TRANSACTION_ACTIONS[action] ?? [action], operation: action, via, modules };
}

const commandModule = (pkg: string, operation: string): string => `node_modules/${pkg}/dist-es/commands/${operation}Command.js`;

/** The SDK calls one of our modules can make, limited to those whose command modules are in the bundle output. */
function callsOfSource(rootDir: string, sourcePath: string, bundled: ReadonlySet<string>): ApiCall[] {
  const text = readFileSync(isAbsolute(sourcePath) ? sourcePath : join(rootDir, sourcePath), 'utf8');
  const file = ts.createSourceFile(sourcePath, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const calls: ApiCall[] = [];
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const pkg = statement.moduleSpecifier.text;
    const clause = statement.importClause;
    if (!clause || clause.isTypeOnly) continue;
    const isSdk = pkg in SDK_PACKAGE_PREFIX;
    const isPowertoolsParameters = pkg.startsWith('@aws-lambda-powertools/parameters');
    const isCredentialProviders = pkg === '@aws-sdk/credential-providers';
    if (!isSdk && !isPowertoolsParameters && !isCredentialProviders) {
      if (pkg.startsWith('@aws-sdk/') && pkg !== '@aws-sdk/types') {
        throw new UnattributableCallError(`${sourcePath} imports ${pkg}: add its IAM prefix to SDK_PACKAGE_PREFIX (infra/lib/iam/api-actions.ts)`);
      }
      continue;
    }
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) {
      throw new UnattributableCallError(`${sourcePath}: import * from ${pkg} hides which APIs are called; import the commands by name`);
    }
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    for (const element of bindings.elements) {
      if (element.isTypeOnly) continue;
      const name = (element.propertyName ?? element.name).text;
      const via = `${sourcePath} imports ${name} from ${pkg}`;
      if (isCredentialProviders) {
        const provider = CREDENTIAL_PROVIDERS[name];
        if (!provider) throw new UnattributableCallError(`${via}: which STS API does it call? Add it to CREDENTIAL_PROVIDERS`);
        if (inBundle(bundled, provider.module)) calls.push(toCall(provider.prefix, provider.operation, via, [provider.module]));
        continue;
      }
      if (isPowertoolsParameters) {
        const operation = POWERTOOLS_SSM[name];
        if (!operation) throw new UnattributableCallError(`${via}: which SSM API does it call? Add it to POWERTOOLS_SSM`);
        const module = commandModule('@aws-sdk/client-ssm', operation);
        if (inBundle(bundled, module)) calls.push(toCall('ssm', operation, via, [module]));
        continue;
      }
      const prefix = SDK_PACKAGE_PREFIX[pkg] ?? '';
      const dir = `node_modules/${pkg}/dist-es`;
      if (name.endsWith('Command')) {
        if (!inBundle(bundled, `${dir}/commands/${name}.js`)) continue;
        if (pkg === '@aws-sdk/lib-dynamodb') {
          const operation = libDynamoOperation(rootDir, name);
          calls.push(toCall(prefix, operation, via, [`${dir}/commands/${name}.js`, commandModule('@aws-sdk/client-dynamodb', operation)]));
        } else {
          calls.push(toCall(prefix, name.slice(0, -'Command'.length), via, [`${dir}/commands/${name}.js`]));
        }
      } else if (name.startsWith('paginate')) {
        const operation = name.slice('paginate'.length);
        if (inBundle(bundled, `${dir}/pagination/${operation}Paginator.js`)) calls.push(toCall(prefix, operation, via, [commandModule(pkg, operation)]));
      } else if (name.startsWith('waitUntil') || name.startsWith('waitFor')) {
        for (const operation of waiterOperations(rootDir, pkg, name)) calls.push(toCall(prefix, operation, via, [commandModule(pkg, operation)]));
      } else if (!name.endsWith('Client') && existsSync(join(rootDir, dir, `${name}.js`))) {
        throw new UnattributableCallError(`${via}: an aggregated client hides which APIs are called; use ${name}Client and its commands`);
      }
    }
  }
  return calls;
}

/**
 * The modules that made it into the bundle's output files: the entry and every chunk (code splitting puts what loads on
 * demand, e.g. the SDK's credential providers, in chunks that are part of the same deployment package).
 */
function bundledSources(metafile: EsbuildMetafile, outputPath: string): { sources: string[]; bundled: Set<string> } {
  if (!metafile.outputs[outputPath]) throw new Error(`the metafile has no output ${outputPath}`);
  const bundled = new Set(
    Object.values(metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs)
        .filter(([, v]) => v.bytesInOutput > 0)
        .map(([k]) => k),
    ),
  );
  const sources = [...bundled].filter((p) => !p.includes('node_modules/') && /\.ts$/.test(p));
  return { sources, bundled };
}

/** Every API call the bundle can make, from its esbuild metafile (`dist/handlers/<name>/meta.json`). */
export function apiCallsOfMetafile(rootDir: string, metafile: EsbuildMetafile, outputPath: string): ApiCall[] {
  const { sources, bundled } = bundledSources(metafile, outputPath);
  const calls = sources.flatMap((source) => callsOfSource(rootDir, source, bundled));
  const merged = new Map<string, ApiCall>();
  for (const call of calls) {
    const known = merged.get(call.operation);
    merged.set(call.operation, known ? { ...known, modules: [...new Set([...known.modules, ...call.modules])] } : call);
  }
  return [...merged.values()];
}

/**
 * Command modules libraries bring into every bundle without our code calling them, each with why it is never called.
 * Keys: "<package>/<Operation>", or "<package>/*" for a whole package.
 */
export const LIBRARY_COMMANDS: Readonly<Record<string, string>> = {
  '@aws-sdk/nested-clients/*': "the SDK's default credential chain (SSO, web identity, STS for profiles); Lambda gives the function its role's credentials in the environment",
  '@aws-sdk/client-dynamodb/DescribeEndpoints': 'endpoint discovery, which DynamoDB clients leave off by default',
  '@aws-sdk/client-dynamodb/Scan': "lib-dynamodb's index re-exports its Scan paginator; the project never scans the state table",
  '@aws-sdk/lib-dynamodb/Scan': "lib-dynamodb's index re-exports its Scan paginator; the project never scans the state table",
};

const COMMAND_MODULE = /^node_modules\/(@aws-sdk\/[^/]+)\/dist-es\/(?:submodules\/[^/]+\/)?commands\/(\w+)Command\.js$/;

/** SDK command modules in the bundle that neither our code's calls nor LIBRARY_COMMANDS account for. */
export function unexplainedCommandModules(metafile: EsbuildMetafile, outputPath: string, calls: readonly ApiCall[]): string[] {
  const { bundled } = bundledSources(metafile, outputPath);
  const explained = new Set(calls.flatMap((call) => call.modules));
  return [...bundled].filter((path) => {
    const match = COMMAND_MODULE.exec(path);
    if (!match || explained.has(path)) return false;
    const [, pkg, operation] = match;
    return !(`${pkg}/*` in LIBRARY_COMMANDS) && !(`${pkg}/${operation}` in LIBRARY_COMMANDS);
  });
}

/**
 * The LIBRARY_COMMANDS entries that explain no command module in any of the given bundles: stale (the library that
 * brought the command left the bundles), so they would only hide a command our own code started to bring in.
 */
export function staleLibraryCommands(bundles: ReadonlyArray<{ metafile: EsbuildMetafile; outputPath: string }>): string[] {
  const used = new Set<string>();
  for (const { metafile, outputPath } of bundles) {
    for (const path of bundledSources(metafile, outputPath).bundled) {
      const match = COMMAND_MODULE.exec(path);
      if (!match) continue;
      const [, pkg, operation] = match;
      if (`${pkg}/*` in LIBRARY_COMMANDS) used.add(`${pkg}/*`);
      if (`${pkg}/${operation}` in LIBRARY_COMMANDS) used.add(`${pkg}/${operation}`);
    }
  }
  return Object.keys(LIBRARY_COMMANDS).filter((key) => !used.has(key));
}

export function readHandlerMetafile(rootDir: string, handler: string): { metafile: EsbuildMetafile; outputPath: string } {
  const file = join(rootDir, 'dist', 'handlers', handler, 'meta.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return { metafile: JSON.parse(readFileSync(file, 'utf8')) as EsbuildMetafile, outputPath: `dist/handlers/${handler}/index.mjs` };
}

/** A CloudFormation custom resource's bundle (`dist/custom-resources/<name>/`): one file, no chunks. */
export function readCustomResourceMetafile(rootDir: string, name: string): { metafile: EsbuildMetafile; outputPath: string } {
  const file = join(rootDir, 'dist', 'custom-resources', name, 'meta.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return { metafile: JSON.parse(readFileSync(file, 'utf8')) as EsbuildMetafile, outputPath: `dist/custom-resources/${name}/index.mjs` };
}

export function apiCallsOfHandler(rootDir: string, handler: string): ApiCall[] {
  const { metafile, outputPath } = readHandlerMetafile(rootDir, handler);
  return apiCallsOfMetafile(rootDir, metafile, outputPath);
}

/** The calls no granted action authorizes. */
export function ungrantedCalls(calls: readonly ApiCall[], granted: ReadonlySet<string>): ApiCall[] {
  return calls.filter((call) => !call.actions.some((action) => granted.has(action)));
}
