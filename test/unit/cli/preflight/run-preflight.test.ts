// runPreflight's guards: a check whose reads AWS refuses (or that fails in any other way) is a FAIL naming the area or
// resource and the permission, never a PASS and never a crash, and every other check still runs; the text rendering.
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { SupportClient } from '@aws-sdk/client-support';
import { mockClient } from 'aws-sdk-client-mock';
import { renderPreflight, runPreflight, type PreflightReport } from '../../../../cli/preflight/run-preflight';
import { ACCOUNT, awsError, clients, expectationsFor, TARGET } from './support';

const cloudWatch = mockClient(CloudWatchClient);
const mocks = [
  cloudWatch,
  ...[SQSClient, LambdaClient, RDSClient, APIGatewayClient, ElastiCacheClient, CloudWatchLogsClient, EventBridgeClient, IAMClient, SSMClient, SNSClient, SupportClient, SchedulerClient, STSClient].map((c) => mockClient(c as never)),
];

/** Every call of every client refused, as for credentials with no read permission at all. */
function refuseEverything(): void {
  for (const m of mocks) {
    m.reset();
    (m as typeof cloudWatch).onAnyCommand().rejects(awsError('AccessDenied', 'Access denied'));
  }
}

const expected = expectationsFor('production');
const lines = (report: PreflightReport): string[] => report.checks.map((c) => `${c.status} ${c.area} ${c.check} ${c.subject}`);

describe('runPreflight with credentials that may read nothing', () => {
  let report: PreflightReport;
  beforeAll(async () => {
    refuseEverything();
    report = await runPreflight(clients(), expected, TARGET, [{ name: 'NotificationService-ScaleConsumers', content: {} }]);
  });

  it('is one could-not-check FAIL per guarded check, in the order they run, and not one PASS', () => {
    expect(lines(report)).toEqual([
      // resources: each kind on its own
      'FAIL resources could-not-check queues notification-service-queue',
      'FAIL resources could-not-check consumer functions notification-service-consumer',
      'FAIL resources could-not-check databases notification-service-db',
      'FAIL resources could-not-check APIs notification-service-api',
      'FAIL resources could-not-check caches notification-service-cache',
      // alarms: the area guard of run-preflight
      'FAIL alarms could-not-check alarms',
      // the metric filters behind Memory Pressure and Connection Timeout: each on its own
      'FAIL alarms could-not-check metric filter notification-service-consumer-out-of-memory',
      'FAIL alarms could-not-check metric filter notification-service-api-504',
      // routing: the area guard (its rules are read before any alarm is tested)
      'FAIL routing could-not-check routing',
      "FAIL routing could-not-check the rules' Lambda permissions",
      // the escalation sweep's rule (decision 264)
      'FAIL routing could-not-check the escalation sweep',
      'FAIL routing could-not-check the verify sweep',
      // handlers: each on its own; with none read, no role is simulated
      ...expected.handlers.map((h) => `FAIL handlers could-not-check handler ${h.functionName}`),
      // plumbing: each check on its own
      'FAIL plumbing could-not-check kill switch /notification-runbooks/kill-switch',
      'FAIL plumbing could-not-check tier subscriptions',
      'FAIL plumbing could-not-check the automation health topic',
      'FAIL plumbing could-not-check AWS Support API',
      'FAIL plumbing could-not-check SSM documents',
      'FAIL plumbing could-not-check Scheduler groups and roles',
      "FAIL plumbing could-not-check the schedules' failed deliveries",
      // the sweep metric alarms (decisions 300, 311)
      "FAIL plumbing could-not-check the sweeps' health alarms",
      'FAIL plumbing could-not-check automation role and approvers',
      // the dead-letter queues (decision 265), after the handlers' destinations are known
      'FAIL plumbing could-not-check dead-letter queues',
    ]);
    expect(report.summary).toEqual({ pass: 0, warn: 0, fail: report.checks.length });
    expect(report).toMatchObject({ environment: 'production', account: ACCOUNT, region: 'us-east-1', mode: 'single-account' });
    expect(report.workloadAccount).toBeUndefined();
  });

  it("each names the read-only permissions its reads need, since AWS's message names none", () => {
    const message = (subject: string): string | undefined => report.checks.find((c) => c.subject === subject)?.message;
    expect(message('alarms')).toBe('could not check alarms: AccessDenied: preflight is not allowed cloudwatch:DescribeAlarms');
    expect(message('metric filter notification-service-api-504')).toBe('could not check metric filter notification-service-api-504: AccessDenied: preflight is not allowed logs:DescribeMetricFilters');
    expect(message('routing')).toBe('could not check routing: AccessDenied: preflight is not allowed events:DescribeRule, events:ListTargetsByRule, events:TestEventPattern');
    expect(message('queues notification-service-queue')).toBe('could not check queues notification-service-queue: AccessDenied: preflight is not allowed sqs:GetQueueUrl, sqs:GetQueueAttributes');
    expect(message('handler notification-runbooks-escalate')).toBe(
      'could not check handler notification-runbooks-escalate: AccessDenied: preflight is not allowed lambda:GetFunctionConfiguration, lambda:GetFunctionEventInvokeConfig, sqs:GetQueueUrl',
    );
    expect(message('dead-letter queues')).toBe('could not check dead-letter queues: AccessDenied: preflight is not allowed sqs:GetQueueUrl, sqs:GetQueueAttributes');
    expect(report.checks.find((c) => c.subject === 'alarms')?.fix).toBe('grant the credentials preflight runs with cloudwatch:DescribeAlarms (read-only); an explicit deny comes from an SCP or permission boundary');
  });
});

