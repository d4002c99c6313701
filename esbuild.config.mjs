// Builds one ESM bundle per handler (dist/handlers/<name>/index.mjs + a Lambda-ready zip) and the runbook CLI; prints sizes.
import { build } from 'esbuild';
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');

// ESM bundles of CommonJS dependencies need a require(); Lambda's Node runtime provides createRequire.
const requireShim = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

// The SDK's DynamoDB endpoint cache (@aws-sdk/endpoint-cache) is mnemonist's LRUCache's only user in the bundles; it gets
// shared/aws/lru-cache.ts, a Map of ours with the same contract for the calls it makes (test/unit/aws/lru-cache.test.ts):
// about 7 KB less at every cold start (mnemonist's cache, its typed arrays, obliterator). The floors get it too
// (bench/bundles.ts builds them with these options): it is a smaller SDK, not a smaller share of ours.
const sdkLruCache = {
  name: 'sdk-lru-cache',
  setup(build) {
    build.onResolve({ filter: /^mnemonist\/lru-cache$/ }, () => ({ path: join(root, 'shared', 'aws', 'lru-cache.ts') }));
  },
};

export const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // The SDK's ES module builds first: smaller and faster to import than esbuild's node default (CONVENTIONS.md).
  mainFields: ['module', 'main'],
  banner: { js: requireShim },
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
  // What the SDK imports only on demand (the credential providers other than the environment's, which Lambda always
  // sets) goes to chunks read only if used: about 100 KB less to load at every cold start.
  splitting: true,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [sdkLruCache],
};

/** files: [path on disk, name in the zip] */
function zipFiles(files, zipPath) {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    // A fixed mtime keeps the zip byte-identical for identical code (stable CodeSha256 across builds).
    for (const [source, nameInZip] of files) zip.addFile(source, nameInZip, { mtime: new Date('2020-01-01T00:00:00Z'), mode: 0o644 });
    zip.end();
    zip.outputStream.pipe(createWriteStream(zipPath)).on('close', resolve).on('error', reject);
  });
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

export async function buildAll({ quiet = false } = {}) {
  rmSync(join(dist, 'handlers'), { recursive: true, force: true });
  const handlerNames = readdirSync(join(root, 'handlers'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
  const rows = [];
  for (const name of handlerNames) {
    const outdir = join(dist, 'handlers', name);
    mkdirSync(outdir, { recursive: true });
    const outfile = join(outdir, 'index.mjs');
    const result = await build({ ...common, entryPoints: { index: join(root, 'handlers', `${name}.ts`) }, outdir, minify: true });
    writeFileSync(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
    const outputs = Object.keys(result.metafile.outputs).sort();
    await zipFiles(outputs.map((file) => [join(root, file), relative(outdir, join(root, file))]), join(outdir, 'function.zip'));
    // Loaded at import: the entry and the chunks it imports statically; the rest loads only if the code path runs.
    const initFiles = new Set();
    const visit = (file) => {
      if (initFiles.has(file)) return;
      initFiles.add(file);
      for (const imported of result.metafile.outputs[file]?.imports ?? []) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    };
    visit(relative(root, outfile));
    const bytesOf = (files) => files.reduce((sum, file) => sum + (result.metafile.outputs[file]?.bytes ?? 0), 0);
    const bytes = bytesOf([...initFiles]);
    const lazyBytes = bytesOf(outputs) - bytes;
    const inputs = Object.keys(result.metafile.inputs).length;
    rows.push({ name, bytes, lazyBytes, inputs });
  }
  // CloudFormation custom resources (custom-resources/*.ts): one bundle each, which infra deploys beside what it serves.
  rmSync(join(dist, 'custom-resources'), { recursive: true, force: true });
  for (const name of readdirSync(join(root, 'custom-resources')).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '')).sort()) {
    const outdir = join(dist, 'custom-resources', name);
    mkdirSync(outdir, { recursive: true });
    const result = await build({ ...common, splitting: false, entryPoints: { index: join(root, 'custom-resources', `${name}.ts`) }, outdir, minify: true });
    writeFileSync(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
    await zipFiles(Object.keys(result.metafile.outputs).sort().map((file) => [join(root, file), relative(outdir, join(root, file))]), join(outdir, 'function.zip'));
    if (!quiet) console.log(`custom resource ${name}: ${kb(Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0))}  dist/custom-resources/${name}/{index.mjs,function.zip}`);
  }
  // The CLI and sandbox are never part of a handler bundle; they import the handlers' built output at run time.
  const cli = await build({ ...common, splitting: false, entryPoints: [join(root, 'cli', 'runbook.ts')], outfile: join(dist, 'cli', 'runbook.mjs'), minify: false, sourcemap: 'linked' });
  writeFileSync(join(dist, 'cli', 'meta.json'), JSON.stringify(cli.metafile));
  if (!quiet) {
    console.log('handler bundles (minified ESM, esbuild metafile):');
    for (const row of rows) {
      console.log(`  ${row.name.padEnd(26)} ${kb(row.bytes).padStart(10)} at init (+${kb(row.lazyBytes)} on demand)  ${String(row.inputs).padStart(4)} modules  dist/handlers/${row.name}/{index.mjs,chunks/,function.zip}`);
    }
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!existsSync(join(root, 'cli', 'runbook.ts'))) throw new Error('cli/runbook.ts is missing');
  await buildAll();
}
