// alarmSpecsOf: the decision path's alarmSpecs, built once per configuration object, environment and region (issue 15
// item 4: Queue Backup built every alarm of its region six times per decision).
import { alarmSpecs, alarmSpecsOf } from '../../../shared/config/alarm-specs';
import { defaultConfig } from '../../../shared/config/defaults';
import { mergeConfig, parseAutomationConfig } from '../../../shared/config/load-config';
import { ENVIRONMENTS } from '../../../shared/config/schema';

const seed = parseAutomationConfig(defaultConfig);
const places = ENVIRONMENTS.flatMap((environment) => [undefined, ...seed.environments[environment].regions].map((region) => ({ environment, region })));

describe('alarmSpecsOf', () => {
  it('answers what alarmSpecs builds, for every environment and region, in either order of asking', () => {
    expect(places.length).toBeGreaterThan(3);
    const config = parseAutomationConfig(defaultConfig);
    for (const { environment, region } of [...places, ...[...places].reverse()]) {
      expect(alarmSpecsOf(config, environment, region)).toEqual(alarmSpecs(config, environment, region));
    }
  });

  it('builds once per configuration object, environment and region', () => {
    const config = parseAutomationConfig(defaultConfig);
    const first = alarmSpecsOf(config, 'production', 'us-east-1');
    expect(alarmSpecsOf(config, 'production', 'us-east-1')).toBe(first);
    expect(alarmSpecsOf(config, 'staging', 'us-east-1')).not.toBe(first);
  });

  it('keeps two configurations apart', () => {
    const other = parseAutomationConfig(mergeConfig(defaultConfig, { environments: { production: { resources: { queues: ['orders-queue'] } } } }));
    const seedNames = alarmSpecsOf(seed, 'production').map((s) => s.name);
    const otherNames = alarmSpecsOf(other, 'production').map((s) => s.name);
    expect(otherNames).toContain('NotificationService Queue Depth > 1000 (orders-queue)');
    expect(seedNames).not.toContain('NotificationService Queue Depth > 1000 (orders-queue)');
    expect(alarmSpecsOf(seed, 'production').map((s) => s.name)).toEqual(seedNames);
  });

  it('is frozen to its leaves: no caller can change what the next one reads', () => {
    const config = parseAutomationConfig(defaultConfig);
    const specs = alarmSpecsOf(config, 'production');
    const depth = specs.find((s) => s.rowId === 'queue-backup' && s.metric.kind === 'single');
    if (!depth || depth.metric.kind !== 'single') throw new Error('no Queue Backup depth alarm in the seed');
    const { dimensions } = depth.metric.metric;
    expect(() => (specs as unknown as unknown[]).push(depth)).toThrow(TypeError);
    expect(() => Object.assign(depth, { threshold: 1 })).toThrow(TypeError);
    expect(() => Object.assign(dimensions, { QueueName: 'other' })).toThrow(TypeError);
    const again = alarmSpecsOf(config, 'production').find((s) => s.name === depth.name);
    expect(again?.threshold).toBe(1000);
    expect(again?.metric.kind === 'single' && again.metric.metric.dimensions).toEqual({ QueueName: 'notification-service-queue' });
    // The configuration itself is not frozen with them (the specs are a frozen copy).
    expect(alarmSpecs(config, 'production')).toEqual(specs);
    expect(Object.isFrozen(config.troubleshooting)).toBe(false);
  });
});
