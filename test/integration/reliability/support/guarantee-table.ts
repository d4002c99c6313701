// The reliability suite as a table of playbook x guarantee. Each test writes the figures of the cell it proves to a
// JSON file (jest runs test files in separate workers); the integration project's global teardown prints the table and
// fails the run if a guarantee's test file ran but left a cell of it empty (a row dropped, a test that returned early).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The rows: every playbook that changes something, and verify-change's revert. */
export const PLAYBOOK_ROWS = ['scale-consumers', 'raise-lambda-memory', 'scale-up-database', 'verify-change'] as const;
export type PlaybookRow = (typeof PLAYBOOK_ROWS)[number];

export interface Guarantee {
  id: string;
  title: string;
  /** The test file (under test/integration/reliability/) whose tests fill this column. */
  file: string;
}

export const GUARANTEES = [
  { id: 'duplicates', title: '100 concurrent duplicates -> 1 change', file: 'duplicates.test.ts' },
  { id: 'cut-after-claim', title: 'emulator cut after the claim -> 1 change after retries', file: 'faults.test.ts' },
  { id: 'cut-after-change', title: 'emulator cut after the change reached AWS -> 1 change after retries', file: 'faults.test.ts' },
  { id: 'cut-after-publish', title: 'emulator cut after the decision was published -> 1 change after retries', file: 'faults.test.ts' },
  { id: 'throttling', title: 'throttling and conflict on each service called (fault fired) -> 1 change', file: 'throttling.test.ts' },
  { id: 'flapping', title: 'flapping -> the exact number of changes for cooldown, budget and cap', file: 'flapping.test.ts' },
  { id: 'access-denied', title: 'AccessDenied on each mutating call -> escalation naming it, no half-made change', file: 'access-denied.test.ts' },
] as const satisfies readonly Guarantee[];
export type GuaranteeId = (typeof GUARANTEES)[number]['id'];

export const RESULTS_DIR_ENV = 'RELIABILITY_RESULTS_DIR';

function resultsDir(): string | undefined {
  const dir = process.env[RESULTS_DIR_ENV];
  if (dir) mkdirSync(dir, { recursive: true });
  return dir;
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80);
}

/**
 * Declares, when a test file is loaded, the parts a cell is made of (e.g. one per service throttled). A cell is filled
 * only when every declared part recorded its figures.
 */
export function declareCell(row: PlaybookRow, guarantee: GuaranteeId, parts: readonly string[]): void {
  const dir = resultsDir();
  if (!dir) return;
  writeFileSync(join(dir, `declared~${row}~${guarantee}.json`), JSON.stringify({ row, guarantee, parts }));
}

/** Records one part of a cell: call it after the test's assertions passed, with the figures the test measured. */
export function recordCell(row: PlaybookRow, guarantee: GuaranteeId, part: string, figures: string): void {
  const dir = resultsDir();
  if (!dir) return;
  writeFileSync(join(dir, `result~${row}~${guarantee}~${slug(part)}.json`), JSON.stringify({ row, guarantee, part, figures }));
}

interface Declared {
  row: PlaybookRow;
  guarantee: GuaranteeId;
  parts: string[];
}

interface Result {
  row: PlaybookRow;
  guarantee: GuaranteeId;
  part: string;
  figures: string;
}

export interface GuaranteeTable {
  text: string;
  /** Cells of a guarantee whose test file ran, with a part that recorded nothing. */
  empty: string[];
  filled: number;
}

/** Builds the table from the recorded files; undefined when no reliability test ran (another file was targeted). */
export function buildGuaranteeTable(dir: string): GuaranteeTable | undefined {
  const files = readdirSync(dir);
  const read = <T>(prefix: string): T[] => files.filter((f) => f.startsWith(prefix)).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T);
  const declared = read<Declared>('declared~');
  const results = read<Result>('result~');
  if (declared.length === 0) return undefined;
  const ran = new Set(declared.map((d) => d.guarantee));
  const empty: string[] = [];
  const lines: string[] = ['', 'Reliability: playbook x guarantee, against the emulator (figures measured by the test behind each cell)', ''];
  let filled = 0;
  for (const guarantee of GUARANTEES) {
    lines.push(`${guarantee.title}  [test/integration/reliability/${guarantee.file}]`);
    for (const row of PLAYBOOK_ROWS) {
      let cell: string;
      if (!ran.has(guarantee.id)) {
        cell = '(not run in this invocation)';
      } else {
        const parts = declared.find((d) => d.row === row && d.guarantee === guarantee.id)?.parts;
        const mine = results.filter((r) => r.row === row && r.guarantee === guarantee.id);
        const missing = parts === undefined ? ['(no test declared for this row)'] : parts.filter((p) => !mine.some((r) => r.part === p));
        if (missing.length > 0) {
          empty.push(`${row} x ${guarantee.id}: ${missing.join('; ')}`);
          cell = `EMPTY: no passing test for ${missing.join('; ')}`;
        } else {
          filled += 1;
          cell = (parts ?? []).map((p) => mine.find((r) => r.part === p)?.figures ?? '').join(' | ');
        }
      }
      lines.push(`  ${row.padEnd(20)} ${cell}`);
    }
    lines.push('');
  }
  lines.push(`${filled} of ${PLAYBOOK_ROWS.length * GUARANTEES.length} cells filled${empty.length ? `, ${empty.length} EMPTY` : ''}`);
  return { text: lines.join('\n'), empty, filled };
}
