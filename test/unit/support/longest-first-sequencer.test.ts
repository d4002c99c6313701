// The jest sequencer starts the known-longest files first on a machine with no timing cache (a fresh clone, CI),
// then the rest in jest's own order (decision 137).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

interface FakeTest {
  path: string;
  context: { config: { rootDir: string; cache: boolean }; hasteFS: { getSize: (path: string) => number } };
}
type SequencerClass = (new (options: object) => { sort: (tests: FakeTest[]) => FakeTest[] }) & { KNOWN_SECONDS: Record<string, number> };

const root = join(__dirname, '..', '..', '..');
const Sequencer = createRequire(__filename)(join(root, 'test', 'support', 'longest-first-sequencer.js')) as SequencerClass;

/** Tests as jest hands them to a sequencer with no timing cache: it can only read their sizes. */
function tests(sizes: Record<string, number>): FakeTest[] {
  const hasteFS = { getSize: (path: string) => sizes[path.slice(root.length + 1)] ?? 0 };
  return Object.keys(sizes).map((file) => ({ path: join(root, file), context: { config: { rootDir: root, cache: false }, hasteFS } }));
}
const order = (sorted: FakeTest[]): string[] => sorted.map((t) => t.path.slice(root.length + 1));

describe('LongestFirstSequencer', () => {
  it('starts the listed files longest first, before larger files it has no figure for, and the rest by size as jest does', () => {
    const sorted = new Sequencer({}).sort(
      tests({
        'test/integration/handlers/small-unlisted.test.ts': 1_000,
        'test/integration/cli/preflight.test.ts': 2_000,
        'test/integration/handlers/large-unlisted.test.ts': 90_000,
        'test/integration/reliability/throttling.test.ts': 3_000,
        'test/integration/report/game-day-report.test.ts': 500,
      }),
    );
    expect(order(sorted)).toEqual([
      'test/integration/reliability/throttling.test.ts',
      'test/integration/cli/preflight.test.ts',
      'test/integration/report/game-day-report.test.ts',
      'test/integration/handlers/large-unlisted.test.ts',
      'test/integration/handlers/small-unlisted.test.ts',
    ]);
  });

  it('lists only files that exist: a renamed file would silently lose its early start', () => {
    const missing = Object.keys(Sequencer.KNOWN_SECONDS).filter((file) => !existsSync(join(root, file)));
    expect(missing).toEqual([]);
  });
});
