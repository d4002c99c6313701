// Suite: the synthesized stacks of every environment: rules to the right handlers, alarms at the seed's thresholds, least privilege.
import { CLEANUP_FUNCTION_NAME } from '../../../infra/lib/constructs/document-version-cleanup';
import { ENSURE_LOG_GROUPS_FUNCTION_NAME } from '../../../infra/lib/constructs/watched-log-groups';
import { Match } from 'aws-cdk-lib/assertions';
import { join } from 'node:path';
import { alarmSpecs, OUT_OF_MEMORY_TERMS, roleOfRegion } from '../../../shared/config/alarm-specs';
import { ENVIRONMENTS, type EnvironmentName } from '../../../shared/config/schema';
import { AUTOMATION_HEALTH_TOPIC_NAME, DEAD_LETTER_QUEUES } from '../../../shared/config/automation-health';
import { APPROVAL_TOPIC_NAME, ESCALATION_SCHEDULE_GROUP, VERIFY_SCHEDULE_GROUP } from '../../../shared/config/names';
import { handlersForRegion, pipelineActionsOf } from '../../../infra/lib/runbook-stack';
import type { HandlerSpec } from '../../../infra/lib/handler-catalog';
import { readRunbookDocuments } from '../../../infra/lib/constructs/runbook-documents';
import { ENVIRONMENT_INFRA, functionNameOf } from '../../../infra/lib/settings';
import {
  allowedActionsAnywhere,
  functionOf,
  grantedActions,
  resourcesOfType,
  ROOT_DIR,
  statementsOfRole,
  type CfnTemplate,
  type SynthesizedApp,
} from '../support/synth';
import { DR_REGION_HANDLERS } from '../../fixtures/deployed-handlers';

const STACKS: Array<[EnvironmentName, string]> = [
  ['production', 'us-east-1'],
  ['production', 'us-west-2'],
  ['staging', 'us-east-1'],
  ['development', 'us-east-1'],
];
const stackName = (environment: string, region: string): string => `NotificationRunbooks-${environment}-${region}`;
const templateOf = (synthesized: SynthesizedApp, environment: string, region: string): CfnTemplate => {
  const found = synthesized.json.get(stackName(environment, region));
  if (!found) throw new Error(`no stack ${stackName(environment, region)}`);
  return found;
};

