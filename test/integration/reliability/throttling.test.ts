// Throttling and conflicts injected by the gap proxy end in one change after bounded retries; a denial escalates and leaves nothing half-done.
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import type { FaultRule } from '../../../sandbox/gap-proxy';
import { clearProxyFaults, getProxyCalls, setProxyFaults } from '../../../sandbox/proxy-control';
import { provisionAccount, type SandboxAccount } from '../support/sandbox-account';
import { auditEntries, publishedDecisions, resourceState } from './support/emulator-records';
import { deliverAsynchronously } from './support/lambda-delivery';
import { loadHandler, playbookCases, type ApiRef, type PlaybookCase } from './support/playbook-cases';

const control = (): string => {
  const endpoint = process.env.SANDBOX_PROXY_CONTROL;
  if (!endpoint) throw new Error('SANDBOX_PROXY_CONTROL is not set: run through jest --selectProjects integration');
  return endpoint;
};

interface TransientCase {
  title: string;
  fault: (playbook: PlaybookCase) => Omit<FaultRule, 'accountId'>;
  /** Deliveries (Lambda's asynchronous invocation: at most 3) the change may take. */
  maxDeliveries: number;
}

// Error codes, statuses and messages as the services document them (Lambda, DynamoDB, EventBridge, SQS API references).
const transientCases: TransientCase[] = [
  {
    title: "TooManyRequestsException (429) twice on the change: absorbed by the SDK's own retries",
    fault: (p) => ({ service: p.apply.service, operation: p.apply.operation, times: 2, status: 429, code: 'TooManyRequestsException', message: 'Rate exceeded' }),
    maxDeliveries: 1,
  },
  {
    title: 'TooManyRequestsException (429) six times on the change: the SDK gives up after 4 attempts, the next delivery completes it',
    fault: (p) => ({ service: p.apply.service, operation: p.apply.operation, times: 6, status: 429, code: 'TooManyRequestsException', message: 'Rate exceeded' }),
    maxDeliveries: 2,
  },
  {
    title: 'ResourceConflictException (409) on the change: not retried by the SDK, thrown as transient, the next delivery completes it',
    fault: (p) => ({
      service: p.apply.service,
      operation: p.apply.operation,
      times: 1,
      status: 409,
      code: 'ResourceConflictException',
      message: 'The operation cannot be performed at this time. An update is in progress for resource.',
    }),
    maxDeliveries: 2,
  },
  {
    title: 'DynamoDB ThrottlingException three times on the incident claim: absorbed by the SDK',
    fault: () => ({ service: 'dynamodb', operation: 'PutItem', times: 3, status: 400, code: 'ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' }),
    maxDeliveries: 1,
  },
  {
    title: 'EventBridge ThrottlingException five times on the decision report, after the change: the retry records it without a second change',
    fault: () => ({ service: 'events', operation: 'PutEvents', times: 5, status: 400, code: 'ThrottlingException', message: 'Rate exceeded' }),
    maxDeliveries: 2,
  },
  {
    title: 'SQS ThrottlingException twice on a read before deciding: absorbed by the SDK',
    fault: () => ({ service: 'sqs', operation: 'GetQueueAttributes', times: 2, status: 400, code: 'ThrottlingException', message: 'Rate exceeded' }),
    maxDeliveries: 1,
  },
];

async function callsSince(accountId: string, since: number, operation: string): Promise<number> {
  return (await getProxyCalls(control(), since)).filter((c) => c.accountId === accountId && c.operation === operation).length;
}

/** A denial as the service writes it: most name the action; SQS's does not. */
function accessDenied(api: ApiRef, account: SandboxAccount, handler: string): Omit<FaultRule, 'accountId'> {
  if (api.service === 'sqs') {
    return { service: api.service, operation: api.operation, times: 100, status: 403, code: 'AccessDenied', message: 'Access to the resource https://sqs.us-east-1.amazonaws.com/ is denied.' };
  }
  const role = `arn:aws:sts::${account.accountId}:assumed-role/notification-runbooks-${handler}/notification-runbooks-${handler}`;
  return {
    service: api.service,
    operation: api.operation,
    times: 100,
    status: 403,
    code: 'AccessDeniedException',
    message: `User: ${role} is not authorized to perform: ${api.iamAction} because no identity-based policy allows the ${api.iamAction} action`,
  };
}

