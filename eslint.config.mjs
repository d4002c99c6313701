// Flat ESLint config: typescript-eslint recommended, no `any`, type-aware promise rules, and the architecture's import
// boundaries (docs/decisions.md 39; proven by test/unit/architecture/lint-rules.test.ts).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// ---- Architecture: who may import what (no-restricted-imports, one config object per layer) ----
// In flat config a later object's options for a rule replace an earlier one's, so each layer lists every restriction
// that applies to it; `restrict` below assembles them.

/** The SDK and the Powertools runtime: I/O, never in pure code. */
const SDK = {
  regex: '^@(aws-sdk|smithy)/',
  message: 'Pure code (planners, evaluators, renderers, configuration) imports no SDK: I/O belongs in observe/apply and the clients a playbook builds.',
};
const POWERTOOLS = {
  regex: '^@aws-lambda-powertools/',
  message: 'Pure code imports no Powertools runtime (logger, metrics, parameters do I/O).',
};
/** Node modules that do I/O (files, processes, network, the terminal). Computation such as node:crypto is allowed. */
const NODE_IO = {
  regex: '^(node:)?(fs|fs/promises|child_process|net|http|https|http2|dgram|dns|dns/promises|tls|worker_threads|cluster|readline|readline/promises|inspector|os|process|stream|v8|vm)$',
  message: 'Pure code does no I/O: no files, processes, network or terminal.',
};
/** shared/ is the library: it never reaches into an entry point or a tool built on it. */
const SHARED_OUTWARD = {
  regex: '^(\\.\\./)+(handlers|cli|sandbox|bench|infra|test|bin)(/|$)',
  message: 'shared/ never imports handlers/, cli/, sandbox/, bench/, infra/ or tests: they are built on the library, not the other way round.',
};
/** Handlers: a few lines wiring a playbook into the pipeline. */
const HANDLER_SDK = {
  regex: '^@(aws-sdk|smithy)/',
  message: 'A handler builds no SDK client: the playbook declares createClients (shared/playbooks/<row>.ts).',
};
const HANDLER_ONLY_SHARED = {
  regex: '^(?!\\.\\./shared/)',
  message: 'handlers/ imports only shared/: logic and clients belong in the library.',
};
const CUSTOM_RESOURCE_ONLY_SHARED = {
  regex: '^(?!\\.\\./shared/|@aws-sdk/|@aws-lambda-powertools/)',
  message: 'custom-resources/ imports only shared/, the SDK and Powertools: the logic belongs in the library, where preflight reuses it.',
};
/** infra/: configuration and playbook declarations only; constants both sides need live in shared/config/. */
const INFRA_NO_HANDLERS = {
  regex: '^(\\.\\./)+handlers(/|$)',
  message: 'infra/ never imports a handler: it deploys the built bundles.',
};
const INFRA_SHARED_DECLARATIONS_ONLY = {
  regex: '^(\\.\\./)+shared/(?!config/|playbooks/registry$|playbooks/changing-rows$|pipeline/pipeline-actions$)',
  message:
    'infra/ imports from shared/ only configuration (shared/config/), the playbook declarations (shared/playbooks/registry, changing-rows) and the pipeline\'s actions (shared/pipeline/pipeline-actions): never a handler factory or runtime code. Move a constant both need to shared/config/.',
};
const INFRA_NO_TOOLS = {
  regex: '^(\\.\\./)+(cli|sandbox|bench)(/|$)|^@(aws-sdk|smithy|aws-lambda-powertools)/',
  message: 'infra/ imports no runtime code: no CLI, sandbox, bench, SDK client or Powertools.',
};

/** Pure modules: functions from data to data (CONVENTIONS.md "Pure core, thin shell"). */
const PURE_FILES = [
  'shared/**/*-plan.ts',
  'shared/playbooks/*-health.ts',
  'shared/network/evaluate-*.ts',
  'shared/network/cidr.ts',
  'shared/rds/effective-max-connections.ts',
  'shared/rds/instance-class-memory.ts',
  'shared/guard/evaluate-guardrails.ts',
  'shared/pipeline/health-figures.ts',
  'shared/escalation/plan-*.ts',
  'shared/escalation/policy.ts',
  'shared/escalation/message-view.ts',
  'shared/escalation/render-*.ts',
  'shared/escalation/next-step.ts',
  'shared/aws/arn.ts',
  'shared/config/**/*.ts',
];

/**
 * shared/'s modules loaded on demand: a dynamic import() is the body of a `lazy()` kept at the module's top level, so it
 * runs once per container. An import() of a module already loaded still goes through the module loader at every call
 * (about 28 us each, measured; decision 279). One selector for `no-restricted-syntax`, which the pure files' own list
 * repeats (a later config object's list for a rule replaces an earlier one's).
 */
const IMPORT_ONCE = {
  selector:
    "ImportExpression:not(:matches(Program > VariableDeclaration, Program > ExportNamedDeclaration > VariableDeclaration) > VariableDeclarator > CallExpression[callee.name='lazy'] > ArrowFunctionExpression > ImportExpression)",
  message:
    "Load a module on demand once per container: `const xModule = lazy(() => import('./x'))` at the module's top level (shared/aws/lazy-client.ts), called where it is needed; an import() per call goes through the module loader every time (decision 279).",
};

/** Pure code reads no clock, no environment and no randomness: the caller passes them in (a Clock, the RuntimeConfig). */
const PURE_INPUTS_ONLY = {
  'no-restricted-globals': ['error', { name: 'process', message: 'Pure code reads no environment or process: take the value as an argument (RuntimeConfig).' }],
  'no-restricted-syntax': [
    'error',
    IMPORT_ONCE,
    { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Pure code reads no clock: take `now` from the caller (Clock).' },
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Pure code reads no clock: take `now` from the caller (Clock).' },
    { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Pure code is deterministic: no Math.random.' },
  ],
};

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

const architecture = [
  { files: ['handlers/**/*.ts'], rules: restrict([HANDLER_SDK, HANDLER_ONLY_SHARED]) },
  { files: ['custom-resources/**/*.ts'], rules: restrict([CUSTOM_RESOURCE_ONLY_SHARED]) },
  { files: ['shared/**/*.ts'], rules: { ...restrict([SHARED_OUTWARD]), 'no-restricted-syntax': ['error', IMPORT_ONCE] } },
  { files: PURE_FILES, rules: restrict([SHARED_OUTWARD, SDK, POWERTOOLS, NODE_IO]) },
  // The configuration loader is the one pure-layer module that reads the environment (its default argument).
  { files: PURE_FILES, ignores: ['shared/config/load-config.ts'], rules: PURE_INPUTS_ONLY },
  { files: ['infra/**/*.ts'], rules: restrict([INFRA_NO_HANDLERS, INFRA_SHARED_DECLARATIONS_ONLY, INFRA_NO_TOOLS]) },
];

export default tseslint.config(
  { ignores: ['dist/**', 'cdk.out/**', 'node_modules/**', 'coverage/**', 'bench/results/**', '.sandbox/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      // Type-aware rules: one TypeScript program per tsconfig, found by the project service (tsconfig.json includes
      // every TS source folder).
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      // A promise is awaited, returned, or marked `void` with a comment saying why it may run on its own.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  ...architecture,
  {
    files: ['cli/**/*.ts', 'sandbox/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', module: 'writable', require: 'readonly', __dirname: 'readonly' } },
  },
);
