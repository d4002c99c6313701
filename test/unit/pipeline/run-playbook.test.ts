// The pipeline's behaviour with stub services: rejection, duplicates, stale events, guardrails, failures and retries.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { AlarmStateReader, alarmDefinitionOf } from '../../../shared/aws/alarm-state-reader';
import { primaryMetric } from '../../../shared/events/primary-metric';
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { PermanentError, TransientError } from '../../../shared/errors';
import { parseAlarmEvent } from '../../../shared/events/alarm-event';
import { changeStep } from '../../../shared/pipeline/change-step';
import { runPlaybook, type PipelineServices } from '../../../shared/pipeline/run-playbook';
import type { Decision, Playbook, ResourceRef } from '../../../shared/pipeline/types';
import { InMemoryIncidentStore } from '../../support/in-memory-incident-store';
import { reportedLocally } from '../../support/reported-locally';
import { FIXTURE_DEFINITIONS, SERVER_CPU } from '../../support/fixture-alarms';

const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/events/alarm-state-change-single-metric.json'), 'utf8')) as {
  detail: { state: { value: string; timestamp: string }; alarmName: string };
};

function event(state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA' = 'ALARM', timestamp = '2019-10-02T17:04:40.989+0000'): unknown {
  const e = structuredClone(fixture);
  e.detail.state.value = state;
  e.detail.state.timestamp = timestamp;
  return e;
}

interface Counter {
  value: number;
  applyCalls: number;
  failApply?: Error;
}

type Target = { resource: ResourceRef };
type Change = { from: number; to: number };

function counterPlaybook(): Playbook<Counter, Target, { value: number }, Change> {
  return {
    name: 'test-playbook',
    row: 'test',
    actions: [],
    actsOn: ['ALARM', 'OK'],
    resolveTarget: () => ({ resource: { type: 'counter', id: 'c', arn: 'arn:aws:test:::counter/c' } }),
    observe: async (ctx) => ({ value: ctx.clients.value }),
    plan: ({ observation, event: e, resourceState }) => {
      if (e.state.value === 'OK') {
        const baseline = resourceState?.baseline?.value as number | undefined;
        return baseline === undefined || baseline === observation.value
          ? { kind: 'none', reason: 'at baseline' }
          : { kind: 'change', direction: 'restore', change: { from: observation.value, to: baseline }, summary: `restore ${baseline}`, before: {}, after: {}, blastRadius: 'counter', clearsBaseline: true };
      }
      if (observation.value >= 3) return { kind: 'escalate', cause: 'cap-reached', reason: 'at cap 3' };
      return {
        kind: 'change',
        direction: 'scale-up',
        change: { from: observation.value, to: observation.value + 1 },
        summary: `raise ${observation.value} -> ${observation.value + 1}`,
        before: { value: observation.value },
        after: { value: observation.value + 1 },
        blastRadius: 'counter',
        baseline: { value: observation.value },
      };
    },
    apply: async (ctx, _t, change) => {
      ctx.clients.applyCalls += 1;
      if (ctx.clients.failApply) throw ctx.clients.failApply;
      ctx.clients.value = change.to;
    },
    verify: async (ctx) => ({ value: ctx.clients.value }),
    isApplied: (observation, change) => observation.value === change.to,
  };
}

function setup(options: { alarmState?: string; environment?: string; killSwitch?: boolean | 'unread'; env?: Record<string, string> } = {}) {
  const counter: Counter = { value: 1, applyCalls: 0 };
  const store = new InMemoryIncidentStore();
  const published: Decision[] = [];
  let nowMs = Date.parse('2019-10-02T17:05:00Z');
  const awsCalls: string[] = [];
  const services: PipelineServices = {
    store,
    reporter: { log: () => undefined, count: () => undefined, publish: async (d) => void published.push(d) },
    killSwitch: {
      read: async () =>
        options.killSwitch === 'unread'
          ? { engaged: true, unread: true, reason: 'kill switch /test could not be read (ThrottlingException)' }
          : { engaged: options.killSwitch ?? false, reason: 'kill switch test' },
    },
    alarms: {
      current: async (alarmName: string) => {
        awsCalls.push('DescribeAlarms');
        return { value: (options.alarmState ?? 'ALARM') as 'ALARM', updatedAt: new Date('2019-10-02T17:04:40.989Z'), definition: FIXTURE_DEFINITIONS[alarmName] };
      },
    },
  };
  const runtime = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: options.environment ?? 'production', AWS_REGION: 'us-east-1', ...options.env });
  const deps = {
    playbook: counterPlaybook(),
    clients: counter,
    services,
    runtime,
    clock: { now: () => new Date(nowMs), sleep: async (ms: number) => void (nowMs += ms) },
    logger: new Logger({ logLevel: 'SILENT' }),
    changes: changeStep,
    // The test playbook is no row of the configuration: the fixture's alarm (and a second alarm on the same resource, for
    // the cooldown) are the ones it watches (decision 184).
    watchedAlarms: new Set(['ServerCpuTooHigh', 'ServerCpuTooHighToo']),
  };
  return { counter, store, published, deps, awsCalls, advance: (s: number) => (nowMs += s * 1000) };
}

