// The SDK's request timeout is real (decision 337): an attempt whose answer never comes, or stops coming, fails with a
// TimeoutError the SDK retries and the pipeline takes as transient; and every SDK client the automation builds gets it.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import * as ts from 'typescript';
import { clientConfig, type ClientConfigOptions } from '../../../shared/aws/client-config';
import { isTransientAwsError } from '../../../shared/aws/classify-error';
import { endpoint, type Endpoint } from '../../support/loopback-endpoint';

const ROOT = join(__dirname, '..', '..', '..');

function sqsAt(url: string, options: ClientConfigOptions): SQSClient {
  return new SQSClient({ ...clientConfig({ region: 'us-east-1', ...options }), endpoint: url, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
}

describe('clientConfig: the request timeout fails the attempt', () => {
  let server: Endpoint | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('gives every client the handler options that make requestTimeout throw, and a socket timeout of the same length', () => {
    expect(clientConfig().requestHandler).toEqual({ connectionTimeout: 2000, requestTimeout: 10_000, socketTimeout: 10_000, throwOnRequestTimeout: true });
    expect(clientConfig({ connectionTimeoutMs: 500, requestTimeoutMs: 1500 }).requestHandler).toEqual({
      connectionTimeout: 500,
      requestTimeout: 1500,
      socketTimeout: 1500,
      throwOnRequestTimeout: true,
    });
  });

  it('fails an attempt whose answer never begins with TimeoutError (ETIMEDOUT), a transient error', async () => {
    server = await endpoint(() => undefined);
    const error: unknown = await sqsAt(server.url, { maxAttempts: 1, requestTimeoutMs: 300 })
      .send(new GetQueueUrlCommand({ QueueName: 'q' }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT', message: expect.stringContaining('exceeded the configured 300 ms requestTimeout') });
    expect(isTransientAwsError(error)).toBe(true);
    expect(server.requests).toBe(1);
  });

  it('is retried by the SDK: each of maxAttempts attempts reaches the endpoint and times out', async () => {
    server = await endpoint(() => undefined);
    const error: unknown = await sqsAt(server.url, { maxAttempts: 3, requestTimeoutMs: 300 })
      .send(new GetQueueUrlCommand({ QueueName: 'q' }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 3 } });
    expect(server.requests).toBe(3);
  });

  it('fails an answer whose body stops coming after that much silence (the socket timeout)', async () => {
    server = await endpoint((res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.write('{"QueueUrl":');
    });
    const error: unknown = await sqsAt(server.url, { maxAttempts: 1, requestTimeoutMs: 300 })
      .send(new GetQueueUrlCommand({ QueueName: 'q' }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError', message: expect.stringContaining('timed out after 300 ms of inactivity') });
    expect(isTransientAwsError(error)).toBe(true);
  });
});

// --- every construction of an SDK client ------------------------------------------------------------------------------

/** Where SDK clients are built: the automation's own code, the emulator's harness, the benchmark. */
const SCANNED_DIRS = ['shared', 'handlers', 'cli', 'custom-resources', 'sandbox', 'bench'];
/** The emulator's harness and the benchmark: the sandbox, the bench, and the CLI's verbs that drive the sandbox. */
const isHarness = (file: string): boolean => /^(sandbox|bench|cli\/demo)\//.test(file) || file === 'cli/sandbox-command.ts';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

interface Construction {
  file: string;
  client: string;
  /** Why the argument's type does not promise the bound; undefined when it does. */
  unbounded?: string;
}

/** The argument's type carries requestHandler.throwOnRequestTimeout: true (SdkClientConfig's literal type). */
function unboundedBecause(checker: ts.TypeChecker, node: ts.NewExpression): string | undefined {
  const arg = node.arguments?.[0];
  if (!arg) return 'no configuration';
  const type = checker.getTypeAtLocation(arg);
  const handler = type.getProperty('requestHandler');
  if (!handler) return `configuration of type ${checker.typeToString(type)} has no requestHandler`;
  const handlerType = checker.getTypeOfSymbolAtLocation(handler, arg);
  const flag = handlerType.getProperty('throwOnRequestTimeout');
  if (!flag) return `requestHandler ${checker.typeToString(handlerType)} has no throwOnRequestTimeout`;
  const flagType = checker.getTypeOfSymbolAtLocation(flag, arg);
  return flagType.flags & ts.TypeFlags.BooleanLiteral && checker.typeToString(flagType) === 'true' ? undefined : `throwOnRequestTimeout is ${checker.typeToString(flagType)}`;
}

function constructions(dirs: readonly string[]): Construction[] {
  const files = dirs.flatMap((dir) => sourceFiles(join(ROOT, dir))).filter((file) => /new \w+\(/.test(readFileSync(file, 'utf8')));
  const program = ts.createProgram(files, { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, strict: true, esModuleInterop: true, resolveJsonModule: true, skipLibCheck: true, noEmit: true, types: ['node'] });
  const checker = program.getTypeChecker();
  const found: Construction[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`not in the program: ${file}`);
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node)) {
        // What is built, by its type: a class imported statically, with import(), or handed in as a parameter alike.
        const target = checker.getTypeAtLocation(node).getSymbol();
        const declaredIn = target?.declarations?.[0]?.getSourceFile().fileName ?? '';
        // An SDK service client: a class of @aws-sdk/client-* (nested-clients' too) named ...Client.
        if (/node_modules\/@aws-sdk\/(client-[\w-]+|nested-clients)\//.test(declaredIn) && /Client$/.test(target?.name ?? '')) {
          const unbounded = unboundedBecause(checker, node);
          found.push({ file: relative(ROOT, file), client: target?.name ?? '', ...(unbounded ? { unbounded } : {}) });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe('every SDK client the automation builds has the request timeout (a type-checked scan)', () => {
  // One program over the scanned files (the SDK's types included): slow on a loaded machine.
  jest.setTimeout(240_000);
  let automation: Construction[];
  let harness: Construction[];
  beforeAll(() => {
    const all = constructions(SCANNED_DIRS);
    automation = all.filter((c) => !isHarness(c.file));
    harness = all.filter((c) => isHarness(c.file));
  });

  it('finds the constructions it scans for (the scan sees clients built from a parameter, a spread and a literal)', () => {
    const files = new Set(automation.map((c) => c.file));
    for (const file of ['shared/pipeline/create-alarm-handler.ts', 'shared/playbooks/queue-backup.ts', 'shared/escalation/support-case.ts', 'cli/preflight/index.ts', 'cli/aws-target.ts', 'custom-resources/prune-document-versions.ts', 'custom-resources/ensure-log-groups.ts']) {
      expect(files).toContain(file);
    }
    // The exact count, by top directory: a scan that lost a directory, or a file, fails here (a new client adds one).
    const byDir: Record<string, number> = {};
    for (const c of automation) byDir[c.file.split('/')[0] ?? ''] = (byDir[c.file.split('/')[0] ?? ''] ?? 0) + 1;
    // handlers/ builds none (a playbook builds its own clients: the house rule).
    expect(byDir).toEqual({ shared: 36, cli: 27, 'custom-resources': 2 });
    expect(automation.length).toBe(65);
  });

  it('in shared/, handlers/, cli/ and custom-resources/: each is given a configuration typed with throwOnRequestTimeout: true', () => {
    expect(automation.filter((c) => c.unbounded !== undefined)).toEqual([]);
  });

  it('in sandbox/, bench/ and the sandbox verbs of the CLI: only the emulator harness is left without it, file by file', () => {
    // The harness provisions, evaluates alarms, plays consumers, fires the demo's alarms and forwards to moto (its clients take
    // SandboxClientConfig, the emulator's endpoint and keys): its calls are the emulator's, not the
    // automation's, and a bound there would turn moto's slowness under load (the 100-delivery storm) into faults no test
    // injected. A hung emulator fails the test on its own timeout. The rehearsal's SDK caller (sandbox/rehearsal) plays the
    // runbooks' calls and has the bound (clientConfig).
    const unboundedFiles = [...new Set(harness.filter((c) => c.unbounded !== undefined).map((c) => c.file))].sort();
    expect(unboundedFiles).toEqual([
      'bench/bench-sandbox.ts',
      'bench/paths.ts',
      'bench/storm-worker.ts',
      'bench/storm.ts',
      'cli/demo/context.ts',
      'cli/demo/escalation-path.ts',
      'cli/demo/fire-alarm.ts',
      'cli/demo/scenarios/connection-timeout.ts',
      'cli/demo/scenarios/cpu-utilization.ts',
      'cli/demo/scenarios/dr-standby.ts',
      'cli/demo/scenarios/error-rate.ts',
      'cli/demo/scenarios/escalation.ts',
      'cli/demo/scenarios/high-latency.ts',
      'cli/demo/scenarios/memory-pressure.ts',
      'cli/demo/scenarios/queue-backup.ts',
      'cli/sandbox-command.ts',
      'sandbox/alarm-evaluator.ts',
      'sandbox/automation-health.ts',
      'sandbox/escalation-inbox.ts',
      'sandbox/gap-proxy.ts',
      'sandbox/metric-alarm-evaluator.ts',
      'sandbox/provision-dr.ts',
      'sandbox/provision-http-api.ts',
      'sandbox/provision.ts',
      'sandbox/simulated-api.ts',
    ]);
  });
});
