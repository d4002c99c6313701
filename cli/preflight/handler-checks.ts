// Preflight: each handler exists with the expected runtime, environment and failure queue, and its role can make the
// calls its playbook declares on the real resource ARNs (iam:SimulatePrincipalPolicy: AWS's own simulator, which sees
// SCPs and permission boundaries).
import { paginateSimulatePrincipalPolicy, type ContextEntry } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, GetFunctionEventInvokeConfigCommand, ListAliasesCommand, type FunctionConfiguration, type ListAliasesCommandOutput } from '@aws-sdk/client-lambda';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { scopeFor, type ConditionKind, type ResourceKind } from '../../infra/lib/iam/action-scopes';
import { SERVICE_HANDLER_ACTIONS } from '../../infra/lib/service-handlers';
import { functionLogGroupName } from '../../shared/config/alarm-specs';
import { CLAIM_LEASE_MARGIN_SECONDS, leaseTimeoutProblems } from '../../shared/config/claim-lease';
import type { ExpectedHandler, PreflightExpectations } from './expectations';
import type { DiscoveredResources } from './resource-checks';
import { awsErrorName, fail, guardedCheck, pass, warn, type CheckResult, type PreflightClients, type PreflightTarget, type RuleTargets } from './types';
import { HANDLER_RUNTIME } from './expectations';

const REDEPLOY = 'deploy the runbook stack (npx cdk deploy -c environment=<env>)';

export interface LiveHandler {
  handler: ExpectedHandler;
  configuration: FunctionConfiguration;
  /** Its on-failure destination as read (GetFunctionEventInvokeConfig), when it has one: dead-letter-checks.ts reads it. */
  failureDestination?: string;
}

/** The read-only actions one handler's checks call: named in its FAIL when AWS refuses one without naming it. */
export const HANDLER_ACTIONS = ['lambda:GetFunctionConfiguration', 'lambda:GetFunctionEventInvokeConfig', 'sqs:GetQueueUrl'] as const;

/** Each handler is guarded on its own: a read AWS refuses is a FAIL naming that handler, and the others still run. */
export async function checkHandlers(clients: PreflightClients, expected: PreflightExpectations): Promise<{ results: CheckResult[]; live: LiveHandler[] }> {
  const results: CheckResult[] = [];
  const live: LiveHandler[] = [];
  for (const handler of expected.handlers) {
    results.push(...(await guardedCheck('handlers', `handler ${handler.functionName}`, HANDLER_ACTIONS, () => checkHandler(clients, handler, expected.claimLeaseSeconds, live))));
  }
  return { results, live };
}

async function checkHandler(clients: PreflightClients, handler: ExpectedHandler, leaseSeconds: number, live: LiveHandler[]): Promise<CheckResult> {
  let configuration: FunctionConfiguration | undefined;
  try {
    // GetFunctionConfiguration, not GetFunction: that one also returns a pre-signed URL to the code package.
    configuration = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: handler.functionName }));
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
  }
  if (!configuration) {
    return fail('handlers', 'handler-exists', handler.functionName, `handler ${handler.functionName} does not exist`, REDEPLOY);
  }
  // Live once its configuration is read: its rule target and role are checked whatever else is wrong with it.
  const entry: LiveHandler = { handler, configuration };
  live.push(entry);
  const problems: string[] = [];
  if (configuration.Runtime !== HANDLER_RUNTIME) problems.push(`runtime ${configuration.Runtime ?? 'unset'}, expected ${HANDLER_RUNTIME}`);
  const variables = configuration.Environment?.Variables ?? {};
  for (const [name, value] of Object.entries(handler.environment)) {
    if (variables[name] !== value) problems.push(`${name}=${variables[name] ?? '(unset)'}, expected ${value}`);
  }
  // Decision 31: the function must be stopped before its claim's lease can be taken over. Synth checks infra's timeouts
  // (decision 330); this checks the deployed one, which the console or another stack can change after deployment.
  const timeoutProblem = leaseTimeoutProblem(handler.functionName, configuration.Timeout, leaseSeconds);
  if (timeoutProblem) problems.push(timeoutProblem);
  let destination: string | undefined;
  try {
    const invokeConfig = await clients.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: handler.functionName }));
    destination = invokeConfig.DestinationConfig?.OnFailure?.Destination;
    if (destination) entry.failureDestination = destination;
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
  }
  if (!destination) {
    problems.push('no on-failure destination: a failed asynchronous invocation would be lost');
  } else if (isFifoQueueArn(destination)) {
    problems.push(fifoDestinationProblem(destination));
  } else if (destination.split(':')[2] === 'sqs') {
    try {
      await clients.sqs.send(new GetQueueUrlCommand({ QueueName: destination.split(':').pop() ?? '', QueueOwnerAWSAccountId: destination.split(':')[4] }));
    } catch (error) {
      if (!/QueueDoesNotExist|NonExistentQueue/.test(awsErrorName(error) ?? '')) throw error;
      problems.push(`its failure queue ${destination} does not exist`);
    }
  }
  return problems.length === 0
    ? pass(
        'handlers',
        'handler-configuration',
        handler.functionName,
        `handler ${handler.functionName}: ${HANDLER_RUNTIME}, environment ${handler.environment.RUNBOOK_ENVIRONMENT}, timeout ${configuration.Timeout ?? '?'} s within claimLeaseSeconds ${leaseSeconds} less the ${CLAIM_LEASE_MARGIN_SECONDS} s margin, failures to ${destination?.split(':').pop() ?? '?'}`,
      )
    : fail('handlers', 'handler-configuration', handler.functionName, `handler ${handler.functionName}: ${problems.join('; ')}`, timeoutProblem ? leaseTimeoutFix(leaseSeconds) : REDEPLOY);
}