describe('the area guard', () => {
  it('an AWS fault other than a refusal is a FAIL naming the fault, with retry advice', async () => {
    refuseEverything();
    cloudWatch.on(DescribeAlarmsCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
    const report = await runPreflight(clients(), expected, TARGET, []);
    const alarms = report.checks.find((c) => c.area === 'alarms');
    expect(alarms).toEqual({
      area: 'alarms',
      check: 'could-not-check',
      subject: 'alarms',
      status: 'FAIL',
      message: 'could not check alarms: ThrottlingException: Rate exceeded',
      fix: 'retry; if it persists, check the credentials, the region and the network',
    });
  });

  it('an answer the check cannot read (not an AWS error at all) is a FAIL naming it, not a crash, and the later areas still run', async () => {
    refuseEverything();
    // MetricAlarms that is not a list: the check throws a TypeError of its own.
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: 42 as never });
    const report = await runPreflight(clients(), expected, TARGET, []);
    const alarms = report.checks.find((c) => c.area === 'alarms');
    expect(alarms?.status).toBe('FAIL');
    expect(alarms?.message).toMatch(/^could not check alarms: TypeError: /);
    // kill switch, tiers, the health topic, Support, Scheduler, the schedules' deliveries, the sweeps' alarms (no documents given here), the dead-letter queues.
    expect(report.checks.filter((c) => c.area === 'plumbing').map((c) => c.subject)).toEqual([
      'kill switch /notification-runbooks/kill-switch',
      'tier subscriptions',
      'the automation health topic',
      'AWS Support API',
      'Scheduler groups and roles',
      "the schedules' failed deliveries",
      "the sweeps' health alarms",
      'dead-letter queues',
    ]);
  });
});

describe('renderPreflight', () => {
  it('one line per check, the fix under each WARN and FAIL, and the totals', () => {
    const text = renderPreflight({
      environment: 'staging',
      account: ACCOUNT,
      region: 'us-east-1',
      mode: 'single-account',
      summary: { pass: 1, warn: 1, fail: 1 },
      checks: [
        { area: 'resources', check: 'queue', subject: 'q', status: 'PASS', message: 'queue q exists' },
        { area: 'plumbing', check: 'support-api', subject: 's', status: 'WARN', message: 'refused', fix: 'upgrade' },
        { area: 'permissions', check: 'role-permissions', subject: 'r', status: 'FAIL', message: 'denied', fix: 'grant' },
      ],
    });
    expect(text.split('\n')).toEqual([
      `preflight staging in account ${ACCOUNT}, us-east-1 (read-only)`,
      'PASS  resources    queue q exists',
      'WARN  plumbing     refused',
      '                   -> upgrade',
      'FAIL  permissions  denied',
      '                   -> grant',
      '1 passed, 1 warnings, 1 failed',
    ]);
  });
});
