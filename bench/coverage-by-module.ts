// What a bench path never runs, per module of ours: V8's precise coverage of a per-event worker (BENCH_COVERAGE=<dir>,
// with BENCH_NO_MINIFY=1 so esbuild's "// path" comments mark each module) read against the variant bundle it ran.
// Measurement only, never asserted: `tsx bench/coverage-by-module.ts <coverage dir> <handler> [--functions N]`.
// Each character counts with its innermost covering range (V8's block coverage); a function whose own range counts 0 was
// never called. The minified column scales the handler's minified bytes at init of that module (its meta.json) by the
// unminified share never run: an estimate, since minifying does not shrink every line alike.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metafile } from 'esbuild';
import { initBytesByInput, root } from './bundles';

interface Range {
  startOffset: number;
  endOffset: number;
  count: number;
}
interface FunctionCoverage {
  functionName: string;
  ranges: Range[];
}
interface ScriptCoverage {
  url: string;
  functions: FunctionCoverage[];
}

export interface ModuleCoverage {
  module: string;
  chars: number;
  neverRunChars: number;
  /** Functions of the module never called, largest first: [name, chars]. */
  neverCalled: Array<[string, number]>;
}

/** Per module of one script: characters, characters never run, and the functions never called. */
export function coverageByModule(source: string, functions: readonly FunctionCoverage[]): ModuleCoverage[] {
  // Innermost range wins: apply ranges from the outermost (longest) to the innermost (shortest).
  const counts = new Int32Array(source.length).fill(-1);
  const ranges = functions.flatMap((f) => f.ranges).sort((a, b) => b.endOffset - b.startOffset - (a.endOffset - a.startOffset));
  for (const r of ranges) counts.fill(r.count, r.startOffset, Math.min(r.endOffset, source.length));
  const starts: Array<[number, string]> = [];
  const marker = /^\/\/ ((?:shared|handlers|node_modules)\/[^\n]+)$/gm;
  for (let m = marker.exec(source); m; m = marker.exec(source)) starts.push([m.index, m[1] ?? '']);
  const moduleAt = (offset: number): string => {
    let name = '(glue)';
    for (const [at, module] of starts) {
      if (at > offset) break;
      name = module;
    }
    return name;
  };
  const modules = new Map<string, ModuleCoverage>();
  const entry = (name: string): ModuleCoverage => {
    const known = modules.get(name) ?? { module: name, chars: 0, neverRunChars: 0, neverCalled: [] };
    modules.set(name, known);
    return known;
  };
  for (let i = 0; i < starts.length; i += 1) {
    const [from, name] = starts[i] ?? [0, ''];
    const to = starts[i + 1]?.[0] ?? source.length;
    const m = entry(name);
    m.chars += to - from;
    for (let at = from; at < to; at += 1) if (counts[at] === 0) m.neverRunChars += 1;
  }
  for (const f of functions) {
    const own = f.ranges[0];
    if (!own || own.count !== 0 || own.startOffset === 0) continue;
    entry(moduleAt(own.startOffset)).neverCalled.push([f.functionName || '(anonymous)', own.endOffset - own.startOffset]);
  }
  for (const m of modules.values()) m.neverCalled.sort((a, b) => b[1] - a[1]);
  return [...modules.values()];
}

function main(): void {
  const [dir, handler] = process.argv.slice(2);
  if (!dir || !handler) throw new Error('usage: tsx bench/coverage-by-module.ts <coverage dir> <handler> [--functions N]');
  const shown = Number(process.argv[process.argv.indexOf('--functions') + 1] ?? 0) || 0;
  const variant = join(root, 'dist', 'bench', 'variant', handler);
  const merged = new Map<string, ModuleCoverage>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const scripts = (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { result: ScriptCoverage[] }).result;
    for (const script of scripts.filter((s) => s.url.startsWith('file://') && fileURLToPath(s.url).startsWith(`${variant}/`))) {
      for (const m of coverageByModule(readFileSync(fileURLToPath(script.url), 'utf8'), script.functions)) {
        if (m.module.startsWith('node_modules/')) continue;
        const known = merged.get(m.module);
        // A module in several workers' coverage (two paths of one handler): never run only where neither ran it.
        if (!known || m.neverRunChars < known.neverRunChars) merged.set(m.module, m);
      }
    }
  }
  const meta = JSON.parse(readFileSync(join(root, 'dist', 'handlers', handler, 'meta.json'), 'utf8')) as Metafile;
  const minified = initBytesByInput(meta, join(root, 'dist', 'handlers', handler, 'index.mjs'));
  const rows = [...merged.values()].map((m) => ({ ...m, minified: minified.get(m.module) ?? 0, share: m.chars ? m.neverRunChars / m.chars : 0 }));
  rows.sort((a, b) => b.minified * b.share - a.minified * a.share);
  let total = 0;
  let never = 0;
  console.log(`${handler}: our modules at init, minified bytes, share never run on the path (unminified chars), est. minified never run`);
  for (const r of rows) {
    total += r.minified;
    never += r.minified * r.share;
    console.log(`${String(r.minified).padStart(7)} ${(r.share * 100).toFixed(0).padStart(4)}% ${String(Math.round(r.minified * r.share)).padStart(7)}  ${r.module}`);
    for (const [name, chars] of r.neverCalled.slice(0, shown)) console.log(`${' '.repeat(22)}never called: ${name} (${chars} chars)`);
  }
  console.log(`total ${total} bytes of ours at init, about ${Math.round(never)} of them never run on the path`);
}

if (require.main === module) main();
