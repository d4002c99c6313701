// Loopback HTTP proxy in front of moto: answers the APIs moto lacks, injects AWS-shaped faults, records every call.
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient, DescribeAlarmsForMetricCommand, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogGroupsCommand, DescribeMetricFiltersCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateCacheClusterCommand, DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetFunctionConcurrencyCommand, GetFunctionConfigurationCommand, LambdaClient, paginateListFunctions } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { alarmsForMetric, alarmsForMetricAnswer, AlarmsForMetricRequestError, readAlarmsForMetricRequest } from './alarms-for-metric';
import { alarmTransitionsSchema, describeAlarmsJsonWithTransitions, withTransition, type AlarmTransition } from './alarm-transitions';
import { listDocumentVersions } from './document-versions-gap';
import { dynamoTransactionGates, runsAlone } from './dynamodb-gate';
import { accountIdFromAccessKeyId, DEFAULT_REGION } from './credentials';
import { QualifiedPolicies } from './lambda-qualified-policies';
import { functionNameOfPath, LambdaRevisions, withRevision } from './lambda-revisions';
import { vpcConfigSubnet, withVpcId } from './lambda-vpc-id';
import { LambdaLoggingConfigs, withLoggingConfig, type LoggingConfigAction } from './lambda-logging-config';
import { dimensionValues, matchesJsonFilter, parseJsonFilterPattern } from './metric-filter-pattern';
import { LAMBDA_CONCURRENT_EXECUTIONS_QUOTA } from './moto-server';
import { messagesDeleted, messagesSent, SQS_DELETES_METRIC, SQS_SENT_METRIC } from './sqs-message-metrics';
import { withPendingClassChanges, type PendingClassChange } from './rds-pending-class';
import { placeCrossRegionReplica, planCrossRegionReplica, regionOfRdsArn } from './rds-cross-region-replica';
import { RDSClient } from '@aws-sdk/client-rds';
import { describeCasesPage } from './support-cases-gap';
import {
  metricDataFaultsSchema,
  parseMetricDataAnswer,
  rewriteMetricData,
  SANDBOX_TOKEN_PREFIX,
  type ActiveMetricDataFault,
  type MetricDataAnswerJson,
  type MetricDataFault,
} from './metric-data-faults';
import { describeSeverityLevels, judgeAssumeRole, rolePolicies, sandboxCallerArn, simulateCustomPolicy, simulatePrincipalPolicy, testEventPattern, type GapReply } from './preflight-gaps';
import { LATENCY_HEADER, TRICKLE_HEADER, VIRTUAL_CLOCK_HEADER } from './virtual-latency';

export interface AwsOperation {
  service: string;
  operation: string;
  /** The account moto will act in, when the request names it (sandbox access key or x-moto-account-id). */
  accountId?: string;
  /**
   * The form parameters of an STS or RDS query request: STS's AssumeRole RoleSessionName, SourceIdentity and
   * Tags.member.N.* (moto accepts session tags and source identity but keeps neither where a test could read them back);
   * RDS's DBInstanceIdentifier (which instance a handler read, in a log that has no region).
   */
  parameters?: Record<string, string>;
}

export const faultRuleSchema = z
  .object({
    service: z.string().min(1).optional(),
    operation: z.string().min(1).optional(),
    /** Limit the fault to one account so concurrent test files on the shared proxy do not see it. */
    accountId: z.string().regex(/^\d{12}$/).optional(),
    /** Limit the fault to requests signed for one region (one region down, the other answering). */
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/).optional(),
    /** Fault the first `times` matching calls, then pass through. */
    times: z.number().int().min(0),
    /** Fail them with this status and error code (both or neither). */
    status: z.number().int().min(400).max(599).optional(),
    code: z.string().min(1).optional(),
    message: z.string().optional(),
    /**
     * Hold each of them this long before it is answered (then failed as above, or passed through without a status): a
     * slow region. A caller on a rehearsal clock that does not sleep (VIRTUAL_CLOCK_HEADER) is answered at once, told the
     * latency in LATENCY_HEADER, and its clock passes it (sandbox/rehearsal/script-runner.ts); every other caller waits.
     */
    latencyMs: z.number().int().min(1).max(600_000).optional(),
    /**
     * Dribble each answer's body over this long, a piece every TRICKLE_PIECE_MS at most, so no read waits long enough to
     * time out (review 18, R18-7: botocore's read_timeout is per socket read, so such an answer has no bound but the
     * caller's own). Told in TRICKLE_HEADER to a caller on a rehearsal clock that does not sleep, which passes it whole.
     */
    trickleMs: z.number().int().min(1).max(600_000).optional(),
    /**
     * Hold each of them, before it reaches the emulator, until the test lets them go (POST /__sandbox/faults/release, or
     * the account's rules replaced or removed); then treated as above. A call reaches AWS only after the test has done
     * something in between, with no race on time (review 20a R20-4: an acknowledgement between escalation's read of the
     * incident and its claim's transaction). GET faults says how many are held now.
     */
    hold: z.literal(true).optional(),
    /**
     * The call reaches moto first and its change is made; only then do the delay (latencyMs) and the failure apply, to
     * its answer (moto's is dropped), and without a status the connection is cut: AWS applied it, the caller never heard
     * (review 19 R19-10: a CreateCase that opened a case whose answer was lost). The request goes to moto as sent,
     * without the proxy's other gaps.
     */
    answerLost: z.literal(true).optional(),
    /**
     * Only on RDS ModifyDBInstance: the instance a matched call modified (moto answered it 200, lost or not) is then
     * `modifying`, as RDS has it for the minutes a modification applied at once takes, and RDS refuses a further
     * ModifyDBInstance of it: 400 InvalidDBInstanceState "Database instance is not in available state." (RDS API
     * reference, ModifyDBInstance Errors). moto models no such state (review 20d R20-61). While the rule is in force (until
     * the account's rules are replaced or removed), each further ModifyDBInstance of that instance is answered so, in
     * RDS's query-protocol error shape, and never reaches moto; GET faults counts them (`refused`). moto's
     * DescribeDBInstances answers are left as moto gives them (the class changed at once, `available`), unless rdsPending.
     */
    rdsModifying: z.literal(true).optional(),
    /**
     * Only with rdsModifying: the class change of a matched call that reached moto is shown not yet done, as RDS shows a
     * change applied at once for the minutes it takes (moto makes it at once and never shows one pending). While the rule
     * is in force, every RDS answer naming that instance (DescribeDBInstances, ModifyDBInstance...) reads DBInstanceStatus
     * `modifying`, DBInstanceClass the class it ran before the call, and PendingModifiedValues.DBInstanceClass the class
     * the call asked for (sandbox/rds-pending-class.ts); GET faults counts the DescribeDBInstances answers so shown
     * (`pendingShown`). Decisions 343/358's read-back of a refused retry, on the emulator (session 22).
     */
    rdsPending: z.literal(true).optional(),
  })
  .strict();
export const faultRulesSchema = z.array(
  faultRuleSchema
    .refine((rule) => (rule.status === undefined) === (rule.code === undefined), { message: 'a fault rule gives status and code together, or neither' })
    .refine(
      (rule) =>
        rule.status !== undefined || rule.latencyMs !== undefined || rule.trickleMs !== undefined || rule.hold !== undefined || rule.answerLost === true || rule.rdsModifying === true,
      {
        message:
          'a fault rule fails its calls (status, code), delays them (latencyMs), trickles their answers (trickleMs), holds them until released (hold), loses their answers (answerLost), leaves the instance modifying (rdsModifying), or several',
      },
    )
    .refine((rule) => rule.rdsModifying === undefined || (rule.service === 'rds' && rule.operation === 'ModifyDBInstance' && rule.status === undefined), {
      message: 'rdsModifying is a rule on service rds, operation ModifyDBInstance, whose calls reach moto (no status)',
    })
    .refine((rule) => rule.rdsPending === undefined || rule.rdsModifying === true, {
      message: 'rdsPending shows the change of an rdsModifying rule pending: give rdsModifying too',
    }),
);
export type FaultRule = z.infer<typeof faultRuleSchema>;

/** An AWS-shaped error answer: the status and the error code the SDK names its exception after. */
interface ErrorAnswer {
  status: number;
  code: string;
  message?: string;
}

export interface GapProxy {
  endpoint: string;
  port: number;
  calls: AwsOperation[];
  setFaults(rules: FaultRule[]): void;
  /** Lets go the calls hold rules keep (of one account when given); returns how many. */
  releaseHeld(accountId?: string): number;
  /** GetMetricData answers moto never gives (PartialData over two pages, a series Forbidden or InternalError): sandbox/metric-data-faults.ts. */
  setMetricDataFaults(rules: MetricDataFault[]): void;
  /** The GetMetricData rules in force, with how often each rewrote an answer and answered its next page. */
  metricDataFaults(): ActiveMetricDataFault[];
  /**
   * The emulator goes away, as the SDK sees it: every AWS request's connection is cut without an answer until
   * `endOutage()`. With `after`, the first matching request still reaches moto (its change is made) and only its
   * answer is lost: the crash point between "AWS applied it" and "the caller heard back". moto keeps its state, as
   * AWS would.
   */
  startOutage(options?: { after?: Partial<AwsOperation> }): void;
  endOutage(): void;
  clearCalls(): void;
  stop(): Promise<void>;
}

export interface IncomingAwsRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** How the request was serialised, which decides how an injected error must be shaped for the SDK to parse it. */
type WireProtocol = 'json' | 'query' | 'ec2-query' | 'rest-json' | 'rest-xml' | 'rpcv2-cbor';

/** Services the SDK speaks REST-XML to (their errors are XML); every other REST service here is REST-JSON. */
const REST_XML_SERVICES = new Set(['route53']);

/** The SQS calls whose answer the proxy counts into SQS's metric for them (decisions 280, 297), by operation. */
const SQS_COUNTED_CALLS = new Map<string, typeof SQS_DELETES_METRIC | typeof SQS_SENT_METRIC>([
  ['DeleteMessage', SQS_DELETES_METRIC],
  ['DeleteMessageBatch', SQS_DELETES_METRIC],
  ['SendMessage', SQS_SENT_METRIC],
  ['SendMessageBatch', SQS_SENT_METRIC],
]);

interface RequestDescription extends AwsOperation {
  protocol: WireProtocol;
  accessKeyId?: string;
  region?: string;
}

/** Control channel for test workers that cannot reach the proxy object; never forwarded to moto. */
export const CONTROL_PREFIX = '/__sandbox/';
export const MOTO_ACCOUNT_HEADER = 'x-moto-account-id';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'expect']);

function header(headers: IncomingAwsRequest['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value.join(',') : value;
  }
  return undefined;
}

function splitPath(path: string): { pathname: string; query: URLSearchParams } {
  const at = path.indexOf('?');
  return at < 0
    ? { pathname: path, query: new URLSearchParams() }
    : { pathname: path.slice(0, at), query: new URLSearchParams(path.slice(at + 1)) };
}

