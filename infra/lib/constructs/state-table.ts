// The state table: incident claims, per-resource state and the audit trail (shared/state/incident-store.ts), pk/sk, TTL.
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface StateTableProps {
  tableName: string;
  /** Point-in-time recovery window: the environment's backup retention (seed matrix), within DynamoDB's 1-35 days. */
  recoveryPeriodDays: number;
  retain: boolean;
}

export class StateTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: StateTableProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      // The store writes expiresAt (epoch seconds) on every item: claims and audit entries age out after recordRetentionDays.
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: {
        pointInTimeRecoveryEnabled: true,
        recoveryPeriodInDays: Math.min(35, Math.max(1, props.recoveryPeriodDays)),
      },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: props.retain,
      // RetainExceptOnCreate (review 22a, R22a-7): kept on a stack delete and a replacement (UpdateReplacePolicy Retain),
      // but deleted when the stack's own CREATE rolls back, so a failed first deploy can be retried under the same name.
      // Deletion protection still refuses that delete: the rollback then stops (ROLLBACK_FAILED) until someone turns it
      // off on the new, empty table (decision 370).
      removalPolicy: props.retain ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY,
    });
  }
}
