// `npm run lint:runbooks`: `runbook lint` run from source (tsx), so the test command lints the documents before any build.
import { lintCommand } from './lint';

lintCommand(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
