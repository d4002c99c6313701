// Which database Connection Timeout reads in each region (decision 101): the configured one in the primary region, the
// cross-region replica in the DR region, where the configured identifier names nothing. RDS, Lambda and ElastiCache mocked.
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { connectionTimeoutPlaybook, type ConnectionTimeoutClients } from '../../../shared/playbooks/connection-timeout';
import type { PlaybookContext } from '../../../shared/pipeline/types';
import { ManualClock } from '../../support/manual-clock';

const FN = 'notification-service-consumer';
const rds = mockClient(RDSClient);
const lambda = mockClient(LambdaClient);
const elastiCache = mockClient(ElastiCacheClient);

beforeEach(() => {
  rds.reset();
  lambda.reset();
  elastiCache.reset();
  lambda.on(GetFunctionConfigurationCommand).resolves({ FunctionName: FN, Timeout: 30 });
  elastiCache.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [] });
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'whatever', DBInstanceStatus: 'available' }] });
});

async function describedIn(region: string): Promise<Array<string | undefined>> {
  const ctx = {
    clients: { lambda: new LambdaClient({ region }), rds: new RDSClient({ region }), elastiCache: new ElastiCacheClient({ region }) },
    clock: new ManualClock(0),
    runtime: loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region }),
  } as unknown as PlaybookContext<ConnectionTimeoutClients>;
  await connectionTimeoutPlaybook.observe(ctx, { resource: { type: 'lambda-function', id: FN, arn: 'arn' }, functionName: FN, via: 'function alarm' });
  return rds.commandCalls(DescribeDBInstancesCommand).map((call) => call.args[0].input.DBInstanceIdentifier);
}

describe('inspect-security-groups: the database it reads per region (production; regions and replica are the project defaults)', () => {
  it('reads the configured database in the primary region (us-east-1)', async () => {
    expect(await describedIn('us-east-1')).toEqual(['notification-service-db']);
  });

  it('reads the cross-region replica in the DR region (us-west-2), never the primary identifier there', async () => {
    expect(await describedIn('us-west-2')).toEqual(['notification-service-db-replica']);
  });
});
