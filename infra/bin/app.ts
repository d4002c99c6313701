#!/usr/bin/env node
// The CDK app (cdk.json "app"): `npx cdk synth` builds every environment's stacks; context selects one (infra/lib/deployment-plan.ts).
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildRunbookApp } from '../lib/app';
import { refuseStaleHandlerBundles } from '../lib/stale-build';

const rootDir = join(__dirname, '..', '..');
// Before anything is synthesized: the bundles deployed must be built from the sources the stacks are (decision 180).
refuseStaleHandlerBundles(rootDir);
const app = new App();
buildRunbookApp(app, { rootDir });
app.synth();
