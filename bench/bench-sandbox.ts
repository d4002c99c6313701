// The benchmark's own emulator: moto + the gap proxy on loopback, one provisioned account per measurement.
import { randomInt } from 'node:crypto';
import { CloudWatchClient, DescribeAlarmsCommand, SetAlarmStateCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { loadRuntimeConfig } from '../shared/config/load-config';
import type { EnvironmentName } from '../shared/config/schema';
import { buildAlarmStateChangeEvent } from '../sandbox/alarm-evaluator';
import { sandboxEnv } from '../sandbox/credentials';
import { startGapProxy, type GapProxy } from '../sandbox/gap-proxy';
import { startMotoServer, type MotoServer } from '../sandbox/moto-server';
import { provisionSandbox, type SandboxClientConfig } from '../sandbox/provision';
import type { Topology } from '../sandbox/topology';
import { stateChangedAt } from '../shared/aws/alarm-state-reader';

export interface BenchSandbox {
  moto: MotoServer;
  proxy: GapProxy;
  stop(): Promise<void>;
}

export async function startBenchSandbox(): Promise<BenchSandbox> {
  const moto = await startMotoServer();
  try {
    const proxy = await startGapProxy({ upstream: moto.endpoint });
    return {
      moto,
      proxy,
      async stop() {
        await proxy.stop().catch(() => undefined);
        await moto.stop();
      },
    };
  } catch (error) {
    await moto.stop();
    throw error;
  }
}

export interface BenchAccount {
  accountId: string;
  /** What a handler process needs: endpoint, credentials for this account, environment, overrides. */
  env: Record<string, string>;
  clientConfig: SandboxClientConfig;
  topology: Topology;
  /** Sets the alarm's state in the emulator and returns the event CloudWatch would put on EventBridge for it. */
  transition(alarmName: string, value: 'ALARM' | 'OK'): Promise<Record<string, unknown>>;
}

export async function provisionBenchAccount(
  sandbox: BenchSandbox,
  environment: EnvironmentName,
  extraEnv: Record<string, string> = {},
): Promise<BenchAccount> {
  const accountId = String(randomInt(200_000_000_000, 999_999_999_999));
  const env: Record<string, string> = {
    ...sandboxEnv({ endpoint: sandbox.proxy.endpoint, accountId }),
    RUNBOOK_ENVIRONMENT: environment,
    BENCH_ACCOUNT_ID: accountId,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extraEnv,
  };
  const clientConfig: SandboxClientConfig = {
    endpoint: sandbox.proxy.endpoint,
    region: env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '' },
  };
  const runtime = loadRuntimeConfig(env);
  const topology = await provisionSandbox({ clientConfig, config: runtime.config, environment });
  const cloudWatch = new CloudWatchClient(clientConfig);
  const previous = new Map<string, { value: string; reason: string; timestamp: string }>();
  return {
    accountId,
    env,
    clientConfig,
    topology,
    async transition(alarmName, value) {
      const reason = `Threshold Crossed: benchmark moved ${alarmName} to ${value}`;
      const reasonData = JSON.stringify({ version: '1.0', queryDate: new Date().toISOString(), statistic: 'Maximum', period: 60, recentDatapoints: [1500], threshold: 1000 });
      await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: value, StateReason: reason, StateReasonData: reasonData }));
      const alarm = (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }))).MetricAlarms?.[0] as MetricAlarm;
      const timestamp = (stateChangedAt(alarm) ?? new Date()).toISOString();
      const before = previous.get(alarmName) ?? { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', timestamp };
      previous.set(alarmName, { value, reason, timestamp });
      return buildAlarmStateChangeEvent({
        alarm,
        account: accountId,
        region: clientConfig.region,
        previous: before,
        current: { value, reason, reasonData, timestamp },
      });
    },
  };
}
