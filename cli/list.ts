// `runbook list`: the troubleshooting table as configured — issue, symptom, alarm, automatic response per environment, SSM document, escalation tier.
import { parseAutomationConfig, mergeConfig } from '../shared/config/load-config';
import { defaultConfig } from '../shared/config/defaults';
import { ENVIRONMENTS } from '../shared/config/schema';
import { playbooks } from '../shared/playbooks/registry';
import { EXIT } from './exit-codes';
import { renderTable } from './render';

export function listCommand(options: { json?: boolean }): number {
  let overrides: unknown = {};
  if (process.env.RUNBOOK_CONFIG_JSON) overrides = JSON.parse(process.env.RUNBOOK_CONFIG_JSON) as unknown;
  const config = parseAutomationConfig(mergeConfig(defaultConfig, overrides));
  const implemented = new Set(Object.keys(playbooks));
  const rows = config.troubleshooting.map((row) => {
    const modes = Object.fromEntries(
      ENVIRONMENTS.map((env) => {
        const e = config.environments[env];
        const mode = e.mutationMode ?? (e.autoScaling ? 'automatic' : 'report-only');
        return [env, implemented.has(row.handler) ? mode : 'not automated yet'];
      }),
    );
    return {
      id: row.id,
      issue: row.issue,
      symptom: row.symptom,
      alarm: `${row.detection.namespace} ${row.detection.metricName} ${row.detection.comparison.replace('Threshold', '')} ${row.detection.threshold}${row.detection.unit ? ` ${row.detection.unit}` : ''}`,
      handler: row.handler,
      response: row.response,
      modes,
      runbook: row.runbook ?? null,
      escalation: config.escalationPath[0]?.name ?? null,
    };
  });
  if (options.json) {
    console.log(JSON.stringify({ troubleshooting: rows, escalationPath: config.escalationPath }, null, 2));
    return EXIT.ok;
  }
  console.log(
    renderTable(
      ['ISSUE', 'SYMPTOM', 'ALARM', 'HANDLER', ...ENVIRONMENTS.map((e) => e.toUpperCase()), 'SSM DOCUMENT', 'FIRST TIER'],
      rows.map((r) => [r.issue, r.symptom, r.alarm, r.handler, ...ENVIRONMENTS.map((e) => r.modes[e] ?? ''), r.runbook ?? '-', r.escalation ?? '-']),
    ),
  );
  console.log(`\nEscalation path: ${config.escalationPath.map((t) => `${t.name} (after ${t.timeoutMinutes} min)`).join(' -> ')}`);
  return EXIT.ok;
}
