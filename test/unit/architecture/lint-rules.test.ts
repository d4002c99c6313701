// The architecture rules are enforced: ESLint with the project's own eslint.config.mjs fails on planted violations and
// passes the real handlers and infra (docs/decisions.md 39).
import { execFile } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

interface Finding {
  ruleId: string | null;
  message: string;
  line: number;
}
interface Planted {
  /** Where the code is pretended to live, relative to the repository (an existing file: the TypeScript program has it). */
  file: string;
  /** The planted source, or null to lint the file as it is. */
  code: string | null;
}

/**
 * Lints every case in one ESLint process (the type-aware program is built once; slow on a loaded 2-core machine). ESLint
 * runs outside jest because jest's VM cannot import the ESM config.
 */
function lint(cases: readonly Planted[]): Promise<Finding[][]> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [path.join(__dirname, 'lint-planted.mjs')], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve((JSON.parse(stdout) as Array<{ messages: Finding[] }>).map((r) => r.messages));
    });
    child.stdin?.end(JSON.stringify(cases));
  });
}

jest.setTimeout(900_000);
const restrictedImport = (message: RegExp) => expect.objectContaining({ ruleId: 'no-restricted-imports', message: expect.stringMatching(message) });
const lines = (...l: string[]): string => [...l, ''].join('\n');

