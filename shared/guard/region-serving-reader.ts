// Reads, in the DR region itself, what FailoverToDR changes there (the replica, the DR consumers' mapping) and judges it.
// Loaded on demand (a chunk of its own): only a DR region's handler ever reads it.
import { LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { functionNameFromArn, partitionOf } from '../aws/arn';
import type { SdkClientConfig } from '../aws/client-config';
import { errorName } from '../aws/classify-error';
import type { RuntimeConfig } from '../config/load-config';
import { judgeRegionServing, regionServingScope, type RegionServing, type RegionServingReading } from './region-serving';

export interface RegionServingClients {
  rds: Pick<RDSClient, 'send'>;
  lambda: Pick<LambdaClient, 'send'>;
}

const NOT_FOUND = new Set(['DBInstanceNotFound', 'DBInstanceNotFoundFault']);

function describeError(error: unknown): string {
  const message = (error as { message?: unknown })?.message;
  return typeof message === 'string' && message !== '' ? `${errorName(error)}: ${message.slice(0, 200)}` : errorName(error);
}

/**
 * Both reads at once, in `runtime.region` and `account` (the alarm's: in cross-account mode, through the workload's
 * remediation role). Never throws: a failed read is part of the reading, and the judgement fails closed on it.
 */
export async function readRegionServing(clients: RegionServingClients, runtime: Pick<RuntimeConfig, 'env' | 'region'>, account: string): Promise<RegionServing> {
  const scope = regionServingScope(runtime);
  const readReplica = async (): Promise<RegionServingReading['replica']> => {
    if (scope.replicaIdentifier === undefined) return { read: 'not-read' };
    try {
      const answer = await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: scope.replicaIdentifier }));
      const instances = answer.DBInstances ?? [];
      const instance = instances.find((i) => i.DBInstanceIdentifier === scope.replicaIdentifier);
      if (instances.length !== 1 || instance === undefined) {
        return instances.length === 0 ? { read: 'missing' } : { read: 'failed', error: `DescribeDBInstances answered ${instances.length} instances for one identifier` };
      }
      return {
        read: 'found',
        ...(instance.DBInstanceStatus !== undefined ? { status: instance.DBInstanceStatus } : {}),
        ...(instance.ReadReplicaSourceDBInstanceIdentifier !== undefined ? { replicationSource: instance.ReadReplicaSourceDBInstanceIdentifier } : {}),
      };
    } catch (error) {
      return NOT_FOUND.has(errorName(error)) ? { read: 'missing' } : { read: 'failed', error: describeError(error) };
    }
  };
  const readMappings = async (): Promise<RegionServingReading['mappings']> => {
    try {
      const list: Array<{ uuid: string; functionName: string; queueName: string; state: string }> = [];
      for (const queueName of scope.queues) {
        const queueArn = `arn:${partitionOf(runtime.region)}:sqs:${runtime.region}:${account}:${queueName}`;
        let marker: string | undefined;
        do {
          const page = await clients.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: queueArn, Marker: marker }));
          for (const m of page.EventSourceMappings ?? []) {
            const functionName = functionNameFromArn(m.FunctionArn ?? '');
            // Only the configured consumers' mappings say whether the DR consumers consume; another function's is not theirs.
            if (scope.consumers.includes(functionName)) list.push({ uuid: m.UUID ?? '?', functionName, queueName, state: m.State ?? 'unknown' });
          }
          marker = page.NextMarker;
        } while (marker);
      }
      return { read: 'ok', list };
    } catch (error) {
      return { read: 'failed', error: describeError(error) };
    }
  };
  const [replica, mappings] = await Promise.all([readReplica(), readMappings()]);
  return judgeRegionServing({ replicaIdentifier: scope.replicaIdentifier, replica, mappings });
}

/** The reader a DR region's handler builds per account (its SDK config: own credentials, or the remediation role's). */
export function createRegionServingReader(config: SdkClientConfig, runtime: Pick<RuntimeConfig, 'env' | 'region'>): { read(account: string): Promise<RegionServing> } {
  const clients = { rds: new RDSClient(config), lambda: new LambdaClient(config) };
  return { read: (account) => readRegionServing(clients, runtime, account) };
}
