// Demo scenario, the DR standby (the document's us-west-2 DR region) -> watch-standby: the standby is provisioned beside
// the primary, the cross-region replica falls behind past the lag threshold, the standby's alarm goes through the DR
// region's EventBridge rule to watch-standby, which escalates naming FailoverToDR as a person's step and changes nothing;
// the escalation in the DR region pages L1, and resolves the incident when the lag recovers and the alarm clears.
import { appendFileSync } from 'node:fs';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetEventSourceMappingCommand, GetFunctionConcurrencyCommand, GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { defaultConfig } from '../../../shared/config/defaults';
import type { AutomationConfig, EnvironmentName } from '../../../shared/config/schema';
import type { EscalationResult } from '../../../shared/escalation/escalation-service';
import { resolveEscalationPolicy } from '../../../shared/escalation/policy';
import type { Decision } from '../../../shared/pipeline/types';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { createEscalationInbox, type InboxMessage } from '../../../sandbox/escalation-inbox';
import { createEventRouter, type EventRouter, type RouteResult } from '../../../sandbox/event-router';
import { invokeBundle } from '../../../sandbox/invoke-bundle';
import { provisionDrAlarmRoutes, provisionDrAutomation, provisionDrStandby, type DrStandby } from '../../../sandbox/provision-dr';
import { seconds, type DemoContext, type DemoScenario } from '../context';
import { fireAlarm, printDetails, type AlarmRegion } from '../fire-alarm';
import { describeResult, summarizeInbox } from './escalation';

const HANDLER = 'watch-standby';
const ROW = 'dr-standby';
// EventBridge -> SQS is immediate in the emulator, but a busy machine can hold a delivery back for seconds.
const WAIT_MS = 15_000;
const POLL_INTERVAL_MS = 100;
/** The replica's lag minute by minute up to a minute ago, as multiples of the threshold: five minutes above it. */
const BEHIND = [0.5, 0.8, 1.03, 1.13, 1.22, 1.3, 1.4];
/** This minute's datapoint once the link has caught up. */
const RECOVERED = 0.1;

/** The region an environment names `dr`, with the standby's configuration; undefined when it has none. */
function drRegionOf(config: AutomationConfig, environment: EnvironmentName): string | undefined {
  const env = config.environments[environment];
  if (!env.disasterRecovery) return undefined;
  return Object.entries(env.regionRoles ?? {}).find(([, role]) => role === 'dr')?.[0];
}

/**
 * Everything a failover would change, in both regions, as the emulator holds it: the replica (still a replica of the
 * primary), the primary database, each region's consumer and mapping, the endpoint parameter each region's consumers
 * read, and the API's Route 53 failover pair. Labelled values, compared before and after.
 */
async function readBothRegions(ctx: DemoContext, standby: DrStandby): Promise<Record<string, string>> {
  const { topology } = ctx.session;
  const at = (region: string) => ({ ...ctx.session.clientConfig, region });
  const state: Record<string, string> = {};
  for (const region of [standby.primaryRegion, standby.drRegion]) {
    const rds = new RDSClient(at(region));
    const lambda = new LambdaClient(at(region));
    const ssm = new SSMClient(at(region));
    try {
      const dbId = region === standby.drRegion ? standby.replica.identifier : topology.database.identifier;
      const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: dbId }))).DBInstances?.[0];
      const replicaOf = db?.ReadReplicaSourceDBInstanceIdentifier;
      state[`${region} database ${dbId}`] = `${db?.DBInstanceStatus ?? '?'}, ${db?.DBInstanceClass ?? '?'}${replicaOf ? `, replica of ${replicaOf}` : ', not a replica'}${db?.ReadReplicaDBInstanceIdentifiers?.length ? `, replicas ${db.ReadReplicaDBInstanceIdentifiers.join(',')}` : ''}`;
      const uuid = region === standby.drRegion ? standby.consumer.mappingUuid : topology.consumer.mappingUuid;
      const mapping = await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
      state[`${region} consumers' mapping ${uuid}`] = `${mapping.State ?? '?'}, MaximumConcurrency ${mapping.ScalingConfig?.MaximumConcurrency ?? '-'}`;
      const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: topology.consumer.functionName }));
      const reserved = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: topology.consumer.functionName }));
      state[`${region} consumer ${topology.consumer.functionName}`] = `${fn.MemorySize ?? '?'} MB, reserved concurrency ${reserved.ReservedConcurrentExecutions ?? 'none'}`;
      const parameter = await ssm.send(new GetParameterCommand({ Name: standby.endpointParameterName }));
      state[`${region} parameter ${standby.endpointParameterName}`] = parameter.Parameter?.Value ?? '?';
    } finally {
      rds.destroy();
      lambda.destroy();
      ssm.destroy();
    }
  }
  const route53 = new Route53Client(at(standby.primaryRegion));
  try {
    const records = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: standby.hostedZoneId }));
    const pair = (records.ResourceRecordSets ?? [])
      .filter((r) => r.Name === standby.recordName && r.Failover)
      .map((r) => `${r.Failover ?? '?'} = ${r.SetIdentifier ?? '?'} (${r.ResourceRecords?.map((v) => v.Value).join(',') ?? ''})`)
      .sort();
    state[`Route 53 ${standby.recordName}`] = pair.join('; ');
  } finally {
    route53.destroy();
  }
  return state;
}