/**
 * Pure: a deployed function's Timeout against the configured claim lease (shared/config/claim-lease.ts, as synth checks
 * it): the problem with both figures and what follows, or undefined when it fits. Lambda always returns Timeout; a
 * configuration without one is not taken as fitting.
 */
export function leaseTimeoutProblem(functionName: string, timeoutSeconds: number | undefined, leaseSeconds: number): string | undefined {
  if (timeoutSeconds === undefined) return `timeout unset: cannot tell whether it ends before its claim's lease (claimLeaseSeconds ${leaseSeconds}) can be taken over`;
  const [problem] = leaseTimeoutProblems(leaseSeconds, { [functionName]: timeoutSeconds });
  return problem === undefined ? undefined : `${problem.slice(functionName.length + 2)}: a retry can take over its claim while it still runs (two attempts at once, decision 31)`;
}

/**
 * Each handler's version or alias that a rule of this run targets (`targets`: noteTargets; a target ARN of the handler's
 * ARN and a qualifier): EventBridge invokes that version with its own configuration, so its Timeout must fit the lease as
 * the handler's does (decision 344; 335 read the unqualified function only). lambda:GetFunctionConfiguration with the
 * Qualifier (an alias answers its version's; the versions its RoutingConfig sends a share to are read too). One line
 * each: FAIL past the lease or gone, else PASS. None where the
 * rules target the functions themselves, as infra deploys them (CDK's LambdaFunction target: the unqualified ARN).
 */
export async function checkTargetedVersions(clients: PreflightClients, live: readonly LiveHandler[], leaseSeconds: number, targets: RuleTargets): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const { handler, configuration } of live) {
    const functionArn = configuration.FunctionArn;
    if (!functionArn) continue;
    for (const [targetArn, rules] of targets) {
      if (!targetArn.startsWith(`${functionArn}:`)) continue;
      const qualifier = targetArn.slice(functionArn.length + 1);
      const subject = `${handler.functionName}:${qualifier}`;
      const by = `${rules.size > 1 ? 'rules' : 'rule'} ${[...rules].join(', ')}`;
      let version: FunctionConfiguration | undefined;
      try {
        version = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: handler.functionName, Qualifier: qualifier }));
      } catch (error) {
        if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
      }
      if (!version) {
        results.push(fail('handlers', 'handler-configuration', subject, `${by} ${rules.size > 1 ? 'target' : 'targets'} ${subject}, which does not exist: EventBridge cannot invoke it, and ${handler.name} never runs for those rules`, `${REDEPLOY}: the runbook stack aims its rules at the function itself`));
        continue;
      }
      // An alias may send a share of its invocations to a second version (RoutingConfig.AdditionalVersionWeights): each
      // version that runs is judged (ListAliases: already among the rules' permission reads; moto keeps RoutingConfig).
      const weights = /^\d+$/.test(qualifier) ? {} : await aliasWeights(clients, handler.functionName, qualifier);
      const running: Array<{ version: string; timeout: number | undefined; weight?: number; gone?: boolean }> = [{ version: version.Version ?? '?', timeout: version.Timeout }];
      for (const [extra, weight] of Object.entries(weights)) {
        if (extra === version.Version) continue;
        let read: FunctionConfiguration | undefined;
        try {
          read = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: handler.functionName, Qualifier: extra }));
        } catch (error) {
          if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
        }
        running.push({ version: extra, timeout: read?.Timeout, weight, ...(read ? {} : { gone: true }) });
      }
      const several = running.length > 1;
      const problems = running.flatMap((r) => {
        const problem = r.gone ? 'does not exist' : leaseTimeoutProblem(subject, r.timeout, leaseSeconds);
        return problem === undefined ? [] : [several ? `version ${r.version}: ${problem}` : problem];
      });
      const which = several ? `versions ${running.map((r) => (r.weight !== undefined ? `${r.version} (${Math.round(r.weight * 100)}% of its invocations)` : r.version)).join(' and ')}` : `version ${running[0]?.version ?? '?'}`;
      const runs = `handler ${subject} (${which}, which ${by} ${rules.size > 1 ? 'invoke' : 'invokes'})`;
      const timeouts = several ? `timeouts ${running.map((r) => `${r.timeout ?? '?'} s`).join(', ')}` : `timeout ${version.Timeout ?? '?'} s`;
      results.push(
        problems.length > 0
          ? fail('handlers', 'handler-configuration', subject, `${runs}: ${problems.join('; ')}`, targetedVersionFix(handler.functionName, qualifier, leaseSeconds))
          : pass('handlers', 'handler-configuration', subject, `${runs}: ${timeouts} within claimLeaseSeconds ${leaseSeconds} less the ${CLAIM_LEASE_MARGIN_SECONDS} s margin`),
      );
    }
  }
  return results;
}

