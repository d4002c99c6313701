// The alarms infra deploys and the sandbox provisions, from one source: the configuration's rows and watched resources.
import { alarmSpecs, alarmStateChangePattern, OUT_OF_MEMORY_FILTER_PATTERN, watchedResources } from '../../../shared/config/alarm-specs';
import { defaultConfig } from '../../../shared/config/defaults';
import { mergeConfig, parseAutomationConfig } from '../../../shared/config/load-config';

const seed = parseAutomationConfig(defaultConfig);

describe('alarmSpecs', () => {
  it.each([
    ['queue-backup', 'NotificationService Queue Depth > 1000 (notification-service-queue)', 1000],
    ['cpu-utilization', 'NotificationService RDS CPUUtilization > 70% (notification-service-db)', 70],
    ['high-latency', 'NotificationService API Gateway Latency p99 > 500 ms (notification-service-api)', 500],
    ['error-rate', 'NotificationService Lambda Error Rate > 1% (notification-service-consumer)', 1],
  ])('names the %s alarm after its threshold and resource, at the seed\'s threshold', (rowId, name, threshold) => {
    const spec = alarmSpecs(seed, 'production').find((s) => s.rowId === rowId);
    expect(spec).toMatchObject({ name, threshold });
  });

  it('watches every queue an environment owns, and counts out-of-memory exits in one alarm', () => {
    const config = parseAutomationConfig(mergeConfig(defaultConfig, { environments: { staging: { resources: { queues: ['orders-queue', 'emails-queue'], functions: ['a', 'b'] } } } }));
    const specs = alarmSpecs(config, 'staging');
    expect(specs.filter((s) => s.rowId === 'queue-backup').map((s) => s.name)).toEqual([
      'NotificationService Queue Depth > 1000 (orders-queue)',
      'NotificationService Queue Depth > 1000 (emails-queue)',
    ]);
    expect(specs.filter((s) => s.rowId === 'error-rate')).toHaveLength(2);
    expect(specs.filter((s) => s.rowId === 'memory-pressure')).toHaveLength(1);
    expect(watchedResources(config, 'staging').apis).toEqual(['notification-service-api']);
  });

  it('matches any of the out-of-memory signatures, each quoted (CloudWatch Logs "?term" syntax)', () => {
    expect(OUT_OF_MEMORY_FILTER_PATTERN).toBe('?"JavaScript heap out of memory" ?"Runtime.OutOfMemory" ?"signal: killed" ?"Allowed memory size of"');
  });

  it('routes alarm state changes by alarm name, as EventBridge emits them', () => {
    expect(alarmStateChangePattern(['a'])).toEqual({ source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], detail: { alarmName: ['a'] } });
  });
});
