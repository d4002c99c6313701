// Suite: every API a handler bundle can call is granted to that handler's role; a new call without a grant fails here.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { functionNameOf } from '../../../infra/lib/settings';
import { handlersForRegion } from '../../../infra/lib/runbook-stack';
import { roleOfRegion } from '../../../shared/config/alarm-specs';
import { REMEDIATION_ROLE_ENV } from '../../../shared/aws/account-clients';
import { VERIFY_SCHEDULE_GROUP_ENV } from '../../../shared/pipeline/verify-scheduler';
import {
  apiCallsOfHandler,
  apiCallsOfMetafile,
  readCustomResourceMetafile,
  readHandlerMetafile,
  staleLibraryCommands,
  unexplainedCommandModules,
  ungrantedCalls,
  UnattributableCallError,
  type ApiCall,
} from '../support/sdk-calls';
import { functionOf, grantedActions, resourcesOfType, ROOT_DIR, type SynthesizedApp } from '../support/synth';
import { CLEANUP_FUNCTION_NAME } from '../../../infra/lib/constructs/document-version-cleanup';
import { ENSURE_LOG_GROUPS_FUNCTION_NAME } from '../../../infra/lib/constructs/watched-log-groups';

/** Calls the code makes only in a configuration infra grants them with (the function's environment says which). */
const CONDITIONAL_CALLS: Readonly<Record<string, { unlessEnv: readonly string[]; why: string }>> = {
  'sts:AssumeRole': { unlessEnv: [REMEDIATION_ROLE_ENV], why: 'shared/aws/account-clients.ts assumes a role only when REMEDIATION_ROLE_NAME is set (cross-account mode)' },
  // Every alarm handler bundles the pipeline's VerifyScheduler, but shared/pipeline/create-alarm-handler.ts builds it only
  // for a playbook that declares `health`; infra gives exactly those the health checks' schedule group.
  'scheduler:CreateSchedule': { unlessEnv: [VERIFY_SCHEDULE_GROUP_ENV, 'ESCALATION_SCHEDULE_GROUP'], why: 'the pipeline schedules a health check only after a change of a playbook that declares health' },
};

/** Drops the calls the function's environment says it never makes. */
function unconditional(calls: ApiCall[], env: Record<string, unknown>): ApiCall[] {
  return calls.filter((call) => {
    const conditional = CONDITIONAL_CALLS[call.operation];
    return !conditional || conditional.unlessEnv.some((name) => env[name] !== undefined);
  });
}