/** The versions an alias sends a share of its invocations to besides its own (lambda:ListAliases, paginated): version -> weight. */
async function aliasWeights(clients: PreflightClients, functionName: string, alias: string): Promise<Record<string, number>> {
  let marker: string | undefined;
  do {
    const page: ListAliasesCommandOutput = await clients.lambda.send(new ListAliasesCommand({ FunctionName: functionName, MaxItems: 50, ...(marker ? { Marker: marker } : {}) }));
    const found = (page.Aliases ?? []).find((a) => a.Name === alias);
    if (found) return found.RoutingConfig?.AdditionalVersionWeights ?? {};
    marker = page.NextMarker;
  } while (marker);
  return {};
}

/** Pure: the fix for a targeted version past the lease: a published version's configuration cannot change (Lambda). */
export function targetedVersionFix(functionName: string, qualifier: string, leaseSeconds: number): string {
  return `aim the rule at ${functionName} itself (${REDEPLOY} restores infra's targets), or publish a version whose timeout is at most ${leaseSeconds - CLAIM_LEASE_MARGIN_SECONDS} s and aim ${/^\d+$/.test(qualifier) ? 'the rule' : `alias ${qualifier}`} at it (a published version's configuration cannot change), or raise claimLeaseSeconds past its timeout by ${CLAIM_LEASE_MARGIN_SECONDS} s and deploy`;
}

/** Pure: the fix for a deployed timeout past the lease: infra's timeout back, or the lease raised with the margin. */
export function leaseTimeoutFix(leaseSeconds: number): string {
  return `set its timeout to at most ${leaseSeconds - CLAIM_LEASE_MARGIN_SECONDS} s (${REDEPLOY} restores infra's, which synth checks against the lease), or raise claimLeaseSeconds past the timeout by ${CLAIM_LEASE_MARGIN_SECONDS} s and deploy`;
}

/** Pure: an SQS FIFO queue's ARN (SQS: "The name of a FIFO queue must end with the .fifo suffix"). */
export function isFifoQueueArn(arn: string): boolean {
  const parts = arn.split(':');
  return parts[2] === 'sqs' && (parts[5] ?? '').endsWith('.fifo');
}

/**
 * Pure (decision 291): a FIFO queue as a function's on-failure destination. Lambda Developer Guide, "Capturing records of
 * Lambda asynchronous invocations": the SQS destination is "A standard SQS queue", and a record Lambda cannot send counts
 * in DestinationDeliveryFailures, as with "an unsupported destination type, such as an Amazon SQS FIFO queue".
 */
export function fifoDestinationProblem(destination: string): string {
  return `its on-failure destination ${destination} is an SQS FIFO queue, which Lambda does not deliver to (Lambda Developer Guide: a standard SQS queue only; a FIFO queue is "an unsupported destination type"): a failed asynchronous invocation's record is lost, counted only in its DestinationDeliveryFailures metric`;
}

