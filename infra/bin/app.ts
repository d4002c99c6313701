#!/usr/bin/env node
// The CDK app (cdk.json "app"): `npx cdk synth` builds every environment's stacks; context selects one (infra/lib/deployment-plan.ts).
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildRunbookApp } from '../lib/app';

const app = new App();
buildRunbookApp(app, { rootDir: join(__dirname, '..', '..') });
app.synth();
