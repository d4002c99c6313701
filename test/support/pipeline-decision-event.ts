// A "Runbook Decision" event exactly as the pipeline writes it: the real runPlaybook deciding on a CloudWatch alarm state
// change built as CloudWatch builds it (sandbox/alarm-evaluator.ts) for a production alarm, the real DecisionReporter
// writing the PutEvents entry, and that entry delivered as EventBridge delivers an event (the envelope of "Amazon
// EventBridge events", EventBridge User Guide). Also what the pipeline recorded: the claim and the audit entry.
import { EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { CloudWatchClient, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { alarmDefinitionOf } from '../../shared/aws/alarm-state-reader';
import { alarmSpecs } from '../../shared/config/alarm-specs';
import { loadRuntimeConfig } from '../../shared/config/load-config';
import { changeStep } from '../../shared/pipeline/change-step';
import { runPlaybook } from '../../shared/pipeline/run-playbook';
import type { Decision } from '../../shared/pipeline/types';
import { queueBackupPlaybook } from '../../shared/playbooks/queue-backup';
import { DecisionReporter } from '../../shared/report/decision-reporter';
import { buildAlarmStateChangeEvent } from '../../sandbox/alarm-evaluator';
import { putMetricAlarmInput } from '../../sandbox/provision';
import { InMemoryIncidentStore } from './in-memory-incident-store';

export type JsonObject = { [key: string]: unknown };

export interface PipelineDecision {
  /** The event escalate receives from the project's bus. */
  event: JsonObject;
  decision: Decision;
  /** What the pipeline wrote in the state table for it (the claim, the resource's audit entry). */
  store: InMemoryIncidentStore;
}

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/**
 * scale-consumers' escalation on the production queue-depth alarm in us-east-1: the queue has no enabled event source
 * mapping, so its plan escalates ("not-applicable"). Only observe is replaced (it would read Lambda, SQS and CloudWatch):
 * target, plan, decision, claim, audit and the event are the pipeline's own.
 */
export async function pipelineDecisionEvent(): Promise<PipelineDecision> {
  const runtime = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: REGION, RUNBOOK_CONFIG_JSON: '' });
  const spec = alarmSpecs(runtime.config, 'production', REGION).find((alarm) => alarm.handler === 'scale-consumers' && !alarm.restoreSignal);
  if (!spec) throw new Error('no scale-consumers alarm in production us-east-1');
  const alarmArn = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${spec.name}`;
  const alarm: MetricAlarm = { ...putMetricAlarmInput(spec), AlarmArn: alarmArn, StateValue: 'ALARM' };
  const firedAt = new Date('2026-12-05T05:00:00.000Z');
  const alarmEvent = buildAlarmStateChangeEvent({
    alarm,
    account: ACCOUNT,
    region: REGION,
    previous: { value: 'OK', reason: 'Threshold Crossed: no datapoint was greater than the threshold', timestamp: new Date(firedAt.getTime() - 600_000) },
    current: { value: 'ALARM', reason: `Threshold Crossed: 1 datapoint [1523.0] was greater than the threshold (${spec.threshold})`, reasonData: '{}', timestamp: firedAt },
  });

  const nowhere = { region: REGION, endpoint: 'http://127.0.0.1:9', maxAttempts: 1, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-used' } };
  const entries: PutEventsRequestEntry[] = [];
  const eventBridge = new EventBridgeClient({ region: REGION, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-used' } });
  // The entry is taken where the SDK would serialise it; nothing leaves the process.
  eventBridge.middlewareStack.add(
    () => async (args) => {
      entries.push(...((args.input as { Entries?: PutEventsRequestEntry[] }).Entries ?? []));
      return { output: { FailedEntryCount: 0, Entries: [{ EventId: 'captured' }], $metadata: {} }, response: {} };
    },
    { step: 'initialize', name: 'captureDecisionEntry' },
  );
  const logger = new Logger({ logLevel: 'SILENT' });
  const reporter = new DecisionReporter(eventBridge, runtime.config.eventBusName, logger, new Metrics({ namespace: 'test', serviceName: 'test' }));
  const store = new InMemoryIncidentStore();
  const decidedAt = new Date(firedAt.getTime() + 1_000);
  const decision = await runPlaybook(
    {
      playbook: { ...queueBackupPlaybook, observe: async (_ctx, target) => ({ queueName: target.queueName, queueDepth: 1523, mappings: [], functions: {} }) },
      // Never called (observe is replaced, resolveTarget reads configuration only): clients with nowhere to go.
      clients: { sqs: new SQSClient(nowhere), lambda: new LambdaClient(nowhere), cloudWatch: new CloudWatchClient(nowhere) },
      services: {
        store,
        reporter: { log: () => undefined, count: () => undefined, publish: (d) => reporter.publish(d) },
        killSwitch: { read: async () => ({ engaged: false, reason: 'kill switch is off' }) },
        alarms: { current: async () => ({ value: 'ALARM', updatedAt: firedAt, definition: alarmDefinitionOf(alarm, undefined) }) },
      },
      runtime,
      clock: { now: () => decidedAt, sleep: async () => undefined },
      logger,
      changes: changeStep,
    },
    alarmEvent,
  );
  const [entry] = entries;
  if (entries.length !== 1 || !entry) throw new Error(`the pipeline published ${entries.length} decision entries, not 1 (${decision.outcome}: ${decision.reason})`);
  const event: JsonObject = {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: ACCOUNT,
    time: (entry.Time ?? decidedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: entry.Resources ?? [],
    detail: JSON.parse(entry.Detail ?? 'null') as unknown,
  };
  return { event, decision, store };
}