/**
 * The action Lambda's delivery to an on-failure destination needs from the function's execution role, by the
 * destination's service (Lambda Developer Guide, asynchronous invocation destinations: the execution role needs
 * sqs:SendMessage, sns:Publish, lambda:InvokeFunction, events:PutEvents); undefined for one not judged here (S3).
 */
export function destinationAction(destination: string): string | undefined {
  return { sqs: 'sqs:SendMessage', sns: 'sns:Publish', lambda: 'lambda:InvokeFunction', events: 'events:PutEvents' }[destination.split(':')[2] ?? ''];
}

/** Everything the role simulation needs to turn an action's resource kinds into real ARNs. */
export interface ArnContext {
  target: PreflightTarget;
  expected: PreflightExpectations;
  found: DiscoveredResources;
  alarmArns: string[];
  handlerFunctionArns: string[];
  automationDocuments: string[];
}

/** Pure: the real ARNs one resource kind names for a handler; undefined when preflight cannot know them here. */
export function arnsOf(kind: ResourceKind, handler: ExpectedHandler, c: ArnContext): string[] | undefined {
  const { partition: p, account: a, region: r } = c.target;
  switch (kind) {
    case 'queue':
      return c.found.queueArns;
    case 'function':
      return c.found.functionArns;
    case 'function-log-group':
      return c.expected.watched.functions.map((f) => `arn:${p}:logs:${r}:${a}:log-group:${functionLogGroupName(c.expected.watched, f)}:*`);
    case 'event-source-mapping':
      return c.found.mappingArns;
    case 'db-instance':
      return c.found.dbArns;
    case 'db-restore-target':
      return c.expected.watched.databases.map((d) => `arn:${p}:rds:${r}:${a}:db:${d}-restore-preflight`);
    case 'db-subnet-group':
      return c.found.dbSubnetGroups.map((g) => `arn:${p}:rds:${r}:${a}:subgrp:${g}`);
    case 'db-parameter-group':
      return c.found.dbParameterGroups.map((g) => `arn:${p}:rds:${r}:${a}:pg:${g}`);
    case 'alarm':
      return c.alarmArns;
    case 'escalation-topic':
      return c.expected.tiers.map((t) => `arn:${p}:sns:${r}:${a}:${t.topicName}`);
    case 'state-table':
      return [`arn:${p}:dynamodb:${r}:${a}:table/${c.expected.stateTableName}`];
    case 'event-bus':
      return [`arn:${p}:events:${r}:${a}:event-bus/${c.expected.eventBusName}`];
    case 'kill-switch':
      return [`arn:${p}:ssm:${r}:${a}:parameter${c.expected.killSwitchParameter.startsWith('/') ? '' : '/'}${c.expected.killSwitchParameter}`];
    case 'automation-definition':
      return c.automationDocuments.map((d) => `arn:${p}:ssm:${r}:${a}:automation-definition/${d}:$DEFAULT`);
    case 'runbook-document':
      return c.automationDocuments.map((d) => `arn:${p}:ssm:${r}:${a}:document/${d}`);
    case 'automation-execution':
      return [`arn:${p}:ssm:${r}:${a}:automation-execution/preflight-probe`];
    case 'schedule':
      return handler.scheduleGroup ? [`arn:${p}:scheduler:${r}:${a}:schedule/${handler.scheduleGroup}/preflight-probe`] : undefined;
    case 'scheduler-role':
      return handler.schedulerRoleName ? [`arn:${p}:iam::${a}:role/${handler.schedulerRoleName}`] : undefined;
    case 'runbook-function':
      return c.handlerFunctionArns;
    // Ids AWS or the service's stack assign: a probe ARN of the right shape stands for them.
    case 'security-group':
      return [`arn:${p}:ec2:${r}:${a}:security-group/sg-0preflight0probe0`];
    case 'prefix-list':
      return [`arn:${p}:ec2:${r}:${a}:prefix-list/pl-0preflight0probe0`];
    // The API and the sub-paths the playbook reads (decision 111): REST GetRestApi, GetStage(s) (/stages[/<name>]),
    // GetResources with their methods' integrations (/resources[/...]); HTTP GetApi, GetStage(s), GetIntegrations,
    // GetRoutes. A role granting /<id> without /<id>/* would pass on the API alone yet be denied the reads at run time.
    case 'rest-api':
      return (c.expected.watched.restApis ?? []).flatMap((api) => ['', '/stages', '/resources'].map((sub) => `arn:${p}:apigateway:${r}::/restapis/${api.id ?? 'preflight1'}${sub}`));
    case 'http-api':
      return (c.expected.watched.httpApis ?? []).flatMap((api) => ['', '/stages', '/integrations', '/routes'].map((sub) => `arn:${p}:apigateway:${r}::/apis/${api.id ?? 'preflight1'}${sub}`));
    // Cross-account mode: the role this handler assumes in the workload account (IAM is global: no region).
    case 'remediation-role':
      return handler.remediationRoleName && c.expected.workloadAccount ? [`arn:${p}:iam::${c.expected.workloadAccount}:role/${handler.remediationRoleName}`] : undefined;
    // In a dr region, the cross-region replica found there (the standby watch reads it); none in a primary region.
    case 'dr-replica':
      return c.found.drReplicaArns ?? [];
    // The failover documents' resources: no handler acts on them.
    case 'endpoint-parameter':
    case 'failover-hosted-zone':
      return undefined;
  }
}

