// The clock-free init figure (bench/init-instructions.ts, decision 245): callgrind counts the instructions between the
// probe's two markers, i.e. the import alone. Proven here on modules whose work is known: an empty module counts far
// below Node's own start (which a missing zero marker would add), and a loop's module counts the loop (which a dump
// before the import's end would miss); a missing dump marker writes no part-1 dump and throws.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countInitInstructions, instructionsOfDump } from '../../../bench/init-instructions';

const DUMP = [
  '# callgrind format',
  'version: 1',
  'creator: callgrind-3.19.0',
  'pid: 26583',
  'cmd:  node bench/init-count-probe.mjs dist/handlers/scale-consumers/index.mjs',
  'part: 1',
  '',
  'desc: I1 cache: ',
  'desc: Timerange: Basic block 0 - 187372528',
  'desc: Trigger: --dump-before=node::os::GetLoadAvg(v8::FunctionCallbackInfo<v8::Value> const&)',
  '',
  'positions: line',
  'events: Ir',
  'summary: 379299228',
  '',
  'ob=(1) /usr/bin/node',
  'fl=(1) ???',
  'fn=(1) main',
  '0 12',
  'totals: 382400026',
  '',
].join('\n');

describe('init instructions (callgrind)', () => {
  it('reads the summary of the dump written at the import\'s end', () => {
    expect(instructionsOfDump(DUMP)).toBe(379_299_228);
  });

  it('refuses a dump of another event, of another trigger, or without a summary', () => {
    expect(() => instructionsOfDump(DUMP.replace('events: Ir', 'events: Ir Dr Dw'))).toThrow(/not a callgrind dump of instructions/);
    expect(() => instructionsOfDump(DUMP.replace(/desc: Trigger: .*/, 'desc: Trigger: Program termination'))).toThrow(/not written at the import's end/);
    expect(() => instructionsOfDump(DUMP.replace(/summary: .*\n/, ''))).toThrow(/no summary/);
  });

  it('counts the import alone: a module\'s known loop, and none of Node\'s start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'init-instructions-test-'));
    try {
      const empty = join(dir, 'empty.mjs');
      const loop = join(dir, 'loop.mjs');
      writeFileSync(empty, 'export const total = 0;\n');
      // 3,000,000 iterations, each at least a compare, an add and a branch, whatever tier runs it (about 80 M here).
      writeFileSync(loop, 'let sum = 0;\nfor (let i = 0; i < 3_000_000; i += 1) sum += i % 7;\nexport const total = sum;\n');
      const emptyCount = await countInitInstructions(empty);
      const loopCount = await countInitInstructions(loop);
      // An empty module's import is about 1 M; Node's start before the marker is about 96 M more (the zero marker missed).
      expect(emptyCount).toBeLessThan(20_000_000);
      // The loop ran between the markers (a dump before the import's end would not hold it).
      expect(loopCount - emptyCount).toBeGreaterThan(9_000_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