/** The default app (no context): every environment and region, account-agnostic, as `npx cdk synth` builds it. */
export function runbookStacksSuite(app: () => SynthesizedApp): void {
  let synthesized: SynthesizedApp;
  beforeAll(() => {
    synthesized = app();
  });
  const template = (environment: string, region: string): CfnTemplate => templateOf(synthesized, environment, region);
  /** The handlers a stack deploys: its region's rows (watchIn), verify-change where a row changes something, escalation. */
  const deployedIn = (environment: EnvironmentName, region: string): HandlerSpec[] =>
    handlersForRegion(synthesized.built.config, roleOfRegion(synthesized.built.config, environment, region), synthesized.built.handlers);

  describe('synthesis without context', () => {
    it('synthesizes one runbook stack per environment and region, offline and account-agnostic', () => {
      expect([...synthesized.json.keys()].sort()).toEqual(STACKS.map(([e, r]) => stackName(e, r)).sort());
      for (const plan of synthesized.built.plans) expect(plan.account).toBeUndefined();
    });

    it('warns at synth that the API with no dependencies.apis[].id is found by name, so apigateway:GET reaches every REST API of the account', () => {
      const messages = synthesized.app.synth().getStackByName(stackName('production', 'us-east-1')).messages.map((m) => String(m.entry.data));
      expect(messages.filter((m) => m.startsWith('dependencies.apis has no id'))).toEqual([
        'dependencies.apis has no id for notification-service-api: inspect-security-groups finds it by name, so apigateway:GET is granted on every REST API of the account; set dependencies.apis[].id to scope it to /restapis/<id> [ack: rest-api-without-id-notification-service-api]',
      ]);
    });

    it('deploys one function per handler in handlers/, named notification-runbooks-<handler>, the standby watch only in the DR region', () => {
      // Besides the handlers, the custom resources: the one that deletes superseded document versions at deploy (decision
      // 240), and the one that makes sure of the metric filters' log groups (review 22a, R22a-5).
      const all = resourcesOfType(template('production', 'us-east-1'), 'AWS::Lambda::Function').map(([, r]) => String(r.Properties?.FunctionName));
      expect(all.filter((n) => n === CLEANUP_FUNCTION_NAME)).toHaveLength(1);
      expect(all.filter((n) => n === ENSURE_LOG_GROUPS_FUNCTION_NAME)).toHaveLength(1);
      const customResources = new Set([CLEANUP_FUNCTION_NAME, ENSURE_LOG_GROUPS_FUNCTION_NAME]);
      const names = all.filter((n) => !customResources.has(n));
      expect(names.sort()).toEqual(synthesized.built.handlers.filter((h) => h.name !== 'watch-standby').map((h) => functionNameOf(h.name)).sort());
      expect(synthesized.built.handlers.map((h) => h.name)).toContain('scale-consumers');
      const dr = resourcesOfType(template('production', 'us-west-2'), 'AWS::Lambda::Function').map(([, r]) => String(r.Properties?.FunctionName)).filter((n) => !customResources.has(n));
      // Written out by hand (test/fixtures/deployed-handlers.ts): every handler, the standby watch included.
      expect(dr.sort()).toEqual(DR_REGION_HANDLERS.map(functionNameOf).sort());
    });
  });

  describe.each(STACKS)('%s %s', (environment, region) => {
    const t = (): CfnTemplate => template(environment, region);
    const assertions = () => synthesized.templates.get(stackName(environment, region))!;

    it("the document-version cleanup's function carries the custom resource's DeployedContents, CloudFormation updates it first, and it reads its own stack's status only (decision 262)", () => {
      const cleanup = functionOf(t(), CLEANUP_FUNCTION_NAME);
      const resources = resourcesOfType(t(), 'Custom::SupersededDocumentVersions');
      expect(resources).toHaveLength(1);
      const properties = resources[0]?.[1].Properties ?? {};
      // A forward Update's DeployedContents is the function's; a rollback's (the previous template's) is not, and deletes nothing.
      expect(properties.DeployedContents).toMatch(/^[0-9a-f]{64}$/);
      expect((cleanup.resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.DEPLOYED_CONTENTS).toBe(properties.DeployedContents);
      // The ServiceToken names the function: CloudFormation updates the function before it sends the custom resource Update.
      expect(properties.ServiceToken).toEqual({ 'Fn::GetAtt': [cleanup.id, 'Arn'] });
      // Its own stack's status, read when it has a failure to answer (a rollback's Update is not failed): that stack only.
      expect((cleanup.resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.STACK_ID).toEqual({ Ref: 'AWS::StackId' });
      const reads = statementsOfRole(t(), cleanup.roleId).filter((st) => JSON.stringify(st.Action).includes('cloudformation:'));
      expect(reads).toEqual([expect.objectContaining({ Action: 'cloudformation:DescribeStacks', Resource: { Ref: 'AWS::StackId' } })]);
    });

    it('routes each handler\'s alarms to that handler through one rule, with retries, a maximum age and a DLQ on the target', () => {
      const specs = alarmSpecs(synthesized.built.config, environment, region);
      const rules = resourcesOfType(t(), 'AWS::Events::Rule').filter(([, r]) => {
        // A scheduled rule (the escalation sweep, decision 264) has no pattern.
        const pattern = r.Properties?.EventPattern as { source?: string[]; detail?: { alarmName?: string[]; state?: unknown } } | undefined;
        return pattern?.source?.includes('aws.cloudwatch') === true && !pattern.detail?.state;
      });
      const routed = new Map<string, string[]>();
      for (const [, rule] of rules) {
        const targets = rule.Properties?.Targets as Array<{ Arn: { 'Fn::GetAtt': [string, string] }; RetryPolicy?: unknown; DeadLetterConfig?: unknown }>;
        expect(targets).toHaveLength(1);
        const [target] = targets;
        const fn = t().Resources[target!.Arn['Fn::GetAtt'][0]];
        const handler = String(fn?.Properties?.FunctionName).replace(/^notification-runbooks-/, '');
        expect(target).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) }, DeadLetterConfig: { Arn: expect.anything() } });
        routed.set(handler, (rule.Properties?.EventPattern as { detail: { alarmName: string[] } }).detail.alarmName);
      }
      // Exactly the handlers that have alarms are routed, one rule each, and each gets exactly its own alarms.
      expect(rules).toHaveLength(routed.size);
      expect([...routed.keys()].sort()).toEqual([...new Set(specs.map((s) => s.handler))].sort());
      for (const [handler, alarmNames] of routed) expect(alarmNames).toEqual(specs.filter((s) => s.handler === handler).map((s) => s.name));
      // Every rule's handler is deployed here.
      expect([...routed.keys()].filter((h) => !deployedIn(environment, region).some((d) => d.name === h))).toEqual([]);
    });

    it("deploys Queue Backup's low-water alarm, its restore signal (decisions 185, 205), routed to scale-consumers with the depth alarm and its OK to escalate", () => {
      // Written out by hand from defaults.ts (lowWater: 10% of 1000 for 5 min), not derived from alarmSpecs. Normal polarity
      // (decision 205, review 12 R12-10): ALARM on 1 of 5 minutes at or above 100, OK (the restore) after 5 minutes all
      // under 100, so a quiet service shows it OK; no alarm action (its state pages nobody).
      const name = 'NotificationService Queue Over Low Water >= 100 in 5 min (notification-service-queue)';
      const alarm = resourcesOfType(t(), 'AWS::CloudWatch::Alarm').find(([, a]) => a.Properties?.AlarmName === name)?.[1].Properties;
      expect(alarm).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: 'notification-service-queue' }],
        Statistic: 'Maximum',
        Period: 60,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 100,
        EvaluationPeriods: 5,
        DatapointsToAlarm: 1,
        TreatMissingData: 'missing',
      });
      expect(alarm?.AlarmActions ?? []).toEqual([]);
      expect(alarm?.OKActions ?? []).toEqual([]);
      const patterns = resourcesOfType(t(), 'AWS::Events::Rule').map(([, r]) => ({ name: r.Properties?.Name, pattern: r.Properties?.EventPattern as { detail?: { alarmName?: string[]; state?: unknown } } | undefined }));
      const withIt = patterns.filter((p) => p.pattern?.detail?.alarmName?.includes(name)).map((p) => [p.name, p.pattern?.detail?.alarmName, p.pattern?.detail?.state ?? null]);
      expect(withIt).toEqual([
        ['notification-runbooks-scale-consumers', ['NotificationService Queue Depth > 1000 (notification-service-queue)', name], null],
        ['notification-runbooks-escalate-recoveries', expect.arrayContaining([name]), { value: ['OK'] }],
      ]);
    });

    it.each([
      ['queue-backup', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'GreaterThanThreshold', 1000],
      ['memory-pressure', 'NotificationService', 'OutOfMemoryErrors', 'GreaterThanOrEqualToThreshold', 1],
      ['connection-timeout', 'NotificationService', 'Api504Errors', 'GreaterThanThreshold', 0],
      ['high-latency', 'AWS/ApiGateway', 'Latency', 'GreaterThanThreshold', 500],
      ['cpu-utilization', 'AWS/RDS', 'CPUUtilization', 'GreaterThanThreshold', 70],
    ])('alarms on %s: %s %s %s %d, as the seed says (in the DR region too, decision 123)', (rowId, namespace, metricName, comparison, threshold) => {
      const spec = alarmSpecs(synthesized.built.config, environment, region).find((s) => s.rowId === rowId);
      expect(spec).toBeDefined();
      assertions().hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: spec?.name,
        Namespace: namespace,
        MetricName: metricName,
        ComparisonOperator: comparison,
        Threshold: threshold,
      });
    });

    it('measures latency at p99 and the error rate as errors / invocations * 100 over 1 %', () => {
      assertions().hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Latency', ExtendedStatistic: 'p99', Threshold: 500 });
      assertions().hasResourceProperties('AWS::CloudWatch::Alarm', {
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        Metrics: Match.arrayWith([
          Match.objectLike({ Id: 'errors', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Errors', Namespace: 'AWS/Lambda' }) }), ReturnData: false }),
          Match.objectLike({ Id: 'invocations', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Invocations' }) }), ReturnData: false }),
          Match.objectLike({ Expression: 'errors / invocations * 100', ReturnData: true }),
        ]),
      });
    });

    it('counts out-of-memory exits with a metric filter on the consumer\'s log group for Node, Lambda, the kernel and PHP', () => {
      // In the DR region too (Memory Pressure is watched there since decision 123: the DR consumer's log group).
      const all = resourcesOfType(t(), 'AWS::Logs::MetricFilter').map(([, f]) => f.Properties as { FilterPattern: string; LogGroupName: string });
      // The other filter counts the API's 504s on its access log (connection-timeout row).
      expect(all.map((f) => f.LogGroupName)).toEqual(['/aws/lambda/notification-service-consumer', '/aws/apigateway/notification-service-api/access']);
      expect(all[1]?.FilterPattern).toBe('{ $.status = 504 }');
      const filters = all.filter((f) => f.LogGroupName.startsWith('/aws/lambda/'));
      for (const term of OUT_OF_MEMORY_TERMS) expect(filters[0]?.FilterPattern).toContain(`?"${term}"`);
      assertions().hasResourceProperties('AWS::Logs::MetricFilter', {
        MetricTransformations: [Match.objectLike({ MetricNamespace: 'NotificationService', MetricName: 'OutOfMemoryErrors', MetricValue: '1' })],
      });
    });

    it('runs each handler on Node.js 22, arm64, with explicit memory, timeout, tracing, the Powertools settings and an on-failure destination', () => {
      for (const handler of deployedIn(environment, region)) {
        const { id, resource } = functionOf(t(), functionNameOf(handler.name));
        expect(resource.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          MemorySize: expect.any(Number),
          Timeout: expect.any(Number),
          TracingConfig: { Mode: 'Active' },
          KmsKeyArn: expect.anything(),
          LoggingConfig: { LogGroup: expect.anything() },
          Environment: {
            Variables: expect.objectContaining({
              RUNBOOK_ENVIRONMENT: environment,
              STATE_TABLE_NAME: expect.anything(),
              EVENT_BUS_NAME: expect.anything(),
              KILL_SWITCH_PARAMETER: expect.anything(),
              POWERTOOLS_SERVICE_NAME: 'notification-runbooks',
              POWERTOOLS_METRICS_NAMESPACE: 'NotificationService/Runbooks',
              POWERTOOLS_LOG_LEVEL: ENVIRONMENT_INFRA[environment].powertoolsLogLevel,
            }),
          },
        });
        const reserved = ENVIRONMENT_INFRA[environment].reservedConcurrency;
        expect(resource.Properties?.ReservedConcurrentExecutions).toBe(reserved);
        assertions().hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
          FunctionName: { Ref: id },
          MaximumRetryAttempts: 2,
          DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
        });
      }
      assertions().hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: '/aws/lambda/notification-runbooks-escalate',
        RetentionInDays: ENVIRONMENT_INFRA[environment].logRetentionDays,
      });
    });

    it('grants each handler every action its code declares (playbook + pipeline), and no wildcard action anywhere', () => {
      for (const handler of deployedIn(environment, region)) {
        const { roleId } = functionOf(t(), functionNameOf(handler.name));
        const granted = grantedActions(t(), roleId);
        const declared = handler.kind === 'playbook' ? [...handler.actions, ...pipelineActionsOf(handler)] : [...handler.actions];
        expect(declared.filter((action) => !granted.has(action))).toEqual([]);
      }
      const wildcards = allowedActionsAnywhere(t()).filter(({ action }) => action.includes('*'));
      expect(wildcards).toEqual([]);
    });

    // Decision 291: preflight simulates this call (Lambda's delivery of a failed invocation's record, made with the
    // execution role) on the destination it reads; here the grant and the destination infra writes.
    it("sends each handler's failed invocations to the stack's standard failed-invocations queue, and grants its role sqs:SendMessage on exactly that queue", () => {
      const [queueId, queue] = resourcesOfType(t(), 'AWS::SQS::Queue').find(([, r]) => r.Properties?.QueueName === DEAD_LETTER_QUEUES.failedInvocations.queueName) ?? [];
      if (!queueId) throw new Error('no failed-invocations queue');
      // A standard queue: Lambda does not deliver to a FIFO one (Lambda Developer Guide, asynchronous invocation records).
      expect(queue?.Properties?.FifoQueue).toBeUndefined();
      expect(DEAD_LETTER_QUEUES.failedInvocations.queueName.endsWith('.fifo')).toBe(false);
      const queueArn = { 'Fn::GetAtt': [queueId, 'Arn'] };
      for (const handler of deployedIn(environment, region)) {
        const { id, roleId } = functionOf(t(), functionNameOf(handler.name));
        const [, invokeConfig] = resourcesOfType(t(), 'AWS::Lambda::EventInvokeConfig').find(([, r]) => JSON.stringify(r.Properties?.FunctionName) === JSON.stringify({ Ref: id })) ?? [];
        expect(invokeConfig?.Properties?.DestinationConfig).toEqual({ OnFailure: { Destination: queueArn } });
        const sends = statementsOfRole(t(), roleId).filter((st) => [st.Action].flat().includes('sqs:SendMessage'));
        expect(sends.map((st) => st.Resource)).toEqual([queueArn]);
      }
    });

    it('keeps state in an on-demand table with TTL on expiresAt, point-in-time recovery for the environment\'s backup retention', () => {
      const retention = synthesized.built.config.environments[environment].backupRetentionDays;
      assertions().hasResourceProperties('AWS::DynamoDB::Table', {
        TableName: 'notification-runbooks-state',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }]),
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: retention },
      });
    });

    it('has one KMS-encrypted, TLS-only SNS topic per escalation tier, the approval topic the documents send their requests to, and the automation health topic', () => {
      const tiers = synthesized.built.config.escalationPath;
      // The tiers' topics, the approval topic (review 11a finding 8): its name starts with "Automation" (SSM aws:approve),
      // and the automation health topic (review 12, R12-9), under the project's key (CloudWatch may use it).
      expect(resourcesOfType(t(), 'AWS::SNS::Topic')).toHaveLength(tiers.length + 2);
      assertions().hasResourceProperties('AWS::SNS::Topic', { TopicName: AUTOMATION_HEALTH_TOPIC_NAME, KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
      assertions().hasResourceProperties('AWS::SNS::Topic', { TopicName: APPROVAL_TOPIC_NAME, KmsMasterKeyId: Match.anyValue() });
      expect(APPROVAL_TOPIC_NAME.startsWith('Automation')).toBe(true);
      for (const tier of tiers) {
        assertions().hasResourceProperties('AWS::SNS::Topic', { TopicName: tier.topicName, KmsMasterKeyId: Match.anyValue() });
      }
      // One TLS-only policy per topic: every topic is covered, none twice.
      const policies = resourcesOfType(t(), 'AWS::SNS::TopicPolicy');
      expect(policies.map(([, p]) => JSON.stringify(p.Properties?.Topics)).sort()).toEqual(resourcesOfType(t(), 'AWS::SNS::Topic').map(([id]) => JSON.stringify([{ Ref: id }])).sort());
      for (const [, policy] of policies) {
        expect((policy.Properties?.PolicyDocument as { Statement: unknown[] }).Statement).toContainEqual(
          expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        );
      }
      assertions().hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });

    it('encrypts the dead-letter queues and refuses them anything but TLS', () => {
      const queues = resourcesOfType(t(), 'AWS::SQS::Queue');
      // The two dead-letter queues of infra/lib/runbook-stack.ts: undelivered events and failed invocations.
      expect(queues.map(([, q]) => q.Properties?.QueueName).sort()).toEqual(['notification-runbooks-failed-invocations', 'notification-runbooks-undelivered-events']);
      for (const [, queue] of queues) expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86400 });
      // One TLS-only policy per queue: every queue is covered, none twice.
      const policies = resourcesOfType(t(), 'AWS::SQS::QueuePolicy');
      expect(policies.map(([, p]) => JSON.stringify(p.Properties?.Queues)).sort()).toEqual(queues.map(([id]) => JSON.stringify([{ Ref: id }])).sort());
      for (const [, policy] of policies) {
        expect((policy.Properties?.PolicyDocument as { Statement: unknown[] }).Statement).toContainEqual(
          expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        );
      }
    });

    it('creates the kill switch off, the project bus with its decision archive, and the escalation path\'s rules', () => {
      assertions().hasResourceProperties('AWS::SSM::Parameter', { Name: '/notification-runbooks/kill-switch', Value: 'off', Type: 'String' });
      assertions().hasResourceProperties('AWS::Events::EventBus', { Name: 'notification-runbooks' });
      // The decision archive is encrypted with the project's key, whose policy lets EventBridge use it for this bus only.
      const [keyId] = resourcesOfType(t(), 'AWS::KMS::Key')[0]!;
      const [busId] = resourcesOfType(t(), 'AWS::Events::EventBus')[0]!;
      assertions().hasResourceProperties('AWS::Events::Archive', {
        EventPattern: { source: ['notification-service.runbooks'] },
        KmsKeyIdentifier: { 'Fn::GetAtt': [keyId, 'Arn'] },
        SourceArn: { 'Fn::GetAtt': [busId, 'Arn'] },
      });
      assertions().hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'events.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
              Condition: { StringEquals: { 'kms:EncryptionContext:aws:events:event-bus:arn': { 'Fn::GetAtt': [busId, 'Arn'] } } },
            }),
          ]),
        },
      });
      if (synthesized.built.handlers.some((h) => h.name === 'escalate')) {
        assertions().hasResourceProperties('AWS::Events::Rule', {
          EventBusName: Match.anyValue(),
          EventPattern: { source: ['notification-service.runbooks'], 'detail-type': ['Runbook Decision'], detail: { outcome: Match.arrayWith(['escalate']) } },
          Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.anyValue() })],
        });
        assertions().hasResourceProperties('AWS::Events::Rule', {
          EventPattern: Match.objectLike({ source: ['aws.cloudwatch'], detail: Match.objectLike({ state: { value: ['OK'] } }) }),
        });
      }
    });

    it('creates one Automation document (its compact JSON text, decision 347) per runbooks/*.yaml that can run here, named after its file, and the role they run as', () => {
      // Every document can run in every region since the DR region runs the rows that change something (decision 123).
      const documents = readRunbookDocuments(join(ROOT_DIR, 'runbooks'));
      expect(resourcesOfType(t(), 'AWS::SSM::Document').map(([, r]) => r.Properties?.Name).sort()).toEqual(documents.map((d) => d.name).sort());
      for (const doc of documents) {
        assertions().hasResourceProperties('AWS::SSM::Document', { Name: doc.name, DocumentType: 'Automation', DocumentFormat: 'JSON', UpdateMethod: 'NewVersion' });
      }
      if (documents.length > 0) {
        assertions().hasResourceProperties('AWS::IAM::Role', {
          RoleName: `notification-runbooks-automation-${region}`,
          AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ssm.amazonaws.com' } })] },
        });
      }
    });
  });

  describe('production us-west-2 (dr): watches the standby; the rows that change something act on its own resources (decision 123)', () => {
    const dr = (): CfnTemplate => template('production', 'us-west-2');
    const ruleTargets = (t: CfnTemplate): Map<string, string[]> => {
      const routed = new Map<string, string[]>();
      for (const [, rule] of resourcesOfType(t, 'AWS::Events::Rule')) {
        const pattern = rule.Properties?.EventPattern as { source?: string[]; detail?: { alarmName?: string[]; state?: unknown } } | undefined;
        if (!pattern?.source?.includes('aws.cloudwatch') || pattern.detail?.state) continue;
        for (const target of rule.Properties?.Targets as Array<{ Arn: { 'Fn::GetAtt': [string, string] } }>) {
          const fn = String(t.Resources[target.Arn['Fn::GetAtt'][0]]?.Properties?.FunctionName).replace(/^notification-runbooks-/, '');
          routed.set(fn, pattern.detail?.alarmName ?? []);
        }
      }
      return routed;
    };

    it('has the standby alarms - the replica\'s lag and its -1 (replication not active), the replicated queue\'s depth and oldest message - routed to watch-standby', () => {
      const alarms = new Map(resourcesOfType(dr(), 'AWS::CloudWatch::Alarm').map(([, a]) => [String(a.Properties?.AlarmName), a.Properties ?? {}]));
      // Written out from defaults.ts by hand.
      expect(alarms.get('NotificationService DR Replica Lag > 300 s (notification-service-db-replica)')).toMatchObject({
        Namespace: 'AWS/RDS',
        MetricName: 'ReplicaLag',
        Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'notification-service-db-replica' }],
        Statistic: 'Maximum',
        Threshold: 300,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 5,
        DatapointsToAlarm: 5,
        TreatMissingData: 'breaching',
      });
      // Decision 360 (R21-4): ReplicaLag -1 (MySQL/MariaDB: replication not active) on the same series, its own alarm.
      expect(alarms.get('NotificationService DR Replication Not Active: ReplicaLag < 0 (notification-service-db-replica)')).toMatchObject({
        Namespace: 'AWS/RDS',
        MetricName: 'ReplicaLag',
        Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'notification-service-db-replica' }],
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 5,
        DatapointsToAlarm: 5,
        TreatMissingData: 'notBreaching',
      });
      expect(alarms.get('NotificationService DR Replicated Queue Depth > 1000 (notification-service-queue)')).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: 'notification-service-queue' }],
        Threshold: 1000,
      });
      expect(alarms.get('NotificationService DR Replicated Queue Oldest Message > 3600 s (notification-service-queue)')).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Threshold: 3600,
      });
      expect(ruleTargets(dr()).get('watch-standby')).toEqual([
        'NotificationService DR Replica Lag > 300 s (notification-service-db-replica)',
        'NotificationService DR Replication Not Active: ReplicaLag < 0 (notification-service-db-replica)',
        'NotificationService DR Replicated Queue Depth > 1000 (notification-service-queue)',
        'NotificationService DR Replicated Queue Oldest Message > 3600 s (notification-service-queue)',
      ]);
    });

    it('deploys the rows that change something with their alarms on the DR region\'s resources, verify-change and the health checks\' schedule group', () => {
      const functions = resourcesOfType(dr(), 'AWS::Lambda::Function').map(([, r]) => String(r.Properties?.FunctionName));
      const changing = ['scale-consumers', 'raise-lambda-memory', 'scale-up-database', 'verify-change'];
      expect(functions.filter((name) => changing.map(functionNameOf).includes(name)).sort()).toEqual(changing.map(functionNameOf).sort());
      // Written out from defaults.ts by hand: each changing row's alarm, routed to its own handler; the CPU alarm on the replica.
      const routed = ruleTargets(dr());
      expect(routed.get('scale-consumers')).toEqual([
        'NotificationService Queue Depth > 1000 (notification-service-queue)',
        'NotificationService Queue Over Low Water >= 100 in 5 min (notification-service-queue)',
      ]);
      expect(routed.get('raise-lambda-memory')).toEqual(['NotificationService Lambda Out Of Memory (Runtime.OutOfMemory, PHP memory_limit) >= 1 (notification-service-consumer)']);
      expect(routed.get('scale-up-database')).toEqual(['NotificationService RDS CPUUtilization > 70% (notification-service-db-replica)']);
      const alarms = new Map(resourcesOfType(dr(), 'AWS::CloudWatch::Alarm').map(([, a]) => [String(a.Properties?.AlarmName), a.Properties ?? {}]));
      expect(alarms.get('NotificationService RDS CPUUtilization > 70% (notification-service-db-replica)')).toMatchObject({
        Namespace: 'AWS/RDS',
        MetricName: 'CPUUtilization',
        Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'notification-service-db-replica' }],
      });
      // No alarm of the DR region names the primary's database.
      expect(JSON.stringify([...alarms.values()])).not.toContain('"notification-service-db"');
      // Health checks are scheduled here too, in their own group beside the escalation timers'.
      expect(resourcesOfType(dr(), 'AWS::Scheduler::ScheduleGroup').map(([, g]) => g.Properties?.Name).sort()).toEqual([ESCALATION_SCHEDULE_GROUP, VERIFY_SCHEDULE_GROUP].sort());
      // The primary region has no standby watch.
      expect(resourcesOfType(template('production', 'us-east-1'), 'AWS::Lambda::Function').map(([, r]) => r.Properties?.FunctionName)).not.toContain(functionNameOf('watch-standby'));
    });

    it('grants the changing rows there their reads of whether the region serves, and their changes on that region\'s resources only', () => {
      const statementsOf = (environment: string, region: string, handler: string) => {
        const t = template(environment, region);
        return statementsOfRole(t, functionOf(t, functionNameOf(handler)).roleId);
      };
      const resourcesFor = (statements: ReturnType<typeof statementsOf>, action: string): string =>
        JSON.stringify(statements.filter((st) => [st.Action].flat().includes(action)).map((st) => st.Resource));
      // scale-consumers reads the replica only in the DR region (the serving signal); the primary's role has no RDS grant.
      const scaleDr = statementsOf('production', 'us-west-2', 'scale-consumers');
      expect(resourcesFor(scaleDr, 'rds:DescribeDBInstances')).toMatch(/db:notification-service-db-replica/);
      expect(resourcesFor(scaleDr, 'rds:DescribeDBInstances')).not.toMatch(/db:notification-service-db"/);
      expect(resourcesFor(statementsOf('production', 'us-east-1', 'scale-consumers'), 'rds:DescribeDBInstances')).toBe('[]');
      // raise-lambda-memory and scale-up-database get the signal's other read there.
      expect(resourcesFor(statementsOf('production', 'us-west-2', 'raise-lambda-memory'), 'lambda:ListEventSourceMappings')).toBe('["*"]');
      expect(resourcesFor(statementsOf('production', 'us-west-2', 'scale-up-database'), 'lambda:ListEventSourceMappings')).toBe('["*"]');
      expect(resourcesFor(statementsOf('production', 'us-east-1', 'scale-up-database'), 'lambda:ListEventSourceMappings')).toBe('[]');
      // scale-up-database resizes the replica there, never the primary's database.
      const resize = resourcesFor(statementsOf('production', 'us-west-2', 'scale-up-database'), 'rds:ModifyDBInstance');
      expect(resize).toMatch(/db:notification-service-db-replica/);
      expect(resize).not.toMatch(/db:notification-service-db"/);
    });

    it('registers every document there, and its automation role resizes and raises only the DR region\'s own resources (amends decision 97)', () => {
      const names = resourcesOfType(dr(), 'AWS::SSM::Document').map(([, r]) => String(r.Properties?.Name)).sort();
      expect(names).toEqual(readRunbookDocuments(join(ROOT_DIR, 'runbooks')).map((d) => d.name).sort());
      expect(names).toEqual(expect.arrayContaining(['NotificationService-RaiseLambdaMemory', 'NotificationService-ScaleConsumers', 'NotificationService-ScaleUpDatabase']));
      const [roleId] = resourcesOfType(dr(), 'AWS::IAM::Role').find(([, r]) => r.Properties?.RoleName === 'notification-runbooks-automation-us-west-2') ?? [];
      const modify = JSON.stringify(statementsOfRole(dr(), roleId ?? '').filter((st) => [st.Action].flat().includes('rds:ModifyDBInstance')).map((st) => st.Resource));
      expect(modify).toMatch(/db:notification-service-db-replica/);
      expect(modify).not.toMatch(/db:notification-service-db"/);
      // The role invokes the handlers deployed here that the documents run: scale-consumers and raise-lambda-memory now too.
      const invoked = statementsOfRole(dr(), roleId ?? '').filter((st) => [st.Action].flat().includes('lambda:InvokeFunction'));
      const letters = JSON.stringify(invoked).toLowerCase().replace(/[^a-z]/g, '');
      expect(letters).toMatch(/scaleconsumers/);
      expect(letters).toMatch(/raiselambdamemory/);
      expect(letters).toMatch(/checkdbconnections/);
    });

    it('grants watch-standby reads only, RDS on the cross-region replica', () => {
      const { roleId } = functionOf(dr(), functionNameOf('watch-standby'));
      const granted = [...grantedActions(dr(), roleId)];
      expect(granted.filter((a) => /^(rds|sqs|lambda):/.test(a)).sort()).toEqual([
        'lambda:ListEventSourceMappings',
        'rds:DescribeDBInstances',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ]);
      // The one write: its failed invocations to the project's own dead-letter queue (the on-failure destination).
      const writes = statementsOfRole(dr(), roleId).filter((st) => ([] as string[]).concat(st.Action as string | string[]).some((a) => /^(rds|sqs|lambda|ec2):(?!Describe|Get|List)/.test(a)));
      expect(writes.map((st) => st.Action)).toEqual([['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl']]);
      expect(JSON.stringify(writes[0]?.Resource)).toMatch(/FailedInvocations/);
      const describeDb = statementsOfRole(dr(), roleId).filter((st) => ([] as string[]).concat(st.Action as string | string[]).includes('rds:DescribeDBInstances'));
      expect(JSON.stringify(describeDb.map((st) => st.Resource))).toContain(':db:notification-service-db-replica');
    });

    // In us-west-2 the diagnose-only playbooks read the cross-region replica, the database that is there (decision 99):
    // their roles must be able to describe it, in that region.
    it.each(['check-db-connections', 'inspect-security-groups'])('grants %s rds:DescribeDBInstances on the cross-region replica in us-west-2', (handler) => {
      const { roleId } = functionOf(dr(), functionNameOf(handler));
      const describeDb = statementsOfRole(dr(), roleId).filter((st) => ([] as string[]).concat(st.Action as string | string[]).includes('rds:DescribeDBInstances'));
      // Each ARN as text, the account's Ref written as <account>.
      const arns = describeDb
        .flatMap((st) => ([] as unknown[]).concat(st.Resource))
        .map((r) => {
          const join = (r as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
          return join ? join[1].map((part) => (typeof part === 'string' ? part : '<account>')).join(join[0]) : String(r);
        });
      expect(arns).toContain('arn:aws:rds:us-west-2:<account>:db:notification-service-db-replica');
    });
  });

  describe('the environments differ as the seed\'s matrix says', () => {
    it.each(ENVIRONMENTS.map((e) => [e] as const))('%s: stack description carries its instance class, Multi-AZ, backups and auto scaling', (environment) => {
      const env = synthesized.built.config.environments[environment];
      const region = env.regions[0] ?? 'us-east-1';
      const description = String(template(environment, region).Description);
      expect(description).toContain(env.dbInstanceClass);
      expect(description).toContain(`Multi-AZ ${env.multiAz ? 'yes' : 'no'}`);
      expect(description).toContain(`backups ${env.backupRetentionDays} d`);
      expect(description).toContain(`auto scaling ${env.autoScaling ? 'on' : 'off'}`);
    });

    it('keeps production\'s audit trail (retained except on its own create\'s rollback, deletion-protected table) and lets development\'s go', () => {
      const table = (environment: string): Record<string, unknown> => resourcesOfType(template(environment, 'us-east-1'), 'AWS::DynamoDB::Table')[0]![1] as Record<string, unknown>;
      expect(table('production')).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain', Properties: expect.objectContaining({ DeletionProtectionEnabled: true }) });
      expect(table('development')).toMatchObject({ DeletionPolicy: 'Delete' });
    });
  });
}
