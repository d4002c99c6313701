// Jest transformer for the project's TypeScript: esbuild's transform (type-stripping, no type check: that is
// `npm run typecheck`'s), with ts-jest kept for a file that calls jest.mock and its kin, whose calls must run before the
// file's imports (ts-jest hoists them above the requires; esbuild does not). Decision 282: ts-jest's transpile of every
// test file and its imports was a large share of a fresh clone's CPU, esbuild's is a small fraction of it.
/* eslint-disable @typescript-eslint/no-require-imports -- jest require()s its transformers: this file is CommonJS, like jest.config.js */
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const esbuild = require('esbuild');

/**
 * The jest calls babel-plugin-jest-hoist (and ts-jest's hoisting) moves above the imports. `jest.doMock` is not hoisted
 * by either, so a file using only it compiles as any other.
 */
const HOISTED_CALL = /\bjest\s*\.\s*(mock|unmock|enableAutomock|disableAutomock|deepUnmock)\s*\(/;

const SELF = readFileSync(join(__dirname, 'esbuild-transformer.js'), 'utf8');
const TSCONFIG = readFileSync(join(__dirname, '..', '..', 'tsconfig.json'), 'utf8');
const { compilerOptions } = JSON.parse(TSCONFIG);

/** ts-jest (and with it the TypeScript compiler) is loaded only by a worker that meets a file calling jest.mock. */
let tsJest;
function hoistingTransformer() {
  tsJest ??= require('ts-jest').default.createTransformer({ tsconfig: 'tsconfig.json' });
  return tsJest;
}

function needsHoisting(sourceText) {
  return HOISTED_CALL.test(sourceText);
}

/**
 * CommonJS as TypeScript emits it for this tsconfig (module commonjs, target ES2022, class fields defined): `import()`
 * becomes a require (jest's module registry, mocks included, sees it; jest has no ES-module loader here), and the
 * "use strict" tsc writes for an ES module (esbuild writes none for a CommonJS output) is put back on the first line, so
 * the source map's lines are unchanged.
 */
function compile(sourceText, sourcePath) {
  const { code, map } = esbuild.transformSync(sourceText, {
    loader: 'ts',
    format: 'cjs',
    platform: 'node',
    target: 'es2022',
    supported: { 'dynamic-import': false },
    tsconfigRaw: { compilerOptions },
    sourcefile: sourcePath,
    sourcemap: 'external',
  });
  return { code: `"use strict";${code}`, map };
}

module.exports = {
  canInstrument: false,
  process(sourceText, sourcePath, options) {
    return needsHoisting(sourceText) ? hoistingTransformer().process(sourceText, sourcePath, options) : compile(sourceText, sourcePath);
  },
  getCacheKey(sourceText, sourcePath, options) {
    if (needsHoisting(sourceText)) return `ts-jest:${hoistingTransformer().getCacheKey(sourceText, sourcePath, options)}`;
    return createHash('sha256')
      .update(SELF)
      .update(esbuild.version)
      .update(TSCONFIG)
      .update(options.configString)
      .update(sourcePath)
      .update('\0')
      .update(sourceText)
      .digest('hex');
  },
  needsHoisting,
  compile,
};
