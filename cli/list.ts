// `runbook list`: the troubleshooting table as configured — issue, symptom, alarm, what each environment does per row
// (the mode the guard applies, or "diagnose" for rows that change nothing), SSM document, and each environment's own
// regions and escalation tiers with their channels and timeouts.
import { parseAutomationConfig, mergeConfig } from '../shared/config/load-config';
import { defaultConfig } from '../shared/config/defaults';
import { alarmSpecs, roleOfRegion, type AlarmSpec } from '../shared/config/alarm-specs';
import { ENVIRONMENTS, type AutomationConfig, type EnvironmentName, type MutationMode, type TroubleshootingRow } from '../shared/config/schema';
import { DEFAULT_FLAPPING, resolveEscalationPolicy } from '../shared/escalation/policy';
import { effectiveMutationMode } from '../shared/guard/evaluate-guardrails';
import { CHANGING_PLAYBOOKS } from '../shared/playbooks/changing-rows';
import { playbooks } from '../shared/playbooks/registry';
import { ConfigurationError } from '../shared/errors';
import { EXIT } from './exit-codes';
import { renderTable } from './render';

/**
 * What a row does in an environment (or one of its regions): the guard's mode for rows that change something, else
 * "diagnose"; "not deployed" where the row is watched in none of its regions' roles (`watchIn`: a primary region has no
 * standby watch). In a DR region a row that changes something acts only while that region serves (decision 123):
 * "automatic while serving" / "approval-required while serving"; before a failover it escalates and changes nothing.
 */
export type RowAction =
  | 'automatic'
  | 'approval-required'
  | 'report-only'
  | 'automatic while serving'
  | 'approval-required while serving'
  | 'diagnose'
  | 'not automated yet'
  | 'not deployed';

/**
 * The thresholds the service document gives (its Monitoring Thresholds and troubleshooting tables: CPU > 70%, Queue Depth
 * > 1000, Error Rate > 1%, Latency > 500ms). Memory Pressure ("OOM errors") and Connection Timeout ("504 errors") have no
 * number there: their thresholds are the project's defaults. Every alarm's statistic, period, M of N and missing-data
 * treatment is a project default (shared/config/alarm-specs.ts; the service document gives none); review 11a finding 10.
 */
const SERVICE_DOCUMENT_THRESHOLDS: Readonly<Record<string, number>> = { 'queue-backup': 1000, 'high-latency': 500, 'cpu-utilization': 70, 'error-rate': 1 };

/**
 * The rows the service document has (its troubleshooting table and the metrics table's actions); any other row (DR
 * Standby, or one a configuration adds) is the project's own, and its symptom is not quoted as the document's (R14-5).
 */
const SERVICE_DOCUMENT_ROWS: ReadonlySet<string> = new Set(['queue-backup', 'memory-pressure', 'connection-timeout', 'high-latency', 'cpu-utilization', 'error-rate']);

type ValueSource = 'service document' | 'project default' | 'this configuration';

/** How a row's alarm decides, and where each value comes from. */
export interface AlarmDefinition {
  threshold: { comparison: string; value: number; source: ValueSource };
  evaluation: { statistic: string; periodSeconds: number; datapointsToAlarm: number; evaluationPeriods: number; treatMissingData: string; source: 'project default' };
}

/** The first alarm (not a restore signal) infra creates for the row in any environment and region: what the ALARM column and the definition describe. */
function rowAlarmSpec(config: AutomationConfig, row: TroubleshootingRow): AlarmSpec | undefined {
  return ENVIRONMENTS.flatMap((env) => config.environments[env].regions.flatMap((region) => alarmSpecs(config, env, region))).find((a) => a.rowId === row.id && a.restoreSignal !== true);
}

/**
 * The ALARM column: what CloudWatch holds. A single-metric alarm's metric is the row's detection metric; a metric-math
 * alarm's (the error rate: Lambda publishes no ErrorRate metric) is its expression over the metrics it reads, printed as
 * such, so that an operator looks for metrics that exist (review 21a, R21-7).
 */
export function alarmColumn(row: TroubleshootingRow, spec: AlarmSpec | undefined): string {
  const { detection } = row;
  const condition = `${detection.comparison.replace('Threshold', '')} ${detection.threshold}${detection.unit ? ` ${detection.unit}` : ''}`;
  const metric = spec?.metric;
  if (metric?.kind !== 'math') return `${detection.namespace} ${detection.metricName} ${condition}`;
  const inputs = metric.inputs.map((i) => `${i.id} = ${i.metric.namespace} ${i.metric.metricName} ${i.stat}`).join(', ');
  return `${metric.expression} (${inputs}) ${condition}`;
}

