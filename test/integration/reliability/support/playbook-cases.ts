// The playbooks the reliability suite runs against the emulator: one row per handler, so a new playbook is one more row.
import { GetEventSourceMappingCommand, GetFunctionConcurrencyCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import type { Clock } from '../../../../shared/clock';
import type { RuntimeConfig } from '../../../../shared/config/load-config';
import type { EnvironmentName } from '../../../../shared/config/schema';
import { createAlarmHandler, type AlarmHandler } from '../../../../shared/pipeline/create-alarm-handler';
import { queueBackupPlaybook } from '../../../../shared/playbooks/queue-backup';
import type { SandboxAccount } from '../../support/sandbox-account';

/** One AWS API as the gap proxy's call log names it (SigV4 service name + operation) and as IAM names it. */
export interface ApiRef {
  service: string;
  operation: string;
  iamAction: string;
}

export interface PlaybookCase {
  /** handlers/<handler>.ts */
  handler: string;
  environment: EnvironmentName;
  /** Every AWS action the playbook declares (its IAM policy). */
  actions: readonly string[];
  /** The handler as handlers/<handler>.ts builds it, with an injected clock where a test drives time. */
  create(options?: { clock?: Clock }): AlarmHandler;
  alarmName(account: SandboxAccount): string;
  /** The one number the playbook turns on ALARM and puts back on OK, read from the emulator. */
  knob: {
    name: string;
    read(account: SandboxAccount): Promise<number>;
    baseline(account: SandboxAccount): number;
    step(runtime: RuntimeConfig): number;
    /** The lowest of the environment's cap and AWS's own limit. */
    cap(runtime: RuntimeConfig): number;
  };
  /** Everything the playbook may change, read from the emulator: "no partial state" compares two of these. */
  snapshot(account: SandboxAccount): Promise<Record<string, unknown>>;
  /** The call that makes the change: faults are injected on it and the emulator dies right after it. */
  apply: ApiRef;
  /** A read the playbook makes before deciding. */
  observeRead: ApiRef;
  /**
   * Puts the resource where the next ALARM needs more than one mutating call, the first of which succeeds:
   * a denial of `apply` then lands after a partial change, which must be undone.
   */
  prepareMultiStepChange?(account: SandboxAccount): Promise<void>;
}

async function maximumConcurrency(account: SandboxAccount): Promise<number> {
  const mapping = await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }));
  return mapping.ScalingConfig?.MaximumConcurrency ?? 0;
}

async function reservedConcurrency(account: SandboxAccount): Promise<number | null> {
  const result = await account.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: account.topology.consumer.functionName }));
  return result.ReservedConcurrentExecutions ?? null;
}

export const scaleConsumersCase: PlaybookCase = {
  handler: 'scale-consumers',
  environment: 'production',
  actions: queueBackupPlaybook.actions,
  create: (options = {}) => createAlarmHandler({ playbook: queueBackupPlaybook, ...options }),
  alarmName: (account) => {
    const name = account.topology.alarmNamesByHandler['scale-consumers']?.[0];
    if (!name) throw new Error('the topology has no scale-consumers alarm');
    return name;
  },
  knob: {
    name: 'MaximumConcurrency',
    read: maximumConcurrency,
    baseline: (account) => account.topology.consumer.maximumConcurrency,
    step: (runtime) => runtime.env.scaleConsumers.stepConcurrency,
    // Lambda: ScalingConfig.MaximumConcurrency is 2..1000.
    cap: (runtime) => Math.min(runtime.env.scaleConsumers.maxConcurrency, 1000),
  },
  snapshot: async (account) => ({ maximumConcurrency: await maximumConcurrency(account), reservedConcurrency: await reservedConcurrency(account) }),
  apply: { service: 'lambda', operation: 'UpdateEventSourceMapping', iamAction: 'lambda:UpdateEventSourceMapping' },
  observeRead: { service: 'lambda', operation: 'GetFunctionConcurrency', iamAction: 'lambda:GetFunctionConcurrency' },
  // At MaximumConcurrency 100 with 100 reserved, the next step raises reserved concurrency first, then the mapping.
  prepareMultiStepChange: async (account) => {
    await account.lambda.send(
      new UpdateEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid, ScalingConfig: { MaximumConcurrency: 100 } }),
    );
  },
};

/** Every playbook the suite covers; add a row when a playbook's handler lands. */
export const playbookCases: PlaybookCase[] = [scaleConsumersCase];

export { loadHandler } from '../../../support/load-handler';

/** Operations that change something, by name (the proxy's call log names SigV4 service + API). */
export function isMutating(operation: string): boolean {
  return !/^(Get|List|Describe|Query|Scan|BatchGet|Receive|Filter|Lookup|Search|Head|Select)/.test(operation);
}
