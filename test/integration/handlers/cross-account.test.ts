// Cross-account mode on the emulator: scale-consumers runs in an operations account and scales a workload account's
// consumers through the remediation role it assumes there (moto issues AssumeRole keys that act in the role's account).
import { CreateRoleCommand, IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { GetEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { OWN_ACCOUNT_ENV, REMEDIATION_ROLE_ENV } from '../../../shared/aws/account-clients';
import { WORKLOAD_ACCOUNT_ENV } from '../../../shared/config/names';
import { incidentIdFor } from '../../../shared/escalation/incident';
import type { AlarmHandler } from '../../../shared/pipeline/create-alarm-handler';
import { getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import { clearedByCloudWatch, putQueueDepth, provisionAccount, queueAlarmName, type SandboxAccount } from '../support/sandbox-account';
import { sandboxRemediationTrust } from '../support/remediation-trust';
import { loadHandler } from '../../support/load-handler';

const ROLE_NAME = 'notification-runbooks-remediate-scale-consumers';

async function maximumConcurrency(account: SandboxAccount): Promise<number | undefined> {
  const mapping = await account.lambda.send(new GetEventSourceMappingCommand({ UUID: account.topology.consumer.mappingUuid }));
  return mapping.ScalingConfig?.MaximumConcurrency;
}

async function auditEntries(account: SandboxAccount, resourceArn: string | undefined): Promise<number> {
  const result = await account.dynamo.send(
    new QueryCommand({
      TableName: account.topology.stateTable.name,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
      ExpressionAttributeValues: { ':pk': `RESOURCE#${resourceArn}`, ':audit': 'AUDIT#' },
    }),
  );
  return result.Items?.length ?? 0;
}

/** The AssumeRole requests the operations account made, with their parameters as they reached STS (the proxy reads them). */
async function assumeRoleRequests(accountId: string, since = 0): Promise<Array<Record<string, string>>> {
  const calls = await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', since);
  return calls.filter((c) => c.accountId === accountId && c.service === 'sts' && c.operation === 'AssumeRole').map((c) => c.parameters ?? {});
}

async function assumeRoleCalls(accountId: string, since = 0): Promise<number> {
  return (await assumeRoleRequests(accountId, since)).length;
}

/**
 * The session an incident's AssumeRole must open: named and tagged after handler and incident, and tagged with the region
 * the handler runs in, which the remediation role's trust binds to the caller (shared/aws/account-clients.ts, decision 147).
 */
function expectedSession(incidentKey: string, roleArn: string, region: string): Record<string, string> {
  const id = incidentIdFor(incidentKey);
  return expect.objectContaining({
    RoleArn: roleArn,
    RoleSessionName: `scale-consumers.${id}`,
    SourceIdentity: 'notification-runbooks-scale-consumers',
    'Tags.member.1.Key': 'runbook-playbook',
    'Tags.member.1.Value': 'scale-consumers',
    'Tags.member.2.Key': 'runbook-incident',
    'Tags.member.2.Value': id,
    'Tags.member.3.Key': 'runbook-region',
    'Tags.member.3.Value': region,
  }) as Record<string, string>;
}

/** A raw AssumeRole of the remediation role with the sandbox's keys, as an attacker in the operations account would send it. */
async function assumeDirectly(account: SandboxAccount, roleArn: string, tags: Array<{ Key: string; Value: string }>): Promise<string> {
  const sts = new STSClient(account.clientConfig);
  try {
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'attacker', ...(tags.length > 0 ? { Tags: tags } : {}) }));
    return `opened ${out.AssumedRoleUser?.Arn ?? '(no ARN)'}`;
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  } finally {
    sts.destroy();
  }
}

