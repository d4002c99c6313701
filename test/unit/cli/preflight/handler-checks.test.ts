// Preflight's handler checks against mocked clients: each handler's function (runtime, infra's environment variables, an
// on-failure queue that exists), and its role's declared calls simulated on the real ARNs (iam:SimulatePrincipalPolicy);
// every FAIL names what was found against what was expected, and a refused read names the permission.
import { IAMClient, SimulatePrincipalPolicyCommand, type SimulatePrincipalPolicyCommandInput } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, GetFunctionEventInvokeConfigCommand, LambdaClient, ListAliasesCommand, type AliasConfiguration, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { ExpectedHandler } from '../../../../cli/preflight/expectations';
import { arnsOf, checkHandlers, checkRolePermissions, checkTargetedVersions, simulationGroups, type ArnContext, type LiveHandler } from '../../../../cli/preflight/handler-checks';
import { noteTargets, type CheckResult, type RuleTargets } from '../../../../cli/preflight/types';
import { ACCOUNT, awsError, clients, expectationsFor, TARGET, VERIFY } from './support';
import { sizingOf } from '../../../../infra/lib/settings';

const lambda = mockClient(LambdaClient);
const sqs = mockClient(SQSClient);
const iam = mockClient(IAMClient);

const expected = expectationsFor('production');
const FAILED_QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:notification-runbooks-failed`;
const fnArn = (name: string): string => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;
// infra's environment for every handler (project defaults, shared/config/defaults.ts), written out here.
const INFRA_ENV = { RUNBOOK_ENVIRONMENT: 'production', STATE_TABLE_NAME: 'notification-runbooks-state', EVENT_BUS_NAME: 'notification-runbooks', KILL_SWITCH_PARAMETER: '/notification-runbooks/kill-switch' };

type Deployed = Record<string, (Omit<Partial<FunctionConfiguration>, 'Runtime'> & { Runtime?: string }) | undefined>;

/** Every expected handler deployed as infra deploys it, failures to notification-runbooks-failed. */
function deployedHandlers(): Deployed {
  return Object.fromEntries(
    expected.handlers.map((h) => [h.functionName, { FunctionArn: fnArn(h.functionName), Runtime: 'nodejs22.x', Timeout: sizingOf(h.name).timeoutSeconds, Role: `arn:aws:iam::${ACCOUNT}:role/${h.roleName}`, Environment: { Variables: { ...INFRA_ENV, POWERTOOLS_LOG_LEVEL: 'INFO' } } }]),
  );
}

function deploy(functions: Deployed, destinations: Record<string, string | undefined> = {}, queues: string[] = ['notification-runbooks-failed']): void {
  lambda.reset();
  sqs.reset();
  lambda.on(GetFunctionConfigurationCommand).callsFake((input: { FunctionName: string }) => {
    const configuration = functions[input.FunctionName];
    if (!configuration) throw awsError('ResourceNotFoundException', `Function not found: ${fnArn(input.FunctionName)}`);
    return { FunctionName: input.FunctionName, ...configuration };
  });
  lambda.on(GetFunctionEventInvokeConfigCommand).callsFake((input: { FunctionName: string }) => {
    const destination = input.FunctionName in destinations ? destinations[input.FunctionName] : FAILED_QUEUE;
    if (destination === undefined) throw awsError('ResourceNotFoundException', `The function ${input.FunctionName} doesn't have an EventInvokeConfig`);
    return { DestinationConfig: { OnFailure: { Destination: destination } } };
  });
  sqs.on(GetQueueUrlCommand).callsFake((input: { QueueName: string; QueueOwnerAWSAccountId?: string }) => {
    if (!queues.includes(input.QueueName) || input.QueueOwnerAWSAccountId !== ACCOUNT) throw awsError('AWS.SimpleQueueService.NonExistentQueue');
    return { QueueUrl: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/${input.QueueName}` };
  });
}

const line = (r: CheckResult): string => `${r.status} ${r.check} ${r.subject}: ${r.message}`;
const notPassing = (results: CheckResult[]): string[] => results.filter((r) => r.status !== 'PASS').map(line);
const ESCALATE = 'notification-runbooks-escalate';
const SCALE = 'notification-runbooks-scale-consumers';

describe('checkHandlers', () => {
  it('every handler as infra deploys it: one PASS each, and each is live for the routing and role checks', async () => {
    deploy(deployedHandlers());
    const { results, live } = await checkHandlers(clients(), expected);
    expect(results.map(line)).toEqual(
      expected.handlers.map(
        (h) =>
          `PASS handler-configuration ${h.functionName}: handler ${h.functionName}: nodejs22.x, environment production, timeout ${sizingOf(h.name).timeoutSeconds} s within claimLeaseSeconds 150 less the 10 s margin, failures to notification-runbooks-failed`,
      ),
    );
    expect(live.map((l) => l.configuration.FunctionArn)).toEqual(expected.handlers.map((h) => fnArn(h.functionName)));
    // The spread: the playbooks and the service handlers alike.
    expect(results.map((r) => r.subject)).toEqual(expect.arrayContaining([SCALE, ESCALATE, 'notification-runbooks-escalation-timer', 'notification-runbooks-verify-change']));
  });

  it.each([
    ['a missing handler', (d: Deployed) => ({ ...d, [ESCALATE]: undefined }), {}, `FAIL handler-exists ${ESCALATE}: handler ${ESCALATE} does not exist`],
    ['another runtime', (d: Deployed) => ({ ...d, [ESCALATE]: { ...d[ESCALATE], Runtime: 'nodejs20.x' } }), {}, `FAIL handler-configuration ${ESCALATE}: handler ${ESCALATE}: runtime nodejs20.x, expected nodejs22.x`],
    [
      'an environment variable with another value, and one unset',
      (d: Deployed) => ({ ...d, [ESCALATE]: { ...d[ESCALATE], Environment: { Variables: { ...INFRA_ENV, STATE_TABLE_NAME: 'other-table', KILL_SWITCH_PARAMETER: undefined as unknown as string } } } }),
      {},
      `FAIL handler-configuration ${ESCALATE}: handler ${ESCALATE}: STATE_TABLE_NAME=other-table, expected notification-runbooks-state; KILL_SWITCH_PARAMETER=(unset), expected /notification-runbooks/kill-switch`,
    ],
    [
      'the environment of another environment',
      (d: Deployed) => ({ ...d, [ESCALATE]: { ...d[ESCALATE], Environment: { Variables: { ...INFRA_ENV, RUNBOOK_ENVIRONMENT: 'staging' } } } }),
      {},
      `FAIL handler-configuration ${ESCALATE}: handler ${ESCALATE}: RUNBOOK_ENVIRONMENT=staging, expected production`,
    ],
    ['no event invoke configuration', (d: Deployed) => d, { [ESCALATE]: undefined }, `FAIL handler-configuration ${ESCALATE}: handler ${ESCALATE}: no on-failure destination: a failed asynchronous invocation would be lost`],
    [
      'a failure queue that does not exist',
      (d: Deployed) => d,
      { [ESCALATE]: `arn:aws:sqs:us-east-1:${ACCOUNT}:gone-queue` },
      `FAIL handler-configuration ${ESCALATE}: handler ${ESCALATE}: its failure queue arn:aws:sqs:us-east-1:${ACCOUNT}:gone-queue does not exist`,
    ],
    [
      // Decision 291: Lambda does not deliver to a FIFO queue (Lambda Developer Guide: "A standard SQS queue").
      'an on-failure destination that is an SQS FIFO queue',
      (d: Deployed) => d,
      { [ESCALATE]: `arn:aws:sqs:us-east-1:${ACCOUNT}:notification-runbooks-failed.fifo` },
      `FAIL handler-configuration ${ESCALATE}: handler ${ESCALATE}: its on-failure destination arn:aws:sqs:us-east-1:${ACCOUNT}:notification-runbooks-failed.fifo is an SQS FIFO queue, which Lambda does not deliver to (Lambda Developer Guide: a standard SQS queue only; a FIFO queue is "an unsupported destination type"): a failed asynchronous invocation's record is lost, counted only in its DestinationDeliveryFailures metric`,
    ],
    [
      'two problems at once, both named',
      (d: Deployed) => ({ ...d, [ESCALATE]: { ...d[ESCALATE], Runtime: 'python3.12' } }),
      { [ESCALATE]: undefined },
      `FAIL handler-configuration ${ESCALATE}: handler ${ESCALATE}: runtime python3.12, expected nodejs22.x; no on-failure destination: a failed asynchronous invocation would be lost`,
    ],
  ] as const)('%s is the one FAIL, naming it', async (_case, change, destinations, failure) => {
    deploy(change(deployedHandlers()) as Deployed, destinations as Record<string, string | undefined>);
    const { results, live } = await checkHandlers(clients(), expected);
    expect(notPassing(results)).toEqual([failure]);
    expect(results.find((r) => r.status === 'FAIL')?.fix).toBe('deploy the runbook stack (npx cdk deploy -c environment=<env>)');
    expect(results).toHaveLength(expected.handlers.length);
    // A handler that exists is still live (its route and role are checked); a missing one is not.
    expect(live.some((l) => l.handler.functionName === ESCALATE)).toBe(!failure.startsWith('FAIL handler-exists'));
  });

  // Decision 31/330: synth checks infra's timeouts against the lease; a timeout changed after deployment (console, another
  // stack) is seen here, against the configured lease (150 s, project default), with the same 10 s margin.
  const SCALE_DB = 'notification-runbooks-scale-up-database';
  const TIMEOUT_FIX = 'set its timeout to at most 140 s (deploy the runbook stack (npx cdk deploy -c environment=<env>) restores infra\'s, which synth checks against the lease), or raise claimLeaseSeconds past the timeout by 10 s and deploy';
  it.each([
    [
      'scale-up-database raised to 141 s in the console (1 s into the margin)',
      SCALE_DB,
      { Timeout: 141 },
      `FAIL handler-configuration ${SCALE_DB}: handler ${SCALE_DB}: Lambda timeout 141 s + 10 s margin passes claimLeaseSeconds 150: a retry can take over its claim while it still runs (two attempts at once, decision 31)`,
    ],
    [
      'escalate at Lambda\'s 900 s maximum',
      ESCALATE,
      { Timeout: 900 },
      `FAIL handler-configuration ${ESCALATE}: handler ${ESCALATE}: Lambda timeout 900 s + 10 s margin passes claimLeaseSeconds 150: a retry can take over its claim while it still runs (two attempts at once, decision 31)`,
    ],
    [
      'a timeout past the lease beside another runtime: both named, the timeout\'s fix',
      ESCALATE,
      { Timeout: 150, Runtime: 'nodejs20.x' },
      `FAIL handler-configuration ${ESCALATE}: handler ${ESCALATE}: runtime nodejs20.x, expected nodejs22.x; Lambda timeout 150 s + 10 s margin passes claimLeaseSeconds 150: a retry can take over its claim while it still runs (two attempts at once, decision 31)`,
    ],
    [
      'no Timeout in the answer: not taken as fitting',
      ESCALATE,
      { Timeout: undefined },
      `FAIL handler-configuration ${ESCALATE}: handler ${ESCALATE}: timeout unset: cannot tell whether it ends before its claim's lease (claimLeaseSeconds 150) can be taken over`,
    ],
  ] as const)('a deployed timeout past the claim lease: %s is the one FAIL, with both figures and the fix', async (_case, fn, change, failure) => {
    const functions = deployedHandlers();
    deploy({ ...functions, [fn]: { ...functions[fn], ...change } });
    const { results, live } = await checkHandlers(clients(), expected);
    expect(notPassing(results)).toEqual([failure]);
    expect(results.find((r) => r.status === 'FAIL')?.fix).toBe(TIMEOUT_FIX);
    expect(live.some((l) => l.handler.functionName === fn)).toBe(true);
  });

  it('a deployed timeout exactly at the lease less the margin (140 s of 150) passes; a shorter lease is the one configured', async () => {
    const functions = deployedHandlers();
    deploy({ ...functions, [SCALE_DB]: { ...functions[SCALE_DB], Timeout: 140 } });
    expect(notPassing((await checkHandlers(clients(), expected)).results)).toEqual([]);
    // The configuration's lease, not the default: at 145 s, infra's own 120 s for scale-up-database still fits (135).
    deploy({ ...functions, [SCALE_DB]: { ...functions[SCALE_DB], Timeout: 140 } });
    expect(notPassing((await checkHandlers(clients(), { ...expected, claimLeaseSeconds: 145 })).results)).toEqual([
      `FAIL handler-configuration ${SCALE_DB}: handler ${SCALE_DB}: Lambda timeout 140 s + 10 s margin passes claimLeaseSeconds 145: a retry can take over its claim while it still runs (two attempts at once, decision 31)`,
    ]);
  });

  it('AccessDenied on one handler is a FAIL naming it and the permission; every other handler is still checked', async () => {
    deploy(deployedHandlers());
    lambda
      .on(GetFunctionEventInvokeConfigCommand, { FunctionName: SCALE })
      .rejects(awsError('AccessDeniedException', `User: arn:aws:sts::${ACCOUNT}:assumed-role/ReadOnly/op is not authorized to perform: lambda:GetFunctionEventInvokeConfig on resource: ${fnArn(SCALE)}`));
    const { results, live } = await checkHandlers(clients(), expected);
    expect(notPassing(results)).toEqual([`FAIL could-not-check handler ${SCALE}: could not check handler ${SCALE}: AccessDeniedException: preflight is not allowed lambda:GetFunctionEventInvokeConfig`]);
    expect(results.filter((r) => r.status === 'PASS')).toHaveLength(expected.handlers.length - 1);
    // Its configuration was read: its role is still simulated.
    expect(live).toHaveLength(expected.handlers.length);
  });
});