function alarmDefinition(config: AutomationConfig, row: TroubleshootingRow, spec: AlarmSpec | undefined): AlarmDefinition | undefined {
  if (!spec) return undefined;
  const { comparison, threshold } = row.detection;
  const asDefault = defaultConfig.troubleshooting.find((r) => r.id === row.id)?.detection;
  const source: ValueSource =
    asDefault === undefined || asDefault.threshold !== threshold || asDefault.comparison !== comparison
      ? 'this configuration'
      : SERVICE_DOCUMENT_THRESHOLDS[row.id] === threshold
        ? 'service document'
        : 'project default';
  const metric = spec.metric;
  const statistic = metric.kind === 'single' ? (metric.statistic ?? metric.extendedStatistic ?? '?') : `expression ${metric.expression}`;
  const periodSeconds = metric.kind === 'single' ? metric.metric.periodSeconds : metric.periodSeconds;
  return {
    threshold: { comparison: spec.comparisonOperator, value: spec.threshold, source },
    evaluation: { statistic, periodSeconds, datapointsToAlarm: spec.datapointsToAlarm, evaluationPeriods: spec.evaluationPeriods, treatMissingData: spec.treatMissingData, source: 'project default' },
  };
}

const COMPARISON_WORD: Record<string, string> = { GreaterThanThreshold: '>', GreaterThanOrEqualToThreshold: '>=', LessThanThreshold: '<', LessThanOrEqualToThreshold: '<=' };

/** One line of the text listing: "<issue>: <statistic> > <threshold> (<source>) per <period> s, <M> of <N> periods, missing data <treatment> (project default)". */
export function alarmDefinitionLine(row: { id: string; issue: string; symptom: string }, d: AlarmDefinition): string {
  const said =
    d.threshold.source !== 'project default'
      ? d.threshold.source
      : SERVICE_DOCUMENT_ROWS.has(row.id)
        ? `project default; the service document says "${row.symptom}"`
        : 'project default; a row the service document does not have';
  const e = d.evaluation;
  return `  ${row.issue}: ${e.statistic} ${COMPARISON_WORD[d.threshold.comparison] ?? d.threshold.comparison} ${d.threshold.value} (${said}) per ${e.periodSeconds} s, in ${e.datapointsToAlarm} of ${e.evaluationPeriods} periods, missing data ${e.treatMissingData} (project default)`;
}

/** The row's alarm definition line as `runbook list` prints it (the demo labels each scenario's figures with it); undefined for a row without an alarm. */
export function rowDefinitionLine(config: AutomationConfig, rowId: string): string | undefined {
  const row = config.troubleshooting.find((r) => r.id === rowId);
  if (!row) return undefined;
  const definition = alarmDefinition(config, row, rowAlarmSpec(config, row));
  return definition ? alarmDefinitionLine(row, definition) : undefined;
}

const MODE_LABEL: Record<MutationMode, RowAction> = { automatic: 'automatic', approval: 'approval-required', 'report-only': 'report-only' };

function environmentMode(config: AutomationConfig, env: EnvironmentName): MutationMode {
  const e = config.environments[env];
  return e.mutationMode ?? (e.autoScaling ? 'automatic' : 'report-only');
}

function describeEnvironments(config: AutomationConfig) {
  return Object.fromEntries(
    ENVIRONMENTS.map((env) => {
      const e = config.environments[env];
      const policy = resolveEscalationPolicy(config, env);
      return [
        env,
        {
          regions: e.regions.map((region) => ({ region, role: e.regionRoles?.[region] ?? 'primary' })),
          escalation: policy.tiers.map((t) => ({
            level: t.level,
            name: t.name,
            channels: t.channels,
            timeoutMinutes: t.timeoutMinutes,
            supportCase: t.supportCase ? { severityCode: t.supportCase.severityCode } : null,
          })),
          stillFiringAfterMinutes: policy.stillFiringAfterMinutes,
          // Decision 204: a flapping alarm is one incident (project defaults unless the configuration sets them).
          flapping: { ...policy.flapping, projectDefault: policy.flapping.regroupWithinMinutes === DEFAULT_FLAPPING.regroupWithinMinutes && policy.flapping.settleMinutes === DEFAULT_FLAPPING.settleMinutes },
          // The names `runbook plan --alarm` takes, per region (a DR region watches its own set).
          alarms: e.regions.map((region) => ({ region, names: alarmSpecs(config, env, region).map((a) => a.name) })),
        },
      ];
    }),
  );
}

