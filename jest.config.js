/** Jest projects: unit (pure + aws-sdk-client-mock), integration (against moto_server), infra (CDK synth + assertions). */
// The local toolchain may be Node 20; deployed handlers run on Node 22, where the SDK has no such warning.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// esbuild's transform, ts-jest for the files that call jest.mock (their calls hoisted above the imports): decision 282.
const transform = { '^.+\\.ts$': '<rootDir>/test/support/esbuild-transformer.js' };
module.exports = {
  // A project-level testTimeout is ignored by jest: this one is every project's default, hooks included. CPU-bound work
  // (infra's CDK synth in a beforeAll, unit's fuzzing) took 42-80 s on 2 workers at load 5-9 (decision 125), so a loaded
  // machine failed it on the clock, not on an assertion; 300 s still ends a hung test. A file's own timeouts still win.
  testTimeout: 300000,
  // A fresh clone has no timing cache, so jest would order files by size: this starts the known-longest first (decision 137).
  testSequencer: '<rootDir>/test/support/longest-first-sequencer.js',
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      // Everything that talks to the emulator: handlers, sandbox, runbook rehearsals, reliability (test/integration/reliability;
      // the pure reliability properties are test/unit/reliability).
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/runbooks/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
    {
      displayName: 'infra',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
    },
  ],
};