/** SigV4 credential scope, from the Authorization header or a presigned URL's X-Amz-Credential. */
function credentialScope(req: IncomingAwsRequest): { accessKeyId: string; region: string; service: string } | undefined {
  const scope =
    /Credential=([^,\s]+)/.exec(header(req.headers, 'authorization') ?? '')?.[1] ??
    splitPath(req.path).query.get('X-Amz-Credential') ??
    undefined;
  const parts = scope?.split('/');
  if (!parts || parts.length !== 5 || parts[4] !== 'aws4_request') return undefined;
  const [accessKeyId, , region, service] = parts;
  if (!accessKeyId || !region || !service) return undefined;
  return { accessKeyId, region, service };
}

type Route = readonly [method: string, pattern: RegExp, operation: string];
const NAME = '[^/]+';
function route(method: string, path: string, operation: string): Route {
  return [method, new RegExp(`^${path.replaceAll('{}', NAME)}/?$`), operation];
}

// REST routes of the Lambda API (paths as the SDK's operation schemas send them).
const LAMBDA_ROUTES: readonly Route[] = [
  route('GET', '/2016-08-19/account-settings', 'GetAccountSettings'),
  route('POST', '/2015-03-31/functions', 'CreateFunction'),
  route('GET', '/2015-03-31/functions', 'ListFunctions'),
  route('GET', '/2015-03-31/functions/{}', 'GetFunction'),
  route('DELETE', '/2015-03-31/functions/{}', 'DeleteFunction'),
  route('GET', '/2015-03-31/functions/{}/configuration', 'GetFunctionConfiguration'),
  route('PUT', '/2015-03-31/functions/{}/configuration', 'UpdateFunctionConfiguration'),
  route('PUT', '/2015-03-31/functions/{}/code', 'UpdateFunctionCode'),
  route('POST', '/2015-03-31/functions/{}/invocations', 'Invoke'),
  route('GET', '/2015-03-31/functions/{}/versions', 'ListVersionsByFunction'),
  route('POST', '/2015-03-31/functions/{}/versions', 'PublishVersion'),
  route('GET', '/2015-03-31/functions/{}/aliases', 'ListAliases'),
  route('POST', '/2015-03-31/functions/{}/aliases', 'CreateAlias'),
  route('GET', '/2015-03-31/functions/{}/aliases/{}', 'GetAlias'),
  route('PUT', '/2015-03-31/functions/{}/aliases/{}', 'UpdateAlias'),
  route('DELETE', '/2015-03-31/functions/{}/aliases/{}', 'DeleteAlias'),
  route('GET', '/2015-03-31/functions/{}/policy', 'GetPolicy'),
  route('POST', '/2015-03-31/functions/{}/policy', 'AddPermission'),
  route('DELETE', '/2015-03-31/functions/{}/policy/{}', 'RemovePermission'),
  route('PUT', '/2017-10-31/functions/{}/concurrency', 'PutFunctionConcurrency'),
  route('DELETE', '/2017-10-31/functions/{}/concurrency', 'DeleteFunctionConcurrency'),
  route('GET', '/2019-09-30/functions/{}/concurrency', 'GetFunctionConcurrency'),
  route('GET', '/2019-09-25/functions/{}/event-invoke-config', 'GetFunctionEventInvokeConfig'),
  route('PUT', '/2019-09-25/functions/{}/event-invoke-config', 'PutFunctionEventInvokeConfig'),
  route('POST', '/2019-09-25/functions/{}/event-invoke-config', 'UpdateFunctionEventInvokeConfig'),
  route('GET', '/2019-09-30/functions/{}/provisioned-concurrency', 'GetProvisionedConcurrencyConfig'),
  route('PUT', '/2019-09-30/functions/{}/provisioned-concurrency', 'PutProvisionedConcurrencyConfig'),
  route('DELETE', '/2019-09-30/functions/{}/provisioned-concurrency', 'DeleteProvisionedConcurrencyConfig'),
  route('POST', '/2015-03-31/event-source-mappings', 'CreateEventSourceMapping'),
  route('GET', '/2015-03-31/event-source-mappings', 'ListEventSourceMappings'),
  route('GET', '/2015-03-31/event-source-mappings/{}', 'GetEventSourceMapping'),
  route('PUT', '/2015-03-31/event-source-mappings/{}', 'UpdateEventSourceMapping'),
  route('DELETE', '/2015-03-31/event-source-mappings/{}', 'DeleteEventSourceMapping'),
  route('GET', '/2017-03-31/tags/{}', 'ListTags'),
  route('POST', '/2017-03-31/tags/{}', 'TagResource'),
  route('DELETE', '/2017-03-31/tags/{}', 'UntagResource'),
];

// REST routes of EventBridge Scheduler.
const SCHEDULER_ROUTES: readonly Route[] = [
  route('GET', '/schedules', 'ListSchedules'),
  route('GET', '/schedules/{}', 'GetSchedule'),
  route('POST', '/schedules/{}', 'CreateSchedule'),
  route('PUT', '/schedules/{}', 'UpdateSchedule'),
  route('DELETE', '/schedules/{}', 'DeleteSchedule'),
  route('GET', '/schedule-groups', 'ListScheduleGroups'),
  route('GET', '/schedule-groups/{}', 'GetScheduleGroup'),
  route('POST', '/schedule-groups/{}', 'CreateScheduleGroup'),
  route('DELETE', '/schedule-groups/{}', 'DeleteScheduleGroup'),
];

// REST routes of API Gateway (v1, REST APIs): what the connection-timeout playbook, preflight and the sandbox call.
const APIGATEWAY_ROUTES: readonly Route[] = [
  route('GET', '/restapis', 'GetRestApis'),
  route('POST', '/restapis', 'CreateRestApi'),
  route('GET', '/restapis/{}', 'GetRestApi'),
  route('DELETE', '/restapis/{}', 'DeleteRestApi'),
  route('GET', '/restapis/{}/stages', 'GetStages'),
  route('POST', '/restapis/{}/stages', 'CreateStage'),
  route('GET', '/restapis/{}/stages/{}', 'GetStage'),
  route('PATCH', '/restapis/{}/stages/{}', 'UpdateStage'),
  route('GET', '/restapis/{}/resources', 'GetResources'),
  route('POST', '/restapis/{}/resources/{}', 'CreateResource'),
  route('GET', '/restapis/{}/resources/{}', 'GetResource'),
  route('PUT', '/restapis/{}/resources/{}/methods/{}', 'PutMethod'),
  route('GET', '/restapis/{}/resources/{}/methods/{}', 'GetMethod'),
  route('PUT', '/restapis/{}/resources/{}/methods/{}/integration', 'PutIntegration'),
  route('GET', '/restapis/{}/resources/{}/methods/{}/integration', 'GetIntegration'),
  route('PATCH', '/restapis/{}/resources/{}/methods/{}/integration', 'UpdateIntegration'),
  route('POST', '/restapis/{}/deployments', 'CreateDeployment'),
];

// REST routes of API Gateway v2 (HTTP APIs, /v2/...): what the connection-timeout playbook and its tests call. They are
// signed as "apigateway" like v1, so the log names them "apigatewayv2" (by the /v2/ path, as moto's server tells sesv2
// from ses) to keep v2's GetStage apart from v1's. moto 5.2.1 answers each itself; the proxy only names them, so a fault
// can target them and a test counting mutations does not see an unknown call.
const APIGATEWAYV2_ROUTES: readonly Route[] = [
  route('GET', '/v2/apis', 'GetApis'),
  route('POST', '/v2/apis', 'CreateApi'),
  route('GET', '/v2/apis/{}', 'GetApi'),
  route('PATCH', '/v2/apis/{}', 'UpdateApi'),
  route('DELETE', '/v2/apis/{}', 'DeleteApi'),
  route('GET', '/v2/apis/{}/stages', 'GetStages'),
  route('POST', '/v2/apis/{}/stages', 'CreateStage'),
  route('GET', '/v2/apis/{}/stages/{}', 'GetStage'),
  route('PATCH', '/v2/apis/{}/stages/{}', 'UpdateStage'),
  route('DELETE', '/v2/apis/{}/stages/{}', 'DeleteStage'),
  route('GET', '/v2/apis/{}/integrations', 'GetIntegrations'),
  route('POST', '/v2/apis/{}/integrations', 'CreateIntegration'),
  route('GET', '/v2/apis/{}/integrations/{}', 'GetIntegration'),
  route('PATCH', '/v2/apis/{}/integrations/{}', 'UpdateIntegration'),
  route('DELETE', '/v2/apis/{}/integrations/{}', 'DeleteIntegration'),
  route('GET', '/v2/apis/{}/routes', 'GetRoutes'),
  route('POST', '/v2/apis/{}/routes', 'CreateRoute'),
  route('GET', '/v2/apis/{}/routes/{}', 'GetRoute'),
  route('PATCH', '/v2/apis/{}/routes/{}', 'UpdateRoute'),
  route('DELETE', '/v2/apis/{}/routes/{}', 'DeleteRoute'),
];

// REST routes of Route 53 (REST-XML; paths as the SDK's operation schemas send them): the failover documents and the DR
// sandbox call these. moto 5.2.1 answers each itself; the proxy names them, so a fault can target them (Route 53's
// control plane failing in a us-east-1 outage) and a test counting mutations sees ChangeResourceRecordSets.
const ROUTE53_ROUTES: readonly Route[] = [
  route('POST', '/2013-04-01/hostedzone', 'CreateHostedZone'),
  route('GET', '/2013-04-01/hostedzone', 'ListHostedZones'),
  route('GET', '/2013-04-01/hostedzone/{}', 'GetHostedZone'),
  route('GET', '/2013-04-01/hostedzonesbyname', 'ListHostedZonesByName'),
  route('GET', '/2013-04-01/hostedzone/{}/rrset', 'ListResourceRecordSets'),
  route('POST', '/2013-04-01/hostedzone/{}/rrset', 'ChangeResourceRecordSets'),
  route('POST', '/2013-04-01/healthcheck', 'CreateHealthCheck'),
  route('GET', '/2013-04-01/healthcheck/{}', 'GetHealthCheck'),
  route('GET', '/2013-04-01/change/{}', 'GetChange'),
];

const REST_ROUTES: Readonly<Record<string, readonly Route[]>> = {
  lambda: LAMBDA_ROUTES,
  route53: ROUTE53_ROUTES,
  scheduler: SCHEDULER_ROUTES,
  apigateway: APIGATEWAY_ROUTES,
  apigatewayv2: APIGATEWAYV2_ROUTES,
};

