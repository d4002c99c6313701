// What `npx cdk synth` runs (infra/bin/app.ts): the stale-build refusal first, then every environment's stacks.
import { App } from 'aws-cdk-lib';
import { buildRunbookApp } from './app';
import { DeploymentContextError } from './deployment-plan';
import { refuseStaleHandlerBundles } from './stale-build';

export function synthesizeRunbookApp(rootDir: string): void {
  // Before anything is synthesized: the bundles deployed must be built from the sources the stacks are (decision 180).
  refuseStaleHandlerBundles(rootDir);
  const app = new App();
  buildRunbookApp(app, { rootDir });
  app.synth();
}

/**
 * What infra/bin/app.ts runs (review 23a R23a-14): a bad context (`-c environment=prod`, `-c account=12345`, `-c region`
 * alone) is the person's to fix, so its message is printed alone, exit 1, not thrown as an uncaught exception with a
 * source excerpt and a stack. Anything else is a bug and is thrown as it is.
 */
export function synthesizeOrExplain(
  rootDir: string,
  synthesize: (rootDir: string) => void = synthesizeRunbookApp,
  report: (line: string) => void = (line) => void process.stderr.write(`${line}\n`),
): number {
  try {
    synthesize(rootDir);
    return 0;
  } catch (error) {
    if (!(error instanceof DeploymentContextError)) throw error;
    report(`cdk app: ${error.message}`);
    return 1;
  }
}
