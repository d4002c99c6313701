// Preflight expects exactly what each region's runbook stack deploys: the handlers, their alarms and rules, the schedule
// groups, and in the DR region the standby (the cross-region replica) in place of the primary's database. The lists are
// written out here from the configuration's defaults (decision 82, `runbook list`), not read from the code under test.
import { handlerDeclarations } from '../../../../cli/preflight/declarations';
import { preflightExpectations, type PreflightExpectations } from '../../../../cli/preflight/expectations';
import { loadRuntimeConfig } from '../../../../shared/config/load-config';
import { expectationsFor, expectationsIn } from './support';

const PRIMARY_HANDLERS = ['scale-consumers', 'raise-lambda-memory', 'inspect-security-groups', 'check-db-connections', 'scale-up-database', 'alert-error-rate', 'escalate', 'escalation-timer', 'verify-change'];
// us-west-2 (dr): every row is watched there since decision 123 (the rows that change something act only while the region
// serves), DR Standby too, and verify-change with them.
const DR_HANDLERS = [...PRIMARY_HANDLERS, 'watch-standby'];

describe('production us-east-1 (primary)', () => {
  const expected = expectationsIn('production', 'us-east-1');

  it('expects every handler but the standby watch, which only the DR region deploys', () => {
    expect(expected.regionRole).toBe('primary');
    expect(expected.handlers.map((h) => h.name).sort()).toEqual([...PRIMARY_HANDLERS].sort());
  });

  it('expects both schedule groups, the primary database and the cache, and no standby', () => {
    expect(expected.scheduleGroups).toEqual([
      { name: 'notification-runbooks', roleName: 'notification-runbooks-escalation-scheduler-us-east-1', targetFunctionName: 'notification-runbooks-escalation-timer' },
      { name: 'notification-runbooks-verify', roleName: 'notification-runbooks-verify-scheduler-us-east-1', targetFunctionName: 'notification-runbooks-verify-change' },
    ]);
    expect(expected.standby).toBeUndefined();
    expect(expected.watched.databases).toEqual(['notification-service-db']);
    expect(expected.caches).toEqual(['notification-service-cache']);
    // The playbooks that change something schedule their health check in the verify lane.
    expect(expected.handlers.find((h) => h.name === 'scale-consumers')).toMatchObject({ scheduleGroup: 'notification-runbooks-verify', schedulerRoleName: 'notification-runbooks-verify-scheduler-us-east-1' });
  });
});

describe('a cache whose replication group id is not its name (dependencies.caches[].replicationGroupId, decision 143)', () => {
  const cache = { name: 'notification-service-cache', port: 6379, securityGroups: ['notification-service-cache'] };

  it('expects the replication group the handlers read (notif-cache-rg), not the cache\'s name', () => {
    expect(expectationsFor('production', 'single-account', { dependencies: { caches: [{ ...cache, replicationGroupId: 'notif-cache-rg' }] } }).caches).toEqual(['notif-cache-rg']);
  });

  it('and, without one, the cache\'s name', () => {
    expect(expectationsFor('production', 'single-account', { dependencies: { caches: [cache] } }).caches).toEqual(['notification-service-cache']);
  });
});