const HANDLERS = readdirSync(join(ROOT_DIR, 'handlers'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

/** A copy of a real handler's metafile with one more module of ours in the bundle, calling what it imports. */
function withExtraSource(handler: string, source: string, commandModules: string[]): { calls: () => ApiCall[]; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'iam-coverage-'));
  const file = join(dir, 'new-feature.ts');
  writeFileSync(file, source);
  const { metafile, outputPath } = readHandlerMetafile(ROOT_DIR, handler);
  const output = metafile.outputs[outputPath]!;
  const inputs = { ...output.inputs, [file]: { bytesInOutput: source.length } };
  for (const module of commandModules) inputs[module] = { bytesInOutput: 60 };
  const patched = { ...metafile, outputs: { ...metafile.outputs, [outputPath]: { ...output, inputs } } };
  return { calls: () => apiCallsOfMetafile(ROOT_DIR, patched, outputPath), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

const REGION_SERVING_READER = 'shared/guard/region-serving-reader.ts';

/** The calls of a handler's bundle as if one of our source modules were not in it. */
function callsWithout(handler: string, source: string): ApiCall[] {
  const { metafile, outputPath } = readHandlerMetafile(ROOT_DIR, handler);
  const outputs = Object.fromEntries(
    Object.entries(metafile.outputs).map(([file, output]) => [file, { ...output, inputs: Object.fromEntries(Object.entries(output.inputs).filter(([input]) => input !== source)) }]),
  );
  return apiCallsOfMetafile(ROOT_DIR, { ...metafile, outputs }, outputPath);
}

export function iamCoverageSuite(app: () => SynthesizedApp): void {
  const runbookStacks = (): Array<[string, ReturnType<SynthesizedApp['json']['get']>]> =>
    [...app().json].filter(([name]) => name.startsWith('NotificationRunbooks-'));

  it('reads the calls of a bundle from the code that is in it (scale-consumers scales mappings, reads the queue)', () => {
    const operations = apiCallsOfHandler(ROOT_DIR, 'scale-consumers').map((c) => c.operation);
    expect(operations).toEqual(expect.arrayContaining(['lambda:UpdateEventSourceMapping', 'sqs:GetQueueAttributes', 'dynamodb:PutItem', 'events:PutEvents', 'ssm:GetParameter']));
  });

  /** The runbook stacks that deploy a handler (a DR region deploys no row that changes something; only it the standby watch). */
  const stacksDeploying = (handler: string): Array<[string, ReturnType<SynthesizedApp['json']['get']>]> =>
    runbookStacks().filter(([name]) => {
      const plan = app().built.plans.find((p) => p.stackName === name);
      if (!plan) throw new Error(`no plan for ${name}`);
      const deployed = handlersForRegion(app().built.config, roleOfRegion(app().built.config, plan.environment, plan.region), app().built.handlers);
      return deployed.some((h) => h.name === handler);
    });

  it('deploys every handler in at least one stack', () => {
    for (const handler of HANDLERS) expect({ handler, stacks: stacksDeploying(handler).length > 0 }).toEqual({ handler, stacks: true });
  });

  /** The role of the region a runbook stack deploys to. */
  const roleOfStack = (stackName: string) => {
    const plan = app().built.plans.find((p) => p.stackName === stackName);
    if (!plan) throw new Error(`no plan for ${stackName}`);
    return roleOfRegion(app().built.config, plan.environment, plan.region);
  };

  it.each(HANDLERS)('grants %s every API its bundle can call, in every stack that deploys it', (handler) => {
    const calls = apiCallsOfHandler(ROOT_DIR, handler);
    expect(calls.length).toBeGreaterThan(0);
    // The DR serving signal's reader (decision 123) is loaded only in a DR region (shared/pipeline/region-serving-source.ts
    // builds none elsewhere: test/unit/pipeline/dr-serving.test.ts): a primary region's stack must grant the bundle's
    // other calls, the reader's excepted; a DR region's must grant them all.
    const outsideDr = callsWithout(handler, REGION_SERVING_READER);
    for (const [stackName, template] of stacksDeploying(handler)) {
      const { resource, roleId } = functionOf(template!, functionNameOf(handler));
      const env = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      const missing = unconditional(ungrantedCalls(roleOfStack(stackName) === 'dr' ? calls : outsideDr, grantedActions(template!, roleId)), env);
      expect({ stackName, missing: missing.map((c) => `${c.operation} (${c.via})`) }).toEqual({ stackName, missing: [] });
    }
  });

  it('carries the DR serving reader in exactly the changing rows\' bundles, verify-change\'s and escalation-timer\'s, and its calls are only the reader\'s there', () => {
    const carrying = HANDLERS.filter((handler) => Object.keys(readHandlerMetafile(ROOT_DIR, handler).metafile.inputs).includes(REGION_SERVING_READER));
    // escalation-timer: a standby-watch incident re-reads whether the DR region serves before it climbs (review 12, R12-7).
    expect(carrying).toEqual(['escalation-timer', 'raise-lambda-memory', 'scale-consumers', 'scale-up-database', 'verify-change']);
    // Without the reader, scale-consumers calls no RDS API: its DescribeDBInstances is the reader's alone (so a primary
    // stack need not grant it, and a DR stack must).
    const operations = (calls: ApiCall[]) => calls.map((c) => c.operation);
    expect(operations(apiCallsOfHandler(ROOT_DIR, 'scale-consumers'))).toContain('rds:DescribeDBInstances');
    expect(operations(callsWithout('scale-consumers', REGION_SERVING_READER))).not.toContain('rds:DescribeDBInstances');
  });

  it.each(HANDLERS)('finds in the %s bundle no SDK command that neither its code nor a known library accounts for', (handler) => {
    const { metafile, outputPath } = readHandlerMetafile(ROOT_DIR, handler);
    expect(unexplainedCommandModules(metafile, outputPath, apiCallsOfMetafile(ROOT_DIR, metafile, outputPath))).toEqual([]);
  });

  it('keeps no LIBRARY_COMMANDS entry that explains nothing in any handler bundle (a stale one would hide a new command)', () => {
    const bundles = HANDLERS.map((handler) => readHandlerMetafile(ROOT_DIR, handler));
    expect(staleLibraryCommands(bundles)).toEqual([]);
    // It can fail: with client-dynamodb's command modules gone from the bundles, its two entries are stale.
    const withoutDynamoDbCommands = bundles.map(({ metafile, outputPath }) => ({
      outputPath,
      metafile: {
        ...metafile,
        outputs: Object.fromEntries(
          Object.entries(metafile.outputs).map(([file, output]) => [
            file,
            { ...output, inputs: Object.fromEntries(Object.entries(output.inputs).filter(([input]) => !input.includes('@aws-sdk/client-dynamodb/dist-es/commands/'))) },
          ]),
        ),
      },
    }));
    expect(staleLibraryCommands(withoutDynamoDbCommands).sort()).toEqual(['@aws-sdk/client-dynamodb/DescribeEndpoints', '@aws-sdk/client-dynamodb/Scan']);
  });

  // The custom resources are scanned like the handlers: the cleanup's bundle was not, so a client whose package
  // SDK_PACKAGE_PREFIX lacked (@aws-sdk/client-cloudformation, decision 276) went unnoticed.
  it('grants the document-version cleanup every API its bundle can call, in every stack that deploys it, and no command in it is unexplained', () => {
    const { metafile, outputPath } = readCustomResourceMetafile(ROOT_DIR, 'prune-document-versions');
    const calls = apiCallsOfMetafile(ROOT_DIR, metafile, outputPath);
    expect(calls.map((c) => c.operation).sort()).toEqual(['cloudformation:DescribeStacks', 'ssm:DeleteDocument', 'ssm:GetDocument', 'ssm:ListDocumentVersions']);
    expect(unexplainedCommandModules(metafile, outputPath, calls)).toEqual([]);
    const deploying = [...app().json].filter(([, template]) =>
      resourcesOfType(template!, 'AWS::Lambda::Function').some(([, r]) => r.Properties?.FunctionName === CLEANUP_FUNCTION_NAME),
    );
    expect(deploying.length).toBeGreaterThan(0);
    for (const [stackName, template] of deploying) {
      const { roleId } = functionOf(template!, CLEANUP_FUNCTION_NAME);
      expect({ stackName, missing: ungrantedCalls(calls, grantedActions(template!, roleId)).map((c) => `${c.operation} (${c.via})`) }).toEqual({ stackName, missing: [] });
    }
  });

  // Review 22a, R22a-5: the watched log groups' custom resource, scanned the same way.
  it('grants the watched log groups\' function every API its bundle can call (CreateLogGroup only), in every stack that deploys it', () => {
    const { metafile, outputPath } = readCustomResourceMetafile(ROOT_DIR, 'ensure-log-groups');
    const calls = apiCallsOfMetafile(ROOT_DIR, metafile, outputPath);
    expect(calls.map((c) => c.operation).sort()).toEqual(['logs:CreateLogGroup']);
    expect(unexplainedCommandModules(metafile, outputPath, calls)).toEqual([]);
    const deploying = [...app().json].filter(([, template]) =>
      resourcesOfType(template!, 'AWS::Lambda::Function').some(([, r]) => r.Properties?.FunctionName === ENSURE_LOG_GROUPS_FUNCTION_NAME),
    );
    expect(deploying.length).toBeGreaterThan(0);
    for (const [stackName, template] of deploying) {
      const { roleId } = functionOf(template!, ENSURE_LOG_GROUPS_FUNCTION_NAME);
      expect({ stackName, missing: ungrantedCalls(calls, grantedActions(template!, roleId)).map((c) => `${c.operation} (${c.via})`) }).toEqual({ stackName, missing: [] });
    }
  });

  it('fails when a handler starts calling an API its policy lacks', () => {
    const extra = withExtraSource(
      'scale-consumers',
      "import { UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';\nexport const raise = (m: number) => new UpdateFunctionConfigurationCommand({ FunctionName: 'f', MemorySize: m });\n",
      ['node_modules/@aws-sdk/client-lambda/dist-es/commands/UpdateFunctionConfigurationCommand.js'],
    );
    try {
      const [, template] = runbookStacks().find(([name]) => name === 'NotificationRunbooks-production-us-east-1')!;
      const { roleId } = functionOf(template!, functionNameOf('scale-consumers'));
      // In a primary region the DR serving reader's calls are not made (decision 123): the plant is judged without them.
      const calls = extra.calls().filter((c) => !c.via.startsWith(`${REGION_SERVING_READER} `));
      expect(unconditional(ungrantedCalls(calls, grantedActions(template!, roleId)), {}).map((c) => c.operation)).toEqual(['lambda:UpdateFunctionConfiguration']);
    } finally {
      extra.dispose();
    }
  });

  it('ignores a command tree-shaking removed, and refuses imports it cannot attribute', () => {
    const shaken = withExtraSource('scale-consumers', "import { DeleteFunctionCommand } from '@aws-sdk/client-lambda';\nexport const x = DeleteFunctionCommand;\n", []);
    const namespace = withExtraSource('scale-consumers', "import * as lambda from '@aws-sdk/client-lambda';\nexport const x = lambda;\n", []);
    const aggregated = withExtraSource('scale-consumers', "import { Lambda } from '@aws-sdk/client-lambda';\nexport const x = new Lambda({});\n", []);
    try {
      expect(shaken.calls().map((c) => c.operation)).not.toContain('lambda:DeleteFunction');
      expect(() => namespace.calls()).toThrow(UnattributableCallError);
      expect(() => aggregated.calls()).toThrow(/aggregated client/);
    } finally {
      for (const fixture of [shaken, namespace, aggregated]) fixture.dispose();
    }
  });
}
