// Which alarms each handler takes (decision 184): the alarms the configuration routes to it, in its own region, of the
// deployment's account; the same check the escalation makes of a decision (trust-decision.ts), on the playbook's alarms.
import { alarmSpecs } from '../../../shared/config/alarm-specs';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { handlerTrustFacts, refuseUnwatchedAlarm } from '../../../shared/pipeline/alarm-binding';

const ACCOUNT = '123456789012';
const runtimeIn = (region: string, env: Record<string, string> = {}) =>
  loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: region, RUNBOOK_ACCOUNT_ID: ACCOUNT, RUNBOOK_CONFIG_JSON: '{}', ...env });
const alarmOf = (region: string, handler: string): string => {
  const name = alarmSpecs(runtimeIn(region).config, 'production', region).find((spec) => spec.handler === handler)?.name;
  if (!name) throw new Error(`no alarm of ${handler} in ${region}`);
  return name;
};
const claim = (region: string, name: string, account = ACCOUNT) => ({ region, alarmName: name, alarmArn: `arn:aws:cloudwatch:${region}:${account}:alarm:${name}` });

const OOM = alarmOf('us-east-1', 'raise-lambda-memory');
const QUEUE = alarmOf('us-east-1', 'scale-consumers');
const DR_QUEUE = alarmOf('us-west-2', 'scale-consumers');
const DR_LAG = alarmOf('us-west-2', 'watch-standby');

describe('handlerTrustFacts', () => {
  it('watches only the alarms routed to the handler in its region', () => {
    expect([...handlerTrustFacts(runtimeIn('us-east-1'), 'raise-lambda-memory').watchedAlarms]).toEqual([OOM]);
    expect(handlerTrustFacts(runtimeIn('us-east-1'), 'scale-consumers').watchedAlarms.has(OOM)).toBe(false);
    expect(handlerTrustFacts(runtimeIn('us-west-2'), 'watch-standby').watchedAlarms.has(DR_LAG)).toBe(true);
    expect(handlerTrustFacts(runtimeIn('us-east-1'), 'watch-standby').watchedAlarms.size).toBe(0);
  });

  it("derives only the handler's own rows: an HTTP API watched without its id stops High Latency's alarm, not Connection Timeout's", () => {
    const runtime = runtimeIn('us-east-1', { RUNBOOK_CONFIG_JSON: JSON.stringify({ dependencies: { apis: [{ name: 'notification-service-api', type: 'http', functionName: 'notification-service-consumer' }] } }) });
    expect([...handlerTrustFacts(runtime, 'inspect-security-groups').watchedAlarms]).toEqual([alarmOf('us-east-1', 'inspect-security-groups')]);
    expect(() => handlerTrustFacts(runtime, 'check-db-connections')).toThrow(/set its id/);
  });
});

describe('refuseUnwatchedAlarm', () => {
  it.each([
    ['the OOM alarm, to raise-lambda-memory in us-east-1', 'us-east-1', 'raise-lambda-memory', claim('us-east-1', OOM)],
    ["the DR region's queue alarm, to scale-consumers there", 'us-west-2', 'scale-consumers', claim('us-west-2', DR_QUEUE)],
    ["the replica's lag alarm, to watch-standby in the DR region", 'us-west-2', 'watch-standby', claim('us-west-2', DR_LAG)],
  ])('takes %s', (_case, region, handler, event) => {
    expect(() => refuseUnwatchedAlarm(event, handlerTrustFacts(runtimeIn(region), handler))).not.toThrow();
  });

  it.each([
    ['the OOM alarm relabelled us-west-2, to the primary handler', 'us-east-1', 'raise-lambda-memory', claim('us-west-2', OOM), 'alarm in us-west-2 reached raise-lambda-memory of us-east-1, which re-reads alarms in its own region only'],
    ['the OOM alarm relabelled eu-west-1', 'us-east-1', 'raise-lambda-memory', claim('eu-west-1', OOM), 'region eu-west-1 is not a region of the production environment (us-east-1, us-west-2)'],
    ["the primary's queue alarm, to the DR region's scale-consumers", 'us-west-2', 'scale-consumers', claim('us-east-1', QUEUE), 'alarm in us-east-1 reached scale-consumers of us-west-2'],
    ['the queue alarm, to raise-lambda-memory', 'us-east-1', 'raise-lambda-memory', claim('us-east-1', QUEUE), `alarm "${QUEUE}" is not one the production environment watches with raise-lambda-memory in us-east-1`],
    ["the DR lag alarm, to a primary region's watch-standby", 'us-east-1', 'watch-standby', claim('us-east-1', DR_LAG), 'is not one the production environment watches with watch-standby in us-east-1'],
    ['an alarm of another account', 'us-east-1', 'raise-lambda-memory', claim('us-east-1', OOM, '999999999999'), "names account 999999999999, not this deployment's workload account 123456789012"],
    ['an alarm name that is not the one in its ARN', 'us-east-1', 'raise-lambda-memory', { ...claim('us-east-1', OOM), alarmName: QUEUE }, 'is not the name in its ARN'],
  ])('refuses %s as input', (_case, region, handler, event, reason) => {
    expect(() => refuseUnwatchedAlarm(event, handlerTrustFacts(runtimeIn(region), handler))).toThrow(expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining(reason) }));
  });
});
