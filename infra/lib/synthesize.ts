// What `npx cdk synth` runs (infra/bin/app.ts): the stale-build refusal first, then every environment's stacks.
import { App } from 'aws-cdk-lib';
import { buildRunbookApp } from './app';
import { refuseStaleHandlerBundles } from './stale-build';

export function synthesizeRunbookApp(rootDir: string): void {
  // Before anything is synthesized: the bundles deployed must be built from the sources the stacks are (decision 180).
  refuseStaleHandlerBundles(rootDir);
  const app = new App();
  buildRunbookApp(app, { rootDir });
  app.synth();
}
