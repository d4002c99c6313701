// Reads what the pipeline recorded about a decision: the incident's claims and the resource's audit entries (read only).
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { callAws } from '../aws/classify-error';
import { parseAuditItem, parseClaimItem } from '../state/state-records';
import type { RecordedAudit, RecordedClaim } from './trust-decision';

/** A resource's audit entries of one state change are few (the decision, a retry's overwrite, a health check): a bound, not a limit that bites. */
const MAX_AUDIT_PAGES = 5;

/**
 * The keys are shared/state/incident-store.ts's (and shared/pipeline/verify-change.ts's): claims at INCIDENT#<incidentKey>
 * / CLAIM#<name>, audit entries at RESOURCE#<resourceArn> / AUDIT#<at>#<incidentKey>, `at` being the state change's
 * timestamp (the pipeline) or the change's time (verify-change), never earlier than the state change. Reads are
 * consistent: the pipeline writes the audit entry before it publishes the decision.
 */
export class DecisionRecords {
  constructor(
    private readonly db: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly tableName: string,
  ) {}

  async claimsOf(incidentKey: string): Promise<RecordedClaim[]> {
    const result = await callAws('DynamoDB Query (incident claims)', () =>
      this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :claim)',
          ExpressionAttributeValues: { ':pk': `INCIDENT#${incidentKey}`, ':claim': 'CLAIM#' },
          ConsistentRead: true,
        }),
      ),
    );
    // Parsed as the incident store writes them (decision 118): a forged claim throws StateRecordError naming it, and the
    // decision is retried into the failure queue rather than trusted or dropped on its word.
    return (result.Items ?? []).map((item) => {
      const claim = parseClaimItem({ pk: String(item.pk), sk: String(item.sk) }, item);
      return { name: claim.sk.slice('CLAIM#'.length), status: claim.status, ...(claim.outcome !== undefined ? { outcome: claim.outcome } : {}) };
    });
  }

  /**
   * The resource's audit entries at or after `fromIso` whose decision was deferred to the alarm `alarmName` (skipped,
   * `deferredTo.alarmName`; decision 158): what an incident of that alarm records when it opens. Read back like any
   * audit entry (parsed at the boundary); at most MAX_AUDIT_PAGES pages.
   */
  async deferredTo(resourceArn: string, alarmName: string, fromIso: string): Promise<RecordedAudit[]> {
    const audits: RecordedAudit[] = [];
    let start: Record<string, unknown> | undefined;
    for (let page = 0; page < MAX_AUDIT_PAGES; page += 1) {
      const result = await callAws('DynamoDB Query (audit trail, deferred decisions)', () =>
        this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':pk': `RESOURCE#${resourceArn}`, ':from': `AUDIT#${fromIso}`, ':to': 'AUDIT#\uffff' },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const item of result.Items ?? []) {
        const audit = parseAuditItem({ pk: String(item.pk), sk: String(item.sk) }, item);
        const deferred = audit.decision.deferredTo as { alarmName?: unknown } | undefined;
        if (audit.decision.outcome === 'skipped' && deferred?.alarmName === alarmName) audits.push({ incidentKey: audit.incidentKey, decision: audit.decision });
      }
      start = result.LastEvaluatedKey;
      if (!start) break;
    }
    return audits;
  }

  /** The resource's audit entries of `incidentKey` written at or after `fromIso`. */
  async auditsOf(resourceArn: string, incidentKey: string, fromIso: string): Promise<RecordedAudit[]> {
    const audits: RecordedAudit[] = [];
    let start: Record<string, unknown> | undefined;
    for (let page = 0; page < MAX_AUDIT_PAGES; page += 1) {
      const result = await callAws('DynamoDB Query (audit trail)', () =>
        this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            // The state change's own entries, and those of its document runs decided afresh, keyed `<incidentKey>#runbook:<id>`
            // (run-key.ts, decision 379); matchRecordedDecision then holds each to this incident exactly.
            FilterExpression: 'begins_with(incidentKey, :incidentKey)',
            ExpressionAttributeValues: { ':pk': `RESOURCE#${resourceArn}`, ':from': `AUDIT#${fromIso}`, ':to': 'AUDIT#\uffff', ':incidentKey': incidentKey },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const item of result.Items ?? []) {
        const audit = parseAuditItem({ pk: String(item.pk), sk: String(item.sk) }, item);
        audits.push({ incidentKey: audit.incidentKey, decision: audit.decision });
      }
      start = result.LastEvaluatedKey;
      if (!start) break;
    }
    return audits;
  }
}