/** Pure: the request context keys AWS sets for the condition infra puts on an action (infra/lib/iam/scoped-policy.ts). */
export function contextFor(condition: ConditionKind | undefined, c: ArnContext): ContextEntry[] {
  switch (condition) {
    case 'mapping-of-watched-function':
      return [{ ContextKeyName: 'lambda:FunctionArn', ContextKeyType: 'string', ContextKeyValues: c.found.functionArns.slice(0, 1) }];
    case 'passed-to-scheduler':
      return [{ ContextKeyName: 'iam:PassedToService', ContextKeyType: 'string', ContextKeyValues: ['scheduler.amazonaws.com'] }];
    case 'environment-tag':
      return [{ ContextKeyName: 'aws:ResourceTag/Environment', ContextKeyType: 'string', ContextKeyValues: [c.expected.environment] }];
    // default-document-version: a start that names no version (as runbook exec starts), so no ssm:DocumentVersion.
    // failover-record: only the DR documents' Route 53 changes carry it; their resource kinds are not simulated (arnsOf).
    // verify-due-partition: verify-change's DeleteItem, as it deletes a verify sweep's list entry (VERIFY-DUE / *).
    case 'verify-due-partition':
      return [{ ContextKeyName: 'dynamodb:LeadingKeys', ContextKeyType: 'stringList', ContextKeyValues: ['VERIFY-DUE'] }];
    // incident-or-resource-partition: verify-change's PutItem, its claim's partition and its audit entry's in one request:
    // the condition is ForAllValues, so the simulation is allowed only if both prefixes are granted (review 19 R19-3).
    case 'incident-or-resource-partition':
      return [{ ContextKeyName: 'dynamodb:LeadingKeys', ContextKeyType: 'stringList', ContextKeyValues: ['INCIDENT#preflight-probe', 'RESOURCE#preflight-probe'] }];
    // incident-partition: verify-change's UpdateItem, on its claim's partition.
    case 'incident-partition':
      return [{ ContextKeyName: 'dynamodb:LeadingKeys', ContextKeyType: 'stringList', ContextKeyValues: ['INCIDENT#preflight-probe'] }];
    case 'default-document-version':
    case 'failover-record':
    case undefined:
      return [];
  }
}

export interface SimulationGroup {
  actions: string[];
  resources: string[];
  context: ContextEntry[];
}

/** Pure: the handler's declared actions grouped by the ARNs and context they are simulated on, and what cannot be. */
export function simulationGroups(handler: ExpectedHandler, c: ArnContext): { groups: SimulationGroup[]; unresolved: string[] } {
  const groups = new Map<string, SimulationGroup>();
  const unresolved: string[] = [];
  for (const action of [...handler.actions].sort()) {
    const scope = scopeFor(action, handler.name, SERVICE_HANDLER_ACTIONS[handler.name]?.narrowed?.[action]);
    let resources: string[];
    let context: ContextEntry[] = [];
    if ('anyResource' in scope) {
      resources = ['*'];
    } else {
      // An action scoped to several kinds is simulated on those found here (the DR replica is not, in a primary region).
      const arns = scope.resources.flatMap((kind) => arnsOf(kind, handler, c) ?? []);
      if (arns.length === 0) {
        unresolved.push(action);
        continue;
      }
      resources = [...new Set(arns)];
      context = contextFor(scope.condition, c);
    }
    const key = `${resources.join(',')}|${JSON.stringify(context)}`;
    const group = groups.get(key) ?? { actions: [], resources, context };
    group.actions.push(action);
    groups.set(key, group);
  }
  return { groups: [...groups.values()], unresolved };
}