const CASES = {
  sdkInPlanner: {
    file: 'shared/playbooks/queue-backup-plan.ts',
    code: lines(`import { LambdaClient } from '@aws-sdk/client-lambda';`, `export const client = new LambdaClient({});`),
  },
  sdkAndIoInEvaluator: {
    file: 'shared/network/evaluate-reachability.ts',
    code: lines(`import { EC2Client } from '@aws-sdk/client-ec2';`, `import { readFileSync } from 'node:fs';`, `export const x = [EC2Client, readFileSync];`),
  },
  sharedImportsOutward: {
    file: 'shared/pipeline/run-playbook.ts',
    code: lines(
      `import { runCli } from '../cli/main';`,
      `import { provision } from '../../sandbox/provision';`,
      `import { handler } from '../../handlers/scale-consumers';`,
      `export const x = [runCli, provision, handler];`,
    ),
  },
  sharedImportsBenchOrInfra: {
    file: 'shared/pipeline/run-playbook.ts',
    code: lines(
      `import { benchDist } from '../../bench/bundles';`,
      `import { SERVICE_HANDLER_ACTIONS } from '../../infra/lib/service-handlers';`,
      `export const x = [benchDist, SERVICE_HANDLER_ACTIONS];`,
    ),
  },
  powertoolsInPlanner: {
    file: 'shared/playbooks/queue-backup-plan.ts',
    code: lines(`import { Logger } from '@aws-lambda-powertools/logger';`, `export const logger = new Logger();`),
  },
  sdkAndIoInRenderer: {
    file: 'shared/escalation/render-chat.ts',
    code: lines(`import { SNSClient } from '@aws-sdk/client-sns';`, `import { writeFileSync } from 'node:fs';`, `export const x = [SNSClient, writeFileSync];`),
  },
  sdkAndIoInConfig: {
    file: 'shared/config/names.ts',
    code: lines(`import { SSMClient } from '@aws-sdk/client-ssm';`, `import { readFileSync } from 'fs';`, `export const x = [SSMClient, readFileSync];`),
  },
  handlerBuildsClient: {
    file: 'handlers/alert-error-rate.ts',
    code: lines(
      `import { LambdaClient } from '@aws-sdk/client-lambda';`,
      `import { createAlarmHandler } from '../shared/pipeline/create-alarm-handler';`,
      `import { errorRatePlaybook } from '../shared/playbooks/error-rate';`,
      `export const handler = createAlarmHandler({ playbook: errorRatePlaybook, createClients: (c, s) => ({ cloudWatch: s.cloudWatch, logs: errorRatePlaybook.createClients!(c, s).logs, lambda: new LambdaClient(c) }) });`,
    ),
  },
  infraImportsRuntime: {
    file: 'infra/lib/service-handlers.ts',
    code: lines(
      `import { createAlarmHandler } from '../../shared/pipeline/create-alarm-handler';`,
      `import { ESCALATION_ACTIONS } from '../../shared/escalation/create-escalation-handlers';`,
      `import { DECISION_SOURCE } from '../../shared/report/decision-reporter';`,
      `import { handler } from '../../handlers/escalate';`,
      `export const x = [createAlarmHandler, ESCALATION_ACTIONS, DECISION_SOURCE, handler];`,
    ),
  },
  infraImportsDeclarations: {
    file: 'infra/lib/service-handlers.ts',
    code: lines(
      `import { SERVICE_NAME } from '../../shared/config/names';`,
      `import { playbooks } from '../../shared/playbooks/registry';`,
      `import { VERIFY_CHANGE_ACTIONS } from '../../shared/playbooks/changing-rows';`,
      `import { PIPELINE_ACTIONS } from '../../shared/pipeline/pipeline-actions';`,
      `export const x = [SERVICE_NAME, playbooks, VERIFY_CHANGE_ACTIONS, PIPELINE_ACTIONS];`,
    ),
  },
  floatingPromise: {
    file: 'shared/report/decision-reporter.ts',
    code: lines(
      `async function publish(): Promise<void> {}`,
      `export function decide(): void {`,
      `  publish();`,
      `  [1, 2].forEach(async () => publish());`,
      `}`,
      `export function fireAndForget(): void {`,
      `  // The decision is already recorded; the metric flush may run on its own.`,
      `  void publish();`,
      `}`,
    ),
  },
  clockAndEnvInPlanner: {
    file: 'shared/playbooks/memory-pressure-plan.ts',
    code: lines(
      `export const now = Date.now();`,
      `export const today = new Date();`,
      `export const env = process.env.RUNBOOK_ENVIRONMENT;`,
      `export const jitter = Math.random();`,
      `export const parsed = new Date('2026-12-05T00:00:00Z');`,
    ),
  },
  importPerCall: {
    file: 'shared/escalation/tier-notifier.ts',
    code: lines(
      `import { lazy } from '../aws/lazy-client';`,
      `export const supportCaseModule = lazy(() => import('./support-case'));`,
      `export async function openCase(): Promise<unknown> {`,
      `  return Promise.all([import('./support-case'), supportCaseModule()]);`,
      `}`,
      `export function build(): unknown {`,
      `  return lazy(() => import('./support-case'));`,
      `}`,
      `const unkept = async () => import('./support-case');`,
      `export const once = lazy(async () => (await supportCaseModule()).supportClient({}));`,
      `export const x = [unkept, once];`,
    ),
  },
  importPerCallInPlanner: {
    file: 'shared/playbooks/memory-pressure-plan.ts',
    code: lines(`export async function plan(): Promise<unknown> {`, `  return import('./memory-pressure-health');`, `}`),
  },
  realLazyImports: { file: 'shared/pipeline/verify-scheduler.ts', code: null },
  realLazyImportsEscalation: { file: 'shared/escalation/tier-notifier.ts', code: null },
  realErrorRateHandler: { file: 'handlers/alert-error-rate.ts', code: null },
  realServiceHandlers: { file: 'infra/lib/service-handlers.ts', code: null },
  realRunbookStack: { file: 'infra/lib/runbook-stack.ts', code: null },
  realEscalationRouting: { file: 'infra/lib/constructs/escalation-routing.ts', code: null },
} satisfies Record<string, Planted>;

type CaseName = keyof typeof CASES;
let found: Record<CaseName, Finding[]>;

beforeAll(async () => {
  const names = Object.keys(CASES) as CaseName[];
  const results = await lint(names.map((name) => CASES[name]));
  found = Object.fromEntries(names.map((name, i) => [name, results[i] ?? []])) as Record<CaseName, Finding[]>;
});

const imports = (name: CaseName): Finding[] => found[name].filter((m) => m.ruleId === 'no-restricted-imports');

