// Reports every decision: a structured log line, a "Runbook Decision" event on the project's bus, and automation metrics.
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { callAws } from '../aws/classify-error';
import { TransientError } from '../errors';
import type { Decision } from '../pipeline/types';

import { DECISION_DETAIL_TYPE, DECISION_SOURCE } from '../config/names';

export { DECISION_DETAIL_TYPE, DECISION_SOURCE };

/** EventBridge's PutEvents entry limit is 256 KB; findings are trimmed well below it. */
const MAX_DETAIL_BYTES = 200_000;

export function decisionDetail(decision: Decision): string {
  const detail = JSON.stringify(decision);
  // A UTF-16 code unit is at most 3 bytes of UTF-8: a text that short is within the bound without counting its bytes.
  if (detail.length * 3 <= MAX_DETAIL_BYTES || Buffer.byteLength(detail) <= MAX_DETAIL_BYTES) return detail;
  return JSON.stringify({ ...decision, findings: decision.findings?.slice(0, 20), before: undefined, after: undefined, truncated: true });
}

export class DecisionReporter {
  constructor(
    private readonly eventBridge: EventBridgeClient,
    private readonly eventBusName: string,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  log(decision: Decision): void {
    const line = { decision };
    if (decision.outcome === 'escalate' && decision.escalation?.cause === 'failure') this.logger.error(`decision: ${decision.outcome}`, line);
    else if (decision.outcome === 'escalate' || decision.outcome === 'rejected') this.logger.warn(`decision: ${decision.outcome}`, line);
    else this.logger.info(`decision: ${decision.outcome}`, line);
  }

  count(decision: Decision): void {
    const names: Record<Decision['outcome'], string> = {
      applied: 'ChangesApplied',
      'dry-run': 'ChangesPlannedDryRun',
      skipped: 'DecisionsSkipped',
      escalate: 'Escalations',
      rejected: 'EventsRejected',
    };
    this.metrics.addMetric(names[decision.outcome], MetricUnit.Count, 1);
    if (decision.escalation?.cause === 'guardrail') this.metrics.addMetric('ChangesBlocked', MetricUnit.Count, 1);
    if (decision.escalation?.cause === 'failure') this.metrics.addMetric('ChangesFailed', MetricUnit.Count, 1);
    if (decision.alarmToChangeMs !== undefined) this.metrics.addMetric('AlarmToChange', MetricUnit.Milliseconds, decision.alarmToChangeMs);
  }

  /** Publishes the decision on the project's bus; the escalation path subscribes to outcome "escalate". */
  async publish(decision: Decision): Promise<void> {
    const result = await callAws('EventBridge PutEvents', () =>
      this.eventBridge.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: this.eventBusName,
              Source: DECISION_SOURCE,
              DetailType: DECISION_DETAIL_TYPE,
              Resources: [decision.alarmArn, decision.resource?.arn].filter((r): r is string => Boolean(r)),
              Detail: decisionDetail(decision),
              Time: new Date(decision.decidedAt),
            },
          ],
        }),
      ),
    );
    if ((result.FailedEntryCount ?? 0) > 0) {
      const entry = result.Entries?.[0];
      throw new TransientError(`EventBridge PutEvents rejected the decision: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`);
    }
  }
}
