// Decision 359 (review 21a, R21-3) on the emulator: an environment watching two functions has an out-of-memory filter,
// metric and alarm per function, and raise-lambda-memory, through its real entry point and the real SDK, raises the
// memory of the function whose filter publishes the firing alarm's metric, and only that function's.
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { loadHandler } from '../../support/load-handler';
import { provisionAnotherFunction, type AnotherFunction } from '../support/another-function';
import { provisionAccount, writeOutOfMemoryLines, type SandboxAccount } from '../support/sandbox-account';

// Provisioning a topology and a second function, on a loaded machine.
jest.setTimeout(120_000);

/** The seed's consumer (first: the one the sandbox provisions) and a second consumer the environment also watches. */
const FIRST = 'notification-service-consumer';
const SECOND = 'notification-service-sms-consumer';

let account: SandboxAccount;
let second: AnotherFunction;
let handler: AlarmHandler;

async function memoryMb(functionName: string): Promise<number | undefined> {
  return (await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))).MemorySize;
}

/** The first function's out-of-memory alarm, as the sandbox provisioned it. */
function firstAlarm(): string {
  const name = account.topology.alarmNamesByHandler['raise-lambda-memory']?.[0];
  if (!name) throw new Error('the topology has no raise-lambda-memory alarm');
  return name;
}

beforeAll(async () => {
  account = await provisionAccount('production', { RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { production: { resources: { functions: [FIRST, SECOND] } } } }) });
  second = await provisionAnotherFunction(account, loadRuntimeConfig(process.env).config, SECOND);
  handler = loadHandler('raise-lambda-memory');
});

describe('raise-lambda-memory in an environment that watches two functions (decision 359)', () => {
  it('gives each function its own out-of-memory metric, filter and alarm', async () => {
    expect(account.topology.consumer.functionName).toBe(FIRST);
    const logs = new CloudWatchLogsClient(account.clientConfig);
    try {
      const published = async (logGroupName: string) =>
        ((await logs.send(new DescribeMetricFiltersCommand({ logGroupName }))).metricFilters ?? []).flatMap((f) => (f.metricTransformations ?? []).map((t) => `${t.metricNamespace}/${t.metricName}`));
      expect(await published(account.topology.consumer.logGroupName)).toEqual([`NotificationService/OutOfMemoryErrors-${FIRST}`]);
      expect(await published(second.logGroupName)).toEqual([`NotificationService/OutOfMemoryErrors-${SECOND}`]);
    } finally {
      logs.destroy();
    }
    const alarms = (await account.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [firstAlarm(), second.alarmName] }))).MetricAlarms ?? [];
    expect(alarms.map((a) => [a.AlarmName, a.MetricName, a.Dimensions ?? []]).sort()).toEqual(
      [
        [firstAlarm(), `OutOfMemoryErrors-${FIRST}`, []],
        [second.alarmName, `OutOfMemoryErrors-${SECOND}`, []],
      ].sort(),
    );
    expect(second.alarmName).toContain(`(${SECOND})`);
  });

  it("raises the second function's memory on the second function's alarm, leaving the first function's alone", async () => {
    const before = { first: await memoryMb(FIRST), second: await memoryMb(SECOND) };
    await writeOutOfMemoryLines(second.asConsumer);
    const decision = await handler(await account.transition(second.alarmName, 'ALARM'));
    expect(decision).toMatchObject({ outcome: 'applied', resource: { type: 'lambda-function', id: SECOND }, reason: expect.stringContaining('memory 512 -> 768 MB') });
    expect(before).toEqual({ first: 512, second: 512 });
    expect({ first: await memoryMb(FIRST), second: await memoryMb(SECOND) }).toEqual({ first: 512, second: 768 });
  });

  it("raises the first function's memory on the first function's alarm, leaving the second function's alone", async () => {
    const secondBefore = await memoryMb(SECOND);
    await writeOutOfMemoryLines(account);
    const decision = await handler(await account.transition(firstAlarm(), 'ALARM'));
    expect(decision).toMatchObject({ outcome: 'applied', resource: { type: 'lambda-function', id: FIRST }, reason: expect.stringContaining('memory 512 -> 768 MB') });
    expect({ first: await memoryMb(FIRST), second: await memoryMb(SECOND) }).toEqual({ first: 768, second: secondBefore });
  });
});
