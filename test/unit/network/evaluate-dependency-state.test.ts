// Table-driven tests of the dependency-state and timeout evaluators behind a 504.
import { evaluateDependencyStates, evaluateIntegrationTimeout, type DependencyState } from '../../../shared/network/evaluate-dependency-state';

describe('evaluateDependencyStates', () => {
  it.each<[string, DependencyState, string | undefined, boolean | undefined]>([
    ['an available database says nothing', { kind: 'rds', label: 'RDS notification-service-db', status: 'available' }, undefined, undefined],
    [
      'a Multi-AZ failover in progress (rebooting)',
      { kind: 'rds', label: 'RDS notification-service-db', status: 'rebooting', detail: 'Multi-AZ' },
      'RDS notification-service-db is rebooting (Multi-AZ): a reboot (or a Multi-AZ failover) is in progress: connections drop and reconnect',
      true,
    ],
    [
      'a class change being applied',
      { kind: 'rds', label: 'RDS notification-service-db', status: 'modifying', detail: 'pending DBInstanceClass db.r6g.2xlarge' },
      'RDS notification-service-db is modifying (pending DBInstanceClass db.r6g.2xlarge): a modification is being applied (a class change fails over a Multi-AZ instance)',
      true,
    ],
    ['maintenance', { kind: 'rds', label: 'RDS notification-service-db', status: 'maintenance' }, 'RDS notification-service-db is maintenance: maintenance is being applied', true],
    ['a backup keeps the instance usable', { kind: 'rds', label: 'RDS notification-service-db', status: 'backing-up' }, 'RDS notification-service-db is backing-up: a backup is being taken (single-AZ instances can pause I/O briefly)', false],
    ['full storage', { kind: 'rds', label: 'RDS notification-service-db', status: 'storage-full' }, 'RDS notification-service-db is storage-full: its storage is full: writes hang', true],
    [
      'a cache failing over',
      { kind: 'cache', label: 'ElastiCache notification-service-cache', status: 'modifying' },
      'ElastiCache notification-service-cache is modifying: a change (failover, scaling, engine upgrade) is being applied: connections may drop',
      true,
    ],
    ['an available cache says nothing', { kind: 'cache', label: 'ElastiCache notification-service-cache', status: 'available' }, undefined, undefined],
  ])('%s', (_name, state, finding, blocking) => {
    const [result] = evaluateDependencyStates([state]);
    expect(result?.finding).toBe(finding);
    expect(result?.blocking).toBe(blocking);
    if (result) expect(result.next).toMatch(state.kind === 'rds' ? /^aws rds describe-events .*notification-service-db/ : /^aws elasticache describe-events .*notification-service-cache/);
  });
});

describe('evaluateIntegrationTimeout', () => {
  it.each<[string, number, number | undefined, string | undefined, number | undefined]>([
    [
      "the seed's consumer: 30 s against API Gateway's 29 s default",
      30,
      undefined,
      "Lambda notification-service-consumer may run 30 s but API notification-service-api waits 29 s for it (API Gateway's default): any invocation slower than 29 s reaches the client as a 504 while the function keeps running (and holding its connections) up to 30 s",
      28,
    ],
    ['a function that gives up first (10 s)', 10, undefined, undefined, undefined],
    ['exactly 29 s: the function still loses the race', 29, undefined, 'may run 29 s but API notification-service-api waits 29 s for it', 28],
    ['an integration timeout lowered to 5 s', 10, 5000, 'may run 10 s but API notification-service-api waits 5 s for it:', 4],
    ['an integration timeout raised to 60 s (Regional REST API quota increase)', 30, 60_000, undefined, undefined],
  ])('%s', (_name, functionTimeoutSeconds, integrationTimeoutMs, finding, timeout) => {
    const result = evaluateIntegrationTimeout({
      functionName: 'notification-service-consumer',
      functionTimeoutSeconds,
      ...(integrationTimeoutMs !== undefined ? { integrationTimeoutMs } : {}),
      apiLabel: 'API notification-service-api',
    });
    if (finding === undefined) {
      expect(result).toBeUndefined();
      return;
    }
    expect(result?.finding).toContain(finding);
    expect(result?.fix).toMatchObject({ api: 'UpdateFunctionConfiguration', input: { FunctionName: 'notification-service-consumer', Timeout: timeout } });
  });

  // Review 23b R23b-4: the fix moves the slow requests out of the 504 alarm; the finding says where they go, per API type.
  it.each<[string, boolean | undefined, number, string]>([
    [
      'a REST API: the function times out first and the Lambda proxy integration answers 502',
      undefined,
      28,
      'With Timeout 28 s the same slow requests fail as 502 (a REST API Lambda proxy integration answers a function error with 502), with "Task timed out" in the function\'s log: ' +
        'counted by the Lambda Error Rate alarm (AWS/Lambda Errors), no longer by this 504 alarm; the slowness itself is still to be found (High Latency, NotificationService-CheckDbConnections)',
    ],
    [
      'an HTTP API (30 s default): the function times out first and the API answers 500',
      true,
      29,
      'With Timeout 29 s the same slow requests fail as 500 (an HTTP API answers a function error with 500 Internal Server Error), with "Task timed out" in the function\'s log: ' +
        'counted by the Lambda Error Rate alarm (AWS/Lambda Errors), no longer by this 504 alarm',
    ],
  ])('says where the slow requests go after the fix: %s', (_name, httpApi, timeout, said) => {
    const result = evaluateIntegrationTimeout({ functionName: 'notification-service-consumer', functionTimeoutSeconds: 31, apiLabel: 'API notification-service-api', ...(httpApi ? { httpApi } : {}) });
    expect(result?.fix.input.Timeout).toBe(timeout);
    expect(result?.finding).toContain(said);
    expect(result?.finding).not.toContain(httpApi ? ' 502' : ' 500');
  });
});
