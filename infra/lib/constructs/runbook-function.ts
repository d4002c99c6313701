// One handler as a Lambda function: its built bundle, its own role with exactly the declared actions, logs, DLQ destination.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Metric, type Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { asyncEventAgeAlarmSpec } from '../../../shared/config/automation-health';
import type { HandlerSpec } from '../handler-catalog';
import type { AutomationHealthTopic } from './automation-health-topic';
import { attachFittedPolicies } from '../iam/policy-size';
import type { ScopedGrant } from '../iam/scoped-policy';
import { acknowledge, acknowledgeWildcards } from '../nag';
import { DELIVERY, sizingOf, type EnvironmentInfraSettings } from '../settings';

export interface RunbookFunctionProps {
  handler: HandlerSpec;
  functionName: string;
  roleName: string;
  settings: EnvironmentInfraSettings;
  environment: Record<string, string>;
  /** The declared actions as scoped statements (infra/lib/iam/scoped-policy.ts). */
  grant: ScopedGrant;
  /** Where an asynchronous invocation goes after Lambda's retries fail. */
  failureQueue: IQueue;
  key: IKey;
}

/** Lambda runtime: Node.js 22 (the bundles target it: esbuild config, README), arm64 (Graviton: cheaper per GB-second). */
export const HANDLER_RUNTIME = Runtime.NODEJS_22_X;

export class RunbookFunction extends Construct {
  readonly fn: LambdaFunction;
  readonly role: Role;
  /** The function's name as given (a plain string: `fn.functionName` is a token until deploy). */
  readonly functionName: string;

  constructor(scope: Construct, id: string, props: RunbookFunctionProps) {
    super(scope, id);
    const { handler, settings } = props;
    this.functionName = props.functionName;
    const sizing = sizingOf(handler.name);

    const logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: settings.logRetentionDays,
      // RetainExceptOnCreate (review 22a, R22a-7): a fixed name kept on a stack delete, but not left behind by a failed
      // first deploy's rollback, where it would make every retry fail "already exists".
      removalPolicy: settings.retainData ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY,
    });

    // Its own role, not AWSLambdaBasicExecutionRole: the managed policy lets a function write to every log group.
    this.role = new Role(this, 'Role', {
      roleName: props.roleName,
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.functionName}: the actions ${handler.declaredIn} declares, and nothing else`,
    });
    // The declared actions grow with the configuration (queues, consumers): one inline policy while they fit the project's
    // budget, past it customer managed policies, as the remediation roles' (IAM's 10,240 inline per role; decision 368, and
    // the execution roles since decision 383: verify-change's was 11,138 at 12 channels).
    attachFittedPolicies(this, 'DeclaredActions', this.role, props.grant.statements);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    );

    this.fn = new LambdaFunction(this, 'Function', {
      functionName: props.functionName,
      description: `Notification Service runbook automation: ${handler.name} (${handler.kind === 'playbook' ? `playbook ${handler.row}` : 'service handler'})`,
      code: Code.fromAsset(handler.bundleZip),
      handler: 'index.handler',
      runtime: HANDLER_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: sizing.memoryMb,
      timeout: Duration.seconds(sizing.timeoutSeconds),
      role: this.role,
      logGroup,
      tracing: Tracing.ACTIVE,
      environment: props.environment,
      environmentEncryption: props.key,
      ...(settings.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: settings.reservedConcurrency } : {}),
      onFailure: new SqsDestination(props.failureQueue),
      retryAttempts: DELIVERY.asyncRetryAttempts,
      maxEventAge: Duration.seconds(DELIVERY.asyncMaxEventAgeSeconds),
    });

    acknowledgeWildcards(this, [
      ...props.grant.wildcards,
      { resource: '*', reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) support no resource-level permissions' },
    ]);
    acknowledge(this.fn, 'Serverless-LambdaDLQ', 'asynchronous failures go to an on-failure destination (an SQS queue), which records the request and the error; a DLQ as well would deliver each failure twice');
    acknowledge(this.fn, 'AwsSolutions-L1', 'the handler bundles are built and tested for the Node.js 22 runtime (esbuild target, SDK support statement); moving to a newer runtime is a deliberate upgrade');
    acknowledge(this.fn, 'Serverless-LambdaLatestVersion', 'the handler bundles are built and tested for the Node.js 22 runtime (esbuild target, SDK support statement); moving to a newer runtime is a deliberate upgrade');
  }

  /**
   * Review 14, R14-7: an event Lambda holds for this function (retrying it after throttles or errors) for over 2 min
   * pages the first tier through the health topic (shared/config/automation-health.ts). Before the topic's guard().
   */
  watchEventAge(health: AutomationHealthTopic, carries: string): Alarm {
    const spec = asyncEventAgeAlarmSpec({ functionName: this.functionName, carries });
    return health.alarm(
      this,
      'EventsWaiting',
      spec,
      new Metric({
        namespace: spec.namespace,
        metricName: spec.metricName,
        // The metric's dimension names the deployed function (its Ref), the same name as `functionName`.
        dimensionsMap: { FunctionName: this.fn.functionName },
        period: Duration.seconds(spec.periodSeconds),
        statistic: spec.statistic,
      }),
    );
  }
}