/** Simulates every group on one principal; "allowed" counts, anything else is named with its action, ARN and decision. */
export async function simulateGroups(iam: PreflightClients['iam'], principalArn: string, groups: readonly SimulationGroup[]): Promise<{ allowed: number; denied: string[]; allowedCalls: string[] }> {
  const denied: string[] = [];
  const allowedCalls: string[] = [];
  let allowed = 0;
  for (const group of groups) {
    const pages = paginateSimulatePrincipalPolicy(
      { client: iam },
      { PolicySourceArn: principalArn, ActionNames: group.actions, ...(group.resources[0] === '*' ? {} : { ResourceArns: group.resources }), ...(group.context.length ? { ContextEntries: group.context } : {}) },
    );
    for await (const page of pages) {
      for (const r of page.EvaluationResults ?? []) {
        if (r.EvalDecision === 'allowed') {
          allowed += 1;
          allowedCalls.push(`${r.EvalActionName ?? '?'} on ${r.EvalResourceName ?? '*'}`);
        } else denied.push(`${r.EvalActionName ?? '?'} on ${r.EvalResourceName ?? '*'} (${r.EvalDecision ?? '?'}${r.MissingContextValues?.length ? `, missing ${r.MissingContextValues.join(', ')}` : ''})`);
      }
    }
  }
  return { allowed, denied, allowedCalls };
}

export async function checkRolePermissions(clients: PreflightClients, live: readonly LiveHandler[], c: ArnContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const { handler, configuration, failureDestination } of live) {
    const roleArn = configuration.Role;
    if (!roleArn) {
      results.push(fail('permissions', 'role-permissions', handler.functionName, `handler ${handler.functionName} has no execution role`, REDEPLOY));
      continue;
    }
    const { groups, unresolved } = simulationGroups(handler, c);
    const role = roleArn.split('/').pop() ?? roleArn;
    // Each role is guarded on its own: a simulation AWS refuses is a FAIL naming that role, and the others still run.
    results.push(
      ...(await guardedCheck('permissions', `role ${role} of ${handler.functionName}`, ['iam:SimulatePrincipalPolicy'], async () => {
        const { allowed, denied } = await simulateGroups(clients.iam, roleArn, groups);
        // Decision 291: the call Lambda makes with this role when an asynchronous invocation fails every retry, on the
        // destination's exact ARN as read (GetFunctionEventInvokeConfig): not a declared action, so simulated on its own.
        const deliver = failureDestination ? destinationAction(failureDestination) : undefined;
        const undelivered = failureDestination && deliver ? (await simulateGroups(clients.iam, roleArn, [{ actions: [deliver], resources: [failureDestination], context: [] }])).denied : [];
        const delivery = failureDestination && deliver ? `; ${deliver} to its on-failure destination ${failureDestination.split(':').pop() ?? failureDestination} allowed` : '';
        if (denied.length > 0 || undelivered.length > 0) {
          const lost = undelivered.length > 0 ? `${denied.length > 0 ? '; and ' : ''}may not deliver a failed invocation's record to its on-failure destination: ${undelivered.join('; ')} (Lambda sends it with the function's execution role, so the record is lost, counted only in DestinationDeliveryFailures)` : '';
          return fail(
            'permissions',
            'role-permissions',
            handler.functionName,
            `role ${role} of ${handler.functionName} ${denied.length > 0 ? `is denied ${denied.length} declared call(s): ${denied.join('; ')}` : ''}${lost}`,
            `grant them (infra derives the policy from the declared actions and grants ${deliver ?? 'the delivery'} on the on-failure destination it sets: ${REDEPLOY}); an explicit deny comes from an SCP or permission boundary: ask the account's administrators`,
          );
        }
        if (unresolved.length > 0) {
          return warn('permissions', 'role-permissions', handler.functionName, `role ${role} of ${handler.functionName}: ${allowed} calls allowed; not simulated (no resource of that kind found): ${unresolved.join(', ')}${delivery}`, 'check the resources these actions act on exist');
        }
        return pass('permissions', 'role-permissions', handler.functionName, `role ${role} of ${handler.functionName}: all ${allowed} declared calls allowed on the real ARNs (${handler.actions.length} actions)${delivery}`);
      })),
    );
  }
  return results;
}
