// Builds what the benchmark measures: the handler bundles (npm run build), each handler's SDK "floor" bundle, and the per-event variant.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuildOptions, Metafile, Plugin } from 'esbuild';
import type { FloorClient } from './floors';

export const root = join(__dirname, '..');
export const benchDist = join(root, 'dist', 'bench');

interface EsbuildConfigModule {
  common: BuildOptions;
  buildAll(options: { quiet: boolean }): Promise<Array<{ name: string }>>;
}

/** esbuild.config.mjs: the same options the handler bundles are built with, so floor and variant differ from them in one thing only. */
export async function esbuildConfig(): Promise<EsbuildConfigModule> {
  return (await import(pathToFileURL(join(root, 'esbuild.config.mjs')).href)) as EsbuildConfigModule;
}

async function esbuild(): Promise<typeof import('esbuild')> {
  return import('esbuild');
}

/** The handlers' options, written to a directory as index.mjs (+ chunks/ when the handlers' build splits). */
async function optionsFor(outdir: string, entry: string): Promise<BuildOptions> {
  const { common } = await esbuildConfig();
  return { ...common, entryPoints: { index: entry }, outdir, outExtension: { '.js': '.mjs' }, chunkNames: 'chunks/[name]-[hash]', minify: !process.env.BENCH_NO_MINIFY, absWorkingDir: root };
}

export interface BundleSize {
  /** Bytes loaded when the module is imported: the entry file and the chunks it imports statically. */
  initBytes: number;
  /** Every output file, lazily loaded chunks included. */
  totalBytes: number;
  files: number;
}

/** The output files read when the entry is imported: it and the chunks it imports statically, transitively. */
export function initOutputs(metafile: Metafile, entryFile: string): Set<string> {
  const outputs = metafile.outputs;
  const key = Object.keys(outputs).find((k) => k.endsWith(relative(root, entryFile)) || join(root, k) === entryFile) ?? '';
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file) || !outputs[file]) return;
    seen.add(file);
    for (const imported of outputs[file]?.imports ?? []) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
  };
  visit(key);
  return seen;
}

/** Sizes from a metafile: what loads at import (static imports, transitively) and everything written. */
export function bundleSize(metafile: Metafile, entryFile: string): BundleSize {
  const outputs = metafile.outputs;
  const seen = initOutputs(metafile, entryFile);
  const code = Object.entries(outputs).filter(([file]) => !file.endsWith('.map'));
  return {
    initBytes: [...seen].reduce((sum, file) => sum + (outputs[file]?.bytes ?? 0), 0),
    totalBytes: code.reduce((sum, [, out]) => sum + out.bytes, 0),
    files: code.length,
  };
}

export interface SdkClientRef {
  /** e.g. @aws-sdk/client-sqs */
  packageName: string;
  /** e.g. SQSClient */
  className: string;
}

/**
 * The AWS SDK service clients a bundle contains: each client package's <Name>Client module that made it into the output
 * (with atInitOf: only into the files that load when that entry is imported).
 */
export function sdkClientsOf(metafile: Metafile, options: { atInitOf?: string } = {}): SdkClientRef[] {
  const found = new Map<string, SdkClientRef>();
  const initFiles = options.atInitOf ? initOutputs(metafile, options.atInitOf) : undefined;
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (initFiles && !initFiles.has(file)) continue;
    for (const [input, used] of Object.entries(output.inputs)) {
      const match = /node_modules\/(@aws-sdk\/client-[a-z0-9-]+)\/dist-es\/([A-Za-z0-9]+Client)\.js$/.exec(input);
      if (match?.[1] && match[2] && used.bytesInOutput > 0) found.set(match[1], { packageName: match[1], className: match[2] });
    }
  }
  return [...found.values()].sort((a, b) => a.packageName.localeCompare(b.packageName));
}

export interface BuiltBundle {
  file: string;
  size: BundleSize;
  metafile: Metafile;
}

function built(result: { metafile?: Metafile }, outdir: string): BuiltBundle {
  if (!result.metafile) throw new Error('esbuild wrote no metafile: the handlers\' options must keep metafile: true');
  const file = join(outdir, 'index.mjs');
  return { file, size: bundleSize(result.metafile, file), metafile: result.metafile };
}

