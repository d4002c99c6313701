// scale-up-database's apply when RDS refuses a RETRIED ModifyDBInstance as the instance is not available (review 21b
// R21b-3, amends decision 343): the refusal is read back as this change only when an earlier attempt had no answer (it may
// have been applied). The RDS client is the playbook's own (createClients), a real RDSClient against a scripted loopback
// server: its retry middleware, request timeout and deserializer decide what each attempt met.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { clientConfig } from '../../../shared/aws/client-config';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { PermanentError } from '../../../shared/errors';
import { cpuUtilizationPlaybook, type CpuUtilizationClients } from '../../../shared/playbooks/cpu-utilization';
import type { PlaybookContext } from '../../../shared/pipeline/types';
import { ManualClock } from '../../support/manual-clock';
import { ScriptedRdsServer, type ModifyStep, type ScriptedInstance } from '../../support/scripted-rds-server';

const id = 'notification-service-db';
const target = { dbInstanceIdentifier: id, resource: { type: 'rds-db-instance', id, arn: `arn:aws:rds:us-east-1:123456789012:db:${id}` } };
const change = { dbInstanceIdentifier: id, fromClass: 'db.r6g.large', toClass: 'db.r6g.xlarge' };
/** A person's (or our lost attempt's) change to the same class, taken and pending. */
const samePending: ScriptedInstance = { id, instanceClass: 'db.r6g.large', status: 'modifying', pendingClass: 'db.r6g.xlarge' };

const server = new ScriptedRdsServer();
let endpoint = '';
beforeAll(async () => void (endpoint = await server.start()));
afterAll(() => server.stop());

async function apply(script: ModifyStep[], instance: ScriptedInstance): Promise<string> {
  server.arrange(script, instance);
  const config = { ...clientConfig({ region: 'us-east-1', requestTimeoutMs: 400 }), endpoint, credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' }) };
  const createClients = cpuUtilizationPlaybook.createClients;
  if (!createClients) throw new Error('scale-up-database builds no clients');
  const ctx: PlaybookContext<CpuUtilizationClients> = {
    clients: createClients(config, { cloudWatch: new CloudWatchClient(config) }),
    clock: new ManualClock(Date.parse('2026-12-07T17:00:00Z')),
    runtime: loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'staging', AWS_REGION: 'us-east-1' }),
  };
  const outcome = await cpuUtilizationPlaybook.apply(ctx, target, change).then(
    () => 'applied',
    (e: Error) => `${e instanceof PermanentError ? 'permanent' : e.name}: ${e.message}`,
  );
  expect(server.unused).toBe(0);
  return outcome;
}

describe('scale-up-database apply: a refused retry is read back only after an attempt that had no answer', () => {
  it.each<[string, ModifyStep[]]>([
    ['throttled (400 Throttling)', ['throttle', 'refuse']],
    ['answered 500 InternalFailure', ['server-error', 'refuse']],
  ])('the first attempt %s, a person\'s change to the same class pending: NOT recorded as ours, no read-back', async (_case, script) => {
    const outcome = await apply(script, samePending);
    expect(outcome).toBe(
      `permanent: RDS ModifyDBInstance of ${id} to db.r6g.xlarge refused after 2 attempts (InvalidDBInstanceStateFault: Database instance is not in available state.): ` +
        'every earlier attempt was answered (throttled or failed: nothing applied), so none of this change was taken: another modification is under way',
    );
    expect(server.calls).toEqual(['ModifyDBInstance', 'ModifyDBInstance']);
  });

  it.each<[string, ModifyStep[]]>([
    ['timed out (no answer within the request timeout)', ['silent', 'refuse']],
    ['cut (connection reset)', ['reset', 'refuse']],
    ['throttled, the second cut', ['throttle', 'reset', 'refuse']],
  ])('an attempt %s, the class planned pending: read back and recorded applied', async (_case, script) => {
    expect(await apply(script, samePending)).toBe('applied');
    expect(server.calls).toEqual([...script.map(() => 'ModifyDBInstance'), 'DescribeDBInstances']);
  });

  it('an attempt timed out, another class pending: read back, refused, saying what the instance reads', async () => {
    const outcome = await apply(['silent', 'refuse'], { id, instanceClass: 'db.r6g.large', status: 'modifying', pendingClass: 'db.r6g.2xlarge' });
    expect(outcome).toBe(
      `permanent: RDS ModifyDBInstance of ${id} to db.r6g.xlarge refused after 2 attempts (InvalidDBInstanceStateFault: Database instance is not in available state.): ` +
        'the instance reads db.r6g.large (modifying) with db.r6g.2xlarge pending, so no attempt of this change was taken: another modification is under way',
    );
    expect(server.calls).toEqual(['ModifyDBInstance', 'ModifyDBInstance', 'DescribeDBInstances']);
  });

  it('an attempt cut, the read-back throttled past the SDK\'s attempts: a TransientError (the delivery is retried)', async () => {
    const outcome = await apply(['reset', 'refuse'], { ...samePending, describeThrottled: true });
    expect(outcome).toMatch(/^TransientError: RDS DescribeDBInstances failed: Throttling: Rate exceeded/);
    expect(server.calls.slice(0, 3)).toEqual(['ModifyDBInstance', 'ModifyDBInstance', 'DescribeDBInstances']);
  });

  it('a refusal of the first attempt stays the failure it was, with no read-back', async () => {
    expect(await apply(['refuse'], samePending)).toBe('permanent: RDS ModifyDBInstance failed: InvalidDBInstanceStateFault: Database instance is not in available state.');
    expect(server.calls).toEqual(['ModifyDBInstance']);
  });
});
