// Client for the gap proxy's /__sandbox/ control channel, for test workers in other processes than the proxy.
import { z } from 'zod';
import type { AlarmTransition } from './alarm-transitions';
import { faultRuleSchema, type AwsOperation, type FaultRule } from './gap-proxy';
import { metricDataFaultSchema, type ActiveMetricDataFault, type MetricDataFault } from './metric-data-faults';

const awsOperationSchema = z.object({ service: z.string(), operation: z.string(), accountId: z.string().optional(), parameters: z.record(z.string(), z.string()).optional() });
const callsResponseSchema = z.object({ total: z.number(), calls: z.array(awsOperationSchema) });
const faultsResponseSchema = z.object({ faults: z.array(faultRuleSchema.extend({ remaining: z.number(), held: z.number(), refused: z.number().optional(), pendingShown: z.number().optional() })) });
const releasedResponseSchema = z.object({ released: z.number() });
const metricDataFaultsResponseSchema = z.object({
  faults: z.array(metricDataFaultSchema.extend({ remaining: z.number(), injected: z.number(), continued: z.number() })),
});

/** Restricts a fault change to one account, leaving the rules other test files set for theirs. */
export interface FaultScope {
  accountId: string;
}

async function call(endpoint: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const url = new URL(`/__sandbox/${path}`, endpoint);
  if (url.hostname !== '127.0.0.1') throw new Error(`the sandbox control channel is on 127.0.0.1 only, got ${url.origin}`);
  const response = await fetch(url, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`sandbox control ${method} ${path} failed: ${response.status} ${text}`);
  return JSON.parse(text) as unknown;
}

function scopeQuery(scope?: FaultScope): string {
  return scope ? `?accountId=${encodeURIComponent(scope.accountId)}` : '';
}

/**
 * Sets fault rules; each fails its first `times` matching calls, then passes through. Without a scope it replaces
 * every rule; with one it replaces that account's rules and pins the new ones to it.
 */
export async function setProxyFaults(endpoint: string, rules: FaultRule[], scope?: FaultScope): Promise<void> {
  await call(endpoint, 'POST', `faults${scopeQuery(scope)}`, rules);
}

/**
 * A fault rule as the proxy holds it: `times - remaining` is how often it fired; `held`, how many calls a hold rule keeps
 * now; `refused` (rdsModifying rules only), how many further modifications of the instances it left `modifying` were refused;
 * `pendingShown` (rdsPending rules only), how many DescribeDBInstances answers showed its class change pending.
 */
export type ActiveFault = FaultRule & { remaining: number; held: number; refused?: number; pendingShown?: number };

/** The fault rules in force (of one account with a scope), with how many failures each has left to inject. */
export async function getProxyFaults(endpoint: string, scope?: FaultScope): Promise<ActiveFault[]> {
  const { faults } = faultsResponseSchema.parse(await call(endpoint, 'GET', 'faults'));
  return scope ? faults.filter((f) => f.accountId === scope.accountId) : faults;
}

/**
 * Lets go the calls that hold rules (`hold: true`) keep from the emulator, of one account with a scope; returns how many.
 * Replacing or removing the rules lets them go too.
 */
export async function releaseProxyHolds(endpoint: string, scope?: FaultScope): Promise<number> {
  return releasedResponseSchema.parse(await call(endpoint, 'POST', `faults/release${scopeQuery(scope)}`)).released;
}

/** Removes the fault rules of one account, or all of them without a scope (letting go any call they hold). */
export async function clearProxyFaults(endpoint: string, scope?: FaultScope): Promise<void> {
  await call(endpoint, 'DELETE', `faults${scopeQuery(scope)}`);
}

/**
 * The AWS calls recorded from `sinceIndex` on (an earlier length of the full list). The list is shared by every
 * test file using the proxy: filter on `accountId` rather than clearing it.
 */
export async function getProxyCalls(endpoint: string, sinceIndex = 0): Promise<AwsOperation[]> {
  return callsResponseSchema.parse(await call(endpoint, 'GET', `calls?since=${sinceIndex}`)).calls;
}

/**
 * How many calls the proxy has recorded (of every account): where the calls of what comes next will start, for a later
 * getProxyCalls(endpoint, since). Only the count travels: the list itself holds every call of every test file run so far
 * against this proxy (tens of thousands late in an integration run), and reading it whole to take its length made each
 * mark cost time and memory in proportion (bad-input.test.ts's 200 marks: 115 s at 100,000 calls, 12 s at none).
 */
export async function getProxyCallCount(endpoint: string): Promise<number> {
  return callsResponseSchema.parse(await call(endpoint, 'GET', `calls?since=${Number.MAX_SAFE_INTEGER}`)).total;
}

/** Empties the recorded calls, of every account: avoid while other test files run. */
export async function clearProxyCalls(endpoint: string): Promise<void> {
  await call(endpoint, 'DELETE', 'calls');
}

/**
 * Sets GetMetricData rules (sandbox/metric-data-faults.ts): answers moto never gives, PartialData over two pages or a
 * series Forbidden / InternalError. With a scope, replaces that account's rules only and pins the new ones to it.
 */
export async function setMetricDataFaults(endpoint: string, rules: MetricDataFault[], scope?: FaultScope): Promise<void> {
  await call(endpoint, 'POST', `metric-data-faults${scopeQuery(scope)}`, rules);
}

/** The GetMetricData rules in force (of one account with a scope): `injected` answers rewritten, `continued` next pages answered. */
export async function getMetricDataFaults(endpoint: string, scope?: FaultScope): Promise<ActiveMetricDataFault[]> {
  return metricDataFaultsResponseSchema.parse(await call(endpoint, 'GET', `metric-data-faults${scopeQuery(scope)}`)).faults;
}

/** Removes the GetMetricData rules of one account, or all of them without a scope. */
export async function clearMetricDataFaults(endpoint: string, scope?: FaultScope): Promise<void> {
  await call(endpoint, 'DELETE', `metric-data-faults${scopeQuery(scope)}`);
}

/**
 * Answers, for the named alarms of one account, the StateTransitionedTimestamp (and EvaluationState) moto never gives
 * (sandbox/alarm-transitions.ts), on DescribeAlarmsForMetric and DescribeAlarms (JSON); replaces that account's set.
 */
export async function setAlarmTransitions(endpoint: string, transitions: AlarmTransition[], scope: FaultScope): Promise<void> {
  await call(endpoint, 'POST', `alarm-transitions${scopeQuery(scope)}`, transitions);
}

/** Back to moto's own answers (StateUpdatedTimestamp only) for one account. */
export async function clearAlarmTransitions(endpoint: string, scope: FaultScope): Promise<void> {
  await call(endpoint, 'DELETE', `alarm-transitions${scopeQuery(scope)}`);
}
