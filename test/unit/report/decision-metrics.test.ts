// "Every decision ... a rejected event or a duplicate is logged with its reason and counted": the metric each outcome
// emits, read back from the Embedded Metric Format line Powertools writes, and the pipeline counting a rejection.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { loadRuntimeConfig } from '../../../shared/config/load-config';
import { runPlaybook, type PipelineServices } from '../../../shared/pipeline/run-playbook';
import type { Decision, Playbook, ResourceRef } from '../../../shared/pipeline/types';
import { DecisionReporter } from '../../../shared/report/decision-reporter';
import { InMemoryIncidentStore } from '../../support/in-memory-incident-store';

const base: Decision = {
  playbook: 'scale-consumers',
  environment: 'production',
  outcome: 'applied',
  reason: 'test',
  decidedAt: '2026-12-05T00:00:00.000Z',
} as Decision;

/** The metric names (and values) of every EMF line written while `act` runs. */
async function emittedMetrics(act: (metrics: Metrics) => void | Promise<void>): Promise<Record<string, unknown>> {
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
  try {
    const metrics = new Metrics({ namespace: 'NotificationRunbooks', serviceName: 'test' });
    await act(metrics);
    metrics.publishStoredMetrics();
  } finally {
    write.mockRestore();
    log.mockRestore();
  }
  const out: Record<string, unknown> = {};
  for (const line of lines.join('\n').split('\n').filter((l) => l.includes('"_aws"'))) {
    const emf = JSON.parse(line) as { _aws: { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> } } & Record<string, unknown>;
    for (const m of emf._aws.CloudWatchMetrics.flatMap((d) => d.Metrics)) out[m.Name] = emf[m.Name];
  }
  return out;
}

describe('DecisionReporter.count', () => {
  it.each<[string, Partial<Decision>, Record<string, unknown>]>([
    ['applied, with its alarm-to-change time', { outcome: 'applied', alarmToChangeMs: 4200 }, { ChangesApplied: 1, AlarmToChange: 4200 }],
    ['dry-run', { outcome: 'dry-run' }, { ChangesPlannedDryRun: 1 }],
    ['skipped (a duplicate or a stale event)', { outcome: 'skipped' }, { DecisionsSkipped: 1 }],
    ['rejected', { outcome: 'rejected' }, { EventsRejected: 1 }],
    ['escalate held by a guardrail', { outcome: 'escalate', escalation: { cause: 'guardrail' } } as Partial<Decision>, { Escalations: 1, ChangesBlocked: 1 }],
    ['escalate after a failure', { outcome: 'escalate', escalation: { cause: 'failure' } } as Partial<Decision>, { Escalations: 1, ChangesFailed: 1 }],
  ])('%s', async (_name, fields, expected) => {
    expect(await emittedMetrics((metrics) => reporterFor(metrics).count({ ...base, ...fields } as Decision))).toEqual(expected);
  });
});

describe('the pipeline counts what it rejects', () => {
  it('counts a malformed event once as EventsRejected, with no AWS call', async () => {
    const untouchable = (): never => {
      throw new Error('no AWS call may be made for a rejected event');
    };
    const playbook = {
      name: 'scale-consumers',
      row: 'queue-backup',
      actions: [],
      actsOn: ['ALARM', 'OK'],
      resolveTarget: untouchable,
      observe: untouchable,
      plan: untouchable,
      apply: untouchable,
      verify: untouchable,
      isApplied: untouchable,
    } as unknown as Playbook<unknown, { resource: ResourceRef }, unknown, unknown>;
    let decision: Decision | undefined;
    const emitted = await emittedMetrics(async (metrics) => {
      const reporter = reporterFor(metrics);
      const services: PipelineServices = {
        store: new InMemoryIncidentStore(),
        reporter: { log: (d) => reporter.log(d), count: (d) => reporter.count(d), publish: untouchable },
        killSwitch: { read: untouchable },
        alarms: { current: untouchable },
      };
      decision = await runPlaybook(
        {
          playbook,
          clients: {},
          services,
          runtime: loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1' }),
          clock: { now: () => new Date('2026-12-05T00:00:00Z'), sleep: async () => undefined },
          logger: new Logger({ logLevel: 'SILENT' }),
        },
        { 'detail-type': 'not an alarm' },
      );
    });
    expect(decision?.outcome).toBe('rejected');
    expect(emitted).toEqual({ EventsRejected: 1 });
  });
});

function reporterFor(metrics: Metrics): DecisionReporter {
  return new DecisionReporter(new EventBridgeClient({ region: 'us-east-1' }), 'bus', new Logger({ logLevel: 'SILENT' }), metrics);
}
