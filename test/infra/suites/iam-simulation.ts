// Suite: IAM proven on the synthesized templates with a policy simulator (@cloud-copilot/iam-simulate, AGPL-3.0, tests only):
// every policy is valid against AWS's Service Authorization Reference, every call each handler's code makes is allowed on
// the service's real ARNs (cross-account: through the role it assumes), and no dangerous call is allowed to any of them.
import { workloadRoleActionsOf } from '../../../infra/lib/handler-catalog';
import { handlersForRegion } from '../../../infra/lib/runbook-stack';
import { roleOfRegion } from '../../../shared/config/alarm-specs';
import { functionNameOf } from '../../../infra/lib/settings';
import { PIPELINE_ACTIONS, REGION_SERVING_ACTIONS } from '../../../shared/pipeline/pipeline-actions';
import { VERIFY_SCHEDULE_GROUP_ENV } from '../../../shared/pipeline/verify-scheduler';
import {
  deployedEnvironment,
  deployedResourcePolicies,
  deployedRoles,
  executionRoleOf,
  type Deployed,
  type DeployedRole,
  type PolicyDocument,
} from '../support/cfn-policies';
import { editCondition, editStatements, policyFindings, simulate, type JudgedPolicy, type SimulatedCall, type SimulationPrincipal } from '../support/iam-simulation';
import { apiCallsOfHandler } from '../support/sdk-calls';
import {
  assumeRoleCalls,
  callsOfAction,
  dangerousCalls,
  declaredActionsOf,
  foreignRegionTagCalls,
  keyCalls,
  otherRegionDatabaseCalls,
  otherRegionSessionCalls,
  sessionContext,
  SIMULATED_INCIDENT_KEY,
  type ServiceWorld,
  type StackFacts,
} from '../support/service-calls';
import { ROOT_DIR, type CfnTemplate, type SynthesizedApp } from '../support/synth';
import { remediationSession } from '../../../shared/aws/account-clients';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Set to 1 to rewrite the committed figures instead of asserting them. */
const WRITE_FIGURES_ENV = 'IAM_FIGURES_WRITE';

/** What the simulation covers, as counts: any call dropped from (or added to) the plan moves one of them. */
export interface SimulationFigures {
  principals: number;
  needed: number;
  dangerous: number;
  /** dangerous calls per action, over every principal: removing a class (the kill switch written, IAM writes) shows here. */
  dangerousByAction: Record<string, number>;
}

