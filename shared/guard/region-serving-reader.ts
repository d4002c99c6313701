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
/** Pages of one queue's mappings read at most (100 mappings a page, Lambda's default MaxItems): far above any real queue. */
export const MAX_MAPPING_PAGES = 20;

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
      // The answer must be the configured replica and nothing else. RDS identifiers are not case-sensitive (RDS stores
      // them lower-case), so they are compared as RDS does.
      const wanted = scope.replicaIdentifier.toLowerCase();
      const instance = instances.find((i) => i.DBInstanceIdentifier?.toLowerCase() === wanted);
      if (instances.length !== 1 || instance === undefined) {
        return instances.length === 0
          ? { read: 'missing' }
          : { read: 'failed', error: `DescribeDBInstances answered ${instances.map((i) => i.DBInstanceIdentifier ?? '?').join(', ')} for ${scope.replicaIdentifier}` };
      }
      return {
        read: 'found',
        ...(instance.DBInstanceStatus !== undefined ? { status: instance.DBInstanceStatus } : {}),
        ...(instance.ReadReplicaSourceDBInstanceIdentifier !== undefined ? { replicationSource: instance.ReadReplicaSourceDBInstanceIdentifier } : {}),
        ...(instance.DBClusterIdentifier !== undefined ? { cluster: instance.DBClusterIdentifier } : {}),
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
        const seen = new Set<string>();
        do {
          // A marker answered twice, or more pages than any real queue has, would loop until the Lambda times out (no
          // decision, no escalation): read as failed instead, which is "not serving" (fails closed).
          if (marker !== undefined) {
            if (seen.has(marker)) throw new Error(`ListEventSourceMappings on ${queueName} answered the marker ${marker.slice(0, 40)} twice`);
            if (seen.size + 1 >= MAX_MAPPING_PAGES) throw new Error(`ListEventSourceMappings on ${queueName} had more than ${MAX_MAPPING_PAGES} pages`);
            seen.add(marker);
          }
          const page = await clients.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: queueArn, Marker: marker }));
          for (const m of page.EventSourceMappings ?? []) {
            const functionName = functionNameFromArn(m.FunctionArn ?? '');
            // Only the configured consumers' mappings say whether the DR consumers consume; another function's is not theirs
            // (the name compared whole: a look-alike such as <consumer>-canary is another function).
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
  return judgeRegionServing({ replicaIdentifier: scope.replicaIdentifier, queues: scope.queues, replica, mappings });
}

/** The reader a DR region's handler builds per account (its SDK config: own credentials, or the remediation role's). */
export function createRegionServingReader(config: SdkClientConfig, runtime: Pick<RuntimeConfig, 'env' | 'region'>): { read(account: string): Promise<RegionServing> } {
  const clients = { rds: new RDSClient(config), lambda: new LambdaClient(config) };
  return { read: (account) => readRegionServing(clients, runtime, account) };
}