describe('runPlaybook', () => {
  it('applies a planned change, records the baseline and publishes the decision', async () => {
    const { deps, counter, store, published } = setup();
    const decision = await runPlaybook(deps, event());
    expect(decision).toMatchObject({ outcome: 'applied', before: { value: 1 }, after: { value: 2 } });
    expect(counter.value).toBe(2);
    expect(store.resources.get('arn:aws:test:::counter/c')?.baseline).toEqual({ value: 1 });
    expect(store.audit).toHaveLength(1);
    expect(published.map((d) => d.outcome)).toEqual(['applied']);
  });

  it('a change planned by a pipeline given no change step (decision 352) is a wiring fault: escalated, nothing reserved or applied', async () => {
    const { deps, counter, store, published } = setup();
    const { changes: _given, ...unwired } = deps;
    const decision = await runPlaybook(unwired, event());
    expect(decision).toMatchObject({ outcome: 'escalate', reason: expect.stringContaining('test-playbook planned a change, but its pipeline was given no change step') });
    expect([counter.applyCalls, counter.value]).toEqual([0, 1]);
    expect(store.resources.get('arn:aws:test:::counter/c')).toBeUndefined();
    expect(published.map((d) => d.outcome)).toEqual(['escalate']);
  });

  it.each([
    ['a non-object', 42],
    ['an unsupported detail-type', { ...(event() as object), 'detail-type': 'CloudWatch Alarm Configuration Change' }],
    ['a missing state', { ...(event() as object), detail: { alarmName: 'x' } }],
  ])('rejects %s with a reason and touches nothing', async (_name, input) => {
    const { deps, counter, published, awsCalls, store } = setup();
    const decision = await runPlaybook(deps, input);
    expect(decision.outcome).toBe('rejected');
    expect(decision.reason.length).toBeGreaterThan(5);
    expect(counter.applyCalls).toBe(0);
    expect(published).toEqual([]);
    expect(awsCalls).toEqual([]);
    expect(store.claims.size).toBe(0);
  });

  describe('the event\'s account', () => {
    // The fixture's alarm fired in 123456789012 (its account and the account in its ARN).
    it('acts on an event from the workload account', async () => {
      const { deps, counter } = setup({ env: { RUNBOOK_ACCOUNT_ID: '123456789012' } });
      expect(await runPlaybook(deps, event())).toMatchObject({ outcome: 'applied', account: '123456789012' });
      expect(counter.applyCalls).toBe(1);
    });

    it.each([
      ['another account than the one the handler runs in', { RUNBOOK_ACCOUNT_ID: '999999999999' }, "not this deployment's workload account 999999999999 (RUNBOOK_ACCOUNT_ID)"],
      ['another account than the configuration\'s accountId', { RUNBOOK_ACCOUNT_ID: '123456789012', RUNBOOK_CONFIG_JSON: JSON.stringify({ environments: { production: { accountId: '111111111111' } } }) }, "not this deployment's workload account 111111111111 (environments.production.accountId)"],
      ['the operations account in cross-account mode', { RUNBOOK_ACCOUNT_ID: '123456789012', REMEDIATION_ROLE_NAME: 'notification-runbooks-remediate-test', RUNBOOK_WORKLOAD_ACCOUNT_ID: '111111111111' }, "not this deployment's workload account 111111111111 (RUNBOOK_WORKLOAD_ACCOUNT_ID)"],
      ['any account in cross-account mode with no workload account named', { RUNBOOK_ACCOUNT_ID: '999999999999', REMEDIATION_ROLE_NAME: 'notification-runbooks-remediate-test' }, 'names no workload account'],
    ])('rejects an event from %s: logged with the event, no claim, no AWS call, nothing published', async (_name, env, expected) => {
      const { deps, counter, published, awsCalls, store } = setup({ env });
      const warnings: Array<[string, Record<string, unknown>]> = [];
      deps.logger.warn = ((message: string, extra: Record<string, unknown>) => void warnings.push([message, extra])) as typeof deps.logger.warn;
      const decision = await runPlaybook(deps, event());
      expect(decision).toMatchObject({ outcome: 'rejected', findings: ['account: 123456789012'] });
      expect(decision.reason).toContain('alarm event for "ServerCpuTooHigh"');
      expect(decision.reason).toContain(expected);
      expect(counter.applyCalls).toBe(0);
      expect(awsCalls).toEqual([]);
      expect(published).toEqual([]);
      expect(store.claims.size).toBe(0);
      // Nothing lost: the rejection is logged with its reason and the whole event.
      expect(warnings).toEqual([['event rejected', expect.objectContaining({ reason: decision.reason, event: JSON.stringify(event()) })]]);
    });
  });

  describe('an event relabelled by whoever invokes the handler (review 11b F2, decision 184)', () => {
    /** The fixture's genuine event with its region (and the region in its alarm ARN) or its alarm replaced. */
    function relabelled(change: { region?: string; alarmName?: string }): unknown {
      const e = event() as { region: string; resources: string[]; detail: { alarmName: string } };
      const region = change.region ?? e.region;
      const name = change.alarmName ?? e.detail.alarmName;
      return { ...e, region, resources: [`arn:aws:cloudwatch:${region}:123456789012:alarm:${name}`], detail: { ...e.detail, alarmName: name } };
    }

    it.each([
      ["another region of the environment (the DR region's label on the primary's handler)", { region: 'us-west-2' }, 'alarm in us-west-2 reached test-playbook of us-east-1, which re-reads alarms in its own region only: refused, nothing read or changed'],
      ['a region the environment does not have', { region: 'eu-west-1' }, 'region eu-west-1 is not a region of the production environment (us-east-1, us-west-2): refused, nothing read or changed'],
      ['an alarm this handler does not watch', { alarmName: 'NotificationService Queue Depth > 1000 (notification-service-queue)' }, 'alarm "NotificationService Queue Depth > 1000 (notification-service-queue)" is not one the production environment watches with test-playbook in us-east-1: refused, nothing read or changed'],
    ])('rejects %s before any AWS call: no claim, no change, nothing published', async (_case, change, reason) => {
      const { deps, counter, published, awsCalls, store } = setup();
      const input = relabelled(change);
      const decision = await runPlaybook(deps, input);
      expect(decision).toMatchObject({ outcome: 'rejected', reason });
      expect(counter.applyCalls).toBe(0);
      expect(awsCalls).toEqual([]);
      expect(published).toEqual([]);
      expect(store.claims.size).toBe(0);
      expect(store.resources.size).toBe(0);
    });

    it.each([
      ['another metric', (m: { name: string }) => void (m.name = 'NetworkIn'), 'metrics[0].metricName: the event says "NetworkIn", the alarm "CPUUtilization"'],
      ['another instance', (m: { dimensions: Record<string, string> }) => void (m.dimensions = { InstanceId: 'i-0attacker' }), 'metrics[0].dimensions: the event says {"InstanceId":"i-0attacker"}, the alarm {"InstanceId":"i-12345678901234567"}'],
      ['a dimension added', (m: { dimensions: Record<string, string> }) => void (m.dimensions = { ...m.dimensions, AutoScalingGroupName: 'other' }), 'metrics[0].dimensions: the event says {"AutoScalingGroupName":"other","InstanceId":"i-12345678901234567"}, the alarm {"InstanceId":"i-12345678901234567"}'],
    ])("rejects the event given %s than its alarm's once re-read: before the claim, only DescribeAlarms called, then still acts on the genuine delivery", async (_case, edit, detail) => {
      const { deps, counter, published, store, awsCalls } = setup();
      const warnings: Array<[string, Record<string, unknown>]> = [];
      deps.logger.warn = ((message: string, extra: Record<string, unknown>) => void warnings.push([message, extra])) as typeof deps.logger.warn;
      const forged = event() as { detail: { configuration: { metrics: Array<{ metricStat: { metric: { name: string; dimensions: Record<string, string> } } }> } } };
      const [series] = forged.detail.configuration.metrics;
      if (!series) throw new Error('the fixture has no metric');
      edit(series.metricStat.metric);
      const decision = await runPlaybook(deps, forged);
      expect(decision).toMatchObject({ outcome: 'rejected', findings: [detail], alarmName: 'ServerCpuTooHigh' });
      expect(decision.reason).toMatch(/^the event's metrics are not what alarm "ServerCpuTooHigh" watches \(CloudWatch DescribeAlarms\)/);
      expect(awsCalls).toEqual(['DescribeAlarms']);
      expect(store.claims.size).toBe(0);
      expect(counter.applyCalls).toBe(0);
      expect(published).toEqual([]);
      expect(store.audit).toEqual([]);
      expect(warnings).toEqual([['event rejected', expect.objectContaining({ reason: decision.reason, details: [detail] })]]);
      // Nothing was claimed: the genuine delivery of the same state change is no duplicate.
      expect(await runPlaybook(deps, event())).toMatchObject({ outcome: 'applied' });
      expect(counter).toMatchObject({ value: 2, applyCalls: 1 });
    });

    it('binds the dimensions whatever their order in the event', async () => {
      const { deps, counter } = setup();
      deps.services.alarms = {
        current: async () => ({
          value: 'ALARM',
          updatedAt: new Date('2019-10-02T17:04:40.989Z'),
          definition: { kind: 'single', series: { namespace: 'AWS/EC2', metricName: 'CPUUtilization', dimensions: { InstanceId: 'i-12345678901234567', AutoScalingGroupName: 'asg' } } },
        }),
      };
      const reordered = event() as { detail: { configuration: { metrics: Array<{ metricStat: { metric: { dimensions: Record<string, string> } } }> } } };
      const [series] = reordered.detail.configuration.metrics;
      if (!series) throw new Error('the fixture has no metric');
      series.metricStat.metric.dimensions = { AutoScalingGroupName: 'asg', InstanceId: 'i-12345678901234567' };
      expect(await runPlaybook(deps, reordered)).toMatchObject({ outcome: 'applied' });
      expect(counter.applyCalls).toBe(1);
    });

    // Review 13, R13-3 (the reviewer's probe, through the pipeline): AWS's METRICS() example with m2 on another instance.
    // The genuine event with its series reversed is bound (the same set); the target is still named by m1, the alarm's
    // first input, and the genuine delivery that follows is the duplicate it is, not a second target.
    it("names the target from a metric-math alarm's own order, not the event's: a reversed genuine event acts on m1's instance", async () => {
      const { deps, counter, store } = setup();
      const targets: string[] = [];
      deps.watchedAlarms = new Set(['TotalNetworkTrafficTooHigh']);
      deps.playbook.resolveTarget = (e) => {
        const instance = primaryMetric(e)?.dimensions.InstanceId ?? 'none';
        targets.push(instance);
        return { resource: { type: 'instance', id: instance, arn: `arn:aws:ec2:us-east-1:123456789012:instance/${instance}` } };
      };
      const input = (Metric: { Namespace: string; MetricName: string }) => ({ ...Metric, Dimensions: [{ Name: 'InstanceId', Value: Metric.MetricName === 'NetworkOut' ? 'i-0bbbbbbbbbbbbbbbb' : 'i-12345678901234567' }] });
      const definition = alarmDefinitionOf(
        {
          AlarmName: 'TotalNetworkTrafficTooHigh',
          Metrics: [
            { Id: 'e1', Expression: 'SUM(METRICS())', Label: 'Total Network Traffic', ReturnData: true },
            { Id: 'm1', MetricStat: { Metric: input({ Namespace: 'AWS/EC2', MetricName: 'NetworkIn' }), Period: 300, Stat: 'Maximum' }, ReturnData: false },
            { Id: 'm2', MetricStat: { Metric: input({ Namespace: 'AWS/EC2', MetricName: 'NetworkOut' }), Period: 300, Stat: 'Maximum' }, ReturnData: false },
          ],
        },
        undefined,
      );
      deps.services.alarms = { current: async () => ({ value: 'ALARM', updatedAt: new Date('2019-10-02T17:20:48.554Z'), definition }) };
      const genuine = JSON.parse(readFileSync(join(__dirname, '../../fixtures/events/alarm-state-change-metric-math.json'), 'utf8')) as {
        detail: { configuration: { metrics: Array<{ id: string; metricStat?: { metric: { dimensions: Record<string, string> } } }> } };
      };
      const m2 = genuine.detail.configuration.metrics.find((m) => m.id === 'm2');
      if (!m2?.metricStat) throw new Error('the fixture has no m2');
      m2.metricStat.metric.dimensions = { InstanceId: 'i-0bbbbbbbbbbbbbbbb' };
      const reversed = structuredClone(genuine);
      reversed.detail.configuration.metrics.reverse();

      const decision = await runPlaybook(deps, reversed);
      expect(decision).toMatchObject({ outcome: 'applied', resource: { id: 'i-12345678901234567' } });
      expect(counter.applyCalls).toBe(1);
      expect([...store.resources.keys()]).toEqual(['arn:aws:ec2:us-east-1:123456789012:instance/i-12345678901234567']);
      // The caller's order named m2's instance at admission; the bound event names m1's, and only that one is acted on.
      expect(targets).toEqual(['i-0bbbbbbbbbbbbbbbb', 'i-12345678901234567']);
      expect(await runPlaybook(deps, genuine)).toMatchObject({ outcome: 'skipped', resource: { id: 'i-12345678901234567' }, reason: expect.stringContaining('duplicate delivery') });
      expect(counter.applyCalls).toBe(1);
    });

    it('rejects an event whose alarm DescribeAlarms answers with no metric (fails closed), before the claim', async () => {
      const { deps, counter, store } = setup();
      deps.services.alarms = { current: async () => ({ value: 'ALARM', updatedAt: new Date('2019-10-02T17:04:40.989Z') }) };
      expect(await runPlaybook(deps, event())).toMatchObject({ outcome: 'rejected', findings: ['definition: not answered'] });
      expect(counter.applyCalls).toBe(0);
      expect(store.claims.size).toBe(0);
    });

    it('a re-read that fails is thrown under the claim as before (a transient error is retried), not taken for a binding', async () => {
      const { deps, counter, store } = setup();
      deps.services.alarms = { current: async () => Promise.reject(new TransientError('CloudWatch DescribeAlarms throttled')) };
      await expect(runPlaybook(deps, event())).rejects.toBeInstanceOf(TransientError);
      expect(counter.applyCalls).toBe(0);
      // Taken under the claim and given back (lease expired), as any transient failure of the reads: the retry decides.
      expect([...store.claims.values()].map((c) => [c.status, c.leaseExpiresAtSeconds])).toEqual([['IN_PROGRESS', 0]]);
      deps.services.alarms = { current: async (name: string) => ({ value: 'ALARM', updatedAt: new Date('2019-10-02T17:04:40.989Z'), definition: FIXTURE_DEFINITIONS[name] }) };
      expect(await runPlaybook(deps, event())).toMatchObject({ outcome: 'applied' });
    });

    it('still acts on the genuine event, then rejects its relabelled copies instead of taking them for new incidents', async () => {
      const { deps, counter, store } = setup();
      expect(await runPlaybook(deps, event())).toMatchObject({ outcome: 'applied' });
      for (const region of ['us-west-2', 'eu-west-1', 'ap-south-1']) {
        expect(await runPlaybook(deps, relabelled({ region }))).toMatchObject({ outcome: 'rejected' });
      }
      expect(counter).toMatchObject({ value: 2, applyCalls: 1 });
      expect([...store.claims.keys()]).toHaveLength(1);
    });
  });

  it('skips INSUFFICIENT_DATA without a claim or a published event', async () => {
    const { deps, published, store } = setup();
    expect(await runPlaybook(deps, event('INSUFFICIENT_DATA'))).toMatchObject({ outcome: 'skipped' });
    expect(published).toEqual([]);
    expect(store.claims.size).toBe(0);
  });

  it('records a muted alarm and does not act on it', async () => {
    const { deps, counter, published } = setup();
    const muted = event() as { detail: Record<string, unknown> };
    muted.detail.muteDetail = {
      mutedByArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm-mute-rule:maintenance',
      muteWindowStart: '2019-10-02T17:00:00.000+0000',
      muteWindowEnd: '2019-10-02T18:00:00.000+0000',
    };
    expect(await runPlaybook(deps, muted)).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('muted') });
    expect(counter.applyCalls).toBe(0);
    expect(published).toHaveLength(1);
  });

  it('changes once when the same event is delivered many times', async () => {
    const { deps, counter } = setup();
    const decisions = await Promise.all(Array.from({ length: 50 }, () => runPlaybook(deps, event())));
    expect(decisions.filter((d) => d.outcome === 'applied')).toHaveLength(1);
    expect(counter.value).toBe(2);
  });

  describe('a duplicate of a completed incident answers with the next step the first delivery recorded', () => {
    const ROW_RUNBOOK = 'NotificationService-TroubleshootConnectionTimeout';
    const named = { documentName: ROW_RUNBOOK, parameters: { SecurityGroupId: ['sg-0db'], SourceSecurityGroupId: ['sg-0fn'], Port: ['5432'] } };
    function namingPlaybook(): Playbook<Counter, Target, { value: number }, Change> {
      return { ...counterPlaybook(), plan: () => ({ kind: 'escalate', cause: 'diagnosis', reason: 'missing ingress rule', runbook: named }) };
    }

    it('carries the recorded runbook and its parameters, with no change and nothing published', async () => {
      const { deps, store, published, counter } = setup();
      const withRunbook = { ...deps, playbook: namingPlaybook() };
      const first = await runPlaybook(withRunbook, event());
      expect(first).toMatchObject({ outcome: 'escalate', runbook: named });
      expect([...store.claims.values()][0]).toMatchObject({ status: 'COMPLETED', outcome: 'escalate', runbook: named });

      const again = await runPlaybook(withRunbook, event());

      expect(again).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('duplicate delivery'), runbook: named });
      expect(published.map((d) => d.outcome)).toEqual(['escalate']);
      expect(counter.applyCalls).toBe(0);
    });

    it.each([
      ['a document that is not one of the project\'s runbooks', { ...named, documentName: 'AWS-RunShellScript' }],
      ['a parameter value with markup', { ...named, parameters: { ...named.parameters, Port: ['<https://evil|5432>'] } }],
      ['something that is not a runbook', 'run this'],
    ])('drops a recorded runbook that was tampered in the table: %s', async (_what, tampered) => {
      const { deps, store } = setup();
      const withRunbook = { ...deps, playbook: namingPlaybook() };
      await runPlaybook(withRunbook, event());
      const [claim] = [...store.claims.values()];
      if (!claim) throw new Error('no claim recorded');
      claim.runbook = tampered;

      const again = await runPlaybook(withRunbook, event());

      expect(again).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('duplicate delivery') });
      expect(again.runbook).toBeUndefined();
    });

    it('names no runbook while the first delivery is still in progress', async () => {
      const { deps } = setup();
      const withRunbook = { ...deps, playbook: namingPlaybook() };
      const [a, b] = await Promise.all([runPlaybook(withRunbook, event()), runPlaybook(withRunbook, event())]);
      const duplicate = [a, b].find((d) => d?.outcome === 'skipped');
      expect(duplicate?.reason).toContain('being handled by another invocation');
      expect(duplicate?.runbook).toBeUndefined();
    });
  });

  describe('a duplicate is logged with its reason and counted (README "Every decision audited")', () => {
    it('a claim held by another invocation: one "decision: skipped" line with the reason, DecisionsSkipped 1, nothing published', async () => {
      const { deps, store, counter, published } = setup();
      const held = await store.claim('test-playbook', parseAlarmEvent(event()).incidentKey, new Date(Date.parse('2019-10-02T17:04:59Z')));
      expect(held.claimed).toBe(true);
      let decision: Decision | undefined;
      const reported = await reportedLocally(async (reporter) => {
        decision = await runPlaybook({ ...deps, services: { ...deps.services, reporter } }, event());
      });
      const reason = 'duplicate delivery: incident already being handled by another invocation';
      expect(decision).toMatchObject({ outcome: 'skipped', reason });
      expect(reported.decisionLines).toHaveLength(1);
      expect(reported.decisionLines[0]).toMatchObject({ level: 'INFO', message: 'decision: skipped', decision: { outcome: 'skipped', reason, playbook: 'test-playbook' } });
      expect(reported.metrics).toEqual({ DecisionsSkipped: 1 });
      expect(reported.published).toEqual([]);
      expect([counter.applyCalls, published.length, store.audit.length]).toEqual([0, 0, 0]);
    });

    it('a claim completed by the first delivery: one "decision: skipped" line naming its outcome, DecisionsSkipped 1, nothing published', async () => {
      const { deps, store, counter, published } = setup();
      expect(await runPlaybook(deps, event())).toMatchObject({ outcome: 'applied' });
      let decision: Decision | undefined;
      const reported = await reportedLocally(async (reporter) => {
        decision = await runPlaybook({ ...deps, services: { ...deps.services, reporter } }, event());
      });
      const reason = 'duplicate delivery: incident already handled (applied)';
      expect(decision).toMatchObject({ outcome: 'skipped', reason });
      expect(reported.decisionLines).toHaveLength(1);
      expect(reported.decisionLines[0]).toMatchObject({ level: 'INFO', message: 'decision: skipped', decision: { outcome: 'skipped', reason } });
      expect(reported.metrics).toEqual({ DecisionsSkipped: 1 });
      expect(reported.published).toEqual([]);
      // The first delivery's change, audit entry and event only.
      expect([counter.applyCalls, published.length, store.audit.length]).toEqual([1, 1, 1]);
    });
  });

  describe('the addressing reads go with the claim; the observation waits for it (decision 216)', () => {
    type Addressed = Target & { url?: string };
    /** A playbook whose target is addressed (as scale-consumers asks for its queue's URL), noting each step. */
    function addressingPlaybook(log: string[], fail = false): Playbook<Counter, Addressed, { value: number }, Change> {
      return {
        ...counterPlaybook(),
        address: async (_ctx, target) => {
          log.push('address');
          if (fail) throw new TransientError('GetQueueUrl throttled');
          return { ...target, url: 'https://queue.example/c' };
        },
        observe: async (ctx, target) => {
          log.push(`observe ${target.url ?? 'unaddressed'}`);
          return { value: ctx.clients.value };
        },
      };
    }

    it('addresses the target before the claim has answered, observes it once the claim is held, and records the target as resolved', async () => {
      const { deps, store, counter } = setup();
      const log: string[] = [];
      let answer: () => void = () => undefined;
      const claim = store.claim.bind(store);
      store.claim = async (...args) => {
        log.push('claim');
        await new Promise<void>((resolve) => (answer = resolve));
        log.push('claimed');
        return claim(...args);
      };
      const running = runPlaybook({ ...deps, playbook: addressingPlaybook(log) }, event());
      await new Promise((resolve) => setImmediate(resolve));
      expect(log).toEqual(['address', 'claim']);
      answer();
      expect(await running).toMatchObject({ outcome: 'applied' });
      expect(log).toEqual(['address', 'claim', 'claimed', 'observe https://queue.example/c']);
      expect(counter.applyCalls).toBe(1);
      // The intent verify-change judges from holds the target as resolved from the bound event: an address is asked again.
      const [record] = [...store.claims.values()];
      expect((record?.intent as { target: Addressed }).target).toEqual({ resource: { type: 'counter', id: 'c', arn: 'arn:aws:test:::counter/c' } });
    });

    it('a delivery that loses the claim has made its addressing reads only: nothing observed, changed or published', async () => {
      const { deps, store, counter, published } = setup();
      const log: string[] = [];
      const held = await store.claim('test-playbook', parseAlarmEvent(event()).incidentKey, new Date(Date.parse('2019-10-02T17:04:59Z')));
      expect(held.claimed).toBe(true);
      const decision = await runPlaybook({ ...deps, playbook: addressingPlaybook(log) }, event());
      expect(decision).toMatchObject({ outcome: 'skipped', reason: 'duplicate delivery: incident already being handled by another invocation' });
      expect(log).toEqual(['address']);
      expect(counter.applyCalls).toBe(0);
      expect(published).toEqual([]);
      expect(store.audit).toEqual([]);
    });

    it('an event refused by its alarm\'s definition is not addressed', async () => {
      const { deps, store } = setup();
      const log: string[] = [];
      const forged = event() as { detail: { configuration: { metrics: Array<{ metricStat: { metric: { name: string } } }> } } };
      const [series] = forged.detail.configuration.metrics;
      if (!series) throw new Error('the fixture has no metric');
      series.metricStat.metric.name = 'NetworkIn';
      expect(await runPlaybook({ ...deps, playbook: addressingPlaybook(log) }, forged)).toMatchObject({ outcome: 'rejected' });
      expect(log).toEqual([]);
      expect(store.claims.size).toBe(0);
    });

    it('an address that fails is no failure: the target is observed as resolved (observe makes the read itself)', async () => {
      const { deps, counter } = setup();
      const log: string[] = [];
      expect(await runPlaybook({ ...deps, playbook: addressingPlaybook(log, true) }, event())).toMatchObject({ outcome: 'applied' });
      expect(log).toEqual(['address', 'observe unaddressed']);
      expect(counter.applyCalls).toBe(1);
    });
  });

  it('does nothing for an event whose alarm has since gone back to OK', async () => {
    const { deps, counter } = setup({ alarmState: 'OK' });
    expect(await runPlaybook(deps, event())).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('stale') });
    expect(counter.applyCalls).toBe(0);
  });

  // The fixture's alarm as CloudWatch's DescribeAlarms answers it, less the two optional timestamps (API reference:
  // Required: No); each case below adds what it answers.
  const fixtureAlarm: MetricAlarm = {
    AlarmName: 'ServerCpuTooHigh',
    AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh',
    StateValue: 'ALARM',
    StateReason: 'Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater than the threshold (50.0)',
    MetricName: 'CPUUtilization',
    Namespace: 'AWS/EC2',
    Dimensions: [{ Name: 'InstanceId', Value: 'i-12345678901234567' }],
    Statistic: 'Average',
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: 50,
    ComparisonOperator: 'GreaterThanThreshold',
  };
  const readerAnswering = (alarm: MetricAlarm) => new AlarmStateReader({ send: async () => ({ $metadata: {}, MetricAlarms: [alarm], CompositeAlarms: [] }) });

  describe('an alarm DescribeAlarms answers without StateUpdatedTimestamp (decision 144)', () => {
    const untimed = readerAnswering(fixtureAlarm);

    it('makes no change and escalates, naming the missing timestamp, instead of taking the event for current', async () => {
      const { deps, counter, store, published } = setup();
      deps.services.alarms = untimed;
      const decision = await runPlaybook(deps, event());
      expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'alarm-time-unknown' }, reason: expect.stringContaining('no StateUpdatedTimestamp') });
      expect(decision.reason).toContain('raise 1 -> 2');
      expect(counter.applyCalls).toBe(0);
      expect(counter.value).toBe(1);
      expect(store.resources.get('arn:aws:test:::counter/c')?.baseline).toBeUndefined();
      expect([...store.claims.values()][0]?.status).toBe('COMPLETED');
      expect(published.map((d) => d.outcome)).toEqual(['escalate']);
    });

    it('still sends out a plan that changes nothing as planned (an escalation at the cap)', async () => {
      const { deps, counter } = setup();
      deps.services.alarms = untimed;
      counter.value = 3;
      expect(await runPlaybook(deps, event())).toMatchObject({ outcome: 'escalate', escalation: { cause: 'cap-reached' }, reason: 'at cap 3' });
      expect(counter.applyCalls).toBe(0);
    });
  });

  describe('an alarm whose EvaluationState moved after its state change (decision 154)', () => {
    // The fixture's alarm as DescribeAlarms answers it: in ALARM since the event (StateTransitionedTimestamp), its
    // StateUpdatedTimestamp moved later when only the EvaluationState changed (API reference, MetricAlarm).
    const answered = (transitionedAt: string, updatedAt: string) =>
      readerAnswering({
        ...fixtureAlarm,
        StateTransitionedTimestamp: new Date(transitionedAt),
        StateUpdatedTimestamp: new Date(updatedAt),
        EvaluationState: 'EVALUATION_FAILURE',
      });

    it('acts on the state change: an EvaluationState update after it is not a newer state change', async () => {
      const { deps, counter, published } = setup();
      deps.services.alarms = answered('2019-10-02T17:04:40.989Z', '2019-10-02T17:20:00.000Z');
      expect(await runPlaybook(deps, event())).toMatchObject({ outcome: 'applied', after: { value: 2 } });
      expect(counter.value).toBe(2);
      expect(published.map((d) => d.outcome)).toEqual(['applied']);
    });

    it('does not act again on an event stamped with the EvaluationState update (a new incident key, the same state change)', async () => {
      const { deps, counter, published } = setup();
      deps.services.alarms = answered('2019-10-02T17:04:40.989Z', '2019-10-02T17:20:00.000Z');
      await runPlaybook(deps, event());
      const again = await runPlaybook(deps, event('ALARM', '2019-10-02T17:20:00.000+0000'));
      expect(again).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('not a state change') });
      expect(again.reason).toContain('since 2019-10-02T17:04:40.989Z (StateTransitionedTimestamp)');
      expect(counter.applyCalls).toBe(1);
      expect(counter.value).toBe(2);
      expect(published.map((d) => d.outcome)).toEqual(['applied', 'skipped']);
    });

    it('still skips an event a newer ALARM state change superseded', async () => {
      const { deps, counter } = setup();
      deps.services.alarms = answered('2019-10-02T17:30:00.000Z', '2019-10-02T17:30:00.000Z');
      expect(await runPlaybook(deps, event())).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('supersedes') });
      expect(counter.applyCalls).toBe(0);
    });
  });

  it('plans but does not apply in development', async () => {
    const { deps, counter } = setup({ environment: 'development' });
    expect(await runPlaybook(deps, event())).toMatchObject({ outcome: 'dry-run', dryRun: true });
    expect(counter.applyCalls).toBe(0);
  });

  it('plans but does not apply when the kill switch is engaged, naming the switch as the guardrail that held it (decision 379)', async () => {
    const { deps, counter } = setup({ killSwitch: true });
    expect(await runPlaybook(deps, event())).toMatchObject({ outcome: 'dry-run', reason: expect.stringContaining('kill switch'), escalation: { cause: 'guardrail', guardrail: 'kill-switch' } });
    expect(counter.applyCalls).toBe(0);
  });

  it("development's configured dry run names no guardrail: it is watched, not escalated (decision 28)", async () => {
    const { deps } = setup({ environment: 'development' });
    expect(await runPlaybook(deps, event())).not.toHaveProperty('escalation');
  });

  // Review 23a R23a-2 / R23a-11: a document run is a person's explicit request, not a redelivery of the alarm's event.
  describe('a document run of a state change the automation already decided is decided afresh, once per execution (decision 379)', () => {
    function documentRun(execution: string): unknown {
      const e = event() as { detail: Record<string, unknown> };
      e.detail.runbookExecution = execution;
      return e;
    }

    it('after a kill-switch dry run and the switch back to off: the run applies on the same state change; the alarm redelivered and the same execution again are duplicates; another execution meets the cooldown', async () => {
      const { deps, counter, store, published } = setup();
      let engaged = true;
      const switched = { ...deps, services: { ...deps.services, killSwitch: { read: async () => ({ engaged, reason: engaged ? 'kill switch /test is "stop"' : 'kill switch off' }) } } };
      const held = await runPlaybook(switched, event());
      expect(held).toMatchObject({ outcome: 'dry-run', escalation: { guardrail: 'kill-switch' } });
      engaged = false;

      const run = await runPlaybook(switched, documentRun('exec-1'));
      expect(run).toMatchObject({ outcome: 'applied', incidentKey: held.incidentKey, before: { value: 1 }, after: { value: 2 } });
      expect(counter.value).toBe(2);
      // The alarm's own redelivery: a duplicate of the automation's decision, as strictly as before.
      expect(await runPlaybook(switched, event())).toMatchObject({ outcome: 'skipped', reason: 'duplicate delivery: incident already handled (dry-run)' });
      // The same execution's invocation again (Automation's retry of the step): a duplicate of that run.
      expect(await runPlaybook(switched, documentRun('exec-1'))).toMatchObject({ outcome: 'skipped', reason: 'duplicate delivery: incident already handled (applied)' });
      // Another execution: decided on the state now, inside the cooldown of the run's change.
      expect(await runPlaybook(switched, documentRun('exec-2'))).toMatchObject({ outcome: 'escalate', escalation: { cause: 'guardrail', guardrail: 'cooldown' }, incidentKey: held.incidentKey });
      expect([counter.applyCalls, counter.value]).toEqual([1, 2]);
      expect(published.map((d) => d.outcome)).toEqual(['dry-run', 'applied', 'escalate']);
      // Each decision has an audit entry of its own, all about the one state change; the run's is keyed by its execution.
      expect(store.audit.map((a) => a.incidentKey)).toEqual([held.incidentKey, `${held.incidentKey ?? ''}#runbook:exec-1`, `${held.incidentKey ?? ''}#runbook:exec-2`]);
      expect(store.audit.map((a) => a.decision.incidentKey)).toEqual([held.incidentKey, held.incidentKey, held.incidentKey]);
    });

    it('a document run that comes first takes the state change\'s own claim: the alarm\'s event after it is a duplicate, nothing changed twice', async () => {
      const { deps, counter } = setup();
      expect(await runPlaybook(deps, documentRun('exec-1'))).toMatchObject({ outcome: 'applied' });
      expect(await runPlaybook(deps, event())).toMatchObject({ outcome: 'skipped', reason: 'duplicate delivery: incident already handled (applied)' });
      expect([counter.applyCalls, counter.value]).toEqual([1, 2]);
    });

    it('a document run while the automation holds the claim is answered as a duplicate in progress, nothing decided twice', async () => {
      const { deps, counter } = setup();
      const both = await Promise.all([runPlaybook(deps, event()), runPlaybook(deps, documentRun('exec-1'))]);
      expect(both.map((d) => d.outcome).sort()).toEqual(['applied', 'skipped']);
      expect(both.find((d) => d.outcome === 'skipped')?.reason).toBe('duplicate delivery: incident already being handled by another invocation');
      expect(counter.applyCalls).toBe(1);
    });

    it('the alarm delivered 50 times after a document run decided it: one change, 50 duplicates', async () => {
      const { deps, counter } = setup();
      await runPlaybook(deps, documentRun('exec-1'));
      const decisions = await Promise.all(Array.from({ length: 50 }, () => runPlaybook(deps, event())));
      expect(decisions.filter((d) => d.outcome === 'skipped')).toHaveLength(50);
      expect(counter.applyCalls).toBe(1);
    });
  });

  describe('a kill switch that could not be read (decision 173)', () => {
    it('changes nothing and records nothing final: throws TransientError before the intent and reservation, the claim given back', async () => {
      const { deps, counter, store, published } = setup({ killSwitch: 'unread' });
      const thrown = runPlaybook(deps, event());
      await expect(thrown).rejects.toBeInstanceOf(TransientError);
      await expect(thrown).rejects.toThrow('could not be read (ThrottlingException): nothing is changed until it can be read');
      expect(counter.applyCalls).toBe(0);
      expect(published).toEqual([]);
      expect(store.audit).toEqual([]);
      // Nothing reserved (no cooldown or budget spent) and no intent: the claim is released, not completed.
      expect(store.resources.get('arn:aws:test:::counter/c')).toBeUndefined();
      const [claim] = [...store.claims.values()];
      expect(claim).toMatchObject({ status: 'IN_PROGRESS' });
      expect(claim?.intent).toBeUndefined();
    });

    it('decides on the retry once the switch answers: applied when it says "off", a dry run when it says "stop"', async () => {
      const off = setup({ killSwitch: 'unread' });
      await expect(runPlaybook(off.deps, event())).rejects.toBeInstanceOf(TransientError);
      off.deps.services.killSwitch = { read: async () => ({ engaged: false, reason: 'kill switch /test is off' }) };
      expect(await runPlaybook(off.deps, event())).toMatchObject({ outcome: 'applied' });
      expect(off.counter.applyCalls).toBe(1);
      expect(off.published.map((d) => d.outcome)).toEqual(['applied']);

      const stop = setup({ killSwitch: 'unread' });
      await expect(runPlaybook(stop.deps, event())).rejects.toBeInstanceOf(TransientError);
      stop.deps.services.killSwitch = { read: async () => ({ engaged: true, reason: 'kill switch /test is "stop"' }) };
      expect(await runPlaybook(stop.deps, event())).toMatchObject({ outcome: 'dry-run', reason: expect.stringContaining('"stop"') });
      expect(stop.counter.applyCalls).toBe(0);
    });

    it.each([
      ['a plan that escalates (nothing to guard)', { killSwitch: 'unread' as const }, 3, 'escalate'],
      ['a report-only environment (development never changes)', { killSwitch: 'unread' as const, environment: 'development' }, 1, 'dry-run'],
      ['DRY_RUN (never changes)', { killSwitch: 'unread' as const, env: { DRY_RUN: 'true' } }, 1, 'dry-run'],
    ])('does not wait for it where it decides nothing: %s', async (_name, options, value, outcome) => {
      const { deps, counter } = setup(options);
      counter.value = value;
      expect(await runPlaybook(deps, event())).toMatchObject({ outcome });
      expect(counter.applyCalls).toBe(0);
    });
  });

  it('escalates when the plan says so', async () => {
    const { deps, counter, published } = setup();
    counter.value = 3;
    expect(await runPlaybook(deps, event())).toMatchObject({ outcome: 'escalate', escalation: { cause: 'cap-reached' } });
    expect(published[0]?.outcome).toBe('escalate');
  });

  it('blocks a second change inside the cooldown and escalates with the guardrail name', async () => {
    const { deps, counter, advance } = setup();
    await runPlaybook(deps, event('ALARM', '2019-10-02T17:04:40.989+0000'));
    advance(60);
    // A different incident (another alarm on the same resource) inside the cooldown.
    const later = event('ALARM', '2019-10-02T17:04:40.990+0000') as { resources: string[]; detail: { alarmName: string } };
    later.detail.alarmName = 'ServerCpuTooHighToo';
    later.resources = ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHighToo'];
    const second = await runPlaybook(deps, later);
    expect(second).toMatchObject({ outcome: 'escalate', escalation: { cause: 'guardrail', guardrail: 'cooldown' } });
    expect(counter.value).toBe(2);
  });

  it('escalates a permanent failure with the error and completes the claim', async () => {
    const { deps, counter, store, published } = setup();
    counter.failApply = new PermanentError('AccessDeniedException: not authorized to perform lambda:UpdateEventSourceMapping');
    const decision = await runPlaybook(deps, event());
    expect(decision).toMatchObject({ outcome: 'escalate', escalation: { cause: 'failure', error: { message: expect.stringContaining('lambda:UpdateEventSourceMapping') } } });
    expect([...store.claims.values()][0]?.status).toBe('COMPLETED');
    expect(published).toHaveLength(1);
  });

  it('throws a transient failure so Lambda retries, and the retry completes the change once', async () => {
    const { deps, counter } = setup();
    counter.failApply = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
    await expect(runPlaybook(deps, event())).rejects.toBeInstanceOf(TransientError);
    expect(counter.value).toBe(1);
    counter.failApply = undefined;
    expect(await runPlaybook(deps, event())).toMatchObject({ outcome: 'applied' });
    expect(counter.value).toBe(2);
  });

  it('finishes, without applying again, a change an earlier attempt applied before it died', async () => {
    const { deps, counter, store } = setup();
    // First attempt: apply succeeds, then publishing the decision fails transiently.
    const publish = deps.services.reporter.publish;
    deps.services.reporter.publish = async () => {
      throw new TransientError('PutEvents throttled');
    };
    await expect(runPlaybook(deps, event())).rejects.toBeInstanceOf(TransientError);
    expect(counter.value).toBe(2);
    deps.services.reporter.publish = publish;
    const retry = await runPlaybook(deps, event());
    expect(retry).toMatchObject({ outcome: 'applied', reason: expect.stringContaining('earlier attempt') });
    expect(counter.applyCalls).toBe(1);
    expect(counter.value).toBe(2);
    expect([...store.claims.values()][0]?.status).toBe('COMPLETED');
  });

  it('escalates, applying nothing, a takeover of a claim whose recorded intent is forged (decision 118)', async () => {
    const { deps, counter, store, published } = setup();
    // First attempt: it records its intent, then applying fails transiently and the claim is released for the retry.
    counter.failApply = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
    await expect(runPlaybook(deps, event())).rejects.toBeInstanceOf(TransientError);
    counter.failApply = undefined;
    const [claim] = [...store.claims.values()];
    expect(claim?.status).toBe('IN_PROGRESS');
    expect(claim?.intent).toMatchObject({ direction: 'scale-up', change: { from: 1, to: 2 } });
    // Whoever can write the table rewrites that intent: a change to 1000 in no direction the automation plans.
    claim!.intent = { ...(claim!.intent as Record<string, unknown>), direction: 'sideways', change: { from: 1, to: 1000 } };
    const retry = await runPlaybook(deps, event());
    expect(retry).toMatchObject({
      outcome: 'escalate',
      escalation: { cause: 'failure', error: { message: expect.stringMatching(/^state table record INCIDENT#.+ \/ CLAIM#test-playbook is not one the automation writes, refused: intent\.direction: Invalid option/) } },
    });
    expect(counter.applyCalls).toBe(1);
    expect(counter.value).toBe(1);
    expect([...store.claims.values()][0]?.status).toBe('COMPLETED');
    expect(published.map((d) => d.outcome)).toEqual(['escalate']);
  });

  it('restores the baseline on OK and clears it', async () => {
    const { deps, counter, store } = setup({ alarmState: 'ALARM' });
    await runPlaybook(deps, event());
    deps.services.alarms = { current: async () => ({ value: 'OK', updatedAt: new Date('2019-10-02T17:10:00.000Z'), definition: SERVER_CPU }) };
    expect(await runPlaybook(deps, event('OK', '2019-10-02T17:10:00.000+0000'))).toMatchObject({ outcome: 'applied' });
    expect(counter.value).toBe(1);
    expect(store.resources.get('arn:aws:test:::counter/c')?.baseline).toBeUndefined();
  });
});