// Decision 344: a rule aimed at a handler's version or alias invokes that version, with its own configuration: its Timeout
// must fit the claim lease as the handler's does (335 read the unqualified function only). Infra's rules target the
// functions themselves (CDK's LambdaFunction target), so a deployed run has no such line.
describe('checkTargetedVersions', () => {
  const SCALE_DB = 'notification-runbooks-scale-up-database';
  /** Every handler as infra deploys it, and these versions (by "function:qualifier"), each answering its own configuration. */
  async function run(versions: Record<string, Partial<FunctionConfiguration>>, ruleTargets: Array<[string, string[]]>, lease = expected.claimLeaseSeconds, aliases: AliasConfiguration[] = []): Promise<CheckResult[]> {
    const functions = deployedHandlers();
    deploy(functions);
    // Two pages, the alias asked for on the second (as ListAliases pages with NextMarker).
    lambda.on(ListAliasesCommand).callsFake((input: { Marker?: string }) => (input.Marker === undefined ? { Aliases: [{ Name: 'other', FunctionVersion: '1' }], NextMarker: 'm2' } : { Aliases: aliases }));
    lambda.on(GetFunctionConfigurationCommand).callsFake((input: { FunctionName: string; Qualifier?: string }) => {
      const configuration = input.Qualifier === undefined ? functions[input.FunctionName] : versions[`${input.FunctionName}:${input.Qualifier}`];
      if (!configuration) throw awsError('ResourceNotFoundException', `Function not found: ${fnArn(input.FunctionName)}${input.Qualifier ? `:${input.Qualifier}` : ''}`);
      return { FunctionName: input.FunctionName, ...configuration };
    });
    const { live } = await checkHandlers(clients(), expected);
    const seen: RuleTargets = new Map();
    for (const [rule, targets] of ruleTargets) noteTargets(seen, rule, targets);
    return checkTargetedVersions(clients(), live, lease, seen);
  }
  const qualifiedAsked = (): string[] => lambda.commandCalls(GetFunctionConfigurationCommand).flatMap((c) => (c.args[0].input.Qualifier ? [`${c.args[0].input.FunctionName}:${c.args[0].input.Qualifier}`] : []));

  it("FAILs an alias a rule targets whose version's timeout passes the lease, though the function's own fits (the one line, both figures, the fix)", async () => {
    const results = await run({ [`${SCALE_DB}:live`]: { Version: '3', Timeout: 300 } }, [['notification-runbooks-scale-up-database-alarms', [fnArn(SCALE_DB), `${fnArn(SCALE_DB)}:live`]]]);
    expect(results.map(line)).toEqual([
      `FAIL handler-configuration ${SCALE_DB}:live: handler ${SCALE_DB}:live (version 3, which rule notification-runbooks-scale-up-database-alarms invokes): Lambda timeout 300 s + 10 s margin passes claimLeaseSeconds 150: a retry can take over its claim while it still runs (two attempts at once, decision 31)`,
    ]);
    expect(results[0]?.fix).toBe(
      `aim the rule at ${SCALE_DB} itself (deploy the runbook stack (npx cdk deploy -c environment=<env>) restores infra's targets), or publish a version whose timeout is at most 140 s and aim alias live at it (a published version's configuration cannot change), or raise claimLeaseSeconds past its timeout by 10 s and deploy`,
    );
    expect(qualifiedAsked()).toEqual([`${SCALE_DB}:live`]);
  });

  it("FAILs an alias whose weighted second version passes the lease, though the version it points at fits (RoutingConfig: 10% of its invocations)", async () => {
    const weighted: AliasConfiguration = { Name: 'live', FunctionVersion: '4', RoutingConfig: { AdditionalVersionWeights: { '3': 0.1 } } };
    const results = await run({ [`${SCALE_DB}:live`]: { Version: '4', Timeout: 120 }, [`${SCALE_DB}:3`]: { Version: '3', Timeout: 300 } }, [['notification-runbooks-scale-up-database-alarms', [`${fnArn(SCALE_DB)}:live`]]], undefined, [weighted]);
    expect(results.map(line)).toEqual([
      `FAIL handler-configuration ${SCALE_DB}:live: handler ${SCALE_DB}:live (versions 4 and 3 (10% of its invocations), which rule notification-runbooks-scale-up-database-alarms invokes): version 3: Lambda timeout 300 s + 10 s margin passes claimLeaseSeconds 150: a retry can take over its claim while it still runs (two attempts at once, decision 31)`,
    ]);
    expect(qualifiedAsked()).toEqual([`${SCALE_DB}:live`, `${SCALE_DB}:3`]);
    // Both within the lease: one PASS naming both timeouts.
    const fits = await run({ [`${SCALE_DB}:live`]: { Version: '4', Timeout: 120 }, [`${SCALE_DB}:3`]: { Version: '3', Timeout: 140 } }, [['notification-runbooks-scale-up-database-alarms', [`${fnArn(SCALE_DB)}:live`]]], undefined, [weighted]);
    expect(fits.map(line)).toEqual([
      `PASS handler-configuration ${SCALE_DB}:live: handler ${SCALE_DB}:live (versions 4 and 3 (10% of its invocations), which rule notification-runbooks-scale-up-database-alarms invokes): timeouts 120 s, 140 s within claimLeaseSeconds 150 less the 10 s margin`,
    ]);
  });

  it('PASSes a version two rules target whose timeout fits (140 s of 150), naming both rules; FAILs it under a shorter lease', async () => {
    const targets: Array<[string, string[]]> = [
      ['notification-runbooks-escalate-decisions', [`${fnArn(ESCALATE)}:2`]],
      ['notification-runbooks-escalate-kill-switch', [`${fnArn(ESCALATE)}:2`]],
    ];
    const fits = await run({ [`${ESCALATE}:2`]: { Version: '2', Timeout: 140 } }, targets);
    expect(fits.map(line)).toEqual([
      `PASS handler-configuration ${ESCALATE}:2: handler ${ESCALATE}:2 (version 2, which rules notification-runbooks-escalate-decisions, notification-runbooks-escalate-kill-switch invoke): timeout 140 s within claimLeaseSeconds 150 less the 10 s margin`,
    ]);
    const shorter = await run({ [`${ESCALATE}:2`]: { Version: '2', Timeout: 140 } }, targets, 145);
    expect(shorter.map((r) => r.status)).toEqual(['FAIL']);
    expect(shorter[0]?.fix).toContain('aim the rule at');
  });

  it('FAILs a version a rule targets that does not exist', async () => {
    const results = await run({}, [['notification-runbooks-verify-sweep', [`${fnArn(VERIFY)}:7`]]]);
    expect(results.map(line)).toEqual([
      `FAIL handler-configuration ${VERIFY}:7: rule notification-runbooks-verify-sweep targets ${VERIFY}:7, which does not exist: EventBridge cannot invoke it, and verify-change never runs for those rules`,
    ]);
  });

  it('has no line, and reads no version, where the rules target the functions themselves (as infra deploys them), or other functions', async () => {
    const results = await run({}, [
      ['notification-runbooks-escalate-decisions', [fnArn(ESCALATE)]],
      // A function whose name begins with a handler's is not that handler's version.
      ['elsewhere', [`${fnArn(ESCALATE)}-copy`, `${fnArn('another-function')}:live`, `arn:aws:sqs:us-east-1:${ACCOUNT}:queue`]],
    ]);
    expect(results).toEqual([]);
    expect(qualifiedAsked()).toEqual([]);
  });
});

