// `runbook preflight -e <environment>`: is a deployed environment wired correctly? Read-only; one line per check.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SupportClient } from '@aws-sdk/client-support';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { parse } from 'yaml';
import { partitionOf } from '../../shared/aws/arn';
import { clientConfig } from '../../shared/aws/client-config';
import { alarmSpecs, roleOfRegion, runbooksNotRegisteredIn } from '../../shared/config/alarm-specs';
import { loadRuntimeConfig } from '../../shared/config/load-config';
import { OPERATIONS_DOCUMENTS } from '../../shared/config/names';
import { hasDeployTokens, renderRunbookContent, runbookDeployValues, type DeployedWhere } from '../../shared/config/runbook-deploy-values';
import type { AutomationConfig, EnvironmentName } from '../../shared/config/schema';
import { CHANGING_PLAYBOOKS } from '../../shared/playbooks/changing-rows';
import { EXIT } from '../exit-codes';
import { handlerDeclarations } from './declarations';
import { preflightExpectations } from './expectations';
import type { ExpectedDocument } from './plumbing-checks';
import { renderPreflight, runPreflight } from './run-preflight';
import type { PreflightClients } from './types';

export interface PreflightOptions {
  environment: EnvironmentName;
  json?: boolean;
  /** A WARN makes the run exit EXIT.warned (4) when nothing failed (decision 362); without it WARNs exit 0. */
  strict?: boolean;
}

/**
 * Pure: preflight's exit code for a report's totals (decision 362): 1 when a check failed; with `strict`, 4 when none
 * failed but one warned; else 0 (warnings allowed, the documented default that `npm test`'s runs and scripts rely on).
 */
export function preflightExit(summary: { warn: number; fail: number }, strict = false): number {
  if (summary.fail > 0) return EXIT.failure;
  return strict && summary.warn > 0 ? EXIT.warned : EXIT.ok;
}

/** The AWS Support API's endpoint region per partition (Support API reference, "Endpoints"). */
const SUPPORT_REGION: Readonly<Record<string, string>> = { aws: 'us-east-1', 'aws-cn': 'cn-north-1', 'aws-us-gov': 'us-gov-west-1' };

function runbooksDirectory(): string | undefined {
  const candidates = [join(process.cwd(), 'runbooks'), ...(process.env.RUNBOOK_DIST ? [join(process.env.RUNBOOK_DIST, '..', 'runbooks')] : [])];
  return candidates.find((d) => existsSync(d));
}

/** runbooks/*.yaml as infra registers them in this environment and account (their deploy tokens filled in). */
export function expectedDocuments(directory: string, config: AutomationConfig, environment: EnvironmentName, where: DeployedWhere): ExpectedDocument[] {
  return readdirSync(directory)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((file) => {
      const content = parse(readFileSync(join(directory, file), 'utf8')) as unknown;
      return {
        name: file.replace(/\.ya?ml$/, ''),
        content: hasDeployTokens(content) ? renderRunbookContent(content, runbookDeployValues(config, environment, where)) : content,
      };
    });
}

/** Every client preflight reads with, in one region; `credentials` for another account's session (the workload's). */
function buildClients(region: string, sts: STSClient, credentials?: AwsCredentialIdentity): PreflightClients & { destroy(): void } {
  const config = { ...clientConfig({ region }), ...(credentials ? { credentials } : {}) };
  const own = {
    sqs: new SQSClient(config),
    lambda: new LambdaClient(config),
    rds: new RDSClient(config),
    apiGateway: new APIGatewayClient(config),
    apiGatewayV2: new ApiGatewayV2Client(config),
    elastiCache: new ElastiCacheClient(config),
    ec2: new EC2Client(config),
    cloudWatch: new CloudWatchClient(config),
    logs: new CloudWatchLogsClient(config),
    events: new EventBridgeClient(config),
    iam: new IAMClient(config),
    ssm: new SSMClient(config),
    sns: new SNSClient(config),
    support: new SupportClient({ ...clientConfig({ region: SUPPORT_REGION[partitionOf(region)] ?? 'us-east-1' }), ...(credentials ? { credentials } : {}) }),
    scheduler: new SchedulerClient(config),
    route53: new Route53Client(config),
  };
  return {
    ...own,
    sts,
    withCredentials: (session: AwsCredentialIdentity) => buildClients(region, sts, session),
    destroy: () => Object.values(own).forEach((c) => c.destroy()),
  };
}