/**
 * The honest floor (bench/floors.ts): a bundle that imports exactly the SDK clients the handler's main path uses and
 * constructs them as the handler does, with its settings (shared/aws/client-config.ts): at import, or, for a client
 * the handler loads on first use, behind the same dynamic import() (a chunk the cold start does not read). Built with the
 * handlers' esbuild options. No amount of our own work goes below it.
 */
export async function buildFloor(clients: readonly FloorClient[], outdir: string): Promise<BuiltBundle> {
  const { build } = await esbuild();
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const entry = join(outdir, 'entry.mjs');
  const eager = clients.filter((c) => !c.lazy);
  const lazy = clients.filter((c) => c.lazy);
  writeFileSync(
    entry,
    [
      `import { clientConfig } from ${JSON.stringify(join(root, 'shared', 'aws', 'client-config.ts'))};`,
      ...eager.map((c) => `import { ${c.className} } from '${c.packageName}';`),
      `const config = clientConfig({ region: process.env.AWS_REGION });`,
      `export const clients = [${eager.map((c) => `new ${c.className}(config)`).join(', ')}];`,
      `export const lazyClients = [${lazy.map((c) => `async () => new (await import('${c.packageName}')).${c.className}(config)`).join(', ')}];`,
      '',
    ].join('\n'),
  );
  return built(await build(await optionsFor(outdir, entry)), outdir);
}

/** Where a handler's bundle disagrees with its declared floor: a declared client missing, or loaded otherwise than declared. */
export function floorMismatches(handler: string, metafile: Metafile, entryFile: string, floor: readonly FloorClient[]): string[] {
  const atInit = new Set(sdkClientsOf(metafile, { atInitOf: entryFile }).map((c) => c.packageName));
  const anywhere = new Set(sdkClientsOf(metafile).map((c) => c.packageName));
  const problems: string[] = [];
  for (const c of floor) {
    if (!anywhere.has(c.packageName)) problems.push(`${handler}: the floor declares ${c.packageName}, which the bundle does not contain`);
    else if (c.lazy && atInit.has(c.packageName)) problems.push(`${handler}: the floor loads ${c.packageName} on demand, the handler at init`);
    else if (!c.lazy && !atInit.has(c.packageName)) problems.push(`${handler}: the floor loads ${c.packageName} at init, the handler on demand`);
  }
  return problems;
}

/**
 * Swaps the SDK's HTTP transport for bench/in-memory-transport.mjs and wraps the SDK's Client (bench/sdk-send-timer.mjs)
 * to time each send; every other import resolves as in the real build.
 */
const inMemoryTransport: Plugin = {
  name: 'bench-in-memory-transport',
  setup(build) {
    const standIns: Array<[RegExp, string]> = [
      [/^@smithy\/node-http-handler$/, join(root, 'bench', 'in-memory-transport.mjs')],
      [/^@smithy\/core\/client$/, join(root, 'bench', 'sdk-send-timer.mjs')],
    ];
    for (const [filter, stub] of standIns) build.onResolve({ filter }, (args) => (args.importer === stub ? undefined : { path: stub }));
  },
};

/** The handler as built, with the in-memory transport: the per-event benchmark's subject. */
export async function buildInMemoryVariant(handler: string, outdir: string): Promise<BuiltBundle> {
  const { build } = await esbuild();
  rmSync(outdir, { recursive: true, force: true });
  const options = await optionsFor(outdir, join(root, 'handlers', `${handler}.ts`));
  return built(await build({ ...options, plugins: [...(options.plugins ?? []), inMemoryTransport] }), outdir);
}