describe('checkRolePermissions', () => {
  const MAPPING = `arn:aws:lambda:us-east-1:${ACCOUNT}:event-source-mapping:55ac5773`;
  const CONSUMER = fnArn('notification-service-consumer');
  const context = (): ArnContext => ({
    target: TARGET,
    expected,
    found: {
      queueArns: [`arn:aws:sqs:us-east-1:${ACCOUNT}:notification-service-queue`],
      functionArns: [CONSUMER],
      mappingArns: [MAPPING],
      dbArns: [`arn:aws:rds:us-east-1:${ACCOUNT}:db:notification-service-db`],
      dbParameterGroups: ['notification-service-pg'],
      dbSubnetGroups: ['notification-service-subnets'],
    },
    alarmArns: expected.alarms.map((a) => `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:${a.name}`),
    handlerFunctionArns: expected.handlers.map((h) => fnArn(h.functionName)),
    automationDocuments: ['NotificationService-ScaleConsumers'],
  });
  const handler = (name: string): ExpectedHandler => {
    const found = expected.handlers.find((h) => h.name === name);
    if (!found) throw new Error(`no ${name} expected`);
    return found;
  };
  const liveOf = (...names: string[]): LiveHandler[] =>
    names.map((name) => ({ handler: handler(name), configuration: { FunctionArn: fnArn(handler(name).functionName), Role: `arn:aws:iam::${ACCOUNT}:role/${handler(name).roleName}` } }));

  /** The simulator: one result per action and ARN asked about, allowed unless listed as denied (action on ARN). */
  let answered = 0;
  function simulator(denied: Record<string, { decision: string; missing?: string[] }> = {}): void {
    iam.reset();
    answered = 0;
    iam.on(SimulatePrincipalPolicyCommand).callsFake((input: SimulatePrincipalPolicyCommandInput) => {
      const results = (input.ActionNames ?? []).flatMap((action) =>
        (input.ResourceArns ?? ['*']).map((resource) => {
          const d = denied[`${action} ${resource}`];
          answered += 1;
          return { EvalActionName: action, EvalResourceName: resource, EvalDecision: d?.decision ?? 'allowed', ...(d?.missing ? { MissingContextValues: d.missing } : {}) };
        }),
      );
      return { EvaluationResults: results, IsTruncated: false };
    });
  }
  const calls = (): SimulatePrincipalPolicyCommandInput[] => iam.commandCalls(SimulatePrincipalPolicyCommand).map((c) => c.args[0].input);

  it('every declared call allowed: a PASS counting the calls simulated, on the real ARNs with the context AWS sets', async () => {
    simulator();
    const results = await checkRolePermissions(clients(), liveOf('scale-consumers'), context());
    const scale = handler('scale-consumers');
    expect(results.map(line)).toEqual([`PASS role-permissions ${SCALE}: role ${scale.roleName} of ${SCALE}: all ${answered} declared calls allowed on the real ARNs (${scale.actions.length} actions)`]);
    expect(answered).toBeGreaterThan(scale.actions.length - 1);
    // The principal is the function's own role; the mapping update is asked about on the real mapping, as the consumer's.
    expect(new Set(calls().map((c) => c.PolicySourceArn))).toEqual(new Set([`arn:aws:iam::${ACCOUNT}:role/notification-runbooks-scale-consumers-us-east-1`]));
    const update = calls().find((c) => c.ActionNames?.includes('lambda:UpdateEventSourceMapping'));
    expect(update?.ResourceArns).toEqual([MAPPING]);
    expect(update?.ContextEntries).toEqual([{ ContextKeyName: 'lambda:FunctionArn', ContextKeyType: 'string', ContextKeyValues: [CONSUMER] }]);
    // Every declared action was asked about.
    expect(new Set(calls().flatMap((c) => c.ActionNames ?? []))).toEqual(new Set(scale.actions));
  });

  it('a denied call is a FAIL naming the action, the ARN and the decision', async () => {
    simulator({ [`lambda:UpdateEventSourceMapping ${MAPPING}`]: { decision: 'implicitDeny' } });
    const [result] = await checkRolePermissions(clients(), liveOf('scale-consumers'), context());
    expect(result && line(result)).toBe(`FAIL role-permissions ${SCALE}: role notification-runbooks-scale-consumers-us-east-1 of ${SCALE} is denied 1 declared call(s): lambda:UpdateEventSourceMapping on ${MAPPING} (implicitDeny)`);
    expect(result?.fix).toContain('an explicit deny comes from an SCP or permission boundary');
  });

  it('a call denied for want of a context value names the key; an explicit deny is named as such', async () => {
    simulator({
      [`lambda:UpdateEventSourceMapping ${MAPPING}`]: { decision: 'implicitDeny', missing: ['lambda:FunctionArn'] },
      [`lambda:PutFunctionConcurrency ${CONSUMER}`]: { decision: 'explicitDeny' },
    });
    const [result] = await checkRolePermissions(clients(), liveOf('scale-consumers'), context());
    expect(result?.status).toBe('FAIL');
    expect(result?.message).toContain('is denied 2 declared call(s): ');
    expect(result?.message).toContain(`lambda:PutFunctionConcurrency on ${CONSUMER} (explicitDeny)`);
    expect(result?.message).toContain(`lambda:UpdateEventSourceMapping on ${MAPPING} (implicitDeny, missing lambda:FunctionArn)`);
  });

  it('an action whose resource was not found is not simulated on a made-up ARN: a WARN naming it', async () => {
    simulator();
    const c = context();
    const [result] = await checkRolePermissions(clients(), liveOf('scale-consumers'), { ...c, found: { ...c.found, mappingArns: [] } });
    expect(result?.status).toBe('WARN');
    expect(result?.message).toBe(`role notification-runbooks-scale-consumers-us-east-1 of ${SCALE}: ${answered} calls allowed; not simulated (no resource of that kind found): lambda:GetEventSourceMapping, lambda:UpdateEventSourceMapping`);
    expect(calls().flatMap((c2) => c2.ActionNames ?? [])).not.toContain('lambda:UpdateEventSourceMapping');
  });

  it('a function without a role is a FAIL', async () => {
    simulator();
    const [live] = liveOf('scale-consumers');
    const results = await checkRolePermissions(clients(), [{ handler: live!.handler, configuration: { FunctionArn: fnArn(SCALE) } }], context());
    expect(results.map(line)).toEqual([`FAIL role-permissions ${SCALE}: handler ${SCALE} has no execution role`]);
    expect(calls()).toEqual([]);
  });

  it('AccessDenied on the simulation of one role is a FAIL naming iam:SimulatePrincipalPolicy; the other roles are still simulated', async () => {
    simulator();
    iam.on(SimulatePrincipalPolicyCommand, { PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/notification-runbooks-scale-consumers-us-east-1` }).rejects(awsError('AccessDenied', 'not authorized'));
    const results = await checkRolePermissions(clients(), liveOf('scale-consumers', 'escalate'), context());
    expect(results.map((r) => `${r.status} ${r.check} ${r.subject}`)).toEqual([
      `FAIL could-not-check role notification-runbooks-scale-consumers-us-east-1 of ${SCALE}`,
      `PASS role-permissions ${ESCALATE}`,
    ]);
    expect(results[0]?.message).toBe(`could not check role notification-runbooks-scale-consumers-us-east-1 of ${SCALE}: AccessDenied: preflight is not allowed iam:SimulatePrincipalPolicy`);
  });

  describe("the on-failure destination's delivery, which Lambda makes with the execution role (decision 291)", () => {
    const withDestination = (name: string, destination: string): LiveHandler[] => liveOf(name).map((l) => ({ ...l, failureDestination: destination }));
    const SCALE_ROLE = `arn:aws:iam::${ACCOUNT}:role/notification-runbooks-scale-consumers-us-east-1`;

    it('sqs:SendMessage is simulated on the destination exactly as read, apart from the declared calls, and named in the PASS', async () => {
      simulator();
      const [result] = await checkRolePermissions(clients(), withDestination('scale-consumers', FAILED_QUEUE), context());
      const scale = handler('scale-consumers');
      expect(result && line(result)).toBe(`PASS role-permissions ${SCALE}: role ${scale.roleName} of ${SCALE}: all ${answered - 1} declared calls allowed on the real ARNs (${scale.actions.length} actions); sqs:SendMessage to its on-failure destination notification-runbooks-failed allowed`);
      expect(calls().at(-1)).toEqual({ PolicySourceArn: SCALE_ROLE, ActionNames: ['sqs:SendMessage'], ResourceArns: [FAILED_QUEUE] });
    });

    // The misconfiguration (or an attacker narrowing the role): the grant infra's SqsDestination writes is gone.
    it('a role that may not send to its on-failure queue is a FAIL naming the call, the queue and that the record is lost', async () => {
      simulator({ [`sqs:SendMessage ${FAILED_QUEUE}`]: { decision: 'implicitDeny' } });
      const [result] = await checkRolePermissions(clients(), withDestination('scale-consumers', FAILED_QUEUE), context());
      expect(result && line(result)).toBe(
        `FAIL role-permissions ${SCALE}: role notification-runbooks-scale-consumers-us-east-1 of ${SCALE} may not deliver a failed invocation's record to its on-failure destination: sqs:SendMessage on ${FAILED_QUEUE} (implicitDeny) (Lambda sends it with the function's execution role, so the record is lost, counted only in DestinationDeliveryFailures)`,
      );
      expect(result?.fix).toContain('grants sqs:SendMessage on the on-failure destination it sets');
    });

    it('a declared call and the delivery both denied: one FAIL naming both', async () => {
      simulator({ [`sqs:SendMessage ${FAILED_QUEUE}`]: { decision: 'explicitDeny' }, [`lambda:UpdateEventSourceMapping ${MAPPING}`]: { decision: 'implicitDeny' } });
      const [result] = await checkRolePermissions(clients(), withDestination('scale-consumers', FAILED_QUEUE), context());
      expect(result?.message).toBe(
        `role notification-runbooks-scale-consumers-us-east-1 of ${SCALE} is denied 1 declared call(s): lambda:UpdateEventSourceMapping on ${MAPPING} (implicitDeny); and may not deliver a failed invocation's record to its on-failure destination: sqs:SendMessage on ${FAILED_QUEUE} (explicitDeny) (Lambda sends it with the function's execution role, so the record is lost, counted only in DestinationDeliveryFailures)`,
      );
    });

    it.each([
      [`arn:aws:sns:us-east-1:${ACCOUNT}:failures`, 'sns:Publish'],
      [fnArn('failure-handler'), 'lambda:InvokeFunction'],
      [`arn:aws:events:us-east-1:${ACCOUNT}:event-bus/failures`, 'events:PutEvents'],
    ])('a destination %s is simulated with %s', async (destination, action) => {
      simulator();
      await checkRolePermissions(clients(), withDestination('scale-consumers', destination), context());
      expect(calls().at(-1)).toEqual({ PolicySourceArn: SCALE_ROLE, ActionNames: [action], ResourceArns: [destination] });
    });

    it('no destination read: nothing more is simulated', async () => {
      simulator();
      await checkRolePermissions(clients(), liveOf('scale-consumers'), context());
      expect(calls().flatMap((c) => c.ActionNames ?? [])).not.toContain('sqs:SendMessage');
    });
  });

  it('every page of the simulation is read (a truncated answer is followed by its marker)', async () => {
    iam.reset();
    let page = 0;
    iam.on(SimulatePrincipalPolicyCommand).callsFake((input: SimulatePrincipalPolicyCommandInput) => {
      const actions = input.ActionNames ?? [];
      // The first answer of the first group is truncated; its second page denies the first action.
      if (page++ === 0) return { EvaluationResults: [], IsTruncated: true, Marker: 'm1' };
      const denied = input.Marker === 'm1';
      return { EvaluationResults: actions.slice(0, 1).map((a) => ({ EvalActionName: a, EvalResourceName: 'r', EvalDecision: denied ? 'implicitDeny' : 'allowed' })), IsTruncated: false };
    });
    const [result] = await checkRolePermissions(clients(), liveOf('escalate'), context());
    expect(result?.status).toBe('FAIL');
    expect(result?.message).toMatch(/is denied 1 declared call\(s\): [a-z0-9]+:[A-Za-z]+ on r \(implicitDeny\)$/);
    expect(calls()[1]?.Marker).toBe('m1');
  });
});

describe('checkRolePermissions: the API reads of an HTTP API configured in dependencies.apis (type http, decision 111)', () => {
  const withHttp = expectationsFor('production', 'single-account', { dependencies: { apis: [{ name: 'notification-service-api', functionName: 'notification-service-consumer', id: 'h1ttpapi01', type: 'http' }] } });
  const reader = withHttp.handlers.find((h) => h.actions.includes('apigateway:GET'));
  const gw = 'arn:aws:apigateway:us-east-1::';
  const context = (): ArnContext => ({
    target: TARGET,
    expected: withHttp,
    found: { queueArns: [], functionArns: [], mappingArns: [], dbArns: [], dbParameterGroups: [], dbSubnetGroups: [] },
    alarmArns: [],
    handlerFunctionArns: [],
    automationDocuments: [],
  });
  /** The simulator: allowed on the API itself, denied on its sub-paths (a role granting /apis/<id> without /apis/<id>/*). */
  function roleWithoutSubPaths(): void {
    iam.reset();
    iam.on(SimulatePrincipalPolicyCommand).callsFake((input: SimulatePrincipalPolicyCommandInput) => ({
      EvaluationResults: (input.ActionNames ?? []).flatMap((action) =>
        (input.ResourceArns ?? ['*']).map((resource) => ({
          EvalActionName: action,
          EvalResourceName: resource,
          EvalDecision: action === 'apigateway:GET' && resource.startsWith(`${gw}/apis/h1ttpapi01/`) ? 'implicitDeny' : 'allowed',
        })),
      ),
      IsTruncated: false,
    }));
  }

  it('the configuration reads as one HTTP API and no REST API, and a handler reads it', () => {
    expect(withHttp.watched.httpApis).toEqual([{ name: 'notification-service-api', id: 'h1ttpapi01' }]);
    expect(withHttp.watched.restApis).toEqual([]);
    expect(reader).toBeDefined();
  });

  it('FAIL role-permissions naming the stages, integrations and routes when the role has /apis/<id> but not /apis/<id>/*', async () => {
    roleWithoutSubPaths();
    const h = reader as ExpectedHandler;
    const live: LiveHandler[] = [{ handler: h, configuration: { FunctionArn: fnArn(h.functionName), Role: `arn:aws:iam::${ACCOUNT}:role/${h.roleName}` } }];
    const results = await checkRolePermissions(clients(), live, context());
    expect(results.map((r) => `${r.status} ${r.check}`)).toEqual(['FAIL role-permissions']);
    for (const sub of ['stages', 'integrations', 'routes']) expect(results[0]?.message).toContain(`apigateway:GET on ${gw}/apis/h1ttpapi01/${sub} (implicitDeny)`);
    expect(results[0]?.message).not.toContain('/restapis/');
    // The API itself was asked about, and allowed: only the sub-paths are named.
    const asked = iam.commandCalls(SimulatePrincipalPolicyCommand).flatMap((c) => (c.args[0].input.ActionNames?.includes('apigateway:GET') ? (c.args[0].input.ResourceArns ?? []) : []));
    expect(asked).toContain(`${gw}/apis/h1ttpapi01`);
    expect(results[0]?.message).not.toContain(`${gw}/apis/h1ttpapi01 (`);
  });
});

describe('arnsOf: the real ARNs an action is simulated on', () => {
  const c: ArnContext = {
    target: TARGET,
    expected,
    found: { queueArns: [], functionArns: [], mappingArns: [], dbArns: [], dbParameterGroups: ['pg1'], dbSubnetGroups: ['sub1'] },
    alarmArns: [],
    handlerFunctionArns: [],
    automationDocuments: ['NotificationService-ScaleConsumers'],
  };
  const escalate = expected.handlers.find((h) => h.name === 'escalate') as ExpectedHandler;
  const scale = expected.handlers.find((h) => h.name === 'scale-consumers') as ExpectedHandler;
  it.each([
    ['escalation-topic', escalate, ['l1-devops', 'l2-cloud-infrastructure', 'l3-aws-support', 'l4-service-owner'].map((t) => `arn:aws:sns:us-east-1:${ACCOUNT}:notification-escalation-${t}`)],
    ['kill-switch', escalate, [`arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/notification-runbooks/kill-switch`]],
    ['state-table', escalate, [`arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/notification-runbooks-state`]],
    ['event-bus', escalate, [`arn:aws:events:us-east-1:${ACCOUNT}:event-bus/notification-runbooks`]],
    ['function-log-group', escalate, [`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/notification-service-consumer:*`]],
    ['db-parameter-group', escalate, [`arn:aws:rds:us-east-1:${ACCOUNT}:pg:pg1`]],
    ['db-subnet-group', escalate, [`arn:aws:rds:us-east-1:${ACCOUNT}:subgrp:sub1`]],
    ['automation-definition', escalate, [`arn:aws:ssm:us-east-1:${ACCOUNT}:automation-definition/NotificationService-ScaleConsumers:$DEFAULT`]],
    // StartAutomationExecution's required document resource (decision 218): the project's documents by name.
    ['runbook-document', escalate, [`arn:aws:ssm:us-east-1:${ACCOUNT}:document/NotificationService-ScaleConsumers`]],
    // The escalation handlers schedule in the escalation lane, with its role; a playbook that schedules no timer, none.
    ['schedule', escalate, [`arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule/notification-runbooks/preflight-probe`]],
    ['scheduler-role', escalate, [`arn:aws:iam::${ACCOUNT}:role/notification-runbooks-escalation-scheduler-us-east-1`]],
    ['schedule', scale, [`arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule/notification-runbooks-verify/preflight-probe`]],
    ['scheduler-role', scale, [`arn:aws:iam::${ACCOUNT}:role/notification-runbooks-verify-scheduler-us-east-1`]],
    // Single-account mode: no remediation role to simulate on.
    ['remediation-role', escalate, undefined],
    // A primary region has no cross-region replica: nothing to simulate on.
    ['dr-replica', escalate, []],
  ] as const)('%s (%s)', (kind, h, arns) => {
    expect(arnsOf(kind, h, c)).toEqual(arns);
  });

  // Decision 111, reviewer's finding: the API alone was probed, so a role without /<id>/* passed yet was denied the
  // stages, integrations and routes at run time. Each API is probed with the sub-paths its playbook reads, an HTTP API
  // (dependencies.apis type http) under /apis, a REST API under /restapis; an API with no id configured, a probe id.
  it('rest-api / http-api: the API and the sub-paths the playbook reads, each API in its own path', () => {
    const apis = { ...c, expected: { ...expected, watched: { ...expected.watched, restApis: [{ name: 'rest', id: 'r1' }], httpApis: [{ name: 'http', id: 'h1' }, { name: 'other' }] } } };
    const gw = 'arn:aws:apigateway:us-east-1::';
    expect(arnsOf('rest-api', escalate, apis)).toEqual([`${gw}/restapis/r1`, `${gw}/restapis/r1/stages`, `${gw}/restapis/r1/resources`]);
    expect(arnsOf('http-api', escalate, apis)).toEqual([
      `${gw}/apis/h1`,
      `${gw}/apis/h1/stages`,
      `${gw}/apis/h1/integrations`,
      `${gw}/apis/h1/routes`,
      `${gw}/apis/preflight1`,
      `${gw}/apis/preflight1/stages`,
      `${gw}/apis/preflight1/integrations`,
      `${gw}/apis/preflight1/routes`,
    ]);
  });

  it("verify-change's DeleteItem is simulated as it deletes, on the verify sweep's partition (dynamodb:LeadingKeys VERIFY-DUE, review 18c R18-16); escalate's without the key", () => {
    const verify = expected.handlers.find((h) => h.name === 'verify-change') as ExpectedHandler;
    const deleting = (h: ExpectedHandler) => simulationGroups({ ...h, actions: ['dynamodb:DeleteItem'] }, c).groups;
    expect(deleting(verify)).toEqual([
      { actions: ['dynamodb:DeleteItem'], resources: [`arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/notification-runbooks-state`], context: [{ ContextKeyName: 'dynamodb:LeadingKeys', ContextKeyType: 'stringList', ContextKeyValues: ['VERIFY-DUE'] }] },
    ]);
    expect(deleting(escalate)[0]?.context).toEqual([]);
  });

  it("verify-change's PutItem is simulated on its claim's and its audit entry's partitions, its UpdateItem on its claim's (dynamodb:LeadingKeys INCIDENT# / RESOURCE#, review 19 R19-3); escalate's without the key", () => {
    const verify = expected.handlers.find((h) => h.name === 'verify-change') as ExpectedHandler;
    const writing = (h: ExpectedHandler) => simulationGroups({ ...h, actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] }, c).groups;
    const table = [`arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/notification-runbooks-state`];
    const leadingKeys = (values: string[]) => [{ ContextKeyName: 'dynamodb:LeadingKeys', ContextKeyType: 'stringList', ContextKeyValues: values }];
    expect(writing(verify)).toEqual([
      { actions: ['dynamodb:GetItem'], resources: table, context: [] },
      { actions: ['dynamodb:PutItem'], resources: table, context: leadingKeys(['INCIDENT#preflight-probe', 'RESOURCE#preflight-probe']) },
      { actions: ['dynamodb:UpdateItem'], resources: table, context: leadingKeys(['INCIDENT#preflight-probe']) },
    ]);
    expect(writing(escalate)).toEqual([{ actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: table, context: [] }]);
  });

  it('dr-replica: in the DR region, the replica the resource checks found there', () => {
    const replica = `arn:aws:rds:us-west-2:${ACCOUNT}:db:notification-service-db-replica`;
    expect(arnsOf('dr-replica', escalate, { ...c, found: { ...c.found, drReplicaArns: [replica] } })).toEqual([replica]);
  });
});
