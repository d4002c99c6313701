// `runbook list` against the configuration, per environment: what each row does there (the expected value worked out
// here from the raw configuration, not by the command's code), and each environment's own tiers and timeouts.
import { listCommand } from '../../../cli/list';
import { defaultConfig } from '../../../shared/config/defaults';

interface ListedRow {
  id: string;
  modes: Record<string, string>;
  regions: Record<string, Record<string, string>>;
}
interface ListedTier {
  level: number;
  name: string;
  channels: string[];
  timeoutMinutes: number;
  supportCase: { severityCode: string } | null;
}
interface Listed {
  troubleshooting: ListedRow[];
  environments: Record<string, { regions: Array<{ region: string; role: string }>; escalation: ListedTier[] }>;
}

/** Raw configuration as the command reads it (defaults deep-merged with the overrides), without the schema's parse. */
type RawEnv = {
  autoScaling: boolean;
  mutationMode?: string;
  mutationModeByRow?: Record<string, string>;
  regions: string[];
  regionRoles?: Record<string, string>;
  escalation?: { tiers: Array<{ level: number; channels: string[]; timeoutMinutes?: number }>; supportCase: { enabled: boolean; severityCode: string } };
};
type RawConfig = {
  environments: Record<string, RawEnv>;
  troubleshooting: Array<{ id: string; watchIn?: string[] }>;
  escalationPath: Array<{ level: number; name: string; timeoutMinutes: number; kind?: string }>;
};

// The rows that only diagnose (README: "Changes nothing" for connection-timeout, high-latency, error-rate, dr-standby).
const DIAGNOSE_ONLY = new Set(['connection-timeout', 'high-latency', 'error-rate', 'dr-standby']);
const LABEL: Record<string, string> = { automatic: 'automatic', approval: 'approval-required', 'report-only': 'report-only' };

/** A row runs in a region whose role (regionRoles, else primary) its watchIn lists (else primary only). */
function deployedIn(env: RawEnv, row: { watchIn?: string[] }, region: string): boolean {
  return (row.watchIn ?? ['primary']).includes(env.regionRoles?.[region] ?? 'primary');
}

function expectedMode(env: RawEnv, row: { id: string; watchIn?: string[] }): string {
  if (!env.regions.some((region) => deployedIn(env, row, region))) return 'not deployed';
  const rowId = row.id;
  if (DIAGNOSE_ONLY.has(rowId)) return 'diagnose';
  const mode = env.mutationModeByRow?.[rowId] ?? env.mutationMode ?? (env.autoScaling ? 'automatic' : 'report-only');
  return LABEL[mode] ?? `unknown mode ${mode}`;
}

/** In one region: a changing row in a dr region acts only while that region serves (decision 123), said as such. */
function expectedRegionMode(env: RawEnv, row: { id: string; watchIn?: string[] }, region: string): string {
  const mode = expectedMode({ ...env, regions: [region] }, row);
  const dr = env.regionRoles?.[region] === 'dr';
  return dr && (mode === 'automatic' || mode === 'approval-required') ? `${mode} while serving` : mode;
}

function expectedTiers(config: RawConfig, env: RawEnv): ListedTier[] {
  return (env.escalation?.tiers ?? []).map((t) => {
    const path = config.escalationPath.find((p) => p.level === t.level);
    const support = path?.kind === 'aws-support' && env.escalation?.supportCase.enabled;
    return {
      level: t.level,
      name: path?.name ?? 'missing',
      channels: t.channels,
      timeoutMinutes: t.timeoutMinutes ?? path?.timeoutMinutes ?? -1,
      supportCase: support ? { severityCode: env.escalation?.supportCase.severityCode ?? 'missing' } : null,
    };
  });
}

function run(json: boolean, overrides?: unknown): string {
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
  const saved = process.env.RUNBOOK_CONFIG_JSON;
  if (overrides === undefined) delete process.env.RUNBOOK_CONFIG_JSON;
  else process.env.RUNBOOK_CONFIG_JSON = JSON.stringify(overrides);
  try {
    expect(listCommand({ json })).toBe(0);
  } finally {
    spy.mockRestore();
    if (saved === undefined) delete process.env.RUNBOOK_CONFIG_JSON;
    else process.env.RUNBOOK_CONFIG_JSON = saved;
  }
  return lines.join('\n');
}

