// The app as `npx cdk synth` builds it with no context: synthesized once, offline, for every suite below.
import { iamCoverageSuite } from './suites/iam-coverage';
import { iamSimulationSuite } from './suites/iam-simulation';
import { nagSuite } from './suites/nag';
import { runbookStacksSuite } from './suites/runbook-stacks';
import { synthesizeApp, type SynthesizedApp } from './support/synth';

let synthesized: SynthesizedApp | undefined;
const app = (): SynthesizedApp => (synthesized ??= synthesizeApp());
afterAll(() => synthesized?.dispose());

describe('runbook stacks', () => runbookStacksSuite(app));
describe('cdk-nag', () => nagSuite(app, { checkWiring: true }));
describe('IAM coverage', () => iamCoverageSuite(app));
describe('IAM simulation (single account)', () => iamSimulationSuite(app, { mode: 'single-account', plantFaults: true }));
