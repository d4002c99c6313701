// The DR region (production us-west-2) through the real handlers of the rows that change something and the real SDK:
// the standby is never scaled; the decision escalates with the DR cause, and the emulator's mapping is unchanged.
import { GetEventSourceMappingCommand, GetFunctionConcurrencyCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { getProxyCalls } from '../../../sandbox/proxy-control';
import { loadHandler } from '../../support/load-handler';
import { provisionAccount, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';

async function concurrency(account: SandboxAccount): Promise<{ maximum?: number; reserved?: number }> {
  const mapping = await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }));
  const reserved = await account.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: account.topology.consumer.functionName }));
  return { maximum: mapping.ScalingConfig?.MaximumConcurrency, reserved: reserved.ReservedConcurrentExecutions };
}

const MUTATIONS = /^(Update|Put|Delete|Modify|Create|Publish)/;

describe('scale-consumers in the DR region (production, us-west-2)', () => {
  it('does not scale the standby consumers: escalates with the DR cause and changes nothing in the emulator', async () => {
    const account = await provisionAccount('production', { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-west-2' });
    expect(account.clientConfig.region).toBe('us-west-2');
    const handler = loadHandler('scale-consumers');
    const before = await concurrency(account);
    expect(before).toEqual({ maximum: 50, reserved: 100 });

    const event = await account.transition(queueAlarmName(account.topology), 'ALARM');
    const since = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '')).length;
    const decision = await handler(event);
    const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === account.accountId);

    expect(decision).toMatchObject({
      outcome: 'escalate',
      region: 'us-west-2',
      dryRun: false,
      escalation: { cause: 'guardrail', guardrail: 'dr-region' },
      reason: expect.stringContaining('us-west-2 is the DR region of production and not serving'),
    });
    // The plan was made (the figures a person needs), and not applied.
    expect(decision.before).toMatchObject({ maximumConcurrency: { [account.topology.consumer.mappingUuid]: 50 } });
    expect(decision.after).toMatchObject({ maximumConcurrency: { [account.topology.consumer.mappingUuid]: 100 } });
    expect(await concurrency(account)).toEqual(before);
    // The handler read Lambda, SQS and CloudWatch but called no Lambda write (the state table and the decision bus are its own records).
    const lambdaWrites = calls.filter((c) => c.service === 'lambda' && MUTATIONS.test(c.operation));
    expect(calls.some((c) => c.service === 'lambda')).toBe(true);
    expect(lambdaWrites).toEqual([]);
  });

  // The other two rows that change something, each through its real handler in us-west-2: an alarm of theirs there (the
  // topology below is the primary's, provisioned in the DR region, with no promoted replica or enabled DR mapping: the
  // region does not serve, decision 123) changes nothing. raise-lambda-memory escalates with the DR cause; scale-up-database's
  // alarm names the primary's database identifier, which in the DR region is refused as input (its database there is
  // the replica, decision 123), before any change.
  it.each([
    ['raise-lambda-memory', 'the consumer\'s memory', { outcome: 'escalate', escalation: { cause: 'guardrail', guardrail: 'dr-region' } }],
    ['scale-up-database', 'the database\'s class', { outcome: 'rejected', reason: expect.stringContaining('is not one of the production databases in us-west-2') }],
  ])('%s does not change %s in the DR region, and the emulator is unchanged', async (handlerName, _what, expected) => {
    const account = await provisionAccount('production', { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-west-2' });
    const handler = loadHandler(handlerName);
    const rds = new RDSClient(account.clientConfig);
    const state = async () => ({
      memoryMb: (await account.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: account.topology.consumer.functionName }))).MemorySize,
      instanceClass: (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: account.topology.database.identifier }))).DBInstances?.[0]?.DBInstanceClass,
    });
    const before = await state();
    const alarm = account.topology.alarmNamesByHandler[handlerName]?.[0] ?? '';
    const event = await account.transition(alarm, 'ALARM');
    const since = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '')).length;
    const decision = await handler(event);
    const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since)).filter((c) => c.accountId === account.accountId);
    expect(decision).toMatchObject({ region: 'us-west-2', dryRun: false, ...expected });
    expect(calls.filter((c) => ['lambda', 'rds'].includes(c.service) && MUTATIONS.test(c.operation))).toEqual([]);
    expect(await state()).toEqual(before);
  });
});
