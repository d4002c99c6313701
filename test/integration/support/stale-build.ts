// Integration-test support: the built CLI and handler bundles (what the CLI, demo and bench tests run) must not be older
// than the project's own sources they were built from, or a test would pass on code that is no longer there.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

/** The metafiles `npm run build` writes beside the CLI and each handler bundle. */
function builtMetafiles(root: string): string[] {
  const metas = [join(root, 'dist', 'cli', 'meta.json')];
  const handlers = join(root, 'dist', 'handlers');
  if (existsSync(handlers)) {
    for (const name of readdirSync(handlers)) metas.push(join(handlers, name, 'meta.json'));
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
