// What a decision allocates, and which code allocates it: a per-event worker's sampling heap profile (BENCH_ALLOC_PROF=<dir>,
// decision 308) read per owner. Measurement only, never asserted:
//   `tsx bench/alloc-by-owner.ts <dir or .heapprofile>... [--top N]`
// KB per decision = the profile's estimated bytes (V8 scales each sample by its chance of being sampled) over the measured
// events, which the worker writes beside the profile (<same name>.json, with the scavenges in the measured window). With
// BENCH_NO_MINIFY=1 each allocation is charged to the module of its nearest frame (esbuild's "// path" comments): owner
// (ours, the SDK, Powertools, zod, the bench's transport, Node's own), module and function; read it before the next bench
// run rebuilds the variant bundle the profile's frames point into.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  callFrame: CallFrame;
  selfSize: number;
  children: ProfileNode[];
}
export interface WorkerFigures {
  handler: string;
  events: number;
  scavenges: number;
  markCompacts: number;
}

/** The owner of a module path: ours (shared/, handlers/), the bench's, or the package it comes from. */
export function ownerOf(module: string): string {
  if (/^(shared|handlers)\//.test(module)) return 'ours';
  if (module.startsWith('bench/')) return 'bench';
  const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(module)?.[1];
  if (!pkg) return module;
  if (/^@(aws-sdk|smithy|aws-crypto)\//.test(pkg)) return 'sdk';
  if (pkg.startsWith('@aws-lambda-powertools/')) return 'powertools';
  return pkg;
}

/** Module starts (0-based line, path) of an unminified esbuild output. */
function moduleStarts(file: string): Array<[number, string]> {
  const starts: Array<[number, string]> = [];
  if (!existsSync(file)) return starts;
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, at) => {
      const m = /^\/\/ ((?:shared|handlers|node_modules|bench)\/\S+)$/.exec(line);
      if (m?.[1]) starts.push([at, m[1]]);
    });
  return starts;
}

function main(): void {
  // Piped into head: stop quietly when the reader has had enough.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 15;
  const inputs = args.filter((a, i) => !a.startsWith('--') && (topAt < 0 || i !== topAt + 1));
  const files = inputs.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.heapprofile')).map((f) => join(p, f)) : [p]));
  if (files.length === 0) throw new Error('usage: tsx bench/alloc-by-owner.ts <dir or .heapprofile>... [--top N]');
  const startsByUrl = new Map<string, Array<[number, string]>>();
  const moduleOf = (frame: CallFrame): string | undefined => {
    if (frame.url.startsWith('node:')) return 'node';
    if (!frame.url.startsWith('file://')) return undefined;
    let starts = startsByUrl.get(frame.url);
    if (!starts) {
      starts = moduleStarts(fileURLToPath(frame.url));
      startsByUrl.set(frame.url, starts);
    }
    const path = fileURLToPath(frame.url);
    // A bundle without esbuild's markers is a minified one (attribute with BENCH_NO_MINIFY=1); the worker is the bench's.
    let found = starts.length ? '(glue)' : !existsSync(path) ? '(bundle rebuilt since the profile)' : /\/dist\//.test(path) ? '(minified bundle)' : path.replace(/^.*\/(bench\/)/, '$1');
    for (const [at, module] of starts) {
      if (at > frame.lineNumber) break;
      found = module;
    }
    return found;
  };
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as { head: ProfileNode };
    const sidecar = file.replace(/\.heapprofile$/, '.json');
    const figures = existsSync(sidecar) ? (JSON.parse(readFileSync(sidecar, 'utf8')) as WorkerFigures) : undefined;
    const events = figures?.events ?? Number(process.env.BENCH_EVENTS ?? NaN);
    const byOwner = new Map<string, number>();
    const byModule = new Map<string, number>();
    const byFunction = new Map<string, number>();
    const oursByFunction = new Map<string, number>();
    let total = 0;
    const add = (map: Map<string, number>, key: string, bytes: number): void => {
      map.set(key, (map.get(key) ?? 0) + bytes);
    };
    const walk = (node: ProfileNode, module: string, fn: string): void => {
      const own = moduleOf(node.callFrame);
      const here = own ?? module;
      const name = own ? `${node.callFrame.functionName || '(anonymous)'} ${here}:${node.callFrame.lineNumber + 1}` : fn;
      if (node.selfSize > 0) {
        total += node.selfSize;
        add(byOwner, ownerOf(here), node.selfSize);
        add(byModule, here, node.selfSize);
        add(byFunction, name, node.selfSize);
        if (ownerOf(here) === 'ours') add(oursByFunction, name, node.selfSize);
      }
      for (const child of node.children) walk(child, here, name);
    };
    walk(profile.head, '(root)', '(root)');
    const kb = (bytes: number): string => (bytes / 1024 / (events || 1)).toFixed(1).padStart(8);
    const unit = events ? 'KB per decision' : 'KB in all (events unknown)';
    console.log(`${file}: ${kb(total).trim()} ${unit}` + (figures ? `; ${figures.events} events, ${figures.scavenges} scavenges, ${figures.markCompacts} mark-compacts in the measured window` : ''));
    const show = (title: string, map: Map<string, number>, n: number): void => {
      console.log(`  ${title}`);
      for (const [key, bytes] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${kb(bytes)} ${((bytes / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
    };
    show(`by owner (${unit})`, byOwner, 20);
    show('by module', byModule, top);
    show('by function', byFunction, top);
    show('ours by function', oursByFunction, top);
  }
}

if (require.main === module) main();