/**
 * runbooks/*.yaml as infra registers them in `where.region` (decision 97: a region takes no document of a row that changes
 * something not watched there, as infra's documentsForRegion; test/infra/preflight-documents.test.ts holds the two equal
 * for every environment and region). Single account: every document in this account (no `account` named). Cross-account mode
 * (decision 86): the incident-state documents (OPERATIONS_DOCUMENTS) with the handlers in the operations account; every
 * other one in the workload, rendered for it (its approvers and automation role) and invoking the handlers by their full
 * ARN in the operations account.
 */
export function deployedDocuments(
  directory: string,
  config: AutomationConfig,
  environment: EnvironmentName,
  where: { partition: string; region: string; account: string; workloadAccount?: string },
): ExpectedDocument[] {
  const own = { account: where.account, partition: where.partition, region: where.region };
  const notHere = runbooksNotRegisteredIn(config, roleOfRegion(config, environment, where.region), new Set(CHANGING_PLAYBOOKS.map((p) => p.row)));
  const registeredHere = (w: DeployedWhere): ExpectedDocument[] => expectedDocuments(directory, config, environment, w).filter((d) => !notHere.has(d.name));
  const workload = where.workloadAccount && where.workloadAccount !== where.account ? where.workloadAccount : undefined;
  if (!workload) return registeredHere(own);
  const inWorkload = { account: workload, partition: where.partition, region: where.region, handlerAccount: where.account };
  const operations = registeredHere(own).filter((d) => OPERATIONS_DOCUMENTS.has(d.name));
  const service = registeredHere(inWorkload).filter((d) => !OPERATIONS_DOCUMENTS.has(d.name));
  return [...operations.map((d) => ({ ...d, account: where.account })), ...service.map((d) => ({ ...d, account: workload }))].sort((a, b) => a.name.localeCompare(b.name));
}

export async function preflightCommand(options: PreflightOptions): Promise<number> {
  process.env.RUNBOOK_ENVIRONMENT = options.environment;
  let runtime;
  try {
    runtime = loadRuntimeConfig(process.env);
    // The alarms preflight expects come from the configuration: one it cannot define (an HTTP API watched without its
    // id, the alarm's ApiId) is refused here, naming the field, before any AWS call.
    alarmSpecs(runtime.config, runtime.environment, runtime.region);
  } catch (error) {
    console.error(`runbook preflight: ${(error as Error).message}`);
    return EXIT.usage;
  }
  const directory = runbooksDirectory();
  const sts = new STSClient(clientConfig({ region: runtime.region }));
  const clients = buildClients(runtime.region, sts);
  try {
    let account: string;
    let caller: string | undefined;
    try {
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      account = identity.Account ?? '';
      caller = identity.Arn;
    } catch (error) {
      console.error(`runbook preflight: cannot tell which account the credentials are for (STS GetCallerIdentity: ${(error as Error).name}: ${(error as Error).message})`);
      return EXIT.failure;
    }
    const target = { account, region: runtime.region, partition: partitionOf(runtime.region), ...(caller ? { caller } : {}) };
    // The configuration's accountId is the workload's: preflight run from another account is in cross-account mode.
    const workload = runtime.config.environments[runtime.environment].accountId;
    const mode = workload && workload !== account ? 'cross-account' : 'single-account';
    const expected = preflightExpectations(runtime.config, runtime.environment, runtime.region, handlerDeclarations(mode));
    const documents = directory ? deployedDocuments(directory, runtime.config, runtime.environment, { ...target, ...(mode === 'cross-account' && workload ? { workloadAccount: workload } : {}) }) : [];
    const report = await runPreflight(clients, expected, target, documents);
    if (!directory) report.checks.push({ area: 'plumbing', check: 'ssm-document', subject: 'runbooks/', status: 'WARN', message: 'runbooks/ not found: SSM documents not checked', fix: 'run preflight from the project directory' });
    console.log(options.json ? JSON.stringify(report, null, 2) : renderPreflight(report));
    return preflightExit(report.summary, options.strict);
  } finally {
    sts.destroy();
    clients.destroy();
  }
}
