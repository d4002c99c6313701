// Test support: the changing rows' alarms as the default configuration defines them, and readings of their metrics that
// bear them out or not (decision 217), for the pure planners' tests.
import { alarmSpecs } from '../../shared/config/alarm-specs';
import { loadRuntimeConfig } from '../../shared/config/load-config';
import type { EnvironmentName } from '../../shared/config/schema';
import { configuredAlarmOf, type AlarmMetricRead, type ConfiguredAlarm } from '../../shared/playbooks/alarm-corroboration';

/** The row's symptom alarm (not a restore signal) in the environment's primary region. */
export function rowAlarm(rowId: 'queue-backup' | 'memory-pressure' | 'cpu-utilization', environment: EnvironmentName = 'production'): ConfiguredAlarm {
  const runtime = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: environment, AWS_REGION: 'us-east-1' });
  const spec = alarmSpecs(runtime.config, environment, 'us-east-1').find((s) => s.rowId === rowId && !s.restoreSignal);
  if (!spec) throw new Error(`no ${rowId} alarm in ${environment}`);
  return configuredAlarmOf(spec);
}

/** The row's restore signal (Queue Backup's low-water alarm, decisions 205, 249) in the environment's primary region. */
export function restoreSignalAlarm(environment: EnvironmentName = 'production'): ConfiguredAlarm {
  const runtime = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: environment, AWS_REGION: 'us-east-1' });
  const spec = alarmSpecs(runtime.config, environment, 'us-east-1').find((s) => s.rowId === 'queue-backup' && s.restoreSignal === true);
  if (!spec) throw new Error(`no queue-backup restore signal in ${environment}`);
  return configuredAlarmOf(spec);
}

/**
 * One datapoint a minute, oldest first, ending at 12:05 on 2026-12-06, the alarm's state change at 12:05:30 (undefined:
 * a minute CloudWatch holds no datapoint for).
 */
export function metricRead(values: ReadonlyArray<number | undefined>): AlarmMetricRead {
  const end = Date.parse('2026-12-06T12:05:00Z');
  return {
    status: 'read',
    reading: {
      from: new Date(end - 9 * 60_000).toISOString(),
      to: new Date(end + 60_000).toISOString(),
      stateChangeAt: new Date(end + 30_000).toISOString(),
      points: values.flatMap((value, i) => (value === undefined ? [] : [{ at: new Date(end - (values.length - 1 - i) * 60_000).toISOString(), value }])),
    },
  };
}
