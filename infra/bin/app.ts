#!/usr/bin/env node
// The CDK app (cdk.json "app"): `npx cdk synth` builds every environment's stacks; context selects one (infra/lib/deployment-plan.ts).
import { join } from 'node:path';
import { synthesizeOrExplain } from '../lib/synthesize';

// The stale-build refusal comes first (decision 180): test/infra/stale-build.test.ts calls synthesizeRunbookApp on a stale tree.
// A bad context is printed as its message, exit 1 (test/infra/deployment-context-exit.test.ts).
process.exitCode = synthesizeOrExplain(join(__dirname, '..', '..'));