describe.each(playbookCases.map((c) => [c.handler, c] as const))('%s under throttling and conflicts', (_name, playbook) => {
  it.each(transientCases.map((c) => [c.title, c] as const))('makes the change exactly once: %s', async (_title, testCase) => {
    const account = await provisionAccount(playbook.environment);
    const runtime = loadRuntimeConfig(process.env);
    const handler = loadHandler(playbook.handler);
    const before = await playbook.knob.read(account);
    const event = await account.transition(playbook.alarmName(account), 'ALARM');
    const rule = testCase.fault(playbook);
    const since = (await getProxyCalls(control())).length;
    await setProxyFaults(control(), [rule], { accountId: account.accountId });
    let result;
    try {
      result = await deliverAsynchronously(handler, event);
    } finally {
      await clearProxyFaults(control(), { accountId: account.accountId });
    }
    const calls = await callsSince(account.accountId, since, rule.operation ?? '');
    console.log(
      `throttling: ${rule.code} x${rule.times} on ${rule.service}:${rule.operation} -> ${result.decision?.outcome ?? 'failed'} after ` +
        `${result.attempts} deliver${result.attempts === 1 ? 'y' : 'ies'} (${calls} ${rule.operation} calls; errors: ${result.errors.map((e) => e.name).join(', ') || 'none'})`,
    );

    expect(result.decision?.outcome).toBe('applied');
    expect(result.attempts).toBeLessThanOrEqual(testCase.maxDeliveries);
    // Every failed delivery threw the pipeline's TransientError, so Lambda retried it.
    for (const error of result.errors) expect(error.name).toBe('TransientError');
    expect(await playbook.knob.read(account)).toBe(before + playbook.knob.step(runtime));
    expect(await auditEntries(account, result.decision?.resource?.arn ?? '')).toHaveLength(1);
    expect((await publishedDecisions(account)).filter((d) => d.outcome === 'applied')).toHaveLength(1);
  });
});

interface DenialCase {
  title: string;
  api: (playbook: PlaybookCase) => ApiRef;
  multiStep?: boolean;
}

const denialCases: DenialCase[] = [
  { title: 'the change itself', api: (p) => p.apply },
  { title: 'the change, after an earlier step of the same remediation succeeded', api: (p) => p.apply, multiStep: true },
  { title: 'a read before deciding', api: (p) => p.observeRead },
];

describe.each(playbookCases.map((c) => [c.handler, c] as const))('%s without a permission it needs', (_name, playbook) => {
  it.each(denialCases.map((c) => [c.title, c] as const))(
    'escalates naming the missing permission and leaves no partial state when AWS denies %s',
    async (_title, testCase) => {
      if (testCase.multiStep && !playbook.prepareMultiStepChange) return;
      const account = await provisionAccount(playbook.environment);
      const runtime = loadRuntimeConfig(process.env);
      const handler = loadHandler(playbook.handler);
      if (testCase.multiStep) await playbook.prepareMultiStepChange?.(account);
      const before = await playbook.snapshot(account);
      const knobBefore = await playbook.knob.read(account);
      const api = testCase.api(playbook);
      const alarmName = playbook.alarmName(account);
      const event = await account.transition(alarmName, 'ALARM');
      await setProxyFaults(control(), [accessDenied(api, account, playbook.handler)], { accountId: account.accountId });
      let result;
      try {
        result = await deliverAsynchronously(handler, event);
      } finally {
        await clearProxyFaults(control(), { accountId: account.accountId });
      }
      const decision = result.decision;
      console.log(`access denied: ${api.iamAction} -> ${decision?.outcome}: ${decision?.reason}`);

      // A permanent failure is decided once (no retry) and escalated with what is missing.
      expect(result.attempts).toBe(1);
      expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'failure' } });
      expect(decision?.reason).toContain(`missing permission: ${api.iamAction}`);
      expect((await publishedDecisions(account)).map((d) => d.outcome)).toEqual(['escalate']);
      // No partial state: the resource as it was, and no phantom change in the automation's memory.
      expect(await playbook.snapshot(account)).toEqual(before);
      const state = await resourceState(account, decision?.resource?.arn ?? '');
      expect(state?.baseline).toBeUndefined();
      expect(state?.changeTimesSeconds ?? []).toEqual([]);

      // Once the permission is granted, the next ALARM acts at once: no cooldown was spent on the failed attempt.
      await account.transition(alarmName, 'OK');
      const next = await handler(await account.transition(alarmName, 'ALARM'));
      expect(next.outcome).toBe('applied');
      expect(await playbook.knob.read(account)).toBe(knobBefore + playbook.knob.step(runtime));
    },
  );
});
