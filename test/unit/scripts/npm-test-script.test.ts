// npm test's composition (decision 137): every stage and every jest project still runs, the build comes before anything
// that reads dist/, and the two users of dist/bench (bench --check and the integration project) never overlap.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const jestConfig = createRequire(__filename)(join(root, 'jest.config.js')) as { projects: { displayName: string }[] };

/** `npm test` as build, then the lanes run-lanes.ts runs side by side, each a list of steps joined by `&&`. */
function composition(script: string): { before: string[]; lanes: string[][] } {
  const match = /^(.*?) && tsx scripts\/run-lanes\.ts((?: "[^"]+")+)$/.exec(script);
  if (!match) throw new Error(`npm test is not "<steps> && tsx scripts/run-lanes.ts \\"<lane>\\" ...": ${script}`);
  const lanes = [...(match[2] ?? '').matchAll(/"([^"]+)"/g)].map((m) => (m[1] ?? '').split(' && '));
  return { before: (match[1] ?? '').split(' && '), lanes };
}

describe('npm test', () => {
  const { before, lanes } = composition(scripts.test ?? '');
  const everyStep = [...before, ...lanes.flat()];

  it('runs every stage exactly once', () => {
    const stages = ['npm run build', 'npm run typecheck', 'npm run lint:runbooks', 'npm run lint', 'npm run bench -- --check', 'npm run test:unit-infra', 'npm run test:integration'];
    expect([...everyStep].sort()).toEqual([...stages].sort());
  });

  it('builds before the lanes start: bench --check, the CLI and demo tests and infra read dist/', () => {
    expect(before).toEqual(['npm run build']);
    expect(lanes).toHaveLength(2);
  });

  it('runs bench --check and the integration project in one lane, one after the other: both write dist/bench', () => {
    const lane = lanes.find((steps) => steps.includes('npm run test:integration'));
    expect(lane).toEqual(['npm run bench -- --check', 'npm run test:integration']);
  });

  it('runs the integration project on three workers (its files wait on the emulator, their CLI processes and the SDK\'s back-off), unit and infra on two (CPU-bound)', () => {
    // Decision 266: a third integration chain fills the core the other lane leaves idle once it is done.
    expect(scripts['test:integration']).toBe('jest --selectProjects integration --maxWorkers=3');
    expect(scripts['test:unit-infra']).toBe('jest --selectProjects unit infra --maxWorkers=2');
  });

  it('selects every jest project, each once', () => {
    const projects = everyStep
      .filter((step) => step.startsWith('npm run test:'))
      .map((step) => scripts[step.slice('npm run '.length)] ?? '')
      .flatMap((command) => {
        expect(command).toMatch(/^jest --selectProjects [a-z ]+ --maxWorkers=\d+$/);
        return (/--selectProjects ([a-z ]+) --/.exec(command)?.[1] ?? '').split(' ');
      });
    expect(projects.sort()).toEqual(jestConfig.projects.map((p) => p.displayName).sort());
  });
});
