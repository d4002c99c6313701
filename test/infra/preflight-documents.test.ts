// Preflight expects, per region, exactly the runbook documents infra registers there (decision 97: the DR region takes
// no document of a row that changes something not watched there). The two lists are built by different code
// (cli/preflight/index.ts deployedDocuments reads runbooks/ as YAML; infra's documentsForRegion filters the parsed
// RunbookDocuments by the region's deployed handlers too), so this holds them equal for every environment and region.
import { join } from 'node:path';
import { deployedDocuments } from '../../cli/preflight/index';
import { documentsForRegion, readRunbookDocuments } from '../../infra/lib/constructs/runbook-documents';
import { handlerCatalog } from '../../infra/lib/handler-catalog';
import { regionDocuments } from '../../infra/lib/runbook-stack';
import { defaultConfig } from '../../shared/config/defaults';
import { mergeConfig, parseAutomationConfig } from '../../shared/config/load-config';
import type { EnvironmentName } from '../../shared/config/schema';

const root = join(__dirname, '../..');
const runbooks = join(root, 'runbooks');
const config = parseAutomationConfig(defaultConfig);
const handlers = handlerCatalog({ rootDir: root });
const cases = (Object.keys(config.environments) as EnvironmentName[]).flatMap((environment) =>
  config.environments[environment].regions.map((region) => [environment, region] as const),
);

describe('preflight expects the documents infra registers in each region', () => {
  it('covers every environment and a dr region', () => {
    expect(cases.length).toBeGreaterThanOrEqual(4);
    expect(cases.some(([environment, region]) => config.environments[environment].regionRoles?.[region] === 'dr')).toBe(true);
  });

  it.each(cases)('%s in %s', (environment, region) => {
    const infra = documentsForRegion(readRunbookDocuments(runbooks), regionDocuments(config, environment, region, handlers)).map((d) => d.name).sort();
    const single = deployedDocuments(runbooks, config, environment, { partition: 'aws', region, account: '111111111111' }).map((d) => d.name);
    const cross = deployedDocuments(runbooks, config, environment, { partition: 'aws', region, account: '111111111111', workloadAccount: '222222222222' }).map((d) => d.name);
    expect(single).toEqual(infra);
    expect(cross).toEqual(infra);
    expect(infra.length).toBeGreaterThan(0);
  });

  it('expects the changing rows\' documents in the dr region too, since it runs those rows (decision 123), and leaves them out where a row is not watched', () => {
    const dr = deployedDocuments(runbooks, config, 'production', { partition: 'aws', region: 'us-west-2', account: '111111111111' }).map((d) => d.name);
    const primary = deployedDocuments(runbooks, config, 'production', { partition: 'aws', region: 'us-east-1', account: '111111111111' }).map((d) => d.name);
    expect(dr).toEqual(primary);
    expect(dr).toEqual(expect.arrayContaining(['NotificationService-RaiseLambdaMemory', 'NotificationService-ScaleConsumers', 'NotificationService-ScaleUpDatabase']));
    // A configuration that keeps the changing rows to the primary (decision 82's table) leaves their documents out of the dr region.
    const primaryOnly = parseAutomationConfig(
      mergeConfig(defaultConfig, { troubleshooting: config.troubleshooting.map((r) => (['queue-backup', 'memory-pressure', 'cpu-utilization'].includes(r.id) ? { ...r, watchIn: ['primary'] } : r)) }),
    );
    const drThen = deployedDocuments(runbooks, primaryOnly, 'production', { partition: 'aws', region: 'us-west-2', account: '111111111111' }).map((d) => d.name);
    expect(primary.filter((name) => !drThen.includes(name))).toEqual(['NotificationService-RaiseLambdaMemory', 'NotificationService-ScaleConsumers', 'NotificationService-ScaleUpDatabase']);
  });
});