/** Bytes of a bundle's output by package (or our own top folder), largest first: where the bytes go. */
export function bytesByPackage(metafile: Metafile): Array<{ name: string; bytes: number }> {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, used] of Object.entries(output.inputs)) {
      const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
      const name = inModules ?? input.split('/').slice(0, 2).join('/');
      totals.set(name, (totals.get(name) ?? 0) + used.bytesInOutput);
    }
  }
  return [...totals.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** What a byte of a bundle is, for the "above the floor" breakdown: the project's conventions, ours, or the SDK's. */
export type ByteKind = 'powertools' | 'zod' | 'ours' | 'sdk' | 'other';

export function byteKindOf(input: string): { kind: ByteKind; name: string } {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
  if (!pkg) return { kind: 'ours', name: input };
  if (pkg.startsWith('@aws-lambda-powertools/')) return { kind: 'powertools', name: pkg };
  if (pkg === 'zod') return { kind: 'zod', name: pkg };
  if (/^@(aws-sdk|smithy|aws-crypto|aws)\//.test(pkg) || ['tslib', 'fast-xml-parser', 'strnum', 'bowser', 'mnemonist', 'obliterator'].includes(pkg)) return { kind: 'sdk', name: pkg };
  return { kind: 'other', name: pkg };
}

/** Bytes loaded at init, per input module (the entry and the chunks it imports statically). */
export function initBytesByInput(metafile: Metafile, entryFile: string): Map<string, number> {
  const bytes = new Map<string, number>();
  for (const file of initOutputs(metafile, entryFile)) {
    for (const [input, used] of Object.entries(metafile.outputs[file]?.inputs ?? {})) bytes.set(input, (bytes.get(input) ?? 0) + used.bytesInOutput);
  }
  return bytes;
}

export interface AboveFloor {
  /** Bundle minus floor, bytes at init. */
  total: number;
  /** The same, by kind: Powertools and zod are whole (the floor has none); ours whole; the SDK's is the bundle's SDK bytes minus the floor's. */
  byKind: Record<ByteKind, number>;
  /** The SDK packages (and others) the bundle loads at init beyond the floor's, largest first. */
  sdkBeyondFloor: Array<{ name: string; bytes: number }>;
  /** Our own modules at init, largest first (top 10). */
  largestOfOurs: Array<{ name: string; bytes: number }>;
}

/**
 * Where a bundle's bytes at init above its floor go. The floor is only SDK code (and the client settings of ours it
 * imports), so Powertools, zod and our modules count whole (less the floor's own entry and client-config) and the SDK
 * counts by package, bundle minus floor. The kinds add up to the total but for esbuild's glue between modules and chunks
 * (the banner, chunk imports and exports: 1-2 KB), which belongs to no module.
 */
export function aboveFloor(bundle: { metafile: Metafile; file: string }, floor: { metafile: Metafile; file: string }): AboveFloor {
  const byPackage = (metafile: Metafile, file: string): Map<string, { kind: ByteKind; bytes: number }> => {
    const totals = new Map<string, { kind: ByteKind; bytes: number }>();
    for (const [input, bytes] of initBytesByInput(metafile, file)) {
      const { kind, name } = byteKindOf(input);
      const key = kind === 'ours' ? 'ours' : name;
      const known = totals.get(key) ?? { kind, bytes: 0 };
      totals.set(key, { kind, bytes: known.bytes + bytes });
    }
    return totals;
  };
  const mine = byPackage(bundle.metafile, bundle.file);
  const floors = byPackage(floor.metafile, floor.file);
  const byKind: Record<ByteKind, number> = { powertools: 0, zod: 0, ours: 0, sdk: 0, other: 0 };
  const sdkBeyondFloor: Array<{ name: string; bytes: number }> = [];
  for (const [name, { kind, bytes }] of mine) {
    const beyond = bytes - (floors.get(name)?.bytes ?? 0);
    byKind[kind] += beyond;
    if ((kind === 'sdk' || kind === 'other') && beyond !== 0) sdkBeyondFloor.push({ name, bytes: beyond });
  }
  for (const [name, { kind, bytes }] of floors) {
    if (mine.has(name)) continue;
    byKind[kind] -= bytes;
    if (kind === 'sdk' || kind === 'other') sdkBeyondFloor.push({ name, bytes: -bytes });
  }
  const ours = [...initBytesByInput(bundle.metafile, bundle.file)].filter(([input]) => byteKindOf(input).kind === 'ours');
  const total = bundleSize(bundle.metafile, bundle.file).initBytes - bundleSize(floor.metafile, floor.file).initBytes;
  return {
    total,
    byKind,
    sdkBeyondFloor: sdkBeyondFloor.sort((a, b) => b.bytes - a.bytes),
    largestOfOurs: ours.map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes).slice(0, 10),
  };
}
