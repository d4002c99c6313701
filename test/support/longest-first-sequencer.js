// Jest test sequencer: starts the files known to take longest first, from the list below, then the rest in jest's own
// order. A fresh clone (CI) has no jest timing cache, so jest orders files by size, which started throttling.test.ts, the
// longest file, 650 s into a 1001 s integration run and left its back-off waits and a tail at the end (decision 137).
/* eslint-disable @typescript-eslint/no-require-imports -- jest require()s its sequencer: this file is CommonJS, like jest.config.js */
const Sequencer = require('@jest/test-sequencer').default;
const { posix, relative, sep } = require('node:path');

/**
 * Seconds each file took in a fresh-clone order run on 2 workers (load 1-12 on the shared machine, so several times an
 * idle machine's; only their order matters here). A file not listed runs after these, in jest's order (its timing cache
 * when it has one, else size): list a new file here when it takes more than ~20-40 s.
 */
const KNOWN_SECONDS = {
  // integration (a fresh-clone order run, 1001 s; game-day-report's figure is decision 126's, where it ran alone)
  'test/integration/reliability/throttling.test.ts': 288, // waits on the SDK's retry back-off: other work fills the core
  'test/integration/report/game-day-report.test.ts': 200,
  'test/integration/cli/preflight.test.ts': 104,
  'test/integration/handlers/dr-failover.test.ts': 102,
  'test/integration/reliability/bad-input.test.ts': 96,
  'test/integration/cli/preflight-cross-account.test.ts': 94,
  'test/integration/reliability/faults.test.ts': 77,
  'test/runbooks/NotificationService-TroubleshootConnectionTimeout.test.ts': 68,
  'test/integration/cli/preflight-cross-account-dr.test.ts': 63,
  'test/runbooks/NotificationService-ScaleUpDatabase.test.ts': 60,
  'test/integration/handlers/scale-consumers.test.ts': 57,
  'test/integration/sandbox/provision.test.ts': 54,
  'test/integration/cli/preflight-environments.test.ts': 52,
  'test/integration/handlers/scale-up-database.test.ts': 51,
  'test/integration/handlers/kill-switch.test.ts': 48,
  'test/integration/reliability/flapping.test.ts': 47,
  'test/integration/reliability/duplicates.test.ts': 43,
  'test/integration/handlers/dr-region.test.ts': 43,
  // unit and infra (one jest call on 2 workers, load 7-12): default-app.test.ts started 281 s into a 343 s run
  'test/unit/reliability/bad-input.test.ts': 90,
  'test/unit/architecture/lint-rules.test.ts': 78,
  'test/infra/default-app.test.ts': 63,
  'test/infra/cross-account-app.test.ts': 35,
  'test/infra/alarm-definitions.test.ts': 26,
  'test/infra/check-db-connections-document.test.ts': 25,
  'test/infra/http-api-alarms.test.ts': 22,
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
