// scale-up-database's apply when RDS refuses the modification (review 20d R20-61, decision 343): a refusal of a retried
// attempt is read against the instance only after an attempt without an answer (R21b-3), a refusal of the first attempt
// stays a failure. The integration case (an applied
// ModifyDBInstance whose answer is lost, refused on the SDK's retry) is in test/integration/reliability/request-timeout.test.ts.
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { PermanentError } from '../../../shared/errors';
import { cpuUtilizationPlaybook, type CpuUtilizationClients } from '../../../shared/playbooks/cpu-utilization';
import type { PlaybookContext } from '../../../shared/pipeline/types';
import { ManualClock } from '../../support/manual-clock';

const id = 'notification-service-db';
const rdsMock = mockClient(RDSClient);
const target = { dbInstanceIdentifier: id, resource: { type: 'rds-db-instance', id, arn: `arn:aws:rds:us-east-1:123456789012:db:${id}` } };
const change = { dbInstanceIdentifier: id, fromClass: 'db.r6g.large', toClass: 'db.r6g.xlarge' };

/** RDS's refusal as the SDK hands it on, after `attempts` attempts of the call (the retry middleware's count). */
function refusal(attempts: number, name = 'InvalidDBInstanceStateFault'): Error {
  return Object.assign(new Error('Database instance is not in available state.'), {
    name,
    $fault: 'client' as const,
    $metadata: { httpStatusCode: 400, attempts },
  });
}

function context(): PlaybookContext<CpuUtilizationClients> {
  return {
    clients: { rds: new RDSClient({ region: 'us-east-1' }) },
    clock: new ManualClock(Date.parse('2026-12-07T17:00:00Z')),
    runtime: loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'staging', AWS_REGION: 'us-east-1' }),
  };
}

beforeEach(() => rdsMock.reset());

describe('scale-up-database apply when RDS refuses the modification as the instance is not available', () => {
  // The read-back of a refused retry (an earlier attempt without an answer) needs the RDS client's record of its attempts
  // (shared/aws/unanswered-attempts.ts), which a mocked send never passes: those cases are in
  // cpu-utilization-apply-attempts.test.ts, with a real RDSClient against a loopback server (review 21b R21b-3).
  it('never reads back a refused retry whose attempts were not recorded (a client without the record): a permanent failure saying so', async () => {
    rdsMock.on(ModifyDBInstanceCommand).rejects(refusal(3));
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceClass: 'db.r6g.large', DBInstanceStatus: 'modifying', PendingModifiedValues: { DBInstanceClass: 'db.r6g.xlarge' } }] });
    const failure = cpuUtilizationPlaybook.apply(context(), target, change);
    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    await expect(failure).rejects.toThrow(
      `RDS ModifyDBInstance of ${id} to db.r6g.xlarge refused after 3 attempts (InvalidDBInstanceStateFault: Database instance is not in available state.): ` +
        'what the earlier attempts met was not recorded (a client without the attempt record), so none is taken as applied: another modification is under way',
    );
    expect(rdsMock.commandCalls(DescribeDBInstancesCommand)).toHaveLength(0);
  });

  it('keeps a refusal of the first attempt a permanent failure, as before, without reading the instance again', async () => {
    rdsMock.on(ModifyDBInstanceCommand).rejects(refusal(1));
    const failure = cpuUtilizationPlaybook.apply(context(), target, change);
    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    await expect(failure).rejects.toThrow('RDS ModifyDBInstance failed: InvalidDBInstanceStateFault: Database instance is not in available state.');
    expect(rdsMock.commandCalls(DescribeDBInstancesCommand)).toHaveLength(0);
  });

  it('classifies any other refusal of a retried attempt as before, without reading the instance again', async () => {
    rdsMock.on(ModifyDBInstanceCommand).rejects(refusal(2, 'InsufficientDBInstanceCapacityFault'));
    await expect(cpuUtilizationPlaybook.apply(context(), target, change)).rejects.toBeInstanceOf(PermanentError);
    expect(rdsMock.commandCalls(DescribeDBInstancesCommand)).toHaveLength(0);
  });
});