const raw = defaultConfig as unknown as RawConfig;

// An override that changes a mode per row, a mode per environment and the tiers, so a list that ignored the
// configuration (or read one environment's for another) fails.
const overrides = {
  environments: {
    staging: { mutationModeByRow: { 'memory-pressure': 'approval' } },
    development: { escalation: { tiers: [{ level: 2, channels: ['email'], timeoutMinutes: 7 }], supportCase: { enabled: false, severityCode: 'low' }, stillFiringAfterMinutes: 30 } },
  },
};
const rawOverridden: RawConfig = {
  ...raw,
  environments: {
    ...raw.environments,
    staging: { ...(raw.environments.staging as RawEnv), mutationModeByRow: { 'memory-pressure': 'approval' } },
    development: { ...(raw.environments.development as RawEnv), escalation: overrides.environments.development.escalation },
  },
};

describe('runbook list', () => {
  it.each([
    ['the defaults', undefined, raw],
    ['overrides of a row mode and of the tiers', overrides, rawOverridden],
  ])('lists, per environment, what each row does and the environment\'s own tiers and timeouts, as configured (%s)', (_name, given, config) => {
    const listed = JSON.parse(run(true, given)) as Listed;
    const envs = Object.keys(config.environments);
    expect(envs).toEqual(['production', 'staging', 'development']);
    expect(listed.troubleshooting.map((r) => r.id)).toEqual(config.troubleshooting.map((r) => r.id));
    for (const row of listed.troubleshooting) {
      const raw = config.troubleshooting.find((r) => r.id === row.id) ?? { id: row.id };
      expect(row.modes).toEqual(Object.fromEntries(envs.map((e) => [e, expectedMode(config.environments[e] as RawEnv, raw)])));
      for (const e of envs) {
        const env = config.environments[e] as RawEnv;
        expect(row.regions[e]).toEqual(
          Object.fromEntries(env.regions.map((region) => [region, deployedIn(env, raw, region) ? expectedRegionMode(env, raw, region) : 'not deployed'])),
        );
      }
    }
    for (const e of envs) {
      const env = config.environments[e] as RawEnv;
      expect(listed.environments[e]?.escalation).toEqual(expectedTiers(config, env));
      expect(listed.environments[e]?.regions).toEqual(env.regions.map((region) => ({ region, role: env.regionRoles?.[region] ?? 'primary' })));
    }
  });

  it("shows production's CPU row as approval-required, never automatic, and the rows that change nothing as diagnose", () => {
    const listed = JSON.parse(run(true)) as Listed;
    const modes = Object.fromEntries(listed.troubleshooting.map((r) => [r.id, r.modes]));
    expect(modes['cpu-utilization']).toEqual({ production: 'approval-required', staging: 'automatic', development: 'report-only' });
    expect(modes['queue-backup']).toEqual({ production: 'automatic', staging: 'automatic', development: 'report-only' });
    for (const id of ['connection-timeout', 'high-latency', 'error-rate']) {
      expect(modes[id]).toEqual({ production: 'diagnose', staging: 'diagnose', development: 'diagnose' });
    }
  });

  it('lists the DR standby watch as diagnose in production\'s DR region only, and the rows that change something there as acting while it serves', () => {
    const listed = JSON.parse(run(true)) as Listed;
    const regions = Object.fromEntries(listed.troubleshooting.map((r) => [r.id, r.regions.production]));
    const modes = Object.fromEntries(listed.troubleshooting.map((r) => [r.id, r.modes]));
    // Written out from defaults.ts by hand.
    expect(regions).toEqual({
      'queue-backup': { 'us-east-1': 'automatic', 'us-west-2': 'automatic while serving' },
      'memory-pressure': { 'us-east-1': 'automatic', 'us-west-2': 'automatic while serving' },
      'connection-timeout': { 'us-east-1': 'diagnose', 'us-west-2': 'diagnose' },
      'high-latency': { 'us-east-1': 'diagnose', 'us-west-2': 'diagnose' },
      'cpu-utilization': { 'us-east-1': 'approval-required', 'us-west-2': 'approval-required while serving' },
      'error-rate': { 'us-east-1': 'diagnose', 'us-west-2': 'diagnose' },
      'dr-standby': { 'us-east-1': 'not deployed', 'us-west-2': 'diagnose' },
    });
    expect(modes['dr-standby']).toEqual({ production: 'diagnose', staging: 'not deployed', development: 'not deployed' });
  });

  it("prints each environment's tiers with their own timeouts, and production's DR region as changing something only while it serves", () => {
    const text = run(false);
    const cpuLine = text.split('\n').find((l) => l.startsWith('CPU Utilization'));
    expect(cpuLine?.split(/\s{2,}/).slice(4, 7)).toEqual(['approval-required', 'automatic', 'report-only']);
    expect(text).toContain('production: us-east-1 (primary), us-west-2 (dr: watches the standby; changes something only while it serves, after a failover)');
    expect(text).toContain(
      '  us-west-2 (dr): Queue Backup (automatic while serving), Memory Pressure (automatic while serving), Connection Timeout (diagnose), High Latency (diagnose), CPU Utilization (approval-required while serving), Error Rate (diagnose), DR Standby (diagnose); not deployed: nothing',
    );
    const standbyLine = text.split('\n').find((l) => l.startsWith('DR Standby'));
    expect(standbyLine?.split(/\s{2,}/).slice(4, 7)).toEqual(['diagnose', 'not deployed', 'not deployed']);
    // Written out from defaults.ts by hand: production takes the path's timeouts, staging and development their own.
    expect(text).toContain(
      '  escalation: DevOps Team (L1) [chat+email] 15 min -> Cloud Infrastructure Team (L2) [chat+email] 30 min -> AWS Support (Enterprise) [support case, severity urgent] 60 min -> Service Owner [email] 120 min',
    );
    expect(text).toContain('  escalation: DevOps Team (L1) [chat] 30 min -> Cloud Infrastructure Team (L2) [chat+email] 60 min -> AWS Support (Enterprise) [support case, severity normal] 120 min');
    expect(text).toContain('  escalation: DevOps Team (L1) [chat] 60 min -> Cloud Infrastructure Team (L2) [email] 240 min');
    expect(text).not.toMatch(/^CPU Utilization.*\bautomatic\b.*\bautomatic\b/m);
    // Decision 204, labelled as the project's default in every environment.
    const flapping =
      '  flapping (project default): an ALARM within 30 min of its incident\'s resolution re-opens it (one short message, the ladder resumes); once re-opened, its resolution is told after 10 min OK';
    expect(text.split('\n').filter((l) => l === flapping)).toHaveLength(3);
  });

  // Review 11a finding 10: how each alarm decides, each value labelled with where it comes from. Written out by hand: the
  // service document's thresholds (CPU 70%, queue 1000, error rate 1%, latency 500 ms), the 504 count's > 0 (the
  // document says only "504 errors") and every evaluation (alarm-specs.ts) are the project's.
  it('shows each alarm\'s definition, labelled service document / project default / this configuration', () => {
    const listed = JSON.parse(run(true)) as { troubleshooting: Array<{ id: string; alarmDefinition: unknown }> };
    const definition = (id: string) => listed.troubleshooting.find((r) => r.id === id)?.alarmDefinition;
    expect(definition('connection-timeout')).toEqual({
      threshold: { comparison: 'GreaterThanThreshold', value: 0, source: 'project default' },
      // Decision 229: 504s in 3 of the last 5 minutes, a project default (was one minute's 504s, 1 of 1).
      evaluation: { statistic: 'Sum', periodSeconds: 60, datapointsToAlarm: 3, evaluationPeriods: 5, treatMissingData: 'notBreaching', source: 'project default' },
    });
    expect(definition('queue-backup')).toMatchObject({ threshold: { value: 1000, source: 'service document' }, evaluation: { statistic: 'Maximum', datapointsToAlarm: 1, evaluationPeriods: 1 } });
    expect(definition('high-latency')).toMatchObject({ threshold: { value: 500, source: 'service document' }, evaluation: { statistic: 'p99', datapointsToAlarm: 3, evaluationPeriods: 5 } });
    expect(definition('memory-pressure')).toMatchObject({ threshold: { value: 1, source: 'project default' } });
    const text = run(false);
    expect(text).toContain('  Connection Timeout: Sum > 0 (project default; the service document says "504 errors") per 60 s, in 3 of 5 periods, missing data notBreaching (project default)');
    expect(text).toContain('  CPU Utilization: Average > 70 (service document) per 60 s, in 5 of 5 periods, missing data missing (project default)');
    // R14-5: the DR row is the project's own; its symptom is not quoted as the service document's.
    expect(text).toContain('  DR Standby: Maximum > 300 (project default; a row the service document does not have) per 60 s,');
    expect(text).not.toMatch(/DR Standby: .*the service document says/);
    // A threshold the configuration sets is labelled as such, not as the document's or the project's.
    const configured = JSON.parse(run(true, { troubleshooting: defaultConfig.troubleshooting.map((r) => (r.id === 'connection-timeout' ? { ...r, detection: { ...r.detection, threshold: 5 } } : r)) })) as typeof listed;
    expect(configured.troubleshooting.find((r) => r.id === 'connection-timeout')?.alarmDefinition).toMatchObject({ threshold: { value: 5, source: 'this configuration' } });
  });

  // Review 21a, R21-7: Lambda publishes no ErrorRate metric; the row's alarm is metric math over Errors and Invocations,
  // and the ALARM column says so (written out by hand from alarm-specs.ts's error-rate shape). Single-metric rows keep
  // the detection metric.
  it("prints the error-rate row's alarm as its metric math over AWS/Lambda Errors and Invocations, not a metric that does not exist", () => {
    const listed = JSON.parse(run(true)) as { troubleshooting: Array<{ id: string; alarm: string }> };
    const alarm = (id: string) => listed.troubleshooting.find((r) => r.id === id)?.alarm;
    expect(alarm('error-rate')).toBe('errors / invocations * 100 (errors = AWS/Lambda Errors Sum, invocations = AWS/Lambda Invocations Sum) GreaterThan 1 Percent');
    expect(alarm('cpu-utilization')).toBe('AWS/RDS CPUUtilization GreaterThan 70 Percent');
    const text = run(false);
    expect(text).not.toContain('ErrorRate');
    expect(text).toContain('errors / invocations * 100 (errors = AWS/Lambda Errors Sum, invocations = AWS/Lambda Invocations Sum)');
  });

  it('says when the flapping settings are the configuration\'s own, and when grouping is off', () => {
    const text = run(false, { environments: { staging: { escalation: { flapping: { regroupWithinMinutes: 0, settleMinutes: 5 } } } } });
    expect(text).toContain('  flapping (this configuration): off: every ALARM state change is its own incident');
    expect(text.split('\n').filter((l) => l.startsWith('  flapping (project default): '))).toHaveLength(2);
  });

  it('names the alarms `plan --alarm` takes, per environment and region, as infra names them', () => {
    const listed = JSON.parse(run(true)) as { environments: Record<string, { alarms: Array<{ region: string; names: string[] }> }> };
    const production = listed.environments.production?.alarms ?? [];
    expect(production.map((a) => a.region)).toEqual(['us-east-1', 'us-west-2']);
    // Written out by hand from the seed's names: the queue alarm plan's own --help example uses, and the DB's.
    expect(production[0]?.names).toEqual(
      expect.arrayContaining(['NotificationService Queue Depth > 1000 (notification-service-queue)', 'NotificationService RDS CPUUtilization > 70% (notification-service-db)']),
    );
    expect(production[1]?.names).toContain('NotificationService DR Replica Lag > 300 s (notification-service-db-replica)');
    const text = run(false);
    expect(text).toContain('  alarms in us-east-1 (runbook plan --alarm "NAME" -e production):\n    NotificationService Queue Depth > 1000 (notification-service-queue)\n');
    expect(text).toContain('  alarms in us-west-2 (runbook plan --alarm "NAME" -e production --region us-west-2):\n');
    expect(text).toContain("  alarms in us-east-1: the same names as production us-east-1's");
  });
});