/**
 * moto 5.2.1 gives an HTTP API an id of 8 lowercase letters; AWS's are 10 characters ([a-z0-9]{10}), the form
 * dependencies.apis[].id accepts (and an HTTP API's alarm needs, by ApiId). The proxy widens every API id moto answers
 * with by this fixed suffix and narrows it back in the request paths it forwards, so an id read through the proxy is
 * one the configuration takes, and works in every later call. Stateless: an id without the suffix is passed on as sent.
 */
export const HTTP_API_ID_SUFFIX = '00';
const MOTO_API_ID = '[a-z]{8}';

/** "/v2/apis/abcdefgh00/stages" -> "/v2/apis/abcdefgh/stages": the id moto knows. */
export function narrowHttpApiIdPath(path: string): string {
  return path.replace(new RegExp(`^/v2/apis/(${MOTO_API_ID})${HTTP_API_ID_SUFFIX}(?=[/?]|$)`), '/v2/apis/$1');
}

/** moto's answer with each API id widened: apiId fields, the API's endpoint host, a not-found message naming the id. */
export function widenHttpApiIds(body: string): string {
  return body
    .replace(new RegExp(`("apiId"\\s*:\\s*")(${MOTO_API_ID})"`, 'g'), `$1$2${HTTP_API_ID_SUFFIX}"`)
    .replace(new RegExp(`(https://)(${MOTO_API_ID})(\\.execute-api\\.)`, 'g'), `$1$2${HTTP_API_ID_SUFFIX}$3`)
    .replace(new RegExp(`(Invalid API identifier specified )(${MOTO_API_ID})\\b`, 'g'), `$1$2${HTTP_API_ID_SUFFIX}`);
}

function describeRequest(req: IncomingAwsRequest): RequestDescription {
  const scope = credentialScope(req);
  const signedAs = scope?.service ?? 'unknown';
  const service = signedAs === 'apigateway' && req.path.startsWith('/v2/') ? 'apigatewayv2' : signedAs;
  const accountId =
    header(req.headers, MOTO_ACCOUNT_HEADER) ?? (scope ? accountIdFromAccessKeyId(scope.accessKeyId) : undefined);
  const base = {
    service,
    ...(accountId ? { accountId } : {}),
    ...(scope ? { accessKeyId: scope.accessKeyId, region: scope.region } : {}),
  };
  const { pathname, query } = splitPath(req.path);

  const rpcv2 = /^\/service\/[^/]+\/operation\/([^/?]+)$/.exec(pathname);
  if (rpcv2?.[1] && header(req.headers, 'smithy-protocol') === 'rpc-v2-cbor') {
    return { ...base, operation: rpcv2[1], protocol: 'rpcv2-cbor' };
  }
  const target = header(req.headers, 'x-amz-target');
  if (target) {
    return { ...base, operation: target.slice(target.lastIndexOf('.') + 1), protocol: 'json' };
  }
  const isForm = (header(req.headers, 'content-type') ?? '').includes('application/x-www-form-urlencoded');
  const action = query.get('Action') ?? (isForm ? new URLSearchParams(req.body).get('Action') : null);
  if (action) {
    return { ...base, operation: action, protocol: service === 'ec2' ? 'ec2-query' : 'query' };
  }
  const method = req.method.toUpperCase();
  const matched = (REST_ROUTES[service] ?? []).find(([m, pattern]) => m === method && pattern.test(pathname));
  return { ...base, operation: matched?.[2] ?? 'unknown', protocol: REST_XML_SERVICES.has(service) ? 'rest-xml' : 'rest-json' };
}

