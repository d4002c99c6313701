// Integration-test support: a further watched function beside the sandbox's consumer (the sandbox provisions the first
// function the environment lists), with its out-of-memory filter and alarm as infra builds them (decision 359).
import { CloudWatchLogsClient, CreateLogGroupCommand, PutMetricFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ZipFile } from 'yazl';
import { alarmSpecs, metricFilterSpecs } from '../../../shared/config/alarm-specs';
import type { AutomationConfig } from '../../../shared/config/schema';
import { provisionAlarms } from '../../../sandbox/provision';
import type { SandboxAccount } from './sandbox-account';

export interface AnotherFunction {
  functionName: string;
  logGroupName: string;
  /** Its out-of-memory alarm, as alarmSpecs names it. */
  alarmName: string;
  /** The metric its filter publishes and its alarm watches. */
  oomMetric: { namespace: string; metricName: string };
  /** The account seen as if this function were its consumer: what writeOutOfMemoryLines and putConsumerErrors read. */
  asConsumer: Pick<SandboxAccount, 'clientConfig' | 'cloudWatch' | 'topology'>;
}

/** A deployment package with a bootstrap, as the consumer's (the emulator runs nothing). */
function placeholderZip(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from('#!/bin/sh\nexec /opt/bin/php "$LAMBDA_TASK_ROOT/index.php"\n'), 'bootstrap', { mode: 0o100755 });
    zip.addBuffer(Buffer.from("<?php\nreturn fn (array $event) => ['batchItemFailures' => []];\n"), 'index.php');
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.once('error', reject);
    zip.outputStream.once('end', () => resolve(Buffer.concat(chunks)));
    zip.end();
  });
}

/**
 * Provisions `functionName`, one of the functions `config` lists for the account's environment, in the account: its log
 * group with the out-of-memory filter metricFilterSpecs gives it, the function (the consumer's role, runtime, memory and
 * timeout), and the out-of-memory alarm alarmSpecs gives it. Both specs are infra's, so the filter and alarm are the
 * ones infra deploys for that function.
 */
export async function provisionAnotherFunction(account: SandboxAccount, config: AutomationConfig, functionName: string): Promise<AnotherFunction> {
  const { environment, region, consumer } = account.topology;
  const filter = metricFilterSpecs(config, environment, region).find((spec) => spec.rowId === 'memory-pressure' && spec.functionName === functionName);
  if (!filter) throw new Error(`no out-of-memory filter for ${functionName}: is it one of the ${environment} functions?`);
  const alarm = alarmSpecs(config, environment, region).find(
    (spec) => spec.rowId === 'memory-pressure' && spec.metric.kind === 'single' && spec.metric.metric.namespace === filter.namespace && spec.metric.metric.metricName === filter.metricName,
  );
  if (!alarm) throw new Error(`no out-of-memory alarm on ${filter.namespace}/${filter.metricName}`);
  const logs = new CloudWatchLogsClient(account.clientConfig);
  const lambda = new LambdaClient(account.clientConfig);
  try {
    await logs.send(new CreateLogGroupCommand({ logGroupName: filter.logGroupName }));
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: filter.logGroupName,
        filterName: filter.filterName,
        filterPattern: filter.pattern,
        metricTransformations: [{ metricNamespace: filter.namespace, metricName: filter.metricName, metricValue: filter.metricValue, defaultValue: 0, unit: 'Count' }],
      }),
    );
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: functionName,
        Runtime: 'provided.al2023',
        Handler: 'index.php',
        Role: consumer.roleArn,
        Code: { ZipFile: await placeholderZip() },
        MemorySize: consumer.memoryMb,
        Timeout: consumer.timeoutSeconds,
      }),
    );
    await provisionAlarms(account.cloudWatch, [alarm]);
    const topology = {
      ...account.topology,
      consumer: { ...consumer, functionName, functionArn: created.FunctionArn ?? '', logGroupName: filter.logGroupName },
      oomMetricFilter: { ...account.topology.oomMetricFilter, name: filter.filterName, logGroupName: filter.logGroupName, namespace: filter.namespace, metricName: filter.metricName },
    };
    return {
      functionName,
      logGroupName: filter.logGroupName,
      alarmName: alarm.name,
      oomMetric: { namespace: filter.namespace, metricName: filter.metricName },
      asConsumer: { clientConfig: account.clientConfig, cloudWatch: account.cloudWatch, topology },
    };
  } finally {
    logs.destroy();
    lambda.destroy();
  }
}
