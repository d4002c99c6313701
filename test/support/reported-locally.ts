// What the pipeline's reporter really writes for a decision it only logs and counts (a duplicate, a rejection): a real
// DecisionReporter (Powertools Logger and Metrics) whose decision log lines and Embedded Metric Format metrics are read
// back from the lines Powertools writes, and whose publish only records (a duplicate must publish nothing).
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Decision } from '../../shared/pipeline/types';
import { DecisionReporter } from '../../shared/report/decision-reporter';
import { writtenJsonLines } from './written-lines';

export interface LocalReporter {
  log(decision: Decision): void;
  count(decision: Decision): void;
  publish(decision: Decision): Promise<void>;
}

export interface ReportedLocally {
  /** Every "decision: <outcome>" line the reporter's Logger wrote, parsed. */
  decisionLines: Array<{ level: string; message: string; decision: Decision }>;
  /** Metric name -> value, over every EMF line written (the reporter's metrics are flushed after `act`). */
  metrics: Record<string, unknown>;
  published: Decision[];
}

/** Runs `act` with a real reporter and returns what it logged, counted and published. */
export async function reportedLocally(act: (reporter: LocalReporter) => Promise<unknown>): Promise<ReportedLocally> {
  const published: Decision[] = [];
  const lines = await writtenJsonLines(async () => {
    const metrics = new Metrics({ namespace: 'NotificationRunbooks', serviceName: 'test' });
    const reporter = new DecisionReporter(new EventBridgeClient({ region: 'us-east-1' }), 'bus', new Logger({ logLevel: 'INFO', serviceName: 'test' }), metrics);
    await act({ log: (d) => reporter.log(d), count: (d) => reporter.count(d), publish: async (d) => void published.push(d) });
    metrics.publishStoredMetrics();
  });
  const decisionLines: ReportedLocally['decisionLines'] = [];
  const emitted: Record<string, unknown> = {};
  for (const line of lines) {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if ('_aws' in parsed) {
      const emf = parsed as { _aws: { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> } } & Record<string, unknown>;
      for (const m of emf._aws.CloudWatchMetrics.flatMap((d) => d.Metrics)) emitted[m.Name] = emf[m.Name];
    } else if (typeof parsed.message === 'string' && parsed.message.startsWith('decision: ')) {
      decisionLines.push(parsed as unknown as ReportedLocally['decisionLines'][number]);
    }
  }
  return { decisionLines, metrics: emitted, published };
}
