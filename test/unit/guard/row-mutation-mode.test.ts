// Per-row mutation modes: an environment's mode overridden for one troubleshooting row, and learned facts kept across changes.
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { effectiveMutationMode, evaluateGuardrails, nextResourceState } from '../../../shared/guard/evaluate-guardrails';

const runtimeOf = (environment: string) => loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: environment, AWS_REGION: 'us-east-1' });

describe('effectiveMutationMode with the default configuration', () => {
  it.each([
    ['production scales consumers automatically', 'production', 'queue-backup', 'automatic'],
    ['production changes the DB class only behind approval', 'production', 'cpu-utilization', 'approval'],
    ['production raises memory automatically', 'production', 'memory-pressure', 'automatic'],
    ['staging changes the DB class automatically', 'staging', 'cpu-utilization', 'automatic'],
    ['development reports the DB class change only', 'development', 'cpu-utilization', 'report-only'],
    ['a run that names no row keeps the environment mode', 'production', undefined, 'automatic'],
  ])('%s', (_situation, environment, row, mode) => {
    expect(effectiveMutationMode(runtimeOf(environment), row)).toBe(mode);
  });
});

describe('evaluateGuardrails with a row override', () => {
  const base = { direction: 'scale-up' as const, resourceState: undefined, nowSeconds: 1_800_000_000, killSwitch: { engaged: false, reason: 'off' }, incidentKey: 'a#1' };

  it('blocks the overridden row for approval, naming the row', () => {
    expect(evaluateGuardrails({ ...base, row: 'cpu-utilization', runtime: runtimeOf('production') })).toEqual({
      action: 'block',
      guardrail: 'approval-required',
      reason: 'cpu-utilization requires approval in production: run the SSM document instead',
    });
  });

  it('still applies a row without an override in the same environment', () => {
    expect(evaluateGuardrails({ ...base, row: 'queue-backup', runtime: runtimeOf('production') })).toEqual({ action: 'apply' });
  });

  it('lets a row be made report-only where the environment is automatic', () => {
    const runtime = loadRuntimeConfig({
      RUNBOOK_ENVIRONMENT: 'staging',
      AWS_REGION: 'us-east-1',
      RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { staging: { mutationModeByRow: { 'memory-pressure': 'report-only' } } } }),
    });
    expect(evaluateGuardrails({ ...base, row: 'memory-pressure', runtime })).toMatchObject({ action: 'dry-run', reason: expect.stringContaining('memory-pressure is report-only') });
  });
});

describe('nextResourceState', () => {
  it('keeps what a playbook learned about the resource across a change', () => {
    const next = nextResourceState({ version: 4, changeTimesSeconds: [], learned: { memoryCeilingMb: 3008 } }, { direction: 'scale-up' }, 1_800_000_000, 'a#2');
    expect(next.learned).toEqual({ memoryCeilingMb: 3008 });
  });
});
