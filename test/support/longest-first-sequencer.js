// Jest test sequencer: starts the files known to take longest first, from the list below, then the rest in jest's own
// order. A fresh clone (CI) has no jest timing cache, so jest orders files by size, which started throttling.test.ts, the
// longest file, 650 s into a 1001 s integration run and left its back-off waits and a tail at the end (decision 137).
/* eslint-disable @typescript-eslint/no-require-imports -- jest require()s its sequencer: this file is CommonJS, like jest.config.js */
const Sequencer = require('@jest/test-sequencer').default;
const { posix, relative, sep } = require('node:path');

/**
 * Seconds each file took in a fresh-clone run (jest's own timing cache of that run; only their order matters here). A
 * file not listed runs after these, in jest's order (its timing cache when it has one, else size): list a new file here
 * when it takes more than ~15-20 s, and take the figures anew when the order they give has moved.
 */
const KNOWN_SECONDS = {
  // integration: the lead's fresh-clone run of 389ad9b (`npm ci && npm test`, 840 s, 2 workers), jest's timing cache
  'test/integration/reliability/throttling.test.ts': 227, // waits on the SDK's retry back-off: other work fills the core
  'test/integration/cli/preflight.test.ts': 216,
  'test/integration/report/game-day-report.test.ts': 124,
  'test/integration/handlers/dr-failover.test.ts': 104,
  'test/integration/cli/preflight-cross-account.test.ts': 85,
  'test/integration/handlers/kill-switch-unreadable.test.ts': 49, // waits on the SDK's back-off after the injected throttles
  'test/integration/handlers/connection-timeout-504.test.ts': 32,
  'test/integration/cli/preflight-environments.test.ts': 32,
  'test/runbooks/NotificationService-ScaleConsumers.test.ts': 31,
  'test/runbooks/NotificationService-TroubleshootConnectionTimeout.test.ts': 30,
  'test/runbooks/NotificationService-FailoverToDR.test.ts': 29,
  'test/integration/reliability/faults.test.ts': 29,
  'test/integration/handlers/forged-claims.test.ts': 28,
  'test/integration/reliability/flapping.test.ts': 24,
  'test/integration/reliability/bad-input.test.ts': 24,
  'test/integration/sandbox/provision.test.ts': 23,
  'test/integration/handlers/verify-change.test.ts': 23,
  'test/integration/cli/preflight-cross-account-dr.test.ts': 23,
  'test/integration/handlers/check-db-connections.test.ts': 23,
  'test/integration/cli/runbook-cli.test.ts': 20,
  'test/runbooks/NotificationService-CheckDbConnections.test.ts': 19,
  'test/integration/handlers/raise-lambda-memory.test.ts': 19,
  'test/integration/handlers/escalation.test.ts': 19,
  'test/runbooks/NotificationService-ScaleUpDatabase.test.ts': 18,
  'test/integration/handlers/kill-switch.test.ts': 18,
  'test/integration/handlers/state-table-trust.test.ts': 17,
  'test/runbooks/NotificationService-RaiseLambdaMemory.test.ts': 17,
  'test/integration/handlers/scale-up-database.test.ts': 16,
  // unit and infra (the same run: one jest call on 2 workers beside the integration lane)
  'test/unit/architecture/lint-rules.test.ts': 76,
  'test/unit/reliability/bad-input.test.ts': 69,
  'test/infra/default-app.test.ts': 33,
  'test/infra/cross-account-app.test.ts': 27,
  'test/infra/dr-runbooks-iam.test.ts': 14,
  'test/unit/bench/init-instructions.test.ts': 13,
  'test/infra/check-db-connections-document.test.ts': 13,
  'test/infra/automation-health-alarms.test.ts': 12,
};

/** The file's path from the project's root, with forward slashes (the keys above). */
function rootRelative(test) {
  return relative(test.context.config.rootDir, test.path).split(sep).join(posix.sep);
}

class LongestFirstSequencer extends Sequencer {
  sort(tests) {
    const jestOrder = super.sort(tests);
    const known = (test) => KNOWN_SECONDS[rootRelative(test)];
    const listed = jestOrder.filter((test) => known(test) !== undefined).sort((a, b) => known(b) - known(a));
    return [...listed, ...jestOrder.filter((test) => known(test) === undefined)];
  }
}

module.exports = LongestFirstSequencer;
module.exports.KNOWN_SECONDS = KNOWN_SECONDS;
