// The matrix values preflight reports as the automation's own drift (WARN), per environment and API type: pure.
import { loadRuntimeConfig } from '../../../../shared/config/load-config';
import type { EnvironmentName } from '../../../../shared/config/schema';
import { automationDrift } from '../../../../cli/preflight/automation-drift';

const CONSUMER = 'notification-service-consumer';
const configOf = (environment: EnvironmentName, overrides?: object) =>
  loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: environment, AWS_REGION: 'us-east-1', ...(overrides ? { RUNBOOK_CONFIG_JSON: JSON.stringify(overrides) } : {}) }).config;
const document = { memoryMb: 512, timeoutSeconds: 30 };

describe('automationDrift', () => {
  it.each<[EnvironmentName, string, number[], string[]]>([
    ['production', 'db.r6g.xlarge', [768, 1152, 1728, 2624, 3008], ['db.r6g.2xlarge', 'db.r6g.4xlarge']],
    ['staging', 'db.r6g.large', [768, 1152, 1728, 2048], ['db.r6g.xlarge']],
    // Development is report-only: nothing off its matrix is the automation's.
    ['development', 'db.t3.medium', [], []],
  ])("%s: raise-lambda-memory's steps from 512 MB to the cap, and the ladder's classes above the matrix", (environment, dbInstanceClass, memory, classes) => {
    const drift = automationDrift(configOf(environment), environment, [CONSUMER], { ...document, dbInstanceClass });
    expect((drift.memoryMb[CONSUMER] ?? []).map((e) => e.value)).toEqual(memory);
    expect(drift.dbInstanceClass.map((e) => e.value)).toEqual(classes);
  });

  it.each<[string, 'rest' | 'http', number]>([
    ["a REST API (API Gateway's 29 s): 28 s", 'rest', 28],
    ["an HTTP API (30 s): 29 s, the function's 30 s is not under it", 'http', 29],
  ])("the 504 diagnosis's timeout for the consumer behind %s", (_api, type, timeout) => {
    const config = configOf('production', { dependencies: { apis: [{ name: 'notification-service-api', functionName: CONSUMER, type }] } });
    const drift = automationDrift(config, 'production', [CONSUMER], { ...document, dbInstanceClass: 'db.r6g.xlarge' });
    expect(drift.timeoutSeconds[CONSUMER]?.map((e) => e.value)).toEqual([timeout]);
    expect(drift.timeoutSeconds[CONSUMER]?.[0]?.why).toContain('the 504 diagnosis (inspect-security-groups) recommends it');
  });

  it('recommends no timeout for a function no API fronts', () => {
    const config = configOf('production', { dependencies: { apis: [] } });
    expect(automationDrift(config, 'production', [CONSUMER], { ...document, dbInstanceClass: 'db.r6g.xlarge' }).timeoutSeconds).toEqual({});
  });
});