export const drStandbyScenario: DemoScenario = {
  name: 'dr-standby',
  title: 'DR Standby (us-west-2) -> watch the standby: escalate, change nothing',
  notPlayable(config, environment) {
    return drRegionOf(config, environment) ? undefined : `${environment} has no DR region (environments.${environment}.regionRoles names none, or no disasterRecovery)`;
  },
  async run(ctx) {
    const { topology, clientConfig } = ctx.session;
    const { line } = ctx;
    const at = (): string => `t+${seconds(Date.now() - ctx.startedAt)}`;
    const runtime = loadRuntimeConfig(process.env);
    const drRegion = drRegionOf(runtime.config, runtime.environment);
    const row = runtime.config.troubleshooting.find((r) => r.id === ROW);
    if (!drRegion || !row) return { ok: false, summary: [`${runtime.environment} has no DR region or no ${ROW} row`] };
    const dr: AlarmRegion = { region: drRegion, clientConfig: { ...clientConfig, region: drRegion } };
    const log = (chunk: string): void => appendFileSync(ctx.logFile, chunk);

    // The DR region (us-west-2) is the service document's; the standby's names and the watch's thresholds are the project's.
    line(`  ${drRegion} is the document's DR region ("us-west-2 DR": a cross-region replica and queue replication); provisioning the standby there...`);
    const standby = await provisionDrStandby({ clientConfig, config: runtime.config, environment: runtime.environment, primary: topology });
    const automation = await provisionDrAutomation({ clientConfig, config: runtime.config, environment: runtime.environment, standby });
    const routes = await provisionDrAlarmRoutes({ clientConfig, config: runtime.config, automation });
    line(`  ${drRegion}: replica ${standby.replica.identifier} of ${topology.database.identifier}, replicated queue ${standby.queue.name}, DR consumer ${standby.consumer.functionName} (mapping disabled), endpoint parameter, Route 53 failover pair (PRIMARY ${standby.primaryRegion})`);
    line(`  ${drRegion}: the standby alarms and their EventBridge rule to ${HANDLER}, the DR region's state table, bus, tier topics and escalation`);

    const lagAlarm = automation.alarms.find((a) => a.rowId === ROW && a.metric.kind === 'single' && a.metric.metric.metricName === row.detection.metricName);
    if (!lagAlarm) return { ok: false, summary: [`no ${row.detection.metricName} alarm in ${drRegion}`] };
    const threshold = lagAlarm.threshold;
    const defaultThreshold = defaultConfig.troubleshooting.find((r) => r.id === ROW)?.detection.threshold;
    const thresholdSource =
      threshold === defaultThreshold
        ? "the project's default (shared/config/defaults.ts, decision 82): the document gives no RPO or replica-lag threshold"
        : 'as configured (RUNBOOK_CONFIG_JSON)';
    line(`  replica lag threshold ${threshold} s, ${thresholdSource}; alarm: Maximum above it for ${lagAlarm.datapointsToAlarm} of ${lagAlarm.evaluationPeriods} minutes`);

    const sqs = new SQSClient(dr.clientConfig);
    const cloudWatch = new CloudWatchClient(dr.clientConfig);
    const inbox = await createEscalationInbox(dr.clientConfig, automation, 'demo-dr-escalation-inbox');
    const inDr = (handler: string, event: unknown): Promise<unknown> => invokeBundle(handler, event, log, drRegion);
    // The DR region's functions: watch-standby on its alarm rule, escalate on the decisions and on the alarm clearing.
    const alarms = createEventRouter({ sqs, routes: { [HANDLER]: routes.alarmRoutes[HANDLER]?.url ?? '' }, invoke: inDr });
    const escalations = createEventRouter({ sqs, routes: { escalate: automation.decisionRoute.url }, invoke: inDr, batchSize: 1 });
    const clearances = createEventRouter({ sqs, routes: { escalate: routes.alarmClearedRoute.url }, invoke: inDr, batchSize: 1 });
    const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    let failures = 0;

    /** Routes the standby alarm's events until watch-standby has decided on `state`. */
    const decided = async (state: 'ALARM' | 'OK'): Promise<Decision | undefined> => {
      for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline; ) {
        const results = await alarms.pollOnce();
        failures += results.filter((r) => r.error).length;
        const decision = ctx.report(results).find((d) => d.playbook === HANDLER && d.alarmState === state);
        if (decision) return decision;
        await pause();
      }
      failures += 1;
      line(`  ${at()}  ${HANDLER} did not decide on ${state} within ${WAIT_MS / 1000} s`);
      return undefined;
    };
    const recordIncident = (result: EscalationResult): void => {
      for (const id of result.incidentId ? [result.incidentId] : (result.incidentIds ?? [])) {
        if (result.action === 'opened' || result.action === 'resolved') ctx.timeline.incident(id, { kind: result.action, detail: result.reason });
        for (const d of result.delivered) {
          ctx.timeline.incident(id, { kind: d.kind === 'resolve' ? 'resolved' : 'notified', tier: d.tier, detail: `${d.kind === 'resolve' ? 'resolution' : 'notification'} via ${d.via}` });
        }
      }
    };
    /** Routes what waits on an escalation queue, one message at a time, until it is empty (waiting for the first). */
    const route = async (router: EventRouter): Promise<EscalationResult[]> => {
      const all: EscalationResult[] = [];
      for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline; ) {
        const results: RouteResult[] = await router.pollOnce();
        for (const r of results) {
          if (r.error) {
            failures += 1;
            line(`  ${at()}  ${r.handler} (${drRegion}): FAILED (${r.error.name}: ${r.error.message}) — retried`);
            continue;
          }
          const result = r.result as EscalationResult;
          all.push(result);
          recordIncident(result);
          line(`  ${at()}  ${r.handler} (${drRegion}): ${describeResult(result)}`);
        }
        if (results.length === 0 && all.length > 0) break;
        if (results.length === 0) await pause();
      }
      return all;
    };
    const delivered = async (): Promise<InboxMessage[]> => {
      const messages = await inbox.read();
      for (const s of summarizeInbox(messages)) line(`  ${at()}  inbox: ${s}`);
      return messages;
    };
    /** ReplicaLag as RDS publishes it for the replica, one datapoint a minute, the last `lastAgoMs` ago; charted at its own times. */
    const publishLag = async (lagSeconds: number[], lastAgoMs: number): Promise<void> => {
      const last = Date.now() - lastAgoMs;
      const points = lagSeconds.map((value, i) => ({ value, at: last - (lagSeconds.length - 1 - i) * 60_000 }));
      await cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: row.detection.namespace,
          MetricData: points.map((p) => ({
            MetricName: row.detection.metricName,
            Dimensions: [{ Name: 'DBInstanceIdentifier', Value: standby.replica.identifier }],
            Value: p.value,
            Unit: 'Seconds',
            Timestamp: new Date(p.at),
          })),
        }),
      );
      for (const p of points) ctx.timeline.sample({ metric: p.value }, p.at);
    };

    try {
      const before = await readBothRegions(ctx, standby);
      ctx.timeline.chart({ label: `${row.detection.metricName} of ${standby.replica.identifier}`, unit: 's' });

      const behind = BEHIND.map((m) => Math.round(m * threshold));
      await publishLag(behind, 60_000);
      const breaching = behind.slice(-lagAlarm.evaluationPeriods);
      line(`  ${drRegion}: the replica falls behind, ReplicaLag ${behind.join(' -> ')} s, a datapoint a minute (a slow cross-region link)`);
      const fired = await fireAlarm(
        ctx,
        lagAlarm.name,
        'ALARM',
        `Threshold Crossed: ${breaching.length} out of the last ${lagAlarm.evaluationPeriods} datapoints [${breaching.map((v) => `${v}.0`).join(', ')}] were greater than the threshold (${threshold}.0) (minimum ${lagAlarm.datapointsToAlarm} datapoints for OK -> ALARM transition).`,
        { version: '1.0', statistic: 'Maximum', period: 60, recentDatapoints: breaching, threshold },
        dr,
      );
      line(`  ${at()}  alarm "${lagAlarm.name}" (${drRegion}): ${fired.from} -> ${fired.to}`);
      const decision = await decided('ALARM');
      printDetails(ctx, decision);
      const opened = (await route(escalations)).find((r) => r.action === 'opened');
      const pages = await delivered();
      const email = pages.find((m) => m.channel === 'email');
      if (email) line(`  ${at()}  L1 email subject: "${email.subject ?? ''}"`);

      // The link catches up: the lag falls back under the threshold and the alarm clears.
      const recovered = Math.round(RECOVERED * threshold);
      await publishLag([recovered], 0);
      line(`  ${drRegion}: the replica catches up, ReplicaLag ${recovered} s this minute`);
      const cleared = await fireAlarm(
        ctx,
        lagAlarm.name,
        'OK',
        `Threshold Crossed: 1 out of the last ${lagAlarm.evaluationPeriods} datapoints [${[...breaching.slice(1), recovered].map((v) => `${v}.0`).join(', ')}] was not greater than the threshold (${threshold}.0) (minimum 1 datapoint for ALARM -> OK transition).`,
        { version: '1.0', statistic: 'Maximum', period: 60, recentDatapoints: [...breaching.slice(1), recovered], threshold },
        dr,
      );
      line(`  ${at()}  alarm "${lagAlarm.name}" (${drRegion}): ${cleared.from} -> ${cleared.to}`);
      await decided('OK');
      const resolved = (await route(clearances)).find((r) => r.action === 'resolved');
      const resolutions = await delivered();

      const after = await readBothRegions(ctx, standby);
      const changed = Object.keys(before).filter((key) => before[key] !== after[key]);
      for (const key of changed) line(`  CHANGED ${key}: ${before[key]} -> ${after[key] ?? '(gone)'}`);

      const policy = resolveEscalationPolicy(runtime.config, runtime.environment);
      const first = policy.tiers[0];
      const l1Channels = first?.channels.length ?? 0;
      const count = (messages: InboxMessage[], kind: string): number => messages.filter((m) => m.incidentId === opened?.incidentId && m.kind === kind && m.level === first?.level).length;
      const escalated = decision?.outcome === 'escalate' && decision.escalation?.cause === 'diagnosis' && decision.region === drRegion;
      const namesFailover = Boolean(decision?.reason.includes(`${row.runbook ?? 'NotificationService-FailoverToDR'} (behind approval)`));
      const paged = Boolean(opened) && count(pages, 'opened') === l1Channels && pages.every((m) => m.level === first?.level);
      const closed = Boolean(resolved) && count(resolutions, 'resolved') === l1Channels;
      const ok = escalated && namesFailover && paged && closed && changed.length === 0 && failures === 0;
      return {
        ok,
        summary: [
          `${'replica lag'.padEnd(30)}${Math.max(...behind)} s in ${drRegion} > ${threshold} s (threshold: ${threshold === defaultThreshold ? "the project's default" : 'configured'}; ${drRegion} as the DR region: the document's)`,
          `${'decision'.padEnd(30)}${decision ? `${decision.outcome}${decision.escalation ? ` (${decision.escalation.cause})` : ''}` : 'none'}; ${namesFailover ? `names ${row.runbook ?? 'NotificationService-FailoverToDR'} (behind approval) as a person's step` : 'the failover document is not named'}`,
          `${'incident'.padEnd(30)}${opened?.incidentId ?? '(not opened)'}: ${first?.name ?? 'L1'} paged (${first?.channels.join(' + ') ?? ''}); ${resolved ? 'resolved when the lag recovered and the alarm cleared' : 'not resolved'}`,
          `${'changed in either region'.padEnd(30)}${changed.length === 0 ? `nothing (${Object.keys(before).length} settings a failover would change, in ${standby.primaryRegion} and ${drRegion}, read before and after)` : changed.join('; ')}`,
          ok
            ? 'the standby was watched, not touched: the failover stays a person\'s decision, behind approval'
            : 'the scenario did not complete as expected (see above)',
        ],
      };
    } finally {
      sqs.destroy();
      cloudWatch.destroy();
    }
  },
};