/** Which AWS API a signed SDK request calls: service from the SigV4 scope, operation from the wire protocol. */
export function identifyOperation(req: IncomingAwsRequest): AwsOperation {
  const { service, operation, accountId } = describeRequest(req);
  return accountId ? { service, operation, accountId } : { service, operation };
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Smallest CBOR encoder that can write a map of text strings (RFC 8949 major types 3 and 5).
function cborHead(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
  const head = Buffer.alloc(5);
  head[0] = (major << 5) | 26;
  head.writeUInt32BE(length, 1);
  return head;
}
function cborTextMap(map: Record<string, string>): Buffer {
  const text = (s: string): Buffer[] => {
    const bytes = Buffer.from(s, 'utf8');
    return [cborHead(3, bytes.length), bytes];
  };
  const entries = Object.entries(map);
  return Buffer.concat([cborHead(5, entries.length), ...entries.flatMap(([k, v]) => [...text(k), ...text(v)])]);
}

interface CannedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** An error response in the request's own wire protocol, so the SDK names the exception `code`. */
function faultResponse(protocol: WireProtocol, rule: ErrorAnswer): CannedResponse {
  const requestId = randomUUID();
  const message = rule.message ?? `Injected by the sandbox gap proxy: ${rule.code}`;
  const sender = rule.status < 500;
  // Read by awsQueryCompatible JSON clients (CloudWatch, SQS) in preference to __type; ignored by the others.
  const queryError = `${rule.code};${sender ? 'Sender' : 'Receiver'}`;
  switch (protocol) {
    case 'json':
      return {
        status: rule.status,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-errortype': rule.code,
          'x-amzn-query-error': queryError,
          'x-amzn-requestid': requestId,
        },
        body: Buffer.from(JSON.stringify({ __type: rule.code, message })),
      };
    case 'rest-json':
      return {
        status: rule.status,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': rule.code, 'x-amzn-requestid': requestId },
        body: Buffer.from(JSON.stringify({ Type: sender ? 'User' : 'Service', message })),
      };
    case 'query':
      return {
        status: rule.status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: Buffer.from(
          `<ErrorResponse><Error><Type>${sender ? 'Sender' : 'Receiver'}</Type><Code>${xmlEscape(rule.code)}</Code>` +
            `<Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        ),
      };
    case 'rest-xml':
      // Route 53's error body (API reference, "Errors"): ErrorResponse/Error with Type, Code and Message.
      return {
        status: rule.status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: Buffer.from(
          `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>${sender ? 'Sender' : 'Receiver'}</Type>` +
            `<Code>${xmlEscape(rule.code)}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        ),
      };
    case 'ec2-query':
      return {
        status: rule.status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: Buffer.from(
          `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${xmlEscape(rule.code)}</Code>` +
            `<Message>${xmlEscape(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
        ),
      };
    case 'rpcv2-cbor':
      return {
        status: rule.status,
        headers: {
          'content-type': 'application/cbor',
          'smithy-protocol': 'rpc-v2-cbor',
          'x-amzn-query-error': queryError,
          'x-amzn-requestid': requestId,
        },
        body: cborTextMap({ __type: rule.code, message }),
      };
  }
}

function jsonResponse(status: number, value: unknown): CannedResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() },
    body: Buffer.from(JSON.stringify(value)),
  };
}

function send(res: ServerResponse, canned: CannedResponse): void {
  res.writeHead(canned.status, { ...canned.headers, 'content-length': String(canned.body.length) });
  res.end(canned.body);
}

/** A trickled answer's longest pause between two pieces: under any read timeout a caller of the sandbox sets. */
export const TRICKLE_PIECE_MS = 200;

/**
 * Makes `res` dribble the answer it is given (by send or a pass-through's pipe) over `totalMs`: its body in evenly spaced
 * pieces, TRICKLE_PIECE_MS apart while the body has a byte for each (a shorter body: a byte at a time, further apart),
 * the head going out with the first piece; the last piece ends the answer.
 */
function trickleAnswer(res: ServerResponse, totalMs: number): void {
  const write = res.write.bind(res) as (chunk: Buffer) => boolean;
  const end = res.end.bind(res) as (chunk?: Buffer) => ServerResponse;
  const held: Buffer[] = [];
  const hold = (chunk: unknown): void => {
    if (typeof chunk === 'string') held.push(Buffer.from(chunk));
    else if (chunk instanceof Uint8Array) held.push(Buffer.from(chunk));
  };
  const dribble = (): void => {
    const body = Buffer.concat(held);
    const count = Math.max(1, Math.min(body.length, Math.ceil(totalMs / TRICKLE_PIECE_MS)));
    const size = Math.ceil(body.length / count);
    const gapMs = totalMs / count;
    let sent = 0;
    const next = (): void => {
      if (res.destroyed) return;
      const piece = body.subarray(sent * size, (sent + 1) * size);
      sent += 1;
      if (sent >= count) {
        end(piece);
        return;
      }
      write(piece);
      setTimeout(next, gapMs);
    };
    setTimeout(next, gapMs);
  };
  Object.assign(res, {
    write: (chunk: unknown): boolean => {
      hold(chunk);
      return true;
    },
    end: (chunk?: unknown): ServerResponse => {
      if (typeof chunk !== 'function') hold(chunk);
      dribble();
      return res;
    },
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** The one middleware-stack call the proxy's own clients make (every SDK client's stack has it). */
interface BuildStep {
  add(
    middleware: (next: (args: { request: unknown }) => Promise<unknown>) => (args: { request: unknown }) => Promise<unknown>,
    options: { step: 'build'; name: string },
  ): void;
}

/** Starts the proxy on 127.0.0.1 (a free port unless given), forwarding to `upstream` (moto). */
export async function startGapProxy(opts: { upstream: string; port?: number }): Promise<GapProxy> {
  const upstream = new URL(opts.upstream);
  // The sandbox must never relay signed requests off the machine.
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(upstream.hostname)) {
    throw new Error(`the gap proxy only forwards to a loopback upstream, got ${upstream.origin}`);
  }
  const calls: AwsOperation[] = [];
  // `held`: the calls a hold rule keeps from the emulator now, each let go by calling it.
  // `modifying` and `refused` (rdsModifying rules): the instances the rule's calls modified, and the refusals answered since.
  // `pending` and `pendingShown` (rdsPending rules): those instances' class changes shown not yet done, and the
  // DescribeDBInstances answers that showed one.
  type ActiveRule = {
    rule: FaultRule;
    remaining: number;
    held: Array<() => void>;
    modifying: Set<string>;
    refused: number;
    pending: Map<string, PendingClassChange>;
    pendingShown: number;
  };
  const activeRule = (rule: FaultRule): ActiveRule => ({ rule, remaining: rule.times, held: [], modifying: new Set<string>(), refused: 0, pending: new Map(), pendingShown: 0 });
  let faults: ActiveRule[] = [];
  let outage: { active: boolean; after?: Partial<AwsOperation> } = { active: false };

  /** Lets go every call held by `rules` (released, or their rules replaced or removed: nothing is held for ever). */
  const release = (rules: readonly ActiveRule[]): number => {
    let released = 0;
    for (const active of rules) {
      for (const go of active.held.splice(0)) {
        go();
        released += 1;
      }
    }
    return released;
  };
  const setFaults = (rules: FaultRule[]): void => {
    const parsed = faultRulesSchema.parse(rules);
    release(faults);
    faults = parsed.map(activeRule);
  };
  // Test files share the proxy: one scoped to an account replaces only that account's rules.
  const setAccountFaults = (accountId: string, rules: FaultRule[]): void => {
    release(faults.filter(({ rule }) => rule.accountId === accountId));
    faults = [
      ...faults.filter(({ rule }) => rule.accountId !== accountId),
      ...rules.map((rule) => activeRule({ ...rule, accountId })),
    ];
  };

  // GetMetricData answers rewritten (sandbox/metric-data-faults.ts), and the next pages they promised, by token.
  let metricDataFaults: ActiveMetricDataFault[] = [];
  const continuations = new Map<string, { accountId: string | undefined; rest: MetricDataAnswerJson; fault: ActiveMetricDataFault }>();
  const activeMetricDataFaults = (rules: MetricDataFault[], accountId?: string): ActiveMetricDataFault[] =>
    metricDataFaultsSchema.parse(rules).map((rule) => ({ ...rule, ...(accountId ? { accountId } : {}), remaining: rule.times, injected: 0, continued: 0 }));
  const setMetricDataFaults = (rules: MetricDataFault[], accountId?: string): void => {
    metricDataFaults = accountId
      ? [...metricDataFaults.filter((f) => f.accountId !== accountId), ...activeMetricDataFaults(rules, accountId)]
      : activeMetricDataFaults(rules);
  };

  // Alarm fields moto never answers (sandbox/alarm-transitions.ts), per account, as a test set them.
  const alarmTransitions = new Map<string, AlarmTransition[]>();
  const transitionsOf = (accountId: string | undefined): AlarmTransition[] => alarmTransitions.get(accountId ?? '') ?? [];

  /** The instance an RDS ModifyDBInstance names, per account and region (identifiers are case-insensitive in RDS). */
  const modifiedInstance = (described: RequestDescription, body: Buffer): string | undefined => {
    if (described.service !== 'rds' || described.operation !== 'ModifyDBInstance' || described.protocol !== 'query') return undefined;
    const id = new URLSearchParams(body.toString('utf8')).get('DBInstanceIdentifier');
    return id ? `${described.accountId ?? ''}|${described.region ?? DEFAULT_REGION}|${id.toLowerCase()}` : undefined;
  };
  /**
   * An rdsModifying rule's call that moto applied leaves its instance `modifying` while the rule is in force; with
   * rdsPending, its class change (from `classBefore`, the class moto had before the call) is shown pending.
   */
  const markModifying = (active: ActiveRule | undefined, described: RequestDescription, body: Buffer, status: number, classBefore?: string): void => {
    const instance = modifiedInstance(described, body);
    if (!active?.rule.rdsModifying || !instance || status !== 200) return;
    active.modifying.add(instance);
    const asked = new URLSearchParams(body.toString('utf8')).get('DBInstanceClass');
    if (active.rule.rdsPending && classBefore !== undefined && asked && asked !== classBefore) {
      active.pending.set(instance, { runningClass: classBefore, pendingClass: asked });
    }
  };
  /** The class moto gives the instance an rdsPending rule's call is about to modify (moto makes the change at once). */
  const classBeforeChange = async (active: ActiveRule | undefined, req: IncomingMessage, described: RequestDescription, body: Buffer): Promise<string | undefined> => {
    if (!active?.rule.rdsPending || modifiedInstance(described, body) === undefined) return undefined;
    const form = new URLSearchParams(body.toString('utf8'));
    const read = await forwardBuffered(
      req,
      Buffer.from(new URLSearchParams({ Action: 'DescribeDBInstances', Version: form.get('Version') ?? '2014-10-31', DBInstanceIdentifier: form.get('DBInstanceIdentifier') ?? '' }).toString(), 'utf8'),
      described.accountId,
    );
    return read.status === 200 ? /<DBInstanceClass>([^<]*)<\/DBInstanceClass>/.exec(read.body.toString('utf8'))?.[1] : undefined;
  };
  /** An RDS answer with the instances rdsPending rules hold mid-change shown so (sandbox/rds-pending-class.ts). */
  const withPendingChanges = (answer: CannedResponse, described: RequestDescription): CannedResponse => {
    if (answer.status !== 200 || !faults.some((active) => active.pending.size > 0)) return answer;
    const holders: ActiveRule[] = [];
    const { xml, shown } = withPendingClassChanges(answer.body.toString('utf8'), (id) => {
      const key = `${described.accountId ?? ''}|${described.region ?? DEFAULT_REGION}|${id.toLowerCase()}`;
      const holder = faults.find((active) => active.pending.has(key));
      if (holder) holders.push(holder);
      return holder?.pending.get(key);
    });
    if (shown === 0) return answer;
    if (described.operation === 'DescribeDBInstances') for (const holder of holders) holder.pendingShown += 1;
    return { ...answer, body: Buffer.from(xml, 'utf8') };
  };
  /** RDS's refusal of a ModifyDBInstance of an instance an rdsModifying rule left `modifying`; undefined for any other call. */
  const modifyingRefusal = (described: RequestDescription, body: Buffer): CannedResponse | undefined => {
    const instance = modifiedInstance(described, body);
    const holder = instance === undefined ? undefined : faults.find((active) => active.modifying.has(instance));
    if (!holder) return undefined;
    holder.refused += 1;
    return faultResponse(described.protocol, { status: 400, code: 'InvalidDBInstanceState', message: 'Database instance is not in available state.' });
  };

  const takeFault = (op: AwsOperation, region: string | undefined): ActiveRule | undefined => {
    const hit = faults.find(
      ({ rule, remaining }) =>
        remaining > 0 &&
        (rule.service === undefined || rule.service === op.service) &&
        (rule.operation === undefined || rule.operation === op.operation) &&
        (rule.accountId === undefined || rule.accountId === op.accountId) &&
        (rule.region === undefined || rule.region === region),
    );
    if (!hit) return undefined;
    hit.remaining -= 1;
    return hit;
  };

  // SDK clients on moto itself, in the caller's account and region, for answers the proxy composes.
  type MotoClient = LambdaClient | ElastiCacheClient | CloudWatchLogsClient | CloudWatchClient | IAMClient | SSMClient | EC2Client | RDSClient;
  const motoClients = new Map<string, MotoClient>();
  const clientOn = <C extends MotoClient>(
    kind: string,
    make: (config: ConstructorParameters<typeof LambdaClient>[0] & object) => C,
    described: RequestDescription,
  ): C => {
    const accessKeyId = described.accessKeyId ?? 'AKIAIOSFODNN7EXAMPLE';
    const region = described.region ?? DEFAULT_REGION;
    const key = `${kind}|${accessKeyId}|${region}|${described.accountId ?? ''}`;
    const cached = motoClients.get(key);
    if (cached) return cached as C;
    const client = make({
      endpoint: upstream.origin,
      region,
      credentials: { accessKeyId, secretAccessKey: 'sandbox' },
      maxAttempts: 1,
    });
    const accountId = described.accountId;
    if (accountId) {
      (client.middlewareStack as unknown as BuildStep).add(
        (next) => async (args) => {
          const request = args.request as { headers?: Record<string, string> };
          if (request.headers) request.headers[MOTO_ACCOUNT_HEADER] = accountId;
          return next(args);
        },
        { step: 'build', name: 'sandboxMotoAccountHeader' },
      );
    }
    motoClients.set(key, client);
    return client;
  };
  const lambdaFor = (described: RequestDescription): LambdaClient => clientOn('lambda', (config) => new LambdaClient(config), described);
  const elastiCacheFor = (described: RequestDescription): ElastiCacheClient =>
    clientOn('elasticache', (config) => new ElastiCacheClient(config), described);

  /** The log group a PutMetricFilter names, when it does not exist (DescribeLogGroups by prefix, the exact name looked for). */
  const missingLogGroup = async (body: Buffer, described: RequestDescription): Promise<string | undefined> => {
    const input = JSON.parse(body.toString('utf8') || '{}') as { logGroupName?: unknown };
    if (typeof input.logGroupName !== 'string' || input.logGroupName === '') return undefined;
    const name = input.logGroupName;
    const logs = clientOn('logs', (config) => new CloudWatchLogsClient(config), described);
    let nextToken: string | undefined;
    do {
      const page = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name, ...(nextToken ? { nextToken } : {}) }));
      if ((page.logGroups ?? []).some((g) => g.logGroupName === name)) return undefined;
      nextToken = page.nextToken;
    } while (nextToken);
    return name;
  };

  // moto 5.2.1 stores metric filters but never applies them to PutLogEvents: CloudWatch Logs' part is played here for
  // JSON patterns ("{ $.status = 504 }", see metric-filter-pattern.ts): each matching event becomes a datapoint (its
  // metricValue, dimensions read from the event) at the event's timestamp. Text patterns are left alone.
  const applyMetricFilters = async (body: Buffer, described: RequestDescription): Promise<void> => {
    const input = JSON.parse(body.toString('utf8') || '{}') as { logGroupName?: string; logEvents?: Array<{ timestamp?: number; message?: string }> };
    if (!input.logGroupName || !input.logEvents?.length) return;
    const logs = clientOn('logs', (config) => new CloudWatchLogsClient(config), described);
    const filters = (await logs.send(new DescribeMetricFiltersCommand({ logGroupName: input.logGroupName }))).metricFilters ?? [];
    const byNamespace = new Map<string, MetricDatum[]>();
    for (const filter of filters) {
      const parsed = parseJsonFilterPattern(filter.filterPattern ?? '');
      if (!parsed) continue;
      for (const event of input.logEvents) {
        const message = event.message ?? '';
        if (!matchesJsonFilter(parsed, message)) continue;
        for (const t of filter.metricTransformations ?? []) {
          const dimensions = dimensionValues(t.dimensions, message);
          if (!dimensions || !t.metricNamespace || !t.metricName) continue;
          const value = Number(t.metricValue ?? '1');
          const data = byNamespace.get(t.metricNamespace) ?? [];
          data.push({
            MetricName: t.metricName,
            Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
            Value: Number.isFinite(value) ? value : 1,
            Timestamp: new Date(event.timestamp ?? Date.now()),
            ...(t.unit ? { Unit: t.unit } : {}),
          });
          byNamespace.set(t.metricNamespace, data);
        }
      }
    }
    const cloudWatch = clientOn('cloudwatch', (config) => new CloudWatchClient(config), described);
    for (const [Namespace, data] of byNamespace) {
      // PutMetricData takes at most 1000 datums per call.
      for (let i = 0; i < data.length; i += 1000) await cloudWatch.send(new PutMetricDataCommand({ Namespace, MetricData: data.slice(i, i + 1000) }));
    }
  };

  // moto 5.2.1 answers GetAccountSettings with 404. ListFunctions there returns every function in one page
  // without Concurrency, so each function's reservation is read with GetFunctionConcurrency ({} when unset).
  const lambdaAccountSettings = async (described: RequestDescription): Promise<CannedResponse> => {
    const lambda = lambdaFor(described);
    const functions: { name: string; codeSize: number }[] = [];
    for await (const page of paginateListFunctions({ client: lambda }, {})) {
      for (const fn of page.Functions ?? []) {
        if (fn.FunctionName) functions.push({ name: fn.FunctionName, codeSize: fn.CodeSize ?? 0 });
      }
    }
    const reserved = await Promise.all(
      functions.map(async ({ name }) => {
        const out = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name }));
        return out.ReservedConcurrentExecutions ?? 0;
      }),
    );
    const reservedTotal = reserved.reduce((sum, n) => sum + n, 0);
    // Default Lambda quotas (Lambda "Lambda quotas" page): 75 GB storage, 250 MB unzipped, 50 MB zipped upload.
    return jsonResponse(200, {
      AccountLimit: {
        TotalCodeSize: 80530636800,
        CodeSizeUnzipped: 262144000,
        CodeSizeZipped: 52428800,
        ConcurrentExecutions: LAMBDA_CONCURRENT_EXECUTIONS_QUOTA,
        UnreservedConcurrentExecutions: LAMBDA_CONCURRENT_EXECUTIONS_QUOTA - reservedTotal,
      },
      AccountUsage: {
        TotalCodeSize: functions.reduce((sum, fn) => sum + fn.codeSize, 0),
        FunctionCount: functions.length,
      },
    });
  };

  // moto 5.2.1, CreateReplicationGroup with cluster mode disabled: it ignores NumCacheClusters (one node unless
  // ReplicasPerNodeGroup is given), and DescribeCacheClusters then knows none of the group's node clusters
  // (CacheClusterNotFound). The request goes on with ReplicasPerNodeGroup = NumCacheClusters - 1, and each member the
  // group reports is registered as its cache cluster (CreateCacheCluster with the group's id, type, engine, zone).
  const elastiCacheReplicationGroup = async (req: IncomingMessage, body: Buffer, described: RequestDescription): Promise<CannedResponse> => {
    const form = new URLSearchParams(body.toString('utf8'));
    const numCacheClusters = Number(form.get('NumCacheClusters') ?? '');
    if (Number.isInteger(numCacheClusters) && numCacheClusters > 1 && !form.has('ReplicasPerNodeGroup') && form.get('ClusterMode') !== 'enabled') {
      form.set('ReplicasPerNodeGroup', String(numCacheClusters - 1));
    }
    const answer = await forwardBuffered(req, Buffer.from(form.toString(), 'utf8'), described.accountId);
    if (answer.status !== 200) return answer;
    const groupId = form.get('ReplicationGroupId') ?? '';
    const elastiCache = elastiCacheFor(described);
    const described0 = await elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: groupId }));
    const group = described0.ReplicationGroups?.[0];
    const securityGroupIds = [...form.entries()].filter(([name]) => /^SecurityGroupIds\.SecurityGroupId\.\d+$/.test(name)).map(([, id]) => id);
    for (const member of (group?.NodeGroups ?? []).flatMap((g) => g.NodeGroupMembers ?? [])) {
      if (!member.CacheClusterId) continue;
      await elastiCache.send(
        new CreateCacheClusterCommand({
          CacheClusterId: member.CacheClusterId,
          ReplicationGroupId: groupId,
          CacheNodeType: group?.CacheNodeType,
          Engine: form.get('Engine') ?? 'redis',
          ...(form.get('EngineVersion') ? { EngineVersion: form.get('EngineVersion') ?? undefined } : {}),
          ...(form.get('CacheSubnetGroupName') ? { CacheSubnetGroupName: form.get('CacheSubnetGroupName') ?? undefined } : {}),
          ...(securityGroupIds.length ? { SecurityGroupIds: securityGroupIds } : {}),
          ...(member.PreferredAvailabilityZone ? { PreferredAvailabilityZone: member.PreferredAvailabilityZone } : {}),
          ...(group?.NodeGroups?.[0]?.PrimaryEndpoint?.Port ? { Port: group.NodeGroups[0].PrimaryEndpoint.Port } : {}),
        }),
      );
    }
    return answer;
  };

  // moto 5.2.1 PromoteReadReplica promotes anything, a standalone instance or one promoted already (RDS refuses both with
  // InvalidDBInstanceState), and leaves ReadReplicaSourceDBInstanceIdentifier on the promoted instance (and it in its
  // source's ReadReplicaDBInstanceIdentifiers), so a promoted instance still reads as a replica. The proxy refuses what
  // RDS refuses, remembers each promotion it let through, and drops those links from RDS answers that carry them.
  const promotedInstances = new Set<string>();
  const promotedKey = (described: RequestDescription, id: string): string => `${described.accountId ?? ''}|${described.region ?? DEFAULT_REGION}|${id}`;
  const promotedArns = new Set<string>();
  const withoutPromotedLinks = (answer: CannedResponse, described: RequestDescription): CannedResponse => {
    if (answer.status !== 200 || (promotedInstances.size === 0 && promotedArns.size === 0)) return answer;
    let xml = answer.body.toString('utf8');
    xml = xml.replace(/<DBInstance>([\s\S]*?)<\/DBInstance>/g, (block: string) => {
      const id = /<DBInstanceIdentifier>([^<]*)<\/DBInstanceIdentifier>/.exec(block)?.[1] ?? '';
      let out = promotedInstances.has(promotedKey(described, id))
        ? block.replace(/<ReadReplicaSourceDBInstanceIdentifier>[^<]*<\/ReadReplicaSourceDBInstanceIdentifier>/g, '')
        : block;
      // The source's list of replicas (same-region ids, cross-region ARNs): a promoted instance is no longer one of them.
      out = out.replace(/<ReadReplicaDBInstanceIdentifiers>([\s\S]*?)<\/ReadReplicaDBInstanceIdentifiers>/, (list: string, inner: string) =>
        `<ReadReplicaDBInstanceIdentifiers>${inner.replace(/<(member|ReadReplicaDBInstanceIdentifier)>([^<]*)<\/\1>/g, (member: string, _tag: string, value: string) =>
          promotedArns.has(value) || promotedInstances.has(promotedKey(described, value)) ? '' : member,
        )}</ReadReplicaDBInstanceIdentifiers>`,
      );
      return out;
    });
    return { ...answer, body: Buffer.from(xml, 'utf8') };
  };
  // moto 5.2.1 answers one DbiResourceId for every instance, so a document that checks which instance it is by that id
  // (FailbackToPrimary's verifyServingIsFailback) could not fail here. On RDS it is unique per instance and immutable,
  // kept by a rename (RDS API reference, DBInstance.DbiResourceId; "Renaming a DB instance"). The proxy gives each
  // instance its own, at first sight of its identifier in an RDS answer, moves it with a rename the proxy lets through,
  // and drops it when the instance is deleted (a new instance under that name is another instance).
  const resourceIds = new Map<string, string>();
  const resourceIdOf = (described: RequestDescription, id: string): string => {
    const key = promotedKey(described, id.toLowerCase());
    let own = resourceIds.get(key);
    if (!own) {
      own = `db-${randomUUID().replace(/-/g, '').toUpperCase().slice(0, 26)}`;
      resourceIds.set(key, own);
    }
    return own;
  };
  const withOwnResourceIds = (answer: CannedResponse, described: RequestDescription): CannedResponse => {
    if (answer.status !== 200) return answer;
    const xml = answer.body.toString('utf8');
    if (!xml.includes('<DbiResourceId>')) return answer;
    const rewritten = xml.replace(/<DBInstance>([\s\S]*?)<\/DBInstance>/g, (block: string) => {
      const id = /<DBInstanceIdentifier>([^<]*)<\/DBInstanceIdentifier>/.exec(block)?.[1];
      return id ? block.replace(/<DbiResourceId>[^<]*<\/DbiResourceId>/g, `<DbiResourceId>${resourceIdOf(described, id)}</DbiResourceId>`) : block;
    });
    return { ...answer, body: Buffer.from(rewritten, 'utf8') };
  };
  /** Every RDS answer as RDS would give it: promoted instances without their replication links, each instance its own id. */
  const rdsAnswer = (answer: CannedResponse, described: RequestDescription): CannedResponse =>
    withPendingChanges(withOwnResourceIds(withoutPromotedLinks(answer, described), described), described);
  const rdsPromotion = async (req: IncomingMessage, received: Buffer, described: RequestDescription): Promise<CannedResponse> => {
    const form = new URLSearchParams(received.toString('utf8'));
    const id = form.get('DBInstanceIdentifier') ?? '';
    // RDS's BackupRetentionPeriod when the request gives none is 1 day (PromoteReadReplica, "Default: 1"); moto keeps the
    // replica's (a copy of its source's), so a promotion without it would read back the primary's retention here (R23b-7).
    if (!form.has('BackupRetentionPeriod')) form.set('BackupRetentionPeriod', '1');
    const body = Buffer.from(form.toString(), 'utf8');
    const read = await forwardBuffered(
      req,
      Buffer.from(new URLSearchParams({ Action: 'DescribeDBInstances', Version: form.get('Version') ?? '2014-10-31', DBInstanceIdentifier: id }).toString(), 'utf8'),
      described.accountId,
    );
    // Not found (or any other refusal): moto's own answer to the promotion says so.
    if (read.status !== 200) return forwardBuffered(req, body, described.accountId);
    const isReplica = /<ReadReplicaSourceDBInstanceIdentifier>[^<]+<\/ReadReplicaSourceDBInstanceIdentifier>/.test(read.body.toString('utf8'));
    if (!isReplica || promotedInstances.has(promotedKey(described, id))) {
      return faultResponse(described.protocol, { status: 400, code: 'InvalidDBInstanceState', message: `DB Instance ${id} is not a read replica.` });
    }
    const answer = await forwardBuffered(req, body, described.accountId);
    if (answer.status === 200) {
      promotedInstances.add(promotedKey(described, id));
      const arn = /<DBInstanceArn>([^<]*)<\/DBInstanceArn>/.exec(answer.body.toString('utf8'))?.[1];
      if (arn) promotedArns.add(arn);
    }
    return rdsAnswer(answer, described);
  };
  // A cross-Region read replica placed and encrypted as RDS does (sandbox/rds-cross-region-replica.ts): refused without
  // KmsKeyId from an encrypted source, in the caller's region's DB subnet group (or the default VPC's), behind the
  // security groups asked (or that VPC's default group), single-AZ unless asked; answered as the instance then is.
  const rdsCrossRegionReplica = async (req: IncomingMessage, form: URLSearchParams, described: RequestDescription, sourceRegion: string): Promise<CannedResponse> => {
    const rds = clientOn('rds', (config) => new RDSClient(config), described);
    const plan = await planCrossRegionReplica(form, {
      rds,
      sourceRds: clientOn('rds', (config) => new RDSClient(config), { ...described, region: sourceRegion }),
      ec2: clientOn('ec2', (config) => new EC2Client(config), described),
    });
    if ('refusal' in plan) return faultResponse(described.protocol, plan.refusal);
    const answer = await forwardBuffered(req, Buffer.from(plan.forward.toString(), 'utf8'), described.accountId);
    if (answer.status !== 200) return rdsAnswer(answer, described);
    await placeCrossRegionReplica(plan.place, rds);
    const read = await forwardBuffered(
      req,
      Buffer.from(new URLSearchParams({ Action: 'DescribeDBInstances', Version: form.get('Version') ?? '2014-10-31', DBInstanceIdentifier: plan.place.identifier }).toString(), 'utf8'),
      described.accountId,
    );
    const placed = /<DBInstance>[\s\S]*?<\/DBInstance>/.exec(read.body.toString('utf8'))?.[0];
    const body = placed ? answer.body.toString('utf8').replace(/<DBInstance>[\s\S]*?<\/DBInstance>/, () => placed) : answer.body.toString('utf8');
    return rdsAnswer({ ...answer, body: Buffer.from(body, 'utf8') }, described);
  };
  // A rename (ModifyDBInstance NewDBInstanceIdentifier, as FailbackToPrimary does). moto 5.2.1 renames onto an existing
  // name by silently replacing that instance; RDS refuses ("You cannot use an existing DB instance name when renaming",
  // RDS User Guide, "Renaming a DB instance"), and so does the proxy. A promoted instance stays promoted under its new
  // name: the mark follows the rename, or moto's leftover replication link would come back under the new name.
  const rdsRename = async (req: IncomingMessage, body: Buffer, described: RequestDescription): Promise<CannedResponse> => {
    const form = new URLSearchParams(body.toString('utf8'));
    const [from, to] = [form.get('DBInstanceIdentifier') ?? '', (form.get('NewDBInstanceIdentifier') ?? '').toLowerCase()];
    const taken = await forwardBuffered(
      req,
      Buffer.from(new URLSearchParams({ Action: 'DescribeDBInstances', Version: form.get('Version') ?? '2014-10-31', DBInstanceIdentifier: to }).toString(), 'utf8'),
      described.accountId,
    );
    if (taken.status === 200 && to !== from.toLowerCase()) {
      return faultResponse(described.protocol, { status: 400, code: 'DBInstanceAlreadyExists', message: `DB instance already exists: ${to}` });
    }
    const own = resourceIdOf(described, from);
    const answer = await forwardBuffered(req, body, described.accountId);
    if (answer.status === 200 && to) {
      resourceIds.delete(promotedKey(described, from.toLowerCase()));
      resourceIds.set(promotedKey(described, to), own);
    }
    if (answer.status === 200 && to && promotedInstances.delete(promotedKey(described, from))) {
      promotedInstances.add(promotedKey(described, to));
      const arn = /<DBInstanceArn>([^<]*)<\/DBInstanceArn>/.exec(answer.body.toString('utf8'))?.[1];
      if (arn) promotedArns.add(arn);
    }
    return rdsAnswer(answer, described);
  };

  // moto 5.2.1's DescribeAlarmsForMetric matches the namespace and metric name only: the alarms moto finds on them are
  // filtered as CloudWatch filters them (Dimensions as an exact set, Statistic, ExtendedStatistic, Period, Unit:
  // sandbox/alarms-for-metric.ts) and answered in the request's own protocol (Query, JSON or CBOR, which moto lacks).
  const describeAlarmsForMetric = async (req: IncomingMessage, body: Buffer, described: RequestDescription & { protocol: 'query' | 'json' | 'rpcv2-cbor' }): Promise<CannedResponse> => {
    let query;
    try {
      query = readAlarmsForMetricRequest(described.protocol, body, splitPath(req.url ?? '/').query);
    } catch (error) {
      if (!(error instanceof AlarmsForMetricRequestError)) throw error;
      return faultResponse(described.protocol, { status: 400, code: error.code, message: error.message });
    }
    const cloudWatch = clientOn('cloudwatch', (config) => new CloudWatchClient(config), described);
    let onMetric;
    try {
      onMetric = await cloudWatch.send(new DescribeAlarmsForMetricCommand({ Namespace: query.Namespace, MetricName: query.MetricName }));
    } catch (error) {
      // moto's own refusal, passed on in the caller's protocol.
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (!(error instanceof Error) || status === undefined || status < 400 || status > 599) throw error;
      return faultResponse(described.protocol, { status, code: error.name, message: error.message });
    }
    const transitions = transitionsOf(described.accountId);
    const alarms = alarmsForMetric(onMetric.MetricAlarms ?? [], query).map((alarm) => withTransition(alarm, transitions));
    const answer = alarmsForMetricAnswer(described.protocol, alarms, randomUUID());
    return { status: 200, ...answer };
  };

  const iamFor = (described: RequestDescription): IAMClient => clientOn('iam', (config) => new IAMClient(config), described);

  const reply = (described: RequestDescription, answer: GapReply): CannedResponse => {
    if ('error' in answer) return faultResponse(described.protocol, { ...answer.error, status: answer.status });
    if ('xml' in answer) return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() }, body: Buffer.from(answer.xml) };
    return jsonResponse(200, answer.json);
  };

  const gapAnswer = (described: RequestDescription, body: Buffer): Promise<CannedResponse> | undefined => {
    // runbook preflight's calls (sandbox/preflight-gaps.ts): moto 5.2.1 lacks all four.
    if (described.service === 'iam' && described.operation === 'SimulatePrincipalPolicy') {
      return simulatePrincipalPolicy(body.toString('utf8'), (role) => rolePolicies(iamFor(described), role)).then((answer) => reply(described, answer));
    }
    if (described.service === 'iam' && described.operation === 'SimulateCustomPolicy') {
      return Promise.resolve(reply(described, simulateCustomPolicy(body.toString('utf8'))));
    }
    if (described.service === 'events' && described.operation === 'TestEventPattern') {
      return Promise.resolve(reply(described, testEventPattern(body.toString('utf8'))));
    }
    if (described.service === 'support' && described.operation === 'DescribeSeverityLevels') {
      return Promise.resolve(reply(described, describeSeverityLevels()));
    }
    if (described.service === 'lambda' && described.operation === 'GetAccountSettings') {
      return lambdaAccountSettings(described);
    }
    // moto 5.2.1 has no ListDocumentVersions: composed from moto's DescribeDocument of each version (decision 233).
    if (described.service === 'ssm' && described.operation === 'ListDocumentVersions') {
      return listDocumentVersions(body.toString('utf8'), clientOn('ssm', (config) => new SSMClient(config), described)).then((answer) => reply(described, answer));
    }
    // moto 5.2.1 has no AddCommunicationToCase (it answers 500): accept it as AWS does, {"result": true}.
    if (described.service === 'support' && described.operation === 'AddCommunicationToCase') {
      return Promise.resolve(jsonResponse(200, { result: true }));
    }
    return undefined;
  };

  const control = async (req: IncomingMessage, body: Buffer): Promise<CannedResponse> => {
    const { pathname, query } = splitPath(req.url ?? '/');
    const what = `${req.method ?? 'GET'} ${pathname.slice(CONTROL_PREFIX.length).replace(/\/$/, '')}`;
    const accountId = query.get('accountId') ?? undefined;
    if (accountId !== undefined && !/^\d{12}$/.test(accountId)) {
      return jsonResponse(400, { message: `accountId must be 12 digits, got "${accountId}"` });
    }
    switch (what) {
      case 'POST faults': {
        let json: unknown;
        try {
          json = JSON.parse(body.toString('utf8') || '[]');
        } catch (error) {
          return jsonResponse(400, { message: `fault rules are not JSON: ${String(error)}` });
        }
        const parsed = faultRulesSchema.safeParse(json);
        if (!parsed.success) return jsonResponse(400, { message: z.prettifyError(parsed.error) });
        if (accountId) setAccountFaults(accountId, parsed.data);
        else setFaults(parsed.data);
        return jsonResponse(200, { faults: faults.length });
      }
      case 'GET faults':
        return jsonResponse(200, {
          faults: faults.map(({ rule, remaining, held, refused, pendingShown }) => ({
            ...rule,
            remaining,
            held: held.length,
            ...(rule.rdsModifying ? { refused } : {}),
            ...(rule.rdsPending ? { pendingShown } : {}),
          })),
        });
      case 'DELETE faults':
        if (accountId) setAccountFaults(accountId, []);
        else setFaults([]);
        return jsonResponse(200, { faults: faults.length });
      case 'POST faults/release':
        return jsonResponse(200, { released: release(faults.filter(({ rule }) => accountId === undefined || rule.accountId === accountId)) });
      case 'POST metric-data-faults': {
        let json: unknown;
        try {
          json = JSON.parse(body.toString('utf8') || '[]');
        } catch (error) {
          return jsonResponse(400, { message: `metric data fault rules are not JSON: ${String(error)}` });
        }
        const parsed = metricDataFaultsSchema.safeParse(json);
        if (!parsed.success) return jsonResponse(400, { message: z.prettifyError(parsed.error) });
        setMetricDataFaults(parsed.data, accountId);
        return jsonResponse(200, { faults: metricDataFaults.length });
      }
      case 'GET metric-data-faults':
        return jsonResponse(200, { faults: metricDataFaults.filter((f) => accountId === undefined || f.accountId === accountId) });
      case 'DELETE metric-data-faults':
        setMetricDataFaults([], accountId);
        return jsonResponse(200, { faults: metricDataFaults.length });
      case 'POST alarm-transitions': {
        let json: unknown;
        try {
          json = JSON.parse(body.toString('utf8') || '[]');
        } catch (error) {
          return jsonResponse(400, { message: `alarm transitions are not JSON: ${String(error)}` });
        }
        const parsed = alarmTransitionsSchema.safeParse(json);
        if (!parsed.success) return jsonResponse(400, { message: z.prettifyError(parsed.error) });
        alarmTransitions.set(accountId ?? '', parsed.data);
        return jsonResponse(200, { transitions: parsed.data.length });
      }
      case 'DELETE alarm-transitions':
        alarmTransitions.delete(accountId ?? '');
        return jsonResponse(200, { transitions: 0 });
      case 'GET calls': {
        const since = Number(query.get('since') ?? '0');
        return jsonResponse(200, { total: calls.length, calls: calls.slice(Number.isInteger(since) && since > 0 ? since : 0) });
      }
      case 'DELETE calls':
        calls.length = 0;
        return jsonResponse(200, { total: 0 });
      default:
        return jsonResponse(404, { message: `unknown sandbox control request: ${what}` });
    }
  };

  const dynamoGate = dynamoTransactionGates();

  // moto keeps one policy per function, shared with its versions and aliases: theirs are kept here
  // (sandbox/lambda-qualified-policies.ts, review 20b R20-22).
  const qualifiedPolicies = new QualifiedPolicies();
  const qualifiedPolicyAnswer = (req: IncomingMessage, body: Buffer, described: RequestDescription): Promise<CannedResponse> | undefined => {
    const { pathname, query } = splitPath(req.url ?? '/');
    const request = { operation: described.operation, accountId: described.accountId ?? '', region: described.region ?? DEFAULT_REGION, pathname, qualifier: query.get('Qualifier') };
    if ((described.operation === 'DeleteFunction' && request.qualifier) || described.operation === 'DeleteAlias') {
      const alias = described.operation === 'DeleteAlias' ? decodeURIComponent(pathname.split('/aliases/')[1] ?? '') : request.qualifier;
      return forwardBuffered(req, body, described.accountId).then((answer) => {
        if (answer.status >= 200 && answer.status < 300) qualifiedPolicies.forget({ ...request, qualifier: alias });
        return answer;
      });
    }
    if (qualifiedPolicies.keyOf(request) === undefined) return undefined;
    const exists = (): Promise<boolean> =>
      lambdaFor(described)
        .send(new GetFunctionConfigurationCommand({ FunctionName: functionNameOfPath(pathname) ?? '', Qualifier: request.qualifier ?? undefined }))
        .then(
          () => true,
          () => false,
        );
    return qualifiedPolicies.answer({ ...request, body: body.toString('utf8') }, exists).then((answer) => reply(described, answer));
  };

  // moto keeps no RevisionId on a function and ignores one on an update: kept here (sandbox/lambda-revisions.ts).
  const lambdaRevisions = new LambdaRevisions();
  const revisionOfRequest = (req: IncomingMessage, described: RequestDescription) => {
    const { pathname, query } = splitPath(req.url ?? '/');
    return lambdaRevisions.functionOf({ operation: described.operation, accountId: described.accountId, region: described.region, pathname, qualifier: query.get('Qualifier') });
  };
  const lambdaRevision = async (req: IncomingMessage, body: Buffer, described: RequestDescription): Promise<CannedResponse | undefined> => {
    const fn = revisionOfRequest(req, described);
    if (!fn) {
      // A session moto issued (AssumeRole: the workload's preflight or remediation role) names no account the proxy
      // knows; moto does. Its revision is not kept, but a read's VpcConfig.VpcId is filled all the same (the preflight
      // NAT zone check reads the consumer's VPC through the workload's preflight role: review 23b R23b-3).
      if (described.accountId === undefined && (described.operation === 'GetFunctionConfiguration' || described.operation === 'GetFunction')) {
        const answer = await forwardBuffered(req, body, undefined);
        return answer.status >= 200 && answer.status < 300 ? realVpcId(described, answer) : answer;
      }
      return undefined;
    }
    if (fn.kind === 'update') {
      let sent: { RevisionId?: unknown } = {};
      try {
        sent = JSON.parse(body.toString('utf8') || '{}') as { RevisionId?: unknown };
      } catch {
        // Not JSON: moto answers it as it would.
      }
      const stale = lambdaRevisions.staleRevision(fn.key, sent.RevisionId);
      if (stale) return faultResponse(described.protocol, { status: 412, code: 'PreconditionFailedException', message: stale });
    }
    const answer = await forwardBuffered(req, body, described.accountId);
    if (answer.status < 200 || answer.status >= 300) return answer;
    if (fn.kind !== 'read') lambdaRevisions.renew(fn.key);
    return fn.kind === 'delete' ? answer : realVpcId(described, { ...answer, body: withRevision(described.operation, answer.body, lambdaRevisions.revisionOf(fn.key)) });
  };
  // moto takes and answers no LoggingConfig (sandbox/lambda-logging-config.ts): kept here, put back in the answers.
  const loggingConfigs = new LambdaLoggingConfigs();
  const loggingActionOf = (req: IncomingMessage, body: Buffer, described: RequestDescription): LoggingConfigAction | undefined => {
    const { pathname, query } = splitPath(req.url ?? '/');
    return loggingConfigs.actionOf({ operation: described.operation, accountId: described.accountId, region: described.region, pathname, qualifier: query.get('Qualifier'), body: body.toString('utf8') });
  };
  const withLogging = (described: RequestDescription, action: LoggingConfigAction, answer: CannedResponse): CannedResponse => {
    if (answer.status < 200 || answer.status >= 300) return answer;
    loggingConfigs.accepted(action);
    return action.kind === 'delete' ? answer : { ...answer, body: withLoggingConfig(described.operation, answer.body, loggingConfigs.answerOf(action)) };
  };
  // moto answers VpcConfig.VpcId with a placeholder (sandbox/lambda-vpc-id.ts): the VPC of the function's first subnet,
  // as EC2 (moto) has it, is put there instead; a subnet moto does not know leaves the answer as it was.
  const realVpcId = async (described: RequestDescription, answer: CannedResponse): Promise<CannedResponse> => {
    const subnetId = vpcConfigSubnet(described.operation, answer.body);
    if (!subnetId) return answer;
    const ec2 = clientOn('ec2', (config) => new EC2Client(config), described);
    const vpcId = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] })).then(
      (out) => out.Subnets?.[0]?.VpcId,
      () => undefined,
    );
    return vpcId ? { ...answer, body: withVpcId(described.operation, answer.body, vpcId) } : answer;
  };

  /**
   * GetMetricData while a rule or a promised next page is pending: a request naming a token the proxy handed out gets
   * the rest of that answer (moto never sees it); any other goes to moto, and its answer is rewritten by the first rule
   * of its account that names one of its series.
   */
  const metricDataAnswer = async (req: IncomingMessage, body: Buffer, described: RequestDescription): Promise<CannedResponse> => {
    let sent: { NextToken?: unknown } = {};
    try {
      sent = JSON.parse(body.toString('utf8') || '{}') as { NextToken?: unknown };
    } catch {
      // Not JSON: moto answers it as it would.
    }
    if (typeof sent.NextToken === 'string' && sent.NextToken.startsWith(SANDBOX_TOKEN_PREFIX)) {
      const stored = continuations.get(sent.NextToken);
      if (!stored || stored.accountId !== described.accountId) {
        return faultResponse(described.protocol, { status: 400, code: 'InvalidNextToken', message: 'The service returned an invalid NextToken' });
      }
      continuations.delete(sent.NextToken);
      stored.fault.continued += 1;
      return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() }, body: Buffer.from(JSON.stringify(stored.rest)) };
    }
    const answer = await forwardBuffered(req, body, described.accountId);
    const fault = metricDataFaults.find((f) => f.remaining > 0 && (f.accountId === undefined || f.accountId === described.accountId));
    const parsed = fault && answer.status === 200 ? parseMetricDataAnswer(answer.body.toString('utf8')) : undefined;
    if (!fault || !parsed) return answer;
    const token = `${SANDBOX_TOKEN_PREFIX}${randomUUID()}`;
    const rewritten = rewriteMetricData(parsed, fault, token);
    if (!rewritten) return answer;
    fault.remaining -= 1;
    fault.injected += 1;
    if (rewritten.rest) continuations.set(token, { accountId: described.accountId, rest: rewritten.rest, fault });
    return { ...answer, body: Buffer.from(JSON.stringify(rewritten.page)) };
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, accountId: string | undefined, dropAnswer = false): void => {
    const headers: string[] = [];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i] ?? '';
      if (!HOP_BY_HOP.has(name.toLowerCase())) headers.push(name, req.rawHeaders[i + 1] ?? '');
    }
    // moto's only per-request account selector: see sandbox/credentials.ts.
    if (accountId && req.headers[MOTO_ACCOUNT_HEADER] === undefined) headers.push(MOTO_ACCOUNT_HEADER, accountId);
    if (req.headers['content-length'] === undefined) headers.push('content-length', String(body.length));

    const upstreamReq = httpRequest(
      { protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (upstreamRes) => {
        if (dropAnswer) {
          upstreamRes.resume();
          res.destroy();
          return;
        }
        const responseHeaders: string[] = [];
        const raw = upstreamRes.rawHeaders;
        for (let i = 0; i + 1 < raw.length; i += 2) {
          const name = raw[i] ?? '';
          if (!HOP_BY_HOP.has(name.toLowerCase())) responseHeaders.push(name, raw[i + 1] ?? '');
        }
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, responseHeaders);
        upstreamRes.pipe(res);
        upstreamRes.once('error', (error) => res.destroy(error));
      },
    );
    upstreamReq.once('error', (error) => {
      if (res.headersSent) {
        res.destroy(error);
        return;
      }
      send(res, jsonResponse(502, { message: `sandbox gap proxy: upstream ${upstream.origin} failed: ${error.message}` }));
    });
    upstreamReq.end(body);
  };

  /** Forwards a (possibly rewritten) request to moto and returns its whole answer, for gaps that act on it. */
  const forwardBuffered = (req: IncomingMessage, body: Buffer, accountId: string | undefined, path = req.url): Promise<CannedResponse> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i] ?? '';
        if (!HOP_BY_HOP.has(name.toLowerCase()) && name.toLowerCase() !== 'content-length') headers[name] = req.rawHeaders[i + 1] ?? '';
      }
      if (accountId && req.headers[MOTO_ACCOUNT_HEADER] === undefined) headers[MOTO_ACCOUNT_HEADER] = accountId;
      headers['content-length'] = String(body.length);
      const upstreamReq = httpRequest(
        { protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, method: req.method, path, headers },
        (upstreamRes) => {
          readBody(upstreamRes)
            .then((answer) => {
              const responseHeaders: Record<string, string> = {};
              for (const [name, value] of Object.entries(upstreamRes.headers)) {
                if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'content-length') responseHeaders[name] = Array.isArray(value) ? value.join(',') : value;
              }
              resolve({ status: upstreamRes.statusCode ?? 502, headers: responseHeaders, body: answer });
            })
            .catch(reject);
        },
      );
      upstreamReq.once('error', reject);
      upstreamReq.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const path = req.url ?? '/';
    if (path.startsWith(CONTROL_PREFIX)) {
      send(res, await control(req, body));
      return;
    }
    const isForm = (req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded');
    const described = describeRequest({
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body: isForm ? body.toString('utf8') : '',
    });
    const operation: AwsOperation = { service: described.service, operation: described.operation };
    if (described.accountId) operation.accountId = described.accountId;
    if ((described.service === 'sts' || described.service === 'rds') && described.protocol === 'query' && isForm) {
      operation.parameters = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    }
    calls.push(operation);

    if (outage.active) {
      res.destroy();
      return;
    }
    const { after } = outage;
    if (after && Object.entries(after).every(([key, value]) => operation[key as keyof AwsOperation] === value)) {
      outage = { active: true };
      // The update reaches moto, only its answer is lost: the function's revision is renewed all the same.
      const updated = described.service === 'lambda' ? revisionOfRequest(req, described) : undefined;
      if (updated && updated.kind !== 'read') lambdaRevisions.renew(updated.key);
      const logging = described.service === 'lambda' ? loggingActionOf(req, body, described) : undefined;
      if (logging && logging.kind !== 'read') loggingConfigs.accepted(logging);
      forward(req, res, body, described.accountId, true);
      return;
    }
    // An instance an rdsModifying rule left `modifying`: RDS refuses its next modification (moto would apply it).
    const refusedModification = isForm ? modifyingRefusal(described, body) : undefined;
    if (refusedModification) {
      send(res, refusedModification);
      return;
    }
    const active = takeFault(operation, described.region);
    const fault = active?.rule;
    if (active && fault?.hold) {
      await new Promise<void>((go) => active.held.push(go));
      // Let go, the call reaches RDS only now: an instance another call left `modifying` meanwhile refuses it.
      const refusedWhenLetGo = isForm ? modifyingRefusal(described, body) : undefined;
      if (refusedWhenLetGo) {
        send(res, refusedWhenLetGo);
        return;
      }
    }
    // Applied by moto, answered by nobody: moto's answer is read and dropped before the delay and the failure below.
    if (fault?.answerLost) {
      const classBefore = await classBeforeChange(active, req, described, body);
      markModifying(active, described, body, (await forwardBuffered(req, body, described.accountId)).status, classBefore);
    }
    if (fault?.latencyMs !== undefined) {
      if (req.headers[VIRTUAL_CLOCK_HEADER] === 'virtual') res.setHeader(LATENCY_HEADER, String(fault.latencyMs));
      else await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
    }
    if (fault?.trickleMs !== undefined) {
      if (req.headers[VIRTUAL_CLOCK_HEADER] === 'virtual') res.setHeader(TRICKLE_HEADER, String(fault.trickleMs));
      else trickleAnswer(res, fault.trickleMs);
    }
    if (fault?.status !== undefined && fault.code !== undefined) {
      send(res, faultResponse(described.protocol, { status: fault.status, code: fault.code, ...(fault.message === undefined ? {} : { message: fault.message }) }));
      return;
    }
    if (fault?.answerLost) {
      res.destroy();
      return;
    }
    // moto pages and filters no DescribeCases (sandbox/support-cases-gap.ts): its whole answer, paged and filtered as AWS would.
    if (described.service === 'support' && described.operation === 'DescribeCases') {
      const answer = await forwardBuffered(req, body, described.accountId);
      send(res, answer.status === 200 ? reply(described, describeCasesPage(body.toString('utf8'), answer.body.toString('utf8'))) : answer);
      return;
    }
    if (
      described.service === 'monitoring' &&
      described.operation === 'GetMetricData' &&
      described.protocol === 'json' &&
      (metricDataFaults.some((f) => f.remaining > 0) || continuations.size > 0)
    ) {
      send(res, await metricDataAnswer(req, body, described));
      return;
    }
    // moto 5.2.1's put_metric_filter stores a filter on a log group that does not exist; CloudWatch Logs refuses it with
    // 400 ResourceNotFoundException "The specified log group does not exist." (review 22a, R22a-5: the DR standby
    // consumer's group is missing until it first runs, and a stack putting a filter there rolls back).
    if (described.service === 'logs' && described.operation === 'PutMetricFilter') {
      const missing = await missingLogGroup(body, described);
      if (missing) {
        send(res, faultResponse(described.protocol, { status: 400, code: 'ResourceNotFoundException', message: 'The specified log group does not exist.' }));
        return;
      }
    }
    if (described.service === 'logs' && described.operation === 'PutLogEvents') {
      const answer = await forwardBuffered(req, body, described.accountId);
      if (answer.status === 200) {
        // The events are stored either way; a filter that cannot be applied is reported, not turned into a failed put.
        await applyMetricFilters(body, described).catch((error: unknown) => console.error(`sandbox gap proxy: metric filters not applied: ${String(error)}`));
      }
      send(res, answer);
      return;
    }
    // moto 5.2.1 publishes no AWS/SQS metric: NumberOfMessagesDeleted (the DR documents' verifyConsumersSucceed reads it,
    // review 16, R16-4) and NumberOfMessagesSent (preflight's dead-letter age bound reads it, review 18, R18-5) are SQS's
    // part, played here for every delete and send moto answered, whoever made it, before the answer goes back (AWS
    // publishes them within minutes; a test reads them at once).
    const countedMetric = described.service === 'sqs' ? SQS_COUNTED_CALLS.get(described.operation) : undefined;
    if (countedMetric) {
      const answer = await forwardBuffered(req, body, described.accountId);
      const call = { operation: described.operation, protocol: described.protocol, path, requestBody: body.toString('utf8'), status: answer.status, responseBody: answer.body.toString('utf8') };
      const messages = countedMetric === SQS_SENT_METRIC ? messagesSent(call) : messagesDeleted(call);
      if (messages) {
        const cloudWatch = clientOn('cloudwatch', (config) => new CloudWatchClient(config), described);
        // The messages are deleted (or added) either way; a datapoint that cannot be written is reported, not turned into a failed call.
        await cloudWatch
          .send(
            new PutMetricDataCommand({
              Namespace: countedMetric.namespace,
              MetricData: [{ MetricName: countedMetric.metricName, Dimensions: [{ Name: 'QueueName', Value: messages.queueName }], Value: messages.count, Unit: 'Count' }],
            }),
          )
          .catch((error: unknown) => console.error(`sandbox gap proxy: ${countedMetric.metricName} not published: ${String(error)}`));
      }
      send(res, answer);
      return;
    }
    if (described.service === 'elasticache' && described.operation === 'CreateReplicationGroup') {
      send(res, await elastiCacheReplicationGroup(req, body, described));
      return;
    }
    if (described.service === 'rds' && described.operation === 'CreateDBInstanceReadReplica' && isForm) {
      const form = new URLSearchParams(body.toString('utf8'));
      const sourceRegion = regionOfRdsArn(form.get('SourceDBInstanceIdentifier') ?? '');
      if (sourceRegion !== undefined && sourceRegion !== (described.region ?? DEFAULT_REGION)) {
        send(res, await rdsCrossRegionReplica(req, form, described, sourceRegion));
        return;
      }
    }
    if (described.service === 'rds' && described.operation === 'PromoteReadReplica') {
      send(res, await rdsPromotion(req, body, described));
      return;
    }
    if (described.service === 'rds' && described.operation === 'ModifyDBInstance' && isForm && new URLSearchParams(body.toString('utf8')).has('NewDBInstanceIdentifier')) {
      send(res, await rdsRename(req, body, described));
      return;
    }
    if (described.service === 'rds' && described.operation === 'DeleteDBInstance' && isForm) {
      const answer = await forwardBuffered(req, body, described.accountId);
      const id = new URLSearchParams(body.toString('utf8')).get('DBInstanceIdentifier');
      const answered = rdsAnswer(answer, described);
      if (answer.status === 200 && id) resourceIds.delete(promotedKey(described, id.toLowerCase()));
      send(res, answered);
      return;
    }
    if (described.service === 'rds') {
      const classBefore = await classBeforeChange(active, req, described, body);
      const answer = await forwardBuffered(req, body, described.accountId);
      markModifying(active, described, body, answer.status, classBefore);
      send(res, rdsAnswer(answer, described));
      return;
    }
    // moto issues AssumeRole credentials for any role, existing or not, whatever its trust (sandbox/preflight-gaps.ts).
    if (described.service === 'sts' && described.operation === 'AssumeRole' && isForm) {
      const caller = described.accountId ? { account: described.accountId, arn: sandboxCallerArn(described.accountId) } : undefined;
      const refused = await judgeAssumeRole(body.toString('utf8'), caller, async (roleAccount, roleName) => {
        const iam = iamFor({ ...described, accountId: roleAccount });
        return (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role?.AssumeRolePolicyDocument;
      });
      if (refused) {
        send(res, reply(described, refused));
        return;
      }
    }
    // moto's DescribeAlarms with the transitions a test set (AWS JSON 1.0 only, the protocol the SDK speaks to CloudWatch).
    if (described.service === 'monitoring' && described.operation === 'DescribeAlarms' && described.protocol === 'json' && transitionsOf(described.accountId).length > 0) {
      const answer = await forwardBuffered(req, body, described.accountId);
      const rewritten = answer.status === 200 ? describeAlarmsJsonWithTransitions(answer.body.toString('utf8'), transitionsOf(described.accountId)) : undefined;
      send(res, rewritten === undefined ? answer : { ...answer, body: Buffer.from(rewritten) });
      return;
    }
    if (described.service === 'monitoring' && described.operation === 'DescribeAlarmsForMetric' && (described.protocol === 'query' || described.protocol === 'json' || described.protocol === 'rpcv2-cbor')) {
      send(res, await describeAlarmsForMetric(req, body, { ...described, protocol: described.protocol }));
      return;
    }
    const answer = gapAnswer(described, body);
    if (answer) {
      send(res, await answer);
      return;
    }
    if (described.service === 'lambda') {
      const qualified = qualifiedPolicyAnswer(req, body, described);
      if (qualified) {
        send(res, await qualified);
        return;
      }
      const logging = loggingActionOf(req, body, described);
      const revised = await lambdaRevision(req, body, described);
      if (revised) {
        send(res, logging ? withLogging(described, logging, revised) : revised);
        return;
      }
      if (logging) {
        send(res, withLogging(described, logging, await forwardBuffered(req, body, described.accountId)));
        return;
      }
    }
    if (described.service === 'apigatewayv2') {
      const answer = await forwardBuffered(req, body, described.accountId, narrowHttpApiIdPath(path));
      send(res, { ...answer, body: Buffer.from(widenHttpApiIds(answer.body.toString('utf8'))) });
      return;
    }
    // moto rolls a failed TransactWriteItems back by restoring a copy of the table, erasing concurrent writes, and checks
    // a conditional write's condition and writes without a lock: a write runs alone per account (sandbox/dynamodb-gate.ts).
    if (described.service === 'dynamodb') {
      send(res, await dynamoGate(described.accountId).run(runsAlone(described.operation), () => forwardBuffered(req, body, described.accountId)));
      return;
    }
    forward(req, res, body, described.accountId);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // REST-JSON and JSON clients both read x-amzn-errortype; a 500 is retried by the SDK as a service fault.
      send(res, {
        status: 500,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ServiceException' },
        body: Buffer.from(JSON.stringify({ __type: 'ServiceException', Type: 'Service', message: `sandbox gap proxy: ${message}` })),
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    calls,
    setFaults,
    releaseHeld: (accountId) => release(faults.filter(({ rule }) => accountId === undefined || rule.accountId === accountId)),
    setMetricDataFaults: (rules) => setMetricDataFaults(rules),
    metricDataFaults: () => metricDataFaults.map((f) => ({ ...f })),
    startOutage: (options = {}) => {
      outage = options.after ? { active: false, after: options.after } : { active: true };
    },
    endOutage: () => {
      outage = { active: false };
    },
    clearCalls: () => {
      calls.length = 0;
    },
    stop: async () => {
      for (const client of motoClients.values()) client.destroy();
      motoClients.clear();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
