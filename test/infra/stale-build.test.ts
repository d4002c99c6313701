// The stale-build guard (infra/lib/stale-build.ts: the integration setup's and synthesis's) on a throwaway tree: a bundle older
// than one of the project's sources it was built from is named; node_modules inputs and a current build are not. Synthesis
// (synthesizeRunbookApp) and the integration global setup are each run on a stale tree and seen to refuse.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchBuildReason, handlerBundlesOutOfDate, refuseStaleHandlerBundles, staleBuilds } from '../../infra/lib/stale-build';
import { synthesizeOrExplain, synthesizeRunbookApp } from '../../infra/lib/synthesize';
import { integrationGlobalSetup, takeIntegrationSandbox } from '../integration/global-setup';

let root: string;
const at = (path: string, seconds: number, content = ''): void => {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), content);
  utimesSync(join(root, path), seconds, seconds);
};

function tree(sourceSeconds: number, moduleSeconds: number): void {
  const meta = { inputs: { 'shared/a.ts': {}, 'node_modules/x/index.js': {} }, outputs: { 'dist/cli/runbook.mjs': {}, 'dist/cli/runbook.mjs.map': {} } };
  at('dist/cli/meta.json', 1000, JSON.stringify(meta));
  at('dist/cli/runbook.mjs', 1000);
  at('shared/a.ts', sourceSeconds);
  at('node_modules/x/index.js', moduleSeconds);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'stale-build-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('staleBuilds', () => {
  it('names the bundle and the newer source', () => {
    tree(2000, 500);
    expect(staleBuilds(root)).toEqual(['dist/cli/runbook.mjs is older than shared/a.ts']);
  });

  it('says nothing of a current build, nor of a newer dependency in node_modules (npm ci, not the code)', () => {
    tree(500, 2000);
    expect(staleBuilds(root)).toEqual([]);
  });

  it('judges each handler bundle too, and skips what was never built', () => {
    tree(500, 500);
    at('dist/handlers/h/meta.json', 1000, JSON.stringify({ inputs: { 'handlers/h.ts': {} }, outputs: { 'dist/handlers/h/index.mjs': {} } }));
    at('dist/handlers/h/index.mjs', 1000);
    at('handlers/h.ts', 3000);
    mkdirSync(join(root, 'dist', 'handlers', 'never-built'), { recursive: true });
    expect(staleBuilds(root)).toEqual(['dist/handlers/h/index.mjs is older than handlers/h.ts']);
  });
});

describe('refuseStaleHandlerBundles (what `cdk synth` runs first, infra/bin/app.ts)', () => {
  it('refuses a handler bundle older than its source, naming both and the command that fixes it', () => {
    tree(500, 500);
    at('dist/handlers/h/meta.json', 1000, JSON.stringify({ inputs: { 'shared/playbooks/p.ts': {} }, outputs: { 'dist/handlers/h/index.mjs': {} } }));
    at('dist/handlers/h/index.mjs', 1000);
    at('shared/playbooks/p.ts', 3000);
    expect(() => refuseStaleHandlerBundles(root)).toThrow(/dist\/handlers\/h\/index\.mjs is older than shared\/playbooks\/p\.ts.*Run `npm run build`/);
  });

  it('lets a current build through, and does not judge the CLI bundle (synthesis does not deploy it)', () => {
    tree(2000, 500); // the CLI bundle is stale
    at('dist/handlers/h/meta.json', 1000, JSON.stringify({ inputs: { 'handlers/h.ts': {} }, outputs: { 'dist/handlers/h/index.mjs': {} } }));
    at('dist/handlers/h/index.mjs', 1000);
    at('handlers/h.ts', 500);
    expect(staleBuilds(root)).toEqual(['dist/cli/runbook.mjs is older than shared/a.ts']);
    expect(() => refuseStaleHandlerBundles(root)).not.toThrow();
  });

  it('is what the CDK app runs before it builds any stack: synthesizeRunbookApp on a stale tree refuses, naming the bundle', () => {
    tree(500, 500);
    at('dist/handlers/h/meta.json', 1000, JSON.stringify({ inputs: { 'shared/playbooks/p.ts': {} }, outputs: { 'dist/handlers/h/index.mjs': {} } }));
    at('dist/handlers/h/index.mjs', 1000);
    at('shared/playbooks/p.ts', 3000);
    // The refusal, not what building the stacks from this tree would throw (no configuration, no function.zip).
    expect(() => synthesizeRunbookApp(root)).toThrow(/^.*dist\/handlers\/h\/index\.mjs is older than shared\/playbooks\/p\.ts.*Run `npm run build`/s);
    // Nothing synthesized: no cloud assembly written into the tree.
    expect(existsSync(join(root, 'cdk.out'))).toBe(false);
  });

  // synthesizeOrExplain runs synthesizeRunbookApp and prints only a DeploymentContextError (decision 386): the stale-build
  // refusal is no such error and is thrown as before (test/infra/deployment-context-exit.test.ts: other errors rethrown).
  it('infra/bin/app.ts is synthesizeOrExplain (synthesizeRunbookApp) on the repository, nothing else', () => {
    const app = readFileSync(join(__dirname, '..', '..', 'infra', 'bin', 'app.ts'), 'utf8');
    expect(app.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('//') && !line.startsWith('#!') && !line.startsWith('import '))).toEqual([
      "process.exitCode = synthesizeOrExplain(join(__dirname, '..', '..'));",
    ]);
    expect(synthesizeOrExplain.length).toBe(1);
    expect(String(synthesizeOrExplain)).toContain('synthesizeRunbookApp');
  });
});

