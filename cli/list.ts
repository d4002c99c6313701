// `runbook list`: the troubleshooting table as configured — issue, symptom, alarm, what each environment does per row
// (the mode the guard applies, or "diagnose" for rows that change nothing), SSM document, and each environment's own
// regions and escalation tiers with their channels and timeouts.
import { parseAutomationConfig, mergeConfig } from '../shared/config/load-config';
import { defaultConfig } from '../shared/config/defaults';
import { ENVIRONMENTS, type AutomationConfig, type EnvironmentName, type MutationMode } from '../shared/config/schema';
import { resolveEscalationPolicy } from '../shared/escalation/policy';
import { effectiveMutationMode } from '../shared/guard/evaluate-guardrails';
import { CHANGING_PLAYBOOKS } from '../shared/playbooks/changing-rows';
import { playbooks } from '../shared/playbooks/registry';
import { EXIT } from './exit-codes';
import { renderTable } from './render';

/** What a row does in an environment: the guard's mode for rows that change something, else "diagnose". */
export type RowAction = 'automatic' | 'approval-required' | 'report-only' | 'diagnose' | 'not automated yet';

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
        },
      ];
    }),
  );
}

export function listCommand(options: { json?: boolean }): number {
  let overrides: unknown = {};
  if (process.env.RUNBOOK_CONFIG_JSON) overrides = JSON.parse(process.env.RUNBOOK_CONFIG_JSON) as unknown;
  const config = parseAutomationConfig(mergeConfig(defaultConfig, overrides));
  const implemented = new Set(Object.keys(playbooks));
  const changing = new Set<string>(CHANGING_PLAYBOOKS.map((p) => p.row));
  const environments = describeEnvironments(config);
  const rows = config.troubleshooting.map((row) => {
    const modes = Object.fromEntries(
      ENVIRONMENTS.map((env): [EnvironmentName, RowAction] => {
        if (!implemented.has(row.handler)) return [env, 'not automated yet'];
        if (!changing.has(row.id)) return [env, 'diagnose'];
        const mode = effectiveMutationMode({ mutationMode: environmentMode(config, env), env: config.environments[env] }, row.id);
        return [env, MODE_LABEL[mode]];
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
  for (const env of ENVIRONMENTS) {
    const e = environments[env];
    if (!e) continue;
    const regions = e.regions.map((r) => (r.role === 'dr' ? `${r.region} (dr: changes nothing, escalates)` : `${r.region} (${r.role})`)).join(', ');
    const tiers = e.escalation
      .map((t) => `${t.name} [${t.supportCase ? `support case, severity ${t.supportCase.severityCode}` : t.channels.join('+')}] ${t.timeoutMinutes} min`)
      .join(' -> ');
    console.log(`\n${env}: ${regions}\n  escalation: ${tiers}`);
  }
  return EXIT.ok;
}
