#!/usr/bin/env node
// The CDK app (cdk.json "app"): `npx cdk synth` builds every environment's stacks; context selects one (infra/lib/deployment-plan.ts).
import { join } from 'node:path';
import { synthesizeRunbookApp } from '../lib/synthesize';

// The stale-build refusal comes first (decision 180): test/infra/stale-build.test.ts calls synthesizeRunbookApp on a stale tree.
synthesizeRunbookApp(join(__dirname, '..', '..'));