export function simulationFigures(plan: Pick<SimulationPlan, 'cases'>): SimulationFigures {
  const byAction = new Map<string, number>();
  for (const c of plan.cases) for (const call of c.dangerous) byAction.set(call.action, (byAction.get(call.action) ?? 0) + 1);
  return {
    principals: plan.cases.length,
    needed: plan.cases.reduce((n, c) => n + c.needed.length, 0),
    dangerous: plan.cases.reduce((n, c) => n + c.dangerous.length, 0),
    dangerousByAction: Object.fromEntries([...byAction.entries()].sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** The account an account-agnostic stack is simulated in. */
const AGNOSTIC_ACCOUNT = '123456789012';

/** One principal and the calls it must be allowed and refused, in one region. */
export interface PrincipalCase {
  label: string;
  handler?: string;
  principal: SimulationPrincipal;
  region: string;
  needed: SimulatedCall[];
  dangerous: SimulatedCall[];
  /** Rebuilds the case's calls for edited policies (fault planting). */
  world?: ServiceWorld;
}

export interface SimulationPlan {
  policies: JudgedPolicy[];
  cases: PrincipalCase[];
  /** handler -> its declared actions (the scan cross-check). */
  declared: Map<string, { actions: Set<string>; schedules: boolean; crossAccount: boolean }>;
}

const roleByLogicalId = (roles: DeployedRole[], id: string): DeployedRole => {
  const role = roles.find((r) => r.logicalId === id);
  if (!role) throw new Error(`no role ${id}`);
  return role;
};

const trustedService = (role: DeployedRole): string[] =>
  role.trust.Statement.flatMap((s) => {
    const principal = s.Principal as { Service?: string | string[] } | undefined;
    return principal?.Service === undefined ? [] : [principal.Service].flat();
  });

function stackFacts(template: CfnTemplate, roles: DeployedRole[], d: Deployed): StackFacts {
  const automation = roles.find((r) => trustedService(r).includes('ssm.amazonaws.com'));
  return {
    scheduleGroups: Object.values(template.Resources).filter((r) => r.Type === 'AWS::Scheduler::ScheduleGroup').map((r) => String(r.Properties?.Name)),
    schedulerRoleArns: roles.filter((r) => trustedService(r).includes('scheduler.amazonaws.com')).map((r) => r.arn),
    ...(automation ? { automationRoleArn: automation.arn } : {}),
    ruleArn: `arn:${d.partition}:events:${d.region}:${d.account}:rule/notification-runbooks/notification-runbooks-escalate-decisions`,
  };
}

async function neededCalls(actions: readonly string[], world: ServiceWorld): Promise<SimulatedCall[]> {
  const calls = (await Promise.all(actions.map((action) => callsOfAction(action, world)))).flat();
  return actions.includes('sns:Publish') ? [...calls, ...keyCalls(world)] : calls;
}

const principalOf = (role: DeployedRole): SimulationPrincipal => ({ arn: role.arn, roleArn: role.arn, account: role.account, policies: role.policies });

/** Every role and resource policy, and every principal with its calls, of a synthesized app. */
export async function simulationPlan(synthesized: SynthesizedApp, options: { workloadAccount?: string } = {}): Promise<SimulationPlan> {
  const { built } = synthesized;
  const policies: JudgedPolicy[] = [];
  const cases: PrincipalCase[] = [];
  const declared: SimulationPlan['declared'] = new Map();
  const remediation = new Map<string, { role: DeployedRole; trust: PolicyDocument }>();

  // The workload side first: the remediation roles the handlers assume.
  for (const plan of built.plans.filter((p) => p.kind !== 'runbooks')) {
    const template = synthesized.json.get(plan.stackName)!;
    const d: Deployed = { partition: 'aws', region: plan.region, account: plan.account ?? AGNOSTIC_ACCOUNT };
    for (const role of deployedRoles(template, d)) {
      for (const p of role.policies) policies.push({ where: `${plan.stackName} role ${role.name} (${p.name})`, kind: 'identity', document: p.document });
      policies.push({ where: `${plan.stackName} role ${role.name} trust`, kind: 'trust', document: role.trust });
      if (plan.kind === 'remediation-roles') remediation.set(role.name, { role, trust: role.trust });
    }
    for (const rp of deployedResourcePolicies(template, d)) policies.push({ where: `${plan.stackName} ${rp.where}`, kind: 'resource', document: rp.document });
  }

  for (const plan of built.plans.filter((p) => p.kind === 'runbooks')) {
    const template = synthesized.json.get(plan.stackName)!;
    const d: Deployed = { partition: 'aws', region: plan.region, account: plan.account ?? AGNOSTIC_ACCOUNT };
    const roles = deployedRoles(template, d);
    const facts = stackFacts(template, roles, d);
    const resourcePolicies = deployedResourcePolicies(template, d);
    for (const role of roles) {
      for (const p of role.policies) policies.push({ where: `${plan.stackName} role ${role.name} (${p.name})`, kind: 'identity', document: p.document });
      policies.push({ where: `${plan.stackName} role ${role.name} trust`, kind: 'trust', document: role.trust });
    }
    for (const rp of resourcePolicies) policies.push({ where: `${plan.stackName} ${rp.where}`, kind: 'resource', document: rp.document });
    const keyPolicy = resourcePolicies.find((rp) => rp.where.endsWith('key policy'));
    const key = keyPolicy ? { arn: `arn:aws:kms:${d.region}:${d.account}:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d`, policy: keyPolicy.document } : undefined;
    const workloadAccount = plan.crossAccount?.workloadAccount ?? options.workloadAccount;
    // The environment's other regions (the operations account deploys one stack per region).
    const otherRegions = built.plans.filter((p) => p.kind === 'runbooks' && p.environment === plan.environment && p.region !== plan.region).map((p) => p.region);

    // The handlers this stack deploys: a DR region deploys the rows that change something too (decision 123), which there
    // also read whether the region serves.
    const regionRole = roleOfRegion(built.config, plan.environment, plan.region);
    for (const handler of handlersForRegion(built.config, regionRole, built.handlers)) {
      const functionName = functionNameOf(handler.name);
      const role = roleByLogicalId(roles, executionRoleOf(template, functionName));
      const env = deployedEnvironment(template, functionName, d);
      const actions = declaredActionsOf(handler, regionRole);
      // Cross-account mode: every handler that acts on the workload's resources (each playbook, escalate, escalation-timer,
      // verify-change) does so through the remediation role the workload offers it.
      const remoteActions = workloadRoleActionsOf(handler);
      const crossAccount = remoteActions !== undefined && plan.crossAccount !== undefined;
      declared.set(handler.name, { actions: new Set(actions), schedules: actions.includes('scheduler:CreateSchedule'), crossAccount });
      const world: ServiceWorld = {
        config: built.config,
        environment: plan.environment,
        partition: d.partition,
        region: d.region,
        serviceAccount: d.account,
        ownAccount: d.account,
        env,
        handler: handler.name,
        ...(key ? { key } : {}),
      };
      const label = `${plan.stackName} ${handler.name}`;
      if (!crossAccount || !workloadAccount || !remoteActions) {
        cases.push({ label, handler: handler.name, principal: principalOf(role), region: d.region, needed: await neededCalls(actions, world), dangerous: dangerousCalls(world, facts), world });
        continue;
      }
      // Cross-account: the own-account calls (a playbook's pipeline; a service handler's declared own actions) and the
      // AssumeRole here; the calls on the workload's resources through the role.
      const remote = remediation.get(env.REMEDIATION_ROLE_NAME ?? '');
      if (!remote) throw new Error(`${label}: no remediation role ${env.REMEDIATION_ROLE_NAME ?? '(unset)'} in the workload account`);
      const inOwnAccount =
        handler.kind === 'playbook'
          ? // The DR serving reads go through the remediation role (decision 128): not the operations account's calls.
            actions.filter((a) => !handler.actions.includes(a) && !(PIPELINE_ACTIONS.alarms as readonly string[]).includes(a) && !(REGION_SERVING_ACTIONS as readonly string[]).includes(a))
          : [...(handler.crossAccount?.ownActions ?? [])];
      cases.push({
        label,
        handler: handler.name,
        principal: principalOf(role),
        region: d.region,
        needed: [...(await neededCalls(inOwnAccount, world)), ...assumeRoleCalls(handler.name, d.region, remote.role.arn, workloadAccount, remote.trust)],
        // And the attacker's session tag: this region's execution role naming another region as its own (decision 147).
        dangerous: [...dangerousCalls(world, facts), ...foreignRegionTagCalls(handler.name, d.region, otherRegions, remote.role.arn, workloadAccount, remote.trust)],
        world,
      });
      const remoteWorld: ServiceWorld = { ...world, serviceAccount: workloadAccount, ownAccount: workloadAccount };
      const session = remediationSession(handler.name, { region: d.region, incidentKey: SIMULATED_INCIDENT_KEY });
      const servedActions = (region: string): string[] => [
        ...new Set([...remoteActions, ...(readsServingThroughRole(handler, roleOfRegion(built.config, plan.environment, region)) ? REGION_SERVING_ACTIONS : [])]),
      ];
      // What the role serves another region's session there: refused to this region's session (decision 147). The
      // actions it holds on "*" only are served from the region a request is sent to (otherRegionSessionCalls).
      const onAnyResource = new Set(
        remote.role.policies.flatMap((p) => p.document.Statement.filter((st) => [st.Resource ?? []].flat().includes('*')).flatMap((st) => [st.Action ?? []].flat())),
      );
      const otherRegionCalls = (
        await Promise.all(otherRegions.map(async (other) => otherRegionSessionCalls(await neededCalls(servedActions(other), { ...remoteWorld, region: other }), other, onAnyResource)))
      ).flat();
      cases.push({
        label: `${label} -> ${remote.role.name} (${d.region})`,
        handler: handler.name,
        principal: {
          arn: `arn:aws:sts::${workloadAccount}:assumed-role/${remote.role.name}/${session.RoleSessionName}`,
          roleArn: remote.role.arn,
          account: workloadAccount,
          policies: remote.role.policies,
          context: sessionContext(handler.name, d.region),
        },
        region: d.region,
        // In the DR region a changing row and verify-change read there, through this role, whether the region serves
        // (decision 128): the replica and the DR consumers' mappings.
        needed: await neededCalls(servedActions(d.region), remoteWorld),
        // And the databases of the other region, named in this one (decision 131): the role names each region's own;
        // and every call the role serves another region's session, there and named from here (decision 147).
        dangerous: [
          ...dangerousCalls(remoteWorld, { scheduleGroups: facts.scheduleGroups, schedulerRoleArns: [], ruleArn: facts.ruleArn }),
          ...otherRegionDatabaseCalls(remoteWorld),
          ...otherRegionCalls,
        ],
      });
    }

    // The scheduler roles: each invokes its own timer handler, and nothing else.
    for (const role of roles.filter((r) => trustedService(r).includes('scheduler.amazonaws.com'))) {
      const own = role.name.includes('verify') ? 'verify-change' : 'escalation-timer';
      const fn = (handler: string): string => `arn:aws:lambda:${d.region}:${d.account}:function:${functionNameOf(handler)}`;
      const invoke = (handler: string, why: string): SimulatedCall => ({ action: 'lambda:InvokeFunction', resource: fn(handler), resourceAccount: d.account, why });
      cases.push({
        label: `${plan.stackName} ${role.name}`,
        principal: principalOf(role),
        region: d.region,
        needed: [invoke(own, 'the timer handler of its own schedule group')],
        dangerous: ['verify-change', 'escalation-timer', 'scale-consumers', 'raise-lambda-memory'].filter((h) => h !== own).map((h) => invoke(h, `a schedule of ${role.name} runs ${h}`)),
      });
    }
  }
  return { policies, cases, declared };
}

/** Cross-account mode: the remediation roles granted the DR serving reads, in the DR region only (decision 128). */
export function readsServingThroughRole(handler: { name: string; readsRegionServing?: boolean }, regionRole: string): boolean {
  return regionRole === 'dr' && (handler.readsRegionServing === true || handler.name === 'verify-change');
}

export interface CaseResult {
  label: string;
  neededDenied: string[];
  dangerousAllowed: string[];
  needed: number;
  dangerous: number;
}

const describeCall = (c: SimulatedCall, result: string): string => `${c.action} on ${c.resource} (${c.why}): ${result}`;

export async function runCase(c: Pick<PrincipalCase, 'label' | 'principal' | 'region' | 'needed' | 'dangerous'>): Promise<CaseResult> {
  const needed = await Promise.all(c.needed.map((call) => simulate(c.principal, call, c.region)));
  const dangerous = await Promise.all(c.dangerous.map((call) => simulate(c.principal, call, c.region)));
  return {
    label: c.label,
    neededDenied: needed.filter((o) => o.result !== 'Allowed').map((o) => describeCall(o.call, o.result)),
    // A simulator error is no proof of a denial: it is reported as well.
    dangerousAllowed: dangerous.filter((o) => o.result === 'Allowed' || o.result.startsWith('error')).map((o) => describeCall(o.call, o.result)),
    needed: needed.length,
    dangerous: dangerous.length,
  };
}

/** Calls the bundle scan finds that the code makes only in a configuration the declarations already account for. */
const REGION_SERVING_READER = 'shared/guard/region-serving-reader.ts';

function explainedByConfiguration(operation: string, facts: { schedules: boolean; crossAccount: boolean }): boolean {
  if (operation === 'sts:AssumeRole') return true; // only with REMEDIATION_ROLE_NAME set (cross-account mode): simulated there
  if (operation === 'scheduler:CreateSchedule') return !facts.schedules; // the verifier is built only for a playbook with `health`
  return false;
}

export function iamSimulationSuite(app: () => SynthesizedApp, options: { mode: 'single-account' | 'cross-account'; plantFaults?: boolean }): void {
  let plan: SimulationPlan;
  let results: CaseResult[];
  beforeAll(async () => {
    plan = await simulationPlan(app());
    results = [];
    for (const c of plan.cases) results.push(await runCase(c));
  }, 600_000);

  it('judges every role, trust and resource policy against the Service Authorization Reference: actions exist, resources fit a resource type the action accepts, condition keys are valid for their actions', async () => {
    const findings = await policyFindings(plan.policies);
    const statements = plan.policies.reduce((n, p) => n + p.document.Statement.length, 0);
    console.log(`IAM (${options.mode}): ${plan.policies.length} policies, ${statements} statements judged against the Service Authorization Reference: ${findings.length} findings`);
    expect(plan.policies.length).toBeGreaterThan(0);
    expect(findings).toEqual([]);
  });

  it('allows every call each handler makes on the real resource ARNs and denies every dangerous call, to every handler role and every role it assumes', () => {
    const needed = results.reduce((n, r) => n + r.needed, 0);
    const dangerous = results.reduce((n, r) => n + r.dangerous, 0);
    const denied = results.flatMap((r) => r.neededDenied.map((d) => `${r.label}: ${d}`));
    const allowed = results.flatMap((r) => r.dangerousAllowed.map((d) => `${r.label}: ${d}`));
    console.log(
      `IAM simulation (${options.mode}): ${results.length} principals, ${needed + dangerous} calls simulated; ` +
        `needed ${needed}: ${needed - denied.length} allowed, ${denied.length} denied; dangerous ${dangerous}: ${dangerous - allowed.length} denied, ${allowed.length} allowed`,
    );
    expect(results.length).toBe(plan.cases.length);
    expect(needed).toBe(plan.cases.reduce((n, c) => n + c.needed.length, 0));
    expect(dangerous).toBe(plan.cases.reduce((n, c) => n + c.dangerous.length, 0));
    expect(needed).toBeGreaterThan(0);
    expect(dangerous).toBeGreaterThan(0);
    expect({ neededDenied: denied, dangerousAllowed: allowed }).toEqual({ neededDenied: [], dangerousAllowed: [] });
  });

  it('simulates exactly the committed figures: principals, needed calls and dangerous calls per action (a class of dangerous call cannot leave the proof unnoticed)', () => {
    const actual = simulationFigures(plan);
    const file = join(ROOT_DIR, 'test', 'infra', 'support', `iam-simulation-figures.${options.mode}.json`);
    if (process.env[WRITE_FIGURES_ENV] === '1') {
      writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
      console.log(`IAM simulation (${options.mode}): figures written to ${file}; commit them with the reason they moved`);
      return;
    }
    const committed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    // A change that moves a figure on purpose rewrites the file (`${WRITE_FIGURES_ENV}=1 npx jest <this test file>
    // --selectProjects infra`) and says why in its commit; the README quotes these files.
    expect(actual).toEqual(committed);
  });

  it('allows raise-lambda-memory and verify-change DescribeMetricFilters on the consumer\'s log group, the only way the code asks (issue 17 item 1)', () => {
    const metricFilterCalls = plan.cases
      .filter((c) => c.handler === 'raise-lambda-memory' || c.handler === 'verify-change')
      .flatMap((c) => c.needed.filter((call) => call.action === 'logs:DescribeMetricFilters').map((call) => `${c.label}: ${call.resource}`));
    expect(metricFilterCalls.length).toBeGreaterThan(0);
    for (const call of metricFilterCalls) expect(call).toMatch(/:logs:[a-z0-9-]+:\d{12}:log-group:\/aws\/lambda\/notification-service-consumer(:\*)?$/);
    const denied = results.filter((r) => /(raise-lambda-memory|verify-change)/.test(r.label)).flatMap((r) => r.neededDenied);
    expect(denied).toEqual([]);
  });

  it('finds in each built bundle no call that the code\'s declarations do not name (the bundle scan as a cross-check)', () => {
    const unnamed: string[] = [];
    for (const [handler, facts] of plan.declared) {
      for (const call of apiCallsOfHandler(ROOT_DIR, handler)) {
        if (call.actions.some((a) => facts.actions.has(a)) || explainedByConfiguration(call.operation, facts)) continue;
        // The DR serving signal's reader (decision 123): its calls are declared once, REGION_SERVING_ACTIONS, and made only
        // in a DR region (shared/pipeline/region-serving-source.ts), where infra grants them.
        if (call.via.startsWith(`${REGION_SERVING_READER} `) && (REGION_SERVING_ACTIONS as readonly string[]).includes(call.operation)) continue;
        unnamed.push(`${handler}: ${call.operation} (${call.via})`);
      }
    }
    expect(unnamed).toEqual([]);
  });

  if (options.mode === 'cross-account') crossAccountServiceHandlersSuite(() => plan, () => results);
  if (options.plantFaults) faultSuite(() => plan);
}

/**
 * Cross-account mode: escalate, escalation-timer and verify-change read and change the workload's resources only through
 * the remediation role each assumes (issue 17 item 2). What each must be able to do there, named independently of the
 * declarations: the alarm re-read (escalation), the health signal, the observation and the revert (verify-change).
 */
const WORKLOAD_CALLS: Readonly<Record<string, readonly string[]>> = {
  escalate: ['cloudwatch:DescribeAlarms'],
  'escalation-timer': ['cloudwatch:DescribeAlarms'],
  'verify-change': [
    'cloudwatch:GetMetricData',
    'lambda:GetEventSourceMapping',
    'lambda:UpdateEventSourceMapping',
    'lambda:GetFunctionConfiguration',
    'lambda:UpdateFunctionConfiguration',
    'logs:DescribeMetricFilters',
    'rds:DescribeDBInstances',
    'rds:ModifyDBInstance',
  ],
};

/** A statement without one action, or nothing when that was its only one: fault planting. */
function withoutAction<S extends { Action?: string | string[] }>(statement: S, action: string): S[] {
  const kept = [statement.Action ?? []].flat().filter((a) => a !== action);
  return kept.length === 0 ? [] : [{ ...statement, Action: kept }];
}

function crossAccountServiceHandlersSuite(plan: () => SimulationPlan, results: () => CaseResult[]): void {
  const STACK = 'NotificationRunbooks-production-us-east-1';
  const caseOf = (label: string): PrincipalCase => {
    const found = plan().cases.find((c) => c.label === label);
    if (!found) throw new Error(`no case ${label}: ${plan().cases.map((c) => c.label).join(', ')}`);
    return found;
  };

  it.each(Object.keys(WORKLOAD_CALLS))('simulates %s through its remediation role: AssumeRole with its session tags at home, its reads and changes on the workload\'s real ARNs there', (handler) => {
    const role = `notification-runbooks-remediate-${handler}`;
    // verify-change runs where a row changes something: both regions since decision 123.
    for (const region of ['us-east-1', 'us-west-2']) {
      const stack = `NotificationRunbooks-production-${region}`;
      const home = caseOf(`${stack} ${handler}`);
      const there = caseOf(`${stack} ${handler} -> ${role} (${region})`);
      const workload = there.principal.account;
      expect(workload).not.toBe(home.principal.account);
      expect(there.principal.arn).toMatch(new RegExp(`^arn:aws:sts::${workload}:assumed-role/${role}/${handler}\\.inc-`));
      // At home: the three STS calls on that role (sts:GetCallerIdentity is on "*"), and nothing on the workload's resources.
      expect(home.needed.filter((c) => c.action.startsWith('sts:') && c.resource !== '*').map((c) => `${c.action} ${c.resource}`)).toEqual(
        ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'].map((a) => `${a} arn:aws:iam::${workload}:role/${role}`),
      );
      expect(home.needed.filter((c) => !c.action.startsWith('sts:') && c.resourceAccount === workload)).toEqual([]);
      // There: every call the handler makes on the workload, on the workload's ARNs.
      const actions = new Set(there.needed.map((c) => c.action));
      expect(WORKLOAD_CALLS[handler]!.filter((a) => !actions.has(a))).toEqual([]);
      for (const call of there.needed) expect(call.resourceAccount).toBe(workload);
      const judged = results().filter((r) => r.label === home.label || r.label === there.label);
      expect(judged.map((r) => ({ label: r.label, neededDenied: r.neededDenied, dangerousAllowed: r.dangerousAllowed }))).toEqual(
        [home, there].map((c) => ({ label: c.label, neededDenied: [], dangerousAllowed: [] })),
      );
    }
  });

  it('catches a remediation role that does not admit the session tags: verify-change cannot tag its session with the incident', async () => {
    const home = caseOf(`${STACK} verify-change`);
    const planted: PrincipalCase = {
      ...home,
      needed: home.needed.map((call) =>
        // sts:TagSession taken out of every statement (the session's statements allow it with sts:AssumeRole, decision 176).
        call.resourcePolicy ? { ...call, resourcePolicy: { ...call.resourcePolicy, Statement: call.resourcePolicy.Statement.flatMap((st) => withoutAction(st, 'sts:TagSession')) } } : call,
      ),
    };
    expect((await runCase(home)).neededDenied).toEqual([]);
    expect((await runCase(planted)).neededDenied.map((d) => d.split(' (')[0])).toEqual(['sts:TagSession on arn:aws:iam::222222222222:role/notification-runbooks-remediate-verify-change']);
  });

  it('grants the DR serving reads through the remediation roles of the changing rows and verify-change, in the DR region only (decision 128)', async () => {
    const DR = 'NotificationRunbooks-production-us-west-2';
    const home = caseOf(`${DR} verify-change`);
    const replica = home.world?.config.environments.production.disasterRecovery?.replicaIdentifier;
    expect(replica).toBeDefined();
    const workload = caseOf(`${DR} verify-change -> notification-runbooks-remediate-verify-change (us-west-2)`).principal.account;
    const servingCalls = (region: string): SimulatedCall[] => [
      { action: REGION_SERVING_ACTIONS[0], resource: `arn:aws:rds:${region}:${workload}:db:${replica}`, resourceAccount: workload, why: 'the DR replica, promoted or not' },
      { action: REGION_SERVING_ACTIONS[1], resource: '*', resourceAccount: workload, why: 'the DR consumers\' mappings' },
    ];
    const denied = (r: CaseResult): string[] => r.neededDenied.map((d) => d.split(' (')[0]!);
    const onlyServing = (st: { Sid?: string }): boolean => (st.Sid ?? '').startsWith('RegionServing');
    const readers = ['scale-consumers', 'raise-lambda-memory', 'scale-up-database', 'verify-change'];
    const withoutGrant: Record<string, string[]> = {};
    for (const handler of readers) {
      const there = caseOf(`${DR} ${handler} -> notification-runbooks-remediate-${handler} (us-west-2)`);
      // The whole role: both reads allowed in the DR region (the plan's needed calls carry them too).
      expect(there.needed.filter((c) => (REGION_SERVING_ACTIONS as readonly string[]).includes(c.action)).map((c) => c.action).sort()).toEqual([...REGION_SERVING_ACTIONS].sort());
      expect(denied(await runCase({ ...there, needed: servingCalls('us-west-2'), dangerous: [] }))).toEqual([]);
      // The serving statements alone: allowed in us-west-2, nothing in the primary region (the replica's ARN there, the mappings there).
      const serving = editStatements(there.principal.policies, (st) => (onlyServing(st) ? st : null));
      expect(denied(await runCase({ ...there, principal: { ...there.principal, policies: serving }, needed: servingCalls('us-west-2'), dangerous: [] }))).toEqual([]);
      const primary = await runCase({ ...there, principal: { ...there.principal, policies: serving }, region: 'us-east-1', needed: servingCalls('us-east-1'), dangerous: [] });
      expect(denied(primary)).toEqual(servingCalls('us-east-1').map((c) => `${c.action} on ${c.resource}`));
      for (const d of primary.neededDenied) expect(d).toMatch(/: ImplicitlyDenied$/);
      // Planted: the role without its serving statements. What its own actions do not already allow is denied.
      const without = editStatements(there.principal.policies, (st) => (onlyServing(st) ? null : st));
      withoutGrant[handler] = denied(await runCase({ ...there, principal: { ...there.principal, policies: without }, needed: servingCalls('us-west-2'), dangerous: [] })).map((d) => d.split(' on ')[0]!);
    }
    // scale-consumers and raise-lambda-memory list mappings anyway (on "*", AWS's only resource), scale-up-database
    // describes the replica anyway (a changing row's database in the DR region); verify-change holds all their actions.
    expect(withoutGrant).toEqual({
      'scale-consumers': ['rds:DescribeDBInstances'],
      'raise-lambda-memory': ['rds:DescribeDBInstances'],
      'scale-up-database': ['lambda:ListEventSourceMappings'],
      'verify-change': [],
    });
  });

  it('names in each region only the database that region holds: no remediation session, from either region, acts on the replica\'s name in us-east-1 or the primary\'s in us-west-2 (decision 131)', async () => {
    const config = plan().cases[0]!.world!.config;
    const production = config.environments.production;
    const PRIMARY = production.resources.databases[0]!;
    const REPLICA = production.disasterRecovery!.replicaIdentifier;
    const REGIONS = ['us-east-1', 'us-west-2'];
    const remote = (handler: string, from: string): PrincipalCase | undefined =>
      plan().cases.find((c) => c.label === `NotificationRunbooks-production-${from} ${handler} -> notification-runbooks-remediate-${handler} (${from})`);
    const db = (region: string, name: string): string => `arn:aws:rds:${region}:${remote('escalate', 'us-east-1')!.principal.account}:db:${name}`;
    const judge = async (c: PrincipalCase, region: string, action: string, resource: string): Promise<string> =>
      `${(await simulate(c.principal, { action, resource, resourceAccount: c.principal.account, why: 'decision 131' }, region)).result}: ${action} on ${resource === '*' ? '*' : resource.split(':').slice(3).join(':')}`;
    // The RDS actions a role holds on database instances (statements naming a :db: ARN; parameter groups are not databases).
    const rdsActionsOf = (c: PrincipalCase): string[] =>
      [
        ...new Set(
          c.principal.policies.flatMap((p) =>
            p.document.Statement.filter((st) => [st.Resource ?? []].flat().some((r) => /:rds:[^:]+:\d{12}:db:/.test(r))).flatMap((st) => [st.Action ?? []].flat()),
          ),
        ),
      ].sort();

    // The attacker, literally: the session scale-up-database's handler of each region gets. One role serves both regions
    // (IAM is global; each handler assumes notification-runbooks-remediate-<handler> from every region it runs in).
    const fromPrimary = remote('scale-up-database', 'us-east-1')!;
    const fromDr = remote('scale-up-database', 'us-west-2')!;
    expect(fromPrimary.principal.roleArn).toBe(fromDr.principal.roleArn);
    const modify = async (c: PrincipalCase, region: string, name: string) => judge(c, region, 'rds:ModifyDBInstance', db(region, name));
    expect([
      await modify(fromPrimary, 'us-east-1', REPLICA),
      await modify(fromPrimary, 'us-west-2', PRIMARY),
      await modify(fromDr, 'us-west-2', PRIMARY),
      await modify(fromDr, 'us-east-1', REPLICA),
    ]).toEqual([
      `ImplicitlyDenied: rds:ModifyDBInstance on us-east-1:222222222222:db:${REPLICA}`,
      `ImplicitlyDenied: rds:ModifyDBInstance on us-west-2:222222222222:db:${PRIMARY}`,
      `ImplicitlyDenied: rds:ModifyDBInstance on us-west-2:222222222222:db:${PRIMARY}`,
      `ImplicitlyDenied: rds:ModifyDBInstance on us-east-1:222222222222:db:${REPLICA}`,
    ]);
    // What each region's handler needs, still allowed: the primary in us-east-1, the replica in us-west-2.
    expect([await modify(fromPrimary, 'us-east-1', PRIMARY), await modify(fromDr, 'us-west-2', REPLICA)]).toEqual([
      `Allowed: rds:ModifyDBInstance on us-east-1:222222222222:db:${PRIMARY}`,
      `Allowed: rds:ModifyDBInstance on us-west-2:222222222222:db:${REPLICA}`,
    ]);
    // Closed (decision 147; "not closed" in decision 131): the role is one, but each of its statements acts only for a
    // session tagged with its region, and the trust binds the tag to the caller's region. The DR handler's session may not
    // act on the primary's database in us-east-1, though the primary's handler must.
    expect(await modify(fromDr, 'us-east-1', PRIMARY)).toBe(`ImplicitlyDenied: rds:ModifyDBInstance on us-east-1:222222222222:db:${PRIMARY}`);
    // Closed too (review 9 F6): the consumer has the same name in both regions, and the DR region's sessions of
    // raise-lambda-memory and scale-consumers may no longer change the primary's consumer in us-east-1 (its memory, its
    // reserved concurrency).
    const CONSUMER = production.resources.functions[0]!;
    const consumer = `arn:aws:lambda:us-east-1:${fromDr.principal.account}:function:${CONSUMER}`;
    const memoryFromDr = remote('raise-lambda-memory', 'us-west-2')!;
    const concurrencyFromDr = remote('scale-consumers', 'us-west-2')!;
    expect([
      await judge(memoryFromDr, 'us-east-1', 'lambda:UpdateFunctionConfiguration', consumer),
      await judge(concurrencyFromDr, 'us-east-1', 'lambda:PutFunctionConcurrency', consumer),
    ]).toEqual([
      `ImplicitlyDenied: lambda:UpdateFunctionConfiguration on us-east-1:222222222222:function:${CONSUMER}`,
      `ImplicitlyDenied: lambda:PutFunctionConcurrency on us-east-1:222222222222:function:${CONSUMER}`,
    ]);

    // Every role with an RDS grant, from every region its handler runs in: each of its RDS actions on the name a region
    // does not hold is refused, in both regions; on the region's own database it is allowed only in the session's own
    // region (decision 147; watch-standby runs in the DR region only: nothing in us-east-1).
    const withRds = plan().cases.filter((c) => c.label.includes(' -> ') && rdsActionsOf(c).length > 0);
    const handlers = [...new Set(withRds.map((c) => c.handler!))].sort();
    expect(handlers).toEqual(['check-db-connections', 'escalation-timer', 'inspect-security-groups', 'scale-consumers', 'raise-lambda-memory', 'scale-up-database', 'verify-change', 'watch-standby'].sort());
    const refusedButAllowed: string[] = [];
    const ownDenied: string[] = [];
    for (const c of withRds) {
      for (const action of rdsActionsOf(c)) {
        for (const [region, name] of [['us-east-1', REPLICA], ['us-west-2', PRIMARY]] as const) {
          const result = await judge(c, region, action, db(region, name));
          if (!result.startsWith('ImplicitlyDenied')) refusedButAllowed.push(`${c.label}: ${result}`);
        }
      }
      // DescribeDBInstances on the region's own database: each of these roles holds it (the serving read, for the changing rows).
      for (const [region, name] of [['us-east-1', PRIMARY], ['us-west-2', REPLICA]] as const) {
        const result = await judge(c, region, 'rds:DescribeDBInstances', db(region, name));
        // scale-consumers, raise-lambda-memory and escalation-timer (review 12, R12-7) read a database only for the DR serving signal.
        const expected = region === c.region && (region === 'us-west-2' || !['scale-consumers', 'raise-lambda-memory', 'escalation-timer'].includes(c.handler!)) ? 'Allowed' : 'ImplicitlyDenied';
        if (!result.startsWith(expected)) ownDenied.push(`${c.label}: ${result}, expected ${expected}`);
      }
    }
    // 13, and escalation-timer's remediation role from each of its two regions' sessions (its DR serving read, R12-7).
    expect(withRds.length).toBe(15);
    expect({ refusedButAllowed, ownDenied }).toEqual({ refusedButAllowed: [], ownDenied: [] });

    // watch-standby runs in the DR region only: its role reaches nothing in us-east-1, "*" reads included (held to the
    // regions it serves by aws:RequestedRegion).
    const standby = remote('watch-standby', 'us-west-2')!;
    expect(remote('watch-standby', 'us-east-1')).toBeUndefined();
    expect(await judge(standby, 'us-east-1', 'cloudwatch:DescribeAlarms', '*')).toBe('ImplicitlyDenied: cloudwatch:DescribeAlarms on *');
    expect(await judge(standby, 'us-west-2', 'cloudwatch:DescribeAlarms', '*')).toBe('Allowed: cloudwatch:DescribeAlarms on *');
    expect(await judge(standby, 'us-east-1', 'sqs:GetQueueAttributes', `arn:aws:sqs:us-east-1:${standby.principal.account}:notification-service-queue`)).toMatch(/^ImplicitlyDenied/);

    // Planted: the old naming, each database name in every region (decision 123's acrossRoles), put back into
    // scale-up-database's policies: the four refused calls above are allowed again.
    const everyRegion = editStatements(fromPrimary.principal.policies, (st) => {
      const resources = [st.Resource ?? []].flat();
      if (!resources.some((r) => /:rds:[a-z0-9-]+:\d{12}:db:/.test(r))) return st;
      const widened = resources.flatMap((r) => {
        const m = /^(arn:aws:rds:)([a-z0-9-]+)(:\d{12}:db:)(.+)$/.exec(r);
        if (!m) return [r];
        const base = m[4]!.replace(new RegExp(`^(${REPLICA}|${PRIMARY})`), '');
        return REGIONS.flatMap((region) => [PRIMARY, REPLICA].map((name) => `${m[1]}${region}${m[3]}${name}${base}`));
      });
      return { ...st, Resource: [...new Set(widened)] };
    });
    const planted = (c: PrincipalCase): PrincipalCase => ({ ...c, principal: { ...c.principal, policies: everyRegion } });
    expect([await modify(planted(fromPrimary), 'us-east-1', REPLICA), await modify(planted(fromDr), 'us-west-2', PRIMARY)]).toEqual([
      `Allowed: rds:ModifyDBInstance on us-east-1:222222222222:db:${REPLICA}`,
      `Allowed: rds:ModifyDBInstance on us-west-2:222222222222:db:${PRIMARY}`,
    ]);
  });

  it('binds each remediation session to its caller\'s region: the us-west-2 execution role tagging itself us-east-1 is refused by the trust, and no session acts in the other region (decision 147)', async () => {
    const DR = 'NotificationRunbooks-production-us-west-2';
    const PRIMARY_STACK = 'NotificationRunbooks-production-us-east-1';
    const label = (stack: string, handler: string, region: string): string => `${stack} ${handler} -> notification-runbooks-remediate-${handler} (${region})`;
    const short = (r: CaseResult, list: 'neededDenied' | 'dangerousAllowed'): string[] => r[list].map((d) => d.split(' (')[0]!);
    const role = 'notification-runbooks-remediate-scale-consumers';
    const home = caseOf(`${DR} scale-consumers`);
    const trust = home.needed.find((c) => c.action === 'sts:TagSession')!.resourcePolicy!;
    const workload = caseOf(label(DR, 'scale-consumers', 'us-west-2')).principal.account;
    const roleArn = `arn:aws:iam::${workload}:role/${role}`;

    // The attacker, literally: the DR handler's execution role asks for a session tagged runbook-region=us-east-1 (a caller
    // chooses its tag values); the trust admits that role with its own region's tag only, for sts:AssumeRole and
    // sts:TagSession alike (one request, one context: decision 176).
    const tagging = (region: string, action: string): SimulatedCall => ({
      ...home.needed.find((c) => c.action === action)!,
      why: `tagged ${region}`,
      context: {
        'aws:RequestTag/runbook-playbook': 'scale-consumers',
        'aws:RequestTag/runbook-incident': 'inc-3f2a9c1b7d44',
        'aws:RequestTag/runbook-region': region,
        'aws:TagKeys': ['runbook-playbook', 'runbook-incident', 'runbook-region'],
        'sts:SourceIdentity': 'notification-runbooks-scale-consumers',
      },
    });
    const tagResults = async (c: PrincipalCase, policy = trust): Promise<string[]> =>
      Promise.all(
        ['us-west-2', 'us-east-1'].map(
          async (region) => `${region}: ${(await Promise.all(['sts:AssumeRole', 'sts:TagSession'].map(async (action) => (await simulate(c.principal, { ...tagging(region, action), resourcePolicy: policy }, c.region)).result))).join(' ')}`,
        ),
      );
    expect(await tagResults(home)).toEqual(['us-west-2: Allowed Allowed', 'us-east-1: ImplicitlyDenied ImplicitlyDenied']);
    expect(await tagResults(caseOf(`${PRIMARY_STACK} scale-consumers`))).toEqual(['us-west-2: ImplicitlyDenied ImplicitlyDenied', 'us-east-1: Allowed Allowed']);
    // The plan's home cases carry those calls among their dangerous calls, every cross-account handler from every region.
    const foreign = plan().cases.filter((c) => c.dangerous.some((d) => d.action === 'sts:TagSession'));
    expect(foreign.length).toBe(19);
    expect(foreign.map((c) => c.dangerous.filter((d) => d.action.startsWith('sts:') && / tags its session /.test(d.why)).map((d) => d.action).join(','))).toEqual(
      foreign.map(() => 'sts:AssumeRole,sts:TagSession'),
    );
    expect(results().filter((r) => foreign.some((c) => c.label === r.label)).flatMap((r) => r.dangerousAllowed)).toEqual([]);

    // Planted: a trust that accepts any region tag value (the value unchecked), or every caller with every region (the pair
    // unbound): the attacker's session is admitted again.
    const anyValue = { ...trust, Statement: trust.Statement.map((st) => editCondition(st, (op, key) => !(op === 'StringEquals' && key === 'aws:RequestTag/runbook-region'))) };
    expect(await tagResults(home, anyValue)).toEqual(['us-west-2: Allowed Allowed', 'us-east-1: Allowed Allowed']);
    const tagStatements = trust.Statement.filter((st) => [st.Action].flat().includes('sts:TagSession'));
    expect(tagStatements.map((st) => st.Sid)).toEqual(['TheHandlersSessionInUsEast1', 'TheHandlersSessionInUsWest2']);
    const unpaired = {
      ...trust,
      Statement: [
        ...trust.Statement.filter((st) => ![st.Action].flat().includes('sts:TagSession')),
        {
          ...tagStatements[0]!,
          Condition: {
            ...tagStatements[0]!.Condition,
            ArnEquals: { 'aws:PrincipalArn': tagStatements.flatMap((st) => [(st.Condition as Record<string, Record<string, unknown>>).ArnEquals!['aws:PrincipalArn']].flat() as string[]) },
            StringEquals: { 'aws:RequestTag/runbook-playbook': 'scale-consumers', 'aws:RequestTag/runbook-region': ['us-east-1', 'us-west-2'] },
          },
        },
      ],
    };
    expect(await tagResults(home, unpaired)).toEqual(['us-west-2: Allowed Allowed', 'us-east-1: Allowed Allowed']);

    // The permissions: every remote session is refused every call the role serves the other region's session (there, and
    // named from its own region), and allowed its own (the plan's cases, judged above). Counted here.
    const remotes = plan().cases.filter((c) => c.label.includes(' -> '));
    const crossRegion = remotes.flatMap((c) => c.dangerous.filter((d) => / by another region's session$| from another region's session$/.test(d.why)));
    expect(remotes.length).toBe(19);
    expect(crossRegion.length).toBeGreaterThan(0);
    expect(results().filter((r) => r.label.includes(' -> ')).flatMap((r) => r.dangerousAllowed)).toEqual([]);
    // A session without the region tag can do nothing either (the trust no longer opens one, decision 176; were it opened,
    // by a trust from before, with no IAM tag on the role, decision 168): every statement needs the tag.
    const dr = caseOf(label(DR, 'scale-consumers', 'us-west-2'));
    const { [`aws:PrincipalTag/runbook-region`]: _region, ...untagged } = dr.principal.context ?? {};
    const noTag = await runCase({ ...dr, principal: { ...dr.principal, context: untagged }, dangerous: [] });
    expect(noTag.neededDenied.length).toBe(dr.needed.length);

    // Planted: the role's statements without the session's region (the condition dropped): the DR session may change the
    // primary's consumer and database in us-east-1 again, and the plan's cross-region calls are allowed.
    const unbound = editStatements(dr.principal.policies, (st) => editCondition(st, (_op, key) => key !== 'aws:PrincipalTag/runbook-region' && key !== 'aws:RequestedRegion'));
    const plantedDr = await runCase({ ...dr, principal: { ...dr.principal, policies: unbound }, needed: [] });
    expect(short(await runCase({ ...dr, needed: [] }), 'dangerousAllowed')).toEqual([]);
    expect(short(plantedDr, 'dangerousAllowed')).toEqual(
      expect.arrayContaining([
        `lambda:PutFunctionConcurrency on arn:aws:lambda:us-east-1:${workload}:function:notification-service-consumer`,
        `sqs:GetQueueAttributes on arn:aws:sqs:us-east-1:${workload}:notification-service-queue`,
      ]),
    );
    expect(roleArn).toBe(dr.principal.roleArn);
  });

  it('refuses a session without tags outright: a plain sts:AssumeRole by each handler\'s execution role, from every region, is denied by the trust; the tagged one of its own region allowed (decision 176)', async () => {
    const homes = plan().cases.filter((c) => c.needed.some((n) => n.action === 'sts:TagSession'));
    expect(homes.length).toBe(19);
    const tagged = (c: PrincipalCase): SimulatedCall => c.needed.find((n) => n.action === 'sts:AssumeRole')!;
    const untagged = (c: PrincipalCase): SimulatedCall[] => c.dangerous.filter((d) => d.action === 'sts:AssumeRole' && d.resource === tagged(c).resource && d.context === undefined);
    // Each home case's dangerous calls hold exactly one plain AssumeRole of its remediation role, through its trust.
    for (const c of homes) expect(untagged(c).map((d) => d.resourcePolicy === tagged(c).resourcePolicy)).toEqual([true]);
    const judged = async (trustOf: (c: PrincipalCase) => PolicyDocument): Promise<string[]> =>
      Promise.all(
        homes.map(async (c) => {
          const [plain, own] = await Promise.all([untagged(c)[0]!, tagged(c)].map(async (call) => (await simulate(c.principal, { ...call, resourcePolicy: trustOf(c) }, c.region)).result));
          return `${c.label}: plain ${plain}, tagged ${own}`;
        }),
      );
    const trustOf = (c: PrincipalCase): PolicyDocument => tagged(c).resourcePolicy!;
    expect(await judged(trustOf)).toEqual(homes.map((c) => `${c.label}: plain ImplicitlyDenied, tagged Allowed`));

    // Planted: the trust of decision 147, where AssumeRole was a statement of its own naming every caller and no tag.
    const before176 = (c: PrincipalCase): PolicyDocument => {
      const trust = trustOf(c);
      const sessions = trust.Statement.filter((st) => [st.Action].flat().includes('sts:AssumeRole'));
      const callers = sessions.flatMap((st) => [(st.Condition as Record<string, Record<string, unknown>>).ArnEquals!['aws:PrincipalArn']].flat() as string[]);
      return {
        ...trust,
        Statement: [
          { Sid: 'TheHandlersExecutionRoles', Effect: 'Allow', Principal: sessions[0]!.Principal, Action: ['sts:AssumeRole'], Condition: { ArnEquals: { 'aws:PrincipalArn': callers } } },
          ...trust.Statement.flatMap((st) => withoutAction(st, 'sts:AssumeRole')),
        ],
      };
    };
    expect(await judged(before176)).toEqual(homes.map((c) => `${c.label}: plain Allowed, tagged Allowed`));
    // The foreign region's AssumeRole too: refused by today's trust, allowed by that one (only its TagSession refused it).
    const home = caseOf(`${STACK} scale-consumers`);
    const foreignAssume = home.dangerous.find((d) => d.action === 'sts:AssumeRole' && d.context !== undefined)!;
    expect((await simulate(home.principal, foreignAssume, home.region)).result).toBe('ImplicitlyDenied');
    expect((await simulate(home.principal, { ...foreignAssume, resourcePolicy: before176(home) }, home.region)).result).toBe('Allowed');
  });

  it('catches a verify-change remediation role without the revert: rds:ModifyDBInstance denied on the workload\'s database', async () => {
    const there = caseOf(`${STACK} verify-change -> notification-runbooks-remediate-verify-change (us-east-1)`);
    const policies = editStatements(there.principal.policies, (st) => {
      const kept = [st.Action ?? []].flat().filter((a) => a !== 'rds:ModifyDBInstance');
      return kept.length > 0 ? { ...st, Action: kept } : null;
    });
    const result = await runCase({ ...there, principal: { ...there.principal, policies } });
    expect(result.neededDenied.map((d) => d.split(' (')[0])).toEqual(['rds:ModifyDBInstance on arn:aws:rds:us-east-1:222222222222:db:notification-service-db']);
  });
}

/** Each planted fault is caught, exactly: a missing grant, a resource widened to "*", a dangerous action, PassRole to "*". */
function faultSuite(plan: () => SimulationPlan): void {
  const caseOf = (label: string): PrincipalCase => {
    const found = plan().cases.find((c) => c.label === label);
    if (!found) throw new Error(`no case ${label}`);
    return found;
  };
  const STACK = 'NotificationRunbooks-production-us-east-1';
  const withPolicies = (c: PrincipalCase, edit: Parameters<typeof editStatements>[1], extra: PolicyDocument['Statement'] = []): PrincipalCase => {
    const policies = editStatements(c.principal.policies, edit);
    if (extra.length > 0) policies.push({ name: 'Planted', document: { Version: '2012-10-17', Statement: extra } });
    return { ...c, principal: { ...c.principal, policies } };
  };
  const actionsOf = (s: PolicyDocument['Statement'][number]): string[] => [s.Action ?? []].flat();

  it('catches a missing grant: scale-consumers without lambda:UpdateEventSourceMapping', async () => {
    const c = caseOf(`${STACK} scale-consumers`);
    const planted = withPolicies(c, (s) => ({ ...s, Action: actionsOf(s).filter((a) => a !== 'lambda:UpdateEventSourceMapping') }));
    expect((await runCase(c)).neededDenied).toEqual([]);
    const result = await runCase(planted);
    expect(result.neededDenied).toEqual([expect.stringMatching(/^lambda:UpdateEventSourceMapping on arn:aws:lambda:us-east-1:\d+:event-source-mapping:.*: ImplicitlyDenied$/)]);
  });

  it('catches a resource widened to "*": raise-lambda-memory may then change functions that are not the service\'s', async () => {
    const c = caseOf(`${STACK} raise-lambda-memory`);
    const planted = withPolicies(c, (s) => (actionsOf(s).includes('lambda:UpdateFunctionConfiguration') ? { ...s, Resource: '*' } : s));
    expect((await runCase(c)).dangerousAllowed).toEqual([]);
    const result = await runCase(planted);
    expect(result.dangerousAllowed.map((d) => d.split(' (')[0])).toEqual([
      'lambda:UpdateFunctionConfiguration on arn:aws:lambda:us-east-1:123456789012:function:billing-worker',
      'lambda:UpdateFunctionConfiguration on arn:aws:lambda:us-east-1:123456789012:function:notification-runbooks-scale-consumers',
    ]);
  });

  it('catches a dangerous action added: inspect-security-groups allowed to open a security group rule', async () => {
    const c = caseOf(`${STACK} inspect-security-groups`);
    const planted = withPolicies(c, (s) => s, [{ Effect: 'Allow', Action: 'ec2:AuthorizeSecurityGroupIngress', Resource: 'arn:aws:ec2:us-east-1:123456789012:security-group/*' }]);
    const result = await runCase(planted);
    expect(result.dangerousAllowed.map((d) => d.split(' (')[0])).toEqual(['ec2:AuthorizeSecurityGroupIngress on arn:aws:ec2:us-east-1:123456789012:security-group/sg-0db5e1c2a3b4c5d6e']);
  });

  it('catches PassRole to "*": scale-consumers could hand the escalation timers\' role to Scheduler, and with no condition any role to anything', async () => {
    const c = caseOf(`${STACK} scale-consumers`);
    const anyRole = withPolicies(c, (s) => (actionsOf(s).includes('iam:PassRole') ? { ...s, Resource: '*' } : s));
    expect((await runCase(anyRole)).dangerousAllowed.map((d) => d.split(' (')[0])).toEqual([
      'iam:PassRole on arn:aws:iam::123456789012:role/notification-runbooks-escalation-scheduler-us-east-1',
    ]);
    const anyRoleAnyService = withPolicies(c, (s) => {
      if (!actionsOf(s).includes('iam:PassRole')) return s;
      const { Condition: _dropped, ...rest } = s;
      return { ...rest, Resource: '*' };
    });
    expect((await runCase(anyRoleAnyService)).dangerousAllowed.map((d) => d.split(' (')[0])).toEqual([
      'iam:PassRole on arn:aws:iam::123456789012:role/Admin',
      'iam:PassRole on arn:aws:iam::123456789012:role/notification-runbooks-automation-us-east-1',
      'iam:PassRole on arn:aws:iam::123456789012:role/notification-runbooks-escalation-scheduler-us-east-1',
      'iam:PassRole on arn:aws:iam::123456789012:role/notification-runbooks-verify-scheduler-us-east-1',
      'iam:PassRole on arn:aws:iam::123456789012:role/notification-runbooks-escalation-scheduler-us-east-1',
    ]);
  });

  it('catches a read-only handler given the health checks\' schedule group and scheduler role (issue 17 item 4)', async () => {
    const c = caseOf(`${STACK} check-db-connections`);
    expect(c.world?.env[VERIFY_SCHEDULE_GROUP_ENV]).toBeUndefined();
    const planted = withPolicies(c, (s) => s, [
      { Effect: 'Allow', Action: 'scheduler:CreateSchedule', Resource: 'arn:aws:scheduler:us-east-1:123456789012:schedule/notification-runbooks-verify/*' },
    ]);
    expect((await runCase(planted)).dangerousAllowed.map((d) => d.split(' (')[0])).toEqual([
      'scheduler:CreateSchedule on arn:aws:scheduler:us-east-1:123456789012:schedule/notification-runbooks-verify/verify-3f2a9c1b7d44',
    ]);
  });

  it("catches verify-change's state-table writes widened back to the whole table, and a partition its code writes left out of the grant (review 19 R19-3, decision 307)", async () => {
    const c = caseOf(`${STACK} verify-change`);
    const writes = ['dynamodb:PutItem', 'dynamodb:UpdateItem'];
    expect(await runCase(c)).toMatchObject({ neededDenied: [], dangerousAllowed: [] });
    // Planted: the LeadingKeys condition off its PutItem and UpdateItem (the grant before decision 307).
    const widened = withPolicies(c, (s) => {
      if (!actionsOf(s).some((a) => writes.includes(a))) return s;
      const { Condition: _dropped, ...rest } = s;
      return rest;
    });
    expect((await runCase(widened)).dangerousAllowed.map((d) => d.replace(/ on arn:\S+ \((.*)\): Allowed$/, ': $1'))).toEqual([
      'dynamodb:PutItem: forges a held resolution the escalation handlers act on',
      'dynamodb:PutItem: rewrites an escalation incident (its tier, its acknowledgement)',
      'dynamodb:PutItem: lists a forged health check for the verify sweep',
      'dynamodb:PutItem: a write naming no partition (ForAllValues would hold vacuously)',
      "dynamodb:UpdateItem: rewrites a resource's baseline or an audit entry's expiry in place",
      'dynamodb:UpdateItem: rewrites a held resolution',
    ]);
    // Planted: its PutItem held to the incident's partition only: the audit entry it writes is refused.
    const noAudit = withPolicies(c, (s) =>
      actionsOf(s).includes('dynamodb:PutItem') ? { ...s, Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['INCIDENT#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } } } : s,
    );
    expect((await runCase(noAudit)).neededDenied).toEqual([expect.stringMatching(/^dynamodb:PutItem on arn:aws:dynamodb:us-east-1:\d+:table\/notification-runbooks-state \(its decision's audit entry .*\): ImplicitlyDenied$/)]);
  });

  it('catches an action that does not exist, a resource of a type the action does not accept, and a condition key the action does not know', async () => {
    const doc = (statement: PolicyDocument['Statement'][number]): JudgedPolicy => ({ where: 'planted', kind: 'identity', document: { Version: '2012-10-17', Statement: [statement] } });
    expect(
      await policyFindings([
        doc({ Sid: 'NoSuchAction', Effect: 'Allow', Action: 'lambda:UpdateFunctionMemory', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f' }),
        doc({ Sid: 'WrongType', Effect: 'Allow', Action: 'logs:DescribeMetricFilters', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f' }),
        doc({ Sid: 'WrongKey', Effect: 'Allow', Action: 'sqs:GetQueueAttributes', Resource: 'arn:aws:sqs:us-east-1:123456789012:q', Condition: { ArnLike: { 'lambda:FunctionArn': 'arn:aws:lambda:*' } } }),
        doc({ Sid: 'Fine', Effect: 'Allow', Action: 'lambda:UpdateEventSourceMapping', Resource: 'arn:aws:lambda:us-east-1:123456789012:event-source-mapping:*', Condition: { ArnLike: { 'lambda:FunctionArn': 'arn:aws:lambda:*' } } }),
      ]),
    ).toEqual([
      'planted statement NoSuchAction: lambda:UpdateFunctionMemory is not an IAM action',
      'planted statement WrongType: arn:aws:lambda:us-east-1:123456789012:function:f is not a resource type logs:DescribeMetricFilters accepts',
      'planted statement WrongKey: condition key lambda:FunctionArn is not one sqs:GetQueueAttributes accepts',
    ]);
  });
}