describe('production us-west-2 (dr)', () => {
  const expected = expectationsIn('production', 'us-west-2');

  it('expects exactly the handlers the DR stack deploys: every one, the standby watch included', () => {
    expect(expected.regionRole).toBe('dr');
    expect(expected.handlers.map((h) => h.name).sort()).toEqual([...DR_HANDLERS].sort());
    // Their roles and schedule lanes are the region's.
    expect(expected.handlers.find((h) => h.name === 'watch-standby')).toMatchObject({ functionName: 'notification-runbooks-watch-standby', roleName: 'notification-runbooks-watch-standby-us-west-2', ruleName: 'notification-runbooks-watch-standby' });
    expect(expected.handlers.find((h) => h.name === 'escalation-timer')).toMatchObject({ scheduleGroup: 'notification-runbooks', schedulerRoleName: 'notification-runbooks-escalation-scheduler-us-west-2' });
  });

  it("expects the region's alarms, each with its handler's rule: the four standby alarms on watch-standby's", () => {
    const byHandler = Object.fromEntries(expected.handlers.map((h) => [h.name, h.alarmNames.length]));
    expect(byHandler).toEqual({
      // The replicated queue's depth alarm and its low-water alarm, the restore signal (decision 185).
      'scale-consumers': 2,
      'raise-lambda-memory': 1,
      'scale-up-database': 1,
      'inspect-security-groups': 1,
      'check-db-connections': 1,
      'alert-error-rate': 1,
      // Lag, Replication Not Active (decision 360), replicated queue depth and age.
      'watch-standby': 4,
      escalate: 0,
      'escalation-timer': 0,
      'verify-change': 0,
    });
    expect(expected.alarms.map((a) => a.rowId).sort()).toEqual(
      ['connection-timeout', 'cpu-utilization', 'dr-standby', 'dr-standby', 'dr-standby', 'dr-standby', 'error-rate', 'high-latency', 'memory-pressure', 'queue-backup', 'queue-backup'].sort(),
    );
    // The CPU alarm there watches the replica.
    expect(expected.alarms.find((a) => a.rowId === 'cpu-utilization')?.name).toBe('NotificationService RDS CPUUtilization > 70% (notification-service-db-replica)');
    const standby = expected.alarms.filter((a) => a.rowId === 'dr-standby');
    // The row's threshold (300 s) and disasterRecovery.standbyWatch's (1000 messages, 3600 s): project defaults.
    expect(standby.map((a) => a.threshold).sort((x, y) => x - y)).toEqual([0, 300, 1000, 3600]);
    expect(expected.handlers.filter((h) => h.ruleName).map((h) => h.ruleName).sort()).toEqual(
      ['alert-error-rate', 'check-db-connections', 'inspect-security-groups', 'raise-lambda-memory', 'scale-consumers', 'scale-up-database', 'watch-standby'].map((h) => `notification-runbooks-${h}`),
    );
  });

  it('expects the changing rows\' roles there to read whether the region serves (decision 123), and only there', () => {
    const primary = expectationsIn('production', 'us-east-1');
    for (const name of ['scale-consumers', 'raise-lambda-memory', 'scale-up-database']) {
      const here = expected.handlers.find((h) => h.name === name)?.actions ?? [];
      expect(here).toEqual(expect.arrayContaining(['rds:DescribeDBInstances', 'lambda:ListEventSourceMappings']));
    }
    expect(primary.handlers.find((h) => h.name === 'scale-consumers')?.actions).not.toContain('rds:DescribeDBInstances');
    expect(primary.handlers.find((h) => h.name === 'scale-up-database')?.actions).not.toContain('lambda:ListEventSourceMappings');
    expect(expected.handlers.find((h) => h.name === 'check-db-connections')?.actions).not.toContain('lambda:ListEventSourceMappings');
  });

  it('cross-account: expects the serving reads of the remediation roles of the changing rows and verify-change there (decision 128), not in the primary', () => {
    const inRegion = (region: string): PreflightExpectations => {
      const { config } = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region });
      return preflightExpectations(config, 'production', region, handlerDeclarations('cross-account'));
    };
    const serving = ['rds:DescribeDBInstances', 'lambda:ListEventSourceMappings'];
    const declared = new Map(handlerDeclarations('cross-account').map((d) => [d.name, d.workloadRoleActions ?? []]));
    // What each role there holds beyond its declaration: the serving reads it did not already declare.
    const added = (e: PreflightExpectations): Record<string, string[]> =>
      Object.fromEntries(
        e.handlers
          .map((h) => [h.name, (h.workloadRoleActions ?? []).filter((a) => !declared.get(h.name)!.includes(a)).sort()] as const)
          .filter(([, extra]) => extra.length > 0),
      );
    expect(added(inRegion('us-west-2'))).toEqual({ 'scale-consumers': ['rds:DescribeDBInstances'], 'raise-lambda-memory': ['rds:DescribeDBInstances'], 'scale-up-database': ['lambda:ListEventSourceMappings'] });
    for (const name of ['scale-consumers', 'raise-lambda-memory', 'scale-up-database', 'verify-change']) {
      expect(inRegion('us-west-2').handlers.find((h) => h.name === name)?.workloadRoleActions).toEqual(expect.arrayContaining(serving));
    }
    expect(added(inRegion('us-east-1'))).toEqual({});
    // The operations side's own roles do not get them in cross-account mode: the reads are the workload's.
    expect(inRegion('us-west-2').handlers.find((h) => h.name === 'scale-consumers')?.actions).not.toContain('rds:DescribeDBInstances');
  });

  it('cross-account: expects a remediation role only in the regions its handler runs in, judged there on that region\'s database (decision 131)', () => {
    const inRegion = (region: string): PreflightExpectations => {
      const { config } = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region });
      return preflightExpectations(config, 'production', region, handlerDeclarations('cross-account'));
    };
    const withRole = (e: PreflightExpectations): string[] => e.handlers.filter((h) => h.remediationRoleName !== undefined).map((h) => h.name).sort();
    // Every handler acts on the workload through its role; the standby watch runs, and so assumes its role, in the DR region only.
    expect(withRole(inRegion('us-east-1'))).toEqual([...PRIMARY_HANDLERS].sort());
    expect(withRole(inRegion('us-west-2'))).toEqual([...DR_HANDLERS].sort());
    expect(inRegion('us-west-2').handlers.find((h) => h.name === 'watch-standby')?.remediationRoleName).toBe('notification-runbooks-remediate-watch-standby');
    // The databases its calls are simulated on there (workloadArnContext's fallback): the region's own, never the other's.
    expect(inRegion('us-east-1').watched.databases).toEqual(['notification-service-db']);
    expect(inRegion('us-west-2').watched.databases).toEqual(['notification-service-db-replica']);
  });

  it('expects both lanes (health checks there too since decision 123), the cross-region replica in place of the database, and no cache', () => {
    expect(expected.scheduleGroups).toEqual([
      { name: 'notification-runbooks', roleName: 'notification-runbooks-escalation-scheduler-us-west-2', targetFunctionName: 'notification-runbooks-escalation-timer' },
      { name: 'notification-runbooks-verify', roleName: 'notification-runbooks-verify-scheduler-us-west-2', targetFunctionName: 'notification-runbooks-verify-change' },
    ]);
    expect(expected.standby).toEqual({ replicaIdentifier: 'notification-service-db-replica', sourceDatabases: ['notification-service-db'] });
    expect(expected.caches).toEqual([]);
    expect(expected.watched.queues).toEqual(['notification-service-queue']);
    expect(expected.watched.functions).toEqual(['notification-service-consumer']);
  });
});

describe.each(['staging', 'development'] as const)('%s us-east-1 (one region, primary)', (environment) => {
  it('expects the primary set of handlers and both schedule groups', () => {
    const expected = expectationsIn(environment, 'us-east-1');
    expect(expected.regionRole).toBe('primary');
    expect(expected.handlers.map((h) => h.name).sort()).toEqual([...PRIMARY_HANDLERS].sort());
    expect(expected.scheduleGroups.map((g) => g.name)).toEqual(['notification-runbooks', 'notification-runbooks-verify']);
    expect(expected.standby).toBeUndefined();
  });
});