describe('scale-consumers in cross-account mode', () => {
  let operations: SandboxAccount;
  let workload: SandboxAccount;
  let handler: AlarmHandler;
  const roleArn = (): string => `arn:aws:iam::${workload.accountId}:role/${ROLE_NAME}`;
  /** infra's trust of the role, admitting the sandbox's caller as the handler's execution role of `region` only. */
  const trustAsExecutionRoleOf = (region: string): string => sandboxRemediationTrust(operations.accountId, 'scale-consumers', region);

  beforeAll(async () => {
    operations = await provisionAccount('production');
    workload = await provisionAccount('production');
    // The workload account's remediation role with infra's trust (RemediationRolesStack), the sandbox's caller standing
    // for the handler's execution role of this region (moto names every key's caller user/moto). The gap proxy judges
    // AssumeRole, its session tags and source identity against it (sandbox/preflight-gaps.ts judgeAssumeRole).
    await new IAMClient(workload.clientConfig).send(new CreateRoleCommand({ RoleName: ROLE_NAME, AssumeRolePolicyDocument: trustAsExecutionRoleOf(operations.clientConfig.region ?? '?') }));
    // The handler's container runs with the operations account's credentials, configured as infra configures it.
    Object.assign(process.env, operations.env, { [REMEDIATION_ROLE_ENV]: ROLE_NAME, [OWN_ACCOUNT_ENV]: operations.accountId, [WORKLOAD_ACCOUNT_ENV]: workload.accountId });
    handler = loadHandler('scale-consumers');
    // Two accounts' topologies: on a loaded machine this takes longer than jest's default hook timeout.
  }, 240_000);

  afterAll(() => {
    delete process.env[REMEDIATION_ROLE_ENV];
    delete process.env[OWN_ACCOUNT_ENV];
    delete process.env[WORKLOAD_ACCOUNT_ENV];
  });

  it("scales the workload account's consumers in a session named and tagged after the incident, and keeps the claim, audit trail and decision in the operations account", async () => {
    const before = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    expect(await maximumConcurrency(workload)).toBe(50);
    await putQueueDepth(workload); // a real backlog: the depth bears out the alarm (decision 217)
    const event = await workload.transition(queueAlarmName(workload.topology), 'ALARM');
    expect(event).toMatchObject({ account: workload.accountId });

    const decision = await handler(event);

    expect(decision).toMatchObject({ outcome: 'applied', account: workload.accountId, playbook: 'scale-consumers' });
    expect(decision.resource?.arn).toContain(`:${workload.accountId}:`);
    expect(await maximumConcurrency(workload)).toBe(100);
    expect(await maximumConcurrency(operations)).toBe(50);
    expect(await auditEntries(operations, decision.resource?.arn)).toBe(1);
    expect(await auditEntries(workload, decision.resource?.arn)).toBe(0);
    // One AssumeRole for all the incident's clients (alarm re-read, SQS, Lambda), its session the incident's.
    expect(await assumeRoleRequests(operations.accountId, before)).toEqual([expectedSession(decision.incidentKey ?? 'no incident key', roleArn(), operations.clientConfig.region ?? '?')]);
  });

  it('restores the workload baseline on OK in a session of that state change\'s own incident', async () => {
    const before = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    const decision = await handler(await clearedByCloudWatch(workload, queueAlarmName(workload.topology)));
    expect(decision).toMatchObject({ outcome: 'applied', account: workload.accountId });
    expect(await maximumConcurrency(workload)).toBe(50);
    expect(await assumeRoleRequests(operations.accountId, before)).toEqual([expectedSession(decision.incidentKey ?? 'no incident key', roleArn(), operations.clientConfig.region ?? '?')]);
  });

  it("refuses an alarm of the operations account itself: in cross-account mode only the workload's alarms are acted on (decision 90)", async () => {
    const event = await operations.transition(queueAlarmName(operations.topology), 'ALARM');
    const before = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    const decision = await handler(event);
    expect(decision).toMatchObject({ outcome: 'rejected', findings: [`account: ${operations.accountId}`] });
    expect(decision.reason).toContain(`not this deployment's workload account ${workload.accountId} (RUNBOOK_WORKLOAD_ACCOUNT_ID)`);
    const calls = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', before)).filter((c) => c.accountId === operations.accountId || c.accountId === workload.accountId);
    expect(calls).toEqual([]);
    expect(await maximumConcurrency(operations)).toBe(50);
    expect(await maximumConcurrency(workload)).toBe(50);
  });

  it('rejects a malformed event from another account without assuming any role', async () => {
    const before = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    const decision = await handler({ account: workload.accountId, source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', detail: {} });
    expect(decision).toMatchObject({ outcome: 'rejected' });
    expect(await assumeRoleCalls(operations.accountId, before)).toBe(0);
  });

  it("is refused a session when its caller is another region's execution role: the trust binds the region tag to the caller, and nothing changes in the workload (decision 147)", async () => {
    const region = operations.clientConfig.region ?? '?';
    const other = region === 'us-west-2' ? 'us-east-1' : 'us-west-2';
    const iam = new IAMClient(workload.clientConfig);
    // The sandbox's caller admitted only as the other region's execution role: its session tagged with this region is the
    // attacker's (the DR region's handler naming the primary region as its own).
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: ROLE_NAME, PolicyDocument: trustAsExecutionRoleOf(other) }));
    try {
      const event = await workload.transition(queueAlarmName(workload.topology), 'ALARM');
      const before = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
      const decision = await handler(event);
      // Nothing was called in the workload: the AssumeRole (counted in the caller's account) was refused for its tag, by
      // the AssumeRole's own statement (decision 176; before, by its sts:TagSession).
      const inWorkload = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', before)).filter((c) => c.accountId === workload.accountId);
      expect(inWorkload.map((c) => `${c.service}:${c.operation}`)).toEqual([]);
      const requests = await assumeRoleRequests(operations.accountId, before);
      expect(requests.length).toBeGreaterThan(0);
      for (const request of requests) expect(request).toEqual(expectedSession(decision.incidentKey ?? 'no incident key', roleArn(), region));
      expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'failure', error: { name: 'AccessDenied' } } });
      // The escalation says the trust refused the session, not that a permission is missing (review 10b F8: granting
      // sts:AssumeRole / sts:TagSession would widen the trust that binds the session to its region).
      expect(decision.reason).toContain(
        `is not authorized to perform: sts:AssumeRole on resource: ${roleArn()} (the remediation role's trust refused this session (its caller or tags); run \`runbook preflight\`)`,
      );
      expect(decision.reason).not.toContain('missing permission');
      expect(await maximumConcurrency(workload)).toBe(50);
    } finally {
      await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: ROLE_NAME, PolicyDocument: trustAsExecutionRoleOf(region) }));
      await workload.transition(queueAlarmName(workload.topology), 'OK');
      iam.destroy();
    }
  });

  it("refuses the attacker's session without tags outright: a plain AssumeRole by the handler's own execution role is denied by the trust, the handler's tagged one opened (decision 176)", async () => {
    const region = operations.clientConfig.region ?? '?';
    const before = await getProxyCallCount(process.env.SANDBOX_PROXY_CONTROL ?? '');
    // The sandbox's caller is the handler's execution role of this region (the trust deployed in beforeAll): the one
    // principal the trust admits, asking for a session with no tags (it would carry only the role's own IAM tags).
    expect(await assumeDirectly(operations, roleArn(), [])).toBe(`AccessDenied: User: arn:aws:sts::${operations.accountId}:user/moto is not authorized to perform: sts:AssumeRole on resource: ${roleArn()}`);
    // With the handler's tags of its own region (remediationSession's keys), the same caller is admitted.
    const own = [
      { Key: 'runbook-playbook', Value: 'scale-consumers' },
      { Key: 'runbook-region', Value: region },
    ];
    expect(await assumeDirectly(operations, roleArn(), own)).toMatch(new RegExp(`^opened arn:aws:sts::${workload.accountId}:assumed-role/${ROLE_NAME}/attacker$`));
    // Both requests reached the proxy as sent; nothing was called in the workload.
    expect((await assumeRoleRequests(operations.accountId, before)).map((r) => r['Tags.member.1.Key'] ?? '(no tags)')).toEqual(['(no tags)', 'runbook-playbook']);
    const inWorkload = (await getProxyCalls(process.env.SANDBOX_PROXY_CONTROL ?? '', before)).filter((c) => c.accountId === workload.accountId);
    expect(inWorkload.map((c) => `${c.service}:${c.operation}`)).toEqual([]);
    expect(await maximumConcurrency(workload)).toBe(50);
  });
});