describe('architecture rules in ESLint (eslint.config.mjs)', () => {
  it('refuses an SDK import in a planner (*-plan.ts)', () => {
    expect(found.sdkInPlanner).toEqual([restrictedImport(/imports no SDK/)]);
  });

  it('refuses an SDK import and a node I/O module in an evaluator', () => {
    expect(found.sdkAndIoInEvaluator).toEqual([restrictedImport(/imports no SDK/), restrictedImport(/does no I\/O/)]);
  });

  it('refuses a clock, the environment and randomness in a planner, and accepts a date built from a value', () => {
    expect(found.clockAndEnvInPlanner.map((m) => [m.line, m.ruleId])).toEqual([
      [1, 'no-restricted-syntax'],
      [2, 'no-restricted-syntax'],
      [3, 'no-restricted-globals'],
      [4, 'no-restricted-syntax'],
    ]);
  });

  it('refuses shared/ importing the CLI, the sandbox or a handler', () => {
    expect(imports('sharedImportsOutward')).toEqual([
      restrictedImport(/shared\/ never imports/),
      restrictedImport(/shared\/ never imports/),
      restrictedImport(/shared\/ never imports/),
    ]);
  });

  it('refuses shared/ importing bench/ or infra/', () => {
    expect(imports('sharedImportsBenchOrInfra')).toEqual([restrictedImport(/shared\/ never imports/), restrictedImport(/shared\/ never imports/)]);
  });

  it('refuses the Powertools runtime in a planner', () => {
    expect(found.powertoolsInPlanner).toEqual([restrictedImport(/imports no Powertools/)]);
  });

  it('refuses an SDK import and a node I/O module in a renderer and in shared/config/', () => {
    expect(found.sdkAndIoInRenderer).toEqual([restrictedImport(/imports no SDK/), restrictedImport(/does no I\/O/)]);
    expect(found.sdkAndIoInConfig).toEqual([restrictedImport(/imports no SDK/), restrictedImport(/does no I\/O/)]);
  });

  it('refuses a handler that builds an SDK client', () => {
    expect(imports('handlerBuildsClient')).toEqual([restrictedImport(/builds no SDK client/), restrictedImport(/imports only shared\//)]);
  });

  it('refuses infra importing a handler factory, a handler or runtime code', () => {
    expect(imports('infraImportsRuntime')).toEqual([
      restrictedImport(/never a handler factory or runtime code/),
      restrictedImport(/never a handler factory or runtime code/),
      restrictedImport(/never a handler factory or runtime code/),
      restrictedImport(/never imports a handler/),
    ]);
  });

  it('lets infra import configuration and the playbook declarations', () => {
    expect(found.infraImportsDeclarations).toEqual([]);
  });

  it('refuses a floating promise and an async callback where a void one is expected, and accepts `void` with a reason', () => {
    expect(found.floatingPromise.map((m) => [m.line, m.ruleId])).toEqual([
      [3, '@typescript-eslint/no-floating-promises'],
      [4, '@typescript-eslint/no-misused-promises'],
    ]);
  });

  it('refuses a dynamic import() anywhere in shared/ but as the body of a lazy() kept at the module\'s top level (decision 279)', () => {
    // Line 4: an import() per call; line 7: a lazy() built per call; line 9: an import() kept in no lazy(). Lines 2 and 10 pass.
    expect(found.importPerCall.map((m) => [m.line, m.ruleId])).toEqual([
      [4, 'no-restricted-syntax'],
      [7, 'no-restricted-syntax'],
      [9, 'no-restricted-syntax'],
    ]);
    expect(found.importPerCall[0]?.message).toMatch(/once per container/);
    // The pure files' own no-restricted-syntax list (clock, randomness) carries the rule too.
    expect(found.importPerCallInPlanner.map((m) => [m.line, m.ruleId])).toEqual([[2, 'no-restricted-syntax']]);
  });

  it('passes the modules that load on demand: the health check\'s scheduler and the support tier (decision 279\'s "not done")', () => {
    expect([found.realLazyImports, found.realLazyImportsEscalation]).toEqual([[], []]);
  });

  it('passes the fixed files: the error-rate handler and the infra that imported handler factories', () => {
    expect([found.realErrorRateHandler, found.realServiceHandlers, found.realRunbookStack, found.realEscalationRouting]).toEqual([[], [], [], []]);
  });
});
