// Runs ESLint's Node API with the project's eslint.config.mjs outside jest (whose VM cannot load an ESM config):
// reads [{ file, code }] on stdin (file relative to the repository; code null = lint the file as it is), prints each
// file's messages as JSON. Used by lint-rules.test.ts.
import { ESLint } from 'eslint';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '../../..');
const cases = JSON.parse(readFileSync(0, 'utf8'));
const eslint = new ESLint({ cwd: root });
const out = [];
for (const { file, code } of cases) {
  const [result] = code === null ? await eslint.lintFiles([path.join(root, file)]) : await eslint.lintText(code, { filePath: path.join(root, file) });
  out.push({ file, messages: (result?.messages ?? []).map(({ ruleId, message, line }) => ({ ruleId, message, line })) });
}
process.stdout.write(JSON.stringify(out));
