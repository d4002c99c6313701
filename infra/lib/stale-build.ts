// The built bundles must not be older than the project's own sources they were built from: the integration tests refuse
// to run on them (a test would pass on code that is no longer there), and synthesis refuses to package them (decision 180).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

/** The metafiles `npm run build` writes beside the CLI, each handler bundle and each custom resource bundle. */
function builtMetafiles(root: string): string[] {
  const metas = [join(root, 'dist', 'cli', 'meta.json')];
  const handlers = join(root, 'dist', 'handlers');
  if (existsSync(handlers)) {
    for (const name of readdirSync(handlers)) metas.push(join(handlers, name, 'meta.json'));
  }
  const customResources = join(root, 'dist', 'custom-resources');
  if (existsSync(customResources)) {
    for (const name of readdirSync(customResources)) metas.push(join(customResources, name, 'meta.json'));
  }
  return metas.filter((file) => existsSync(file));
}

/**
 * The project's sources (not node_modules) newer than the bundle built from them, one line per bundle, e.g.
 * "dist/cli/runbook.mjs is older than cli/preflight/bus-policy-checks.ts". Empty when every build is current; a bundle
 * not built at all is not judged here (its tests say to build).
 */
export function staleBuilds(root: string): string[] {
  const stale: string[] = [];
  for (const metaFile of builtMetafiles(root)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Metafile;
    const outputs = Object.keys(meta.outputs).filter((file) => file.endsWith('.mjs') && existsSync(join(root, file)));
    if (outputs.length === 0) continue;
    const builtAtMs = Math.min(...outputs.map((file) => statSync(join(root, file)).mtimeMs));
    const newer = Object.keys(meta.inputs).find((input) => {
      if (input.startsWith('node_modules/') || input.includes(':')) return false;
      const path = join(root, input);
      return existsSync(path) && statSync(path).mtimeMs > builtAtMs;
    });
    if (newer) stale.push(`${outputs.find((f) => !f.includes('/chunks/')) ?? outputs[0]} is older than ${newer}`);
  }
  return stale;
}

/**
 * What synthesis refuses (infra/bin/app.ts): a handler bundle older than a source it was built from. The app reads the
 * configuration, the playbooks' declared actions (hence IAM), the alarms and the documents from the sources, but ships
 * the handlers' code from dist/: after a `git pull` without `npm run build`, a deploy would put new IAM beside old code.
 */
export function staleHandlerBundles(root: string): string[] {
  return staleBuilds(root).filter((line) => line.startsWith('dist/handlers/'));
}

/**
 * Why the handler bundles in dist/handlers are not the handlers' current code, or undefined when they are: none built (a
 * fresh worktree: dist/ is not committed), a handler without its bundle, a bundle without its handler, or a bundle older
 * than one of its sources. What `npm run bench` builds first (bench/run.ts): --check otherwise measures what it finds.
 */
export function handlerBundlesOutOfDate(root: string): string | undefined {
  const handlers = readdirSync(join(root, 'handlers'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
  const builtDir = join(root, 'dist', 'handlers');
  const built = existsSync(builtDir) ? readdirSync(builtDir).filter((name) => existsSync(join(builtDir, name, 'index.mjs')) && existsSync(join(builtDir, name, 'meta.json'))) : [];
  if (built.length === 0) return 'dist/handlers holds no handler bundle';
  const unbuilt = handlers.filter((name) => !built.includes(name));
  if (unbuilt.length > 0) return `no bundle in dist/handlers for ${unbuilt.join(', ')}`;
  const orphaned = built.filter((name) => !handlers.includes(name)).sort();
  if (orphaned.length > 0) return `dist/handlers holds bundles of no handler: ${orphaned.join(', ')}`;
  const stale = staleHandlerBundles(root);
  return stale.length === 0 ? undefined : `${stale[0]}${stale.length > 1 ? ` (and ${stale.length - 1} more)` : ''}`;
}

export function refuseStaleHandlerBundles(root: string): void {
  const stale = staleHandlerBundles(root);
  if (stale.length === 0) return;
  throw new Error(
    `the handler bundles are older than their sources, so this deployment would ship code that is not the source's beside ` +
      `IAM, alarms and documents that are (${stale.join('; ')}). Run \`npm run build\`, then synthesize again.`,
  );
}

/**
 * What `npm run bench` says before it builds the handler bundles, or undefined when it measures the ones there: the full
 * bench always builds; `--check` (part of `npm test`, which has just built) only when they are missing or not the
 * current code's (decision 289; review 18, R18-12).
 */
export function benchBuildReason(check: boolean, root: string): string | undefined {
  if (!check) return 'building the handler bundles (npm run build)...';
  const outOfDate = handlerBundlesOutOfDate(root);
  return outOfDate === undefined ? undefined : `--check measures the built handler bundles, and they are missing or not the current code's (${outOfDate}): building them first (npm run build)...`;
}