/** The configuration `list` describes; a malformed RUNBOOK_CONFIG_JSON is usage (64), named as every other verb names it (review 23a R23a-14). */
function listedConfig(): AutomationConfig | undefined {
  let overrides: unknown = {};
  if (process.env.RUNBOOK_CONFIG_JSON) {
    try {
      overrides = JSON.parse(process.env.RUNBOOK_CONFIG_JSON) as unknown;
    } catch (error) {
      console.error(`runbook list: RUNBOOK_CONFIG_JSON is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
      return undefined;
    }
  }
  try {
    return parseAutomationConfig(mergeConfig(defaultConfig, overrides));
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    console.error(`runbook list: ${error.message} (RUNBOOK_CONFIG_JSON)`);
    return undefined;
  }
}

export function listCommand(options: { json?: boolean }): number {
  const config = listedConfig();
  if (config === undefined) return EXIT.usage;
  const implemented = new Set(Object.keys(playbooks));
  const changing = new Set<string>(CHANGING_PLAYBOOKS.map((p) => p.row));
  const environments = describeEnvironments(config);
  const deployedIn = (row: TroubleshootingRow, env: EnvironmentName, region: string): boolean => (row.watchIn ?? ['primary']).includes(roleOfRegion(config, env, region));
  const actionOf = (row: TroubleshootingRow, env: EnvironmentName, region?: string): RowAction => {
    if (!implemented.has(row.handler)) return 'not automated yet';
    if (!changing.has(row.id)) return 'diagnose';
    const label = MODE_LABEL[effectiveMutationMode({ mutationMode: environmentMode(config, env), env: config.environments[env] }, row.id)];
    // In a DR region the guard lets a change through only while that region serves (decision 123).
    if (region !== undefined && roleOfRegion(config, env, region) === 'dr' && label !== 'report-only') return label === 'automatic' ? 'automatic while serving' : 'approval-required while serving';
    return label;
  };
  const rows = config.troubleshooting.map((row) => {
    const spec = rowAlarmSpec(config, row);
    const regions = Object.fromEntries(
      ENVIRONMENTS.map((env): [EnvironmentName, Record<string, RowAction>] => [
        env,
        Object.fromEntries(config.environments[env].regions.map((region) => [region, deployedIn(row, env, region) ? actionOf(row, env, region) : 'not deployed'])),
      ]),
    );
    const modes = Object.fromEntries(
      ENVIRONMENTS.map((env): [EnvironmentName, RowAction] => [
        env,
        config.environments[env].regions.some((region) => deployedIn(row, env, region)) ? actionOf(row, env) : 'not deployed',
      ]),
    );
    return {
      id: row.id,
      issue: row.issue,
      symptom: row.symptom,
      alarm: alarmColumn(row, spec),
      handler: row.handler,
      response: row.response,
      modes,
      regions,
      runbook: row.runbook ?? null,
      alarmDefinition: alarmDefinition(config, row, spec) ?? null,
    };
  });
  if (options.json) {
    console.log(JSON.stringify({ troubleshooting: rows, environments, escalationPath: config.escalationPath }, null, 2));
    return EXIT.ok;
  }
  console.log(
    renderTable(
      ['ISSUE', 'SYMPTOM', 'ALARM', 'HANDLER', ...ENVIRONMENTS.map((e) => e.toUpperCase()), 'SSM DOCUMENT'],
      rows.map((r) => [r.issue, r.symptom, r.alarm, r.handler, ...ENVIRONMENTS.map((e) => r.modes[e] ?? ''), r.runbook ?? '-']),
    ),
  );
  // How each alarm decides, each value labelled with where it comes from (review 11a finding 10).
  console.log('\nAlarms (threshold: service document, project default or this configuration; statistic, period, M of N and missing data: project defaults):');
  for (const r of rows) if (r.alarmDefinition) console.log(alarmDefinitionLine(r, r.alarmDefinition));
  const printed: Array<{ label: string; names: string[] }> = [];
  for (const env of ENVIRONMENTS) {
    const e = environments[env];
    if (!e) continue;
    const regions = e.regions
      .map((r) => (r.role === 'dr' ? `${r.region} (dr: watches the standby; changes something only while it serves, after a failover)` : `${r.region} (${r.role})`))
      .join(', ');
    // Per DR region: what runs there (a changing row "while serving") and what is not deployed.
    const drLines = e.regions
      .filter((r) => r.role === 'dr')
      .map((r) => {
        const runs = rows.filter((row) => row.regions[env]?.[r.region] !== 'not deployed').map((row) => `${row.issue} (${row.regions[env]?.[r.region] ?? ''})`);
        const absent = rows.filter((row) => row.regions[env]?.[r.region] === 'not deployed').map((row) => row.issue);
        return `\n  ${r.region} (dr): ${runs.join(', ') || 'nothing'}; not deployed: ${absent.join(', ') || 'nothing'}`;
      })
      .join('');
    const tiers = e.escalation
      .map((t) => `${t.name} [${t.supportCase ? `support case, severity ${t.supportCase.severityCode}` : t.channels.join('+')}] ${t.timeoutMinutes} min`)
      .join(' -> ');
    const f = e.flapping;
    const flapping =
      f.regroupWithinMinutes > 0
        ? `an ALARM within ${f.regroupWithinMinutes} min of its incident's resolution re-opens it (one short message, the ladder resumes); once re-opened, its resolution is told after ${f.settleMinutes} min OK`
        : 'off: every ALARM state change is its own incident';
    console.log(`\n${env}: ${regions}${drLines}\n  escalation: ${tiers}\n  flapping (${f.projectDefault ? 'project default' : 'this configuration'}): ${flapping}`);
    for (const { region, names } of e.alarms) {
      const same = printed.find((p) => p.names.join('\n') === names.join('\n'));
      if (same) {
        console.log(`  alarms in ${region}: the same names as ${same.label}'s`);
        continue;
      }
      console.log(`  alarms in ${region} (runbook plan --alarm "NAME" -e ${env}${region === e.regions[0]?.region ? '' : ` --region ${region}`}):`);
      for (const name of names) console.log(`    ${name}`);
      printed.push({ label: `${env} ${region}`, names });
    }
  }
  return EXIT.ok;
}