describe('the integration global setup (test/integration/global-setup.ts)', () => {
  it('refuses a stale build before it starts moto_server or the gap proxy, naming the bundle and the newer source', async () => {
    tree(2000, 500); // the CLI bundle is older than shared/a.ts
    const outcome = await integrationGlobalSetup(root)().then(
      () => 'started',
      (error: unknown) => error,
    );
    // Started in spite of the stale build (the fault this test is for): stop what it started before failing.
    const started = takeIntegrationSandbox();
    if (started) await started.proxy.stop().finally(() => started.moto.stop());
    expect(started).toBeUndefined();
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toBe('the build is older than the code: run npm run build first (dist/cli/runbook.mjs is older than shared/a.ts)');
  });
});

describe('handlerBundlesOutOfDate (what `npm run bench` builds first: bench/run.ts)', () => {
  /** Handlers a and b, each built at 1000 from its own source at `sourceSeconds`. */
  function handlers(sourceSeconds: number, built: readonly string[] = ['a', 'b']): void {
    for (const name of ['a', 'b']) at(`handlers/${name}.ts`, sourceSeconds);
    for (const name of built) {
      at(`dist/handlers/${name}/meta.json`, 1000, JSON.stringify({ inputs: { [`handlers/${name}.ts`]: {} }, outputs: { [`dist/handlers/${name}/index.mjs`]: {} } }));
      at(`dist/handlers/${name}/index.mjs`, 1000);
    }
  }

  it('says nothing of current bundles, one per handler', () => {
    handlers(500);
    expect(handlerBundlesOutOfDate(root)).toBeUndefined();
  });

  it('names a fresh worktree: no dist/handlers at all, or an empty one', () => {
    handlers(500, []);
    expect(handlerBundlesOutOfDate(root)).toBe('dist/handlers holds no handler bundle');
    mkdirSync(join(root, 'dist', 'handlers', 'a'), { recursive: true });
    expect(handlerBundlesOutOfDate(root)).toBe('dist/handlers holds no handler bundle');
  });

  it('names a handler without its bundle, and a bundle without its handler', () => {
    handlers(500, ['a']);
    expect(handlerBundlesOutOfDate(root)).toBe('no bundle in dist/handlers for b');
    handlers(500, ['a', 'b']);
    at('dist/handlers/renamed/meta.json', 1000, JSON.stringify({ inputs: {}, outputs: { 'dist/handlers/renamed/index.mjs': {} } }));
    at('dist/handlers/renamed/index.mjs', 1000);
    expect(handlerBundlesOutOfDate(root)).toBe('dist/handlers holds bundles of no handler: renamed');
  });

  it('names a bundle older than its source', () => {
    handlers(2000);
    expect(handlerBundlesOutOfDate(root)).toBe('dist/handlers/a/index.mjs is older than handlers/a.ts (and 1 more)');
    at('handlers/b.ts', 500);
    expect(handlerBundlesOutOfDate(root)).toBe('dist/handlers/a/index.mjs is older than handlers/a.ts');
  });

  // Review 18, R18-12: what bench/run.ts builds on, judged on the same trees (its one call: benchBuildReason).
  it('decides whether bench builds: --check with current bundles builds nothing; missing or stale ones, and the full bench, build', () => {
    handlers(500);
    expect(benchBuildReason(true, root)).toBeUndefined();
    expect(benchBuildReason(false, root)).toBe('building the handler bundles (npm run build)...');
    handlers(2000);
    expect(benchBuildReason(true, root)).toBe(
      "--check measures the built handler bundles, and they are missing or not the current code's (dist/handlers/a/index.mjs is older than handlers/a.ts (and 1 more)): building them first (npm run build)...",
    );
    rmSync(join(root, 'dist'), { recursive: true });
    expect(benchBuildReason(true, root)).toBe("--check measures the built handler bundles, and they are missing or not the current code's (dist/handlers holds no handler bundle): building them first (npm run build)...");
  });

  it('is what bench/run.ts asks, before it lists the bundles it measures', () => {
    const bench = readFileSync(join(__dirname, '..', '..', 'bench', 'run.ts'), 'utf8');
    const asked = bench.indexOf('const buildReason = benchBuildReason(options.check, root);\n  if (buildReason !== undefined) {');
    expect(asked).toBeGreaterThan(-1);
    expect(asked).toBeLessThan(bench.indexOf('await buildAll('));
    expect(bench.indexOf('await buildAll(')).toBeLessThan(bench.indexOf("readdirSync(join(root, 'dist', 'handlers'))"));
  });
});
