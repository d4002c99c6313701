// Pure: what a deployed environment should look like — the service's resources and matrix, the alarms, the handlers and
// their declared actions, the plumbing — from the configuration, the infra naming rules and the playbook declarations.
import { alarmSpecs, cacheReplicationGroupIds, databasesInRole, metricFilterSpecs, roleOfRegion, watchedResources, type AlarmSpec, type MetricFilterSpec, type WatchedResources } from '../../shared/config/alarm-specs';
import { alarmRuleBucketCount, alarmRulesOf, type AlarmRuleSpec } from '../../shared/config/alarm-rules';
import { AUTOMATION_HEALTH_TOPIC_NAME, healthSubscribers } from '../../shared/config/automation-health';
import { DECISIONS_RULE, ESCALATION_SCHEDULE_GROUP, KILL_SWITCH_CHANGES_RULE, RECOVERIES_RULE, VERIFY_HANDLER, VERIFY_SCHEDULE_GROUP } from '../../shared/config/names';
import type { AutomationConfig, EnvironmentName, EscalationChannel, RegionRole } from '../../shared/config/schema';
import { resolveEscalationPolicy } from '../../shared/escalation/policy';
import { REGION_SERVING_ACTIONS } from '../../shared/pipeline/pipeline-actions';
import { handlersForRegion } from '../../infra/lib/region-handlers';
import { automationDrift, type AutomationDrift } from './automation-drift';
import { executionRoleNameOf, functionNameOf, NAME_PREFIX, remediationRoleNameOf } from '../../infra/lib/settings';

/**
 * The consumer function as the service document's "Lambda Functions" block gives it (memory 512MB, timeout 30s,
 * concurrency 100), the same in every environment: document values, not project defaults.
 */
export const DOCUMENT_CONSUMER = { memoryMb: 512, timeoutSeconds: 30, reservedConcurrency: 100 } as const;

/** The runtime the handler bundles are built for (infra/lib/constructs/runbook-function.ts HANDLER_RUNTIME). */
export const HANDLER_RUNTIME = 'nodejs22.x';

export interface HandlerDeclaration {
  name: string;
  kind: 'playbook' | 'service';
  /** The troubleshooting row a playbook handles: which regions deploy it (the row's watchIn). */
  row?: string;
  /** Every action its code declares, the pipeline's included for a playbook (as infra grants them). */
  actions: readonly string[];
  /** A playbook that schedules a health check (verify-change) after its changes. */
  schedulesHealthCheck: boolean;
  /** Cross-account mode: the actions of the remediation role the workload account offers it (infra workloadRoleActionsOf). */
  workloadRoleActions?: readonly string[];
  /** A playbook of a changing row that, in a DR region, reads whether the region serves (decision 123): granted REGION_SERVING_ACTIONS there. */
  readsRegionServing?: boolean;
}

export interface ExpectedHandler extends HandlerDeclaration {
  functionName: string;
  roleName: string;
  /** The rule on the alarm bus delivering its alarms' state changes (the first of `rules`); undefined for handlers no alarm reaches. */
  ruleName?: string;
  alarmNames: string[];
  /**
   * Every rule of its route, each with the alarms it names (infra AlarmRouting: one rule, or several where the names
   * exceed one event pattern's size; shared/config/alarm-rules.ts, decision 351); empty for handlers no alarm reaches.
   */
  rules: AlarmRuleSpec[];
  /** Environment variables infra sets that the handler cannot run correctly without. */
  environment: Record<string, string>;
  /** The schedule group whose schedules it creates, and the scheduler role it passes. */
  scheduleGroup?: string;
  schedulerRoleName?: string;
  /** Cross-account mode: the role it assumes in the workload account (infra remediationRoleNameOf). */
  remediationRoleName?: string;
}

/**
 * A rule the region's stack writes whose target is one of its handlers (the sweeps aside: their own checks'): EventBridge
 * invokes the function for it only through the Lambda permission CDK's LambdaFunction target adds (decision 316).
 */
export interface ExpectedInvokingRule {
  ruleName: string;
  /** alarms: where the alarms' state changes arrive (the default bus; the project's bus in cross-account mode). */
  bus: 'alarms' | 'project' | 'default';
  handler: string;
  functionName: string;
  /** infra's construct that writes the rule and its permission (named in the fix). */
  construct: string;
  /** The permission's statement id the sandbox's deploy gives it (named in the WARN's fix). */
  statementId: string;
  /** Routing's checks already FAIL it missing or aimed elsewhere (alarm routes, recoveries): no second line for that. */
  routedElsewhere: boolean;
  /** What is lost while EventBridge may not invoke the function for it. */
  lost: string;
}

export interface ExpectedTier {
  level: number;
  name: string;
  topicName: string;
  /** The environment's channels for the tier: infra subscribes emails only where "email" is one, Slack only with "chat". */
  channels: EscalationChannel[];
  /** The addresses infra subscribes to the tier's topic (environments.<env>.escalation.tiers[].emails, email channel only). */
  emails: string[];
  /** Whether Slack channels are configured on the tier (AWS Chatbot subscribes them itself). */
  slack: boolean;
}

/**
 * The Route 53 failover record pair the failover documents switch (environments.<env>.disasterRecovery), where the
 * environment has a primary and a DR region: set identifiers are the regions (decision 69).
 */
export interface FailoverPairExpectation {
  primaryRegion: string;
  drRegion: string;
  /** disasterRecovery.failoverRecordName, when set. */
  recordName?: string;
  /** disasterRecovery.hostedZoneId, when set. */
  hostedZoneId?: string;
}

export interface PreflightExpectations {
  environment: EnvironmentName;
  region: string;
  /** The region's role (environments.<env>.regionRoles; unnamed: primary): what its runbook stack deploys. */
  regionRole: RegionRole;
  /**
   * In a dr region: the standby the region's alarms watch in place of the primary's database, the cross-region read
   * replica of the watched databases (disasterRecovery.replicaIdentifier); its consumers' mapping waits disabled.
   */
  standby?: { replicaIdentifier: string; sourceDatabases: string[] };
  /** environments.<env>.accountId: where the service runs; another account than preflight's is cross-account mode. */
  workloadAccount?: string;
  /**
   * Cross-account mode: the handler functions the workload's documents invoke (infra/lib/iam/invoked-functions.ts, as
   * infra grants the workload's automation role on them), set by runPreflight from the documents it expects there;
   * unset, no function's grant to that role is taken as the deployment's (review 19 R19-14, decision 320).
   */
  workloadInvokedFunctions?: readonly string[];
  watched: WatchedResources;
  /**
   * The environment's databases another region holds and this one does not (in a primary region the DR replica, in the
   * DR region the configured ones): a remediation role must not name them here (infra, decision 131).
   */
  otherRegionDatabases: string[];
  /** The environment's other regions: a remediation session of one of them must act in none here (decision 147). */
  otherRegions: string[];
  caches: string[];
  matrix: { dbInstanceClass: string; multiAz: boolean; backupRetentionDays: number; memoryMb: number; timeoutSeconds: number; reservedConcurrency: number };
  /** Values off the matrix the automation sets or its diagnosis recommends: WARN, naming why (automation-drift.ts). */
  automationDrift: AutomationDrift;
  alarms: AlarmSpec[];
  /** The log metric filters the region's stack creates (infra WatchedAlarms: metricFilterSpecs), Memory Pressure's and Connection Timeout's only detection. */
  metricFilters: MetricFilterSpec[];
  handlers: ExpectedHandler[];
  killSwitchParameter: string;
  tiers: ExpectedTier[];
  /**
   * enabled: the environment opens AWS Support cases (its AWS Support tier with supportCase.enabled); tierIncluded: its
   * tiers include the AWS Support tier at all (kind "aws-support"), case or not.
   */
  support: { enabled: boolean; severityCode: string; tierIncluded: boolean };
  /** Each schedule group, the role Scheduler invokes its one target with, and that target (infra EscalationTimers.allowInvoke). */
  scheduleGroups: Array<{ name: string; roleName: string; targetFunctionName: string }>;
  stateTableName: string;
  /**
   * The claim lease the configuration gives every handler (claimLeaseSeconds): a deployed function's Timeout with the
   * margin must stay under it (decision 31; handler-checks.ts), whatever the console or another stack set it to.
   */
  claimLeaseSeconds: number;
  eventBusName: string;
  /** The approvers' addresses infra subscribes to the approval topic (environments.<env>.runbookApprovers.emails). */
  approverEmails: string[];
  /**
   * The automation health topic (shared/config/automation-health.ts): the first tier's addresses infra subscribes to it
   * with no filter (email among its channels), and whether its Slack channels get it (chat among its channels).
   */
  health: { topicName: string; level: number; emails: string[]; chat: boolean };
  /** Where the environment has a primary and a DR region and a DR configuration: the pair the failover documents switch. */
  failoverPair?: FailoverPairExpectation;
  /**
   * Where an alarm's OK state change reaches escalate, which resolves the incident (infra EscalationRouting): the
   * recoveries rule, or escalate's own alarm rule for an alarm escalate handles (it gets every state change).
   */
  okRoute: {
    handler: string;
    functionName: string;
    /** The recoveries rule (the first of `recoveriesRules`). */
    recoveriesRule: string;
    /** Every recoveries rule, each with the alarms whose OK it delivers (none where every alarm is escalate's own). */
    recoveriesRules: AlarmRuleSpec[];
  };
  /** Every rule the stack writes with a handler as its target, the sweeps aside (infra AlarmRouting, EscalationRouting). */
  invokingRules: ExpectedInvokingRule[];
}

export const ESCALATION_HANDLERS = ['escalate', 'escalation-timer'] as const;
/** The handler the escalation lane's schedules invoke (infra/lib/constructs/escalation-routing.ts TIMER_HANDLER). */
export const TIMER_HANDLER = 'escalation-timer';
/** The handler an alarm's OK resolves the incident through (infra/lib/constructs/escalation-routing.ts ESCALATE_HANDLER). */
export const ESCALATE_HANDLER = 'escalate';

export function escalationSchedulerRoleName(region: string): string {
  return `${NAME_PREFIX}-escalation-scheduler-${region}`.slice(0, 64);
}
export function verifySchedulerRoleName(region: string): string {
  return `${NAME_PREFIX}-verify-scheduler-${region}`.slice(0, 64);
}

export function preflightExpectations(
  config: AutomationConfig,
  environment: EnvironmentName,
  region: string,
  declarations: readonly HandlerDeclaration[],
): PreflightExpectations {
  const env = config.environments[environment];
  const regionRole = roleOfRegion(config, environment, region);
  // The region's alarms: those of the rows watched in its role (in a DR region the standby watch's too).
  const alarms = alarmSpecs(config, environment, region);
  // Exactly the handlers the region's runbook stack deploys (infra handlersForRegion): the playbooks of the rows watched
  // in the region's role, verify-change where one of them schedules health checks, and the escalation handlers (since
  // decision 123 a dr region watches the rows that change something too, acting only while it serves).
  const deployed = handlersForRegion(config, regionRole, declarations);
  const deploys = (name: string): boolean => deployed.some((d) => d.name === name);
  const escalationGroup = { name: ESCALATION_SCHEDULE_GROUP, roleName: escalationSchedulerRoleName(region), targetFunctionName: functionNameOf(TIMER_HANDLER) };
  const verifyGroup = { name: VERIFY_SCHEDULE_GROUP, roleName: verifySchedulerRoleName(region), targetFunctionName: functionNameOf(VERIFY_HANDLER) };
  // infra EscalationTimers: the escalation lane where the timer handlers are deployed, the health checks' where verify-change is.
  const scheduleGroups = [
    ...(ESCALATION_HANDLERS.some(deploys) ? [escalationGroup] : []),
    ...(deploys(VERIFY_HANDLER) ? [verifyGroup] : []),
  ];
  const handlers = deployed.map((declaration): ExpectedHandler => {
    const alarmNames = alarms.filter((a) => a.handler === declaration.name).map((a) => a.name);
    const routeName = `${NAME_PREFIX}-${declaration.name}`;
    const rules = alarmRulesOf(routeName, alarmNames, alarmRuleBucketCount(config, environment, routeName));
    // In a DR region a changing row's own role also reads whether the region serves (infra runbook-stack, decision 123);
    // in cross-account mode that read goes through the remediation role, granted it there, verify-change's too (infra
    // remediation-roles-stack, decision 128).
    const serving = regionRole === 'dr' && declaration.readsRegionServing === true && declaration.workloadRoleActions === undefined ? REGION_SERVING_ACTIONS : [];
    const servingInWorkload =
      regionRole === 'dr' && declaration.workloadRoleActions !== undefined && (declaration.readsRegionServing === true || declaration.name === VERIFY_HANDLER) ? REGION_SERVING_ACTIONS : [];
    const lane = (ESCALATION_HANDLERS as readonly string[]).includes(declaration.name) ? escalationGroup : declaration.schedulesHealthCheck && deploys(VERIFY_HANDLER) ? verifyGroup : undefined;
    return {
      ...declaration,
      actions: [...new Set([...declaration.actions, ...serving])],
      functionName: functionNameOf(declaration.name),
      roleName: executionRoleNameOf(declaration.name, region),
      ...(rules[0] ? { ruleName: rules[0].ruleName } : {}),
      alarmNames,
      rules,
      environment: {
        RUNBOOK_ENVIRONMENT: environment,
        STATE_TABLE_NAME: config.stateTableName,
        EVENT_BUS_NAME: config.eventBusName,
        KILL_SWITCH_PARAMETER: config.killSwitchParameterName,
      },
      ...(lane ? { scheduleGroup: lane.name, schedulerRoleName: lane.roleName } : {}),
      ...(declaration.workloadRoleActions
        ? { remediationRoleName: remediationRoleNameOf(declaration.name), workloadRoleActions: [...new Set([...declaration.workloadRoleActions, ...servingInWorkload])] }
        : {}),
    };
  });
  const policy = resolveEscalationPolicy(config, environment);
  const supportTier = policy.tiers.find((t) => t.supportCase);
  const dr = regionRole === 'dr' ? env.disasterRecovery : undefined;
  const regionOf = (role: RegionRole): string | undefined => Object.entries(env.regionRoles ?? {}).find(([, r]) => r === role)?.[0];
  const [primaryRegion, drRegion] = [regionOf('primary'), regionOf('dr')];
  const failoverPair =
    env.disasterRecovery && primaryRegion && drRegion
      ? {
          primaryRegion,
          drRegion,
          ...(env.disasterRecovery.failoverRecordName ? { recordName: env.disasterRecovery.failoverRecordName } : {}),
          ...(env.disasterRecovery.hostedZoneId ? { hostedZoneId: env.disasterRecovery.hostedZoneId } : {}),
        }
      : undefined;
  return {
    environment,
    region,
    regionRole,
    ...(dr ? { standby: { replicaIdentifier: dr.replicaIdentifier, sourceDatabases: [...env.resources.databases] } } : {}),
    ...(env.accountId ? { workloadAccount: env.accountId } : {}),
    // As infra's stack: in the DR region its database is the replica (decision 123), which its changing rows' grants name.
    watched: watchedResources(config, environment, regionRole),
    otherRegionDatabases: [...new Set((['primary', 'dr'] as const).flatMap((role) => databasesInRole(env, role)))].filter((d) => !databasesInRole(env, regionRole).includes(d)),
    otherRegions: env.regions.filter((r) => r !== region),
    // By the id the handlers read (none in the DR region), as infra's preflight role names it.
    caches: cacheReplicationGroupIds(config, regionRole),
    matrix: {
      dbInstanceClass: env.dbInstanceClass,
      multiAz: env.multiAz,
      backupRetentionDays: env.backupRetentionDays,
      ...DOCUMENT_CONSUMER,
    },
    automationDrift: automationDrift(config, environment, watchedResources(config, environment, regionRole).functions, { ...DOCUMENT_CONSUMER, dbInstanceClass: env.dbInstanceClass }),
    alarms,
    metricFilters: metricFilterSpecs(config, environment, region),
    handlers,
    killSwitchParameter: config.killSwitchParameterName,
    tiers: policy.tiers.map(({ level, name, topicName, channels }) => {
      // As infra's EscalationTopics subscribes them.
      const configured = env.escalation?.tiers.find((t) => t.level === level);
      return { level, name, topicName, channels, emails: channels.includes('email') ? [...(configured?.emails ?? [])] : [], slack: (configured?.slack ?? []).length > 0 };
    }),
    support: {
      ...(supportTier?.supportCase ? { enabled: true, severityCode: supportTier.supportCase.severityCode } : { enabled: false, severityCode: '' }),
      tierIncluded: policy.tiers.some((t) => config.escalationPath.find((p) => p.level === t.level)?.kind === 'aws-support'),
    },
    scheduleGroups,
    stateTableName: config.stateTableName,
    claimLeaseSeconds: config.claimLeaseSeconds,
    eventBusName: config.eventBusName,
    approverEmails: [...(env.runbookApprovers?.emails ?? [])],
    health: { topicName: AUTOMATION_HEALTH_TOPIC_NAME, ...healthSubscribers(config, environment) },
    ...(failoverPair ? { failoverPair } : {}),
    okRoute: {
      handler: ESCALATE_HANDLER,
      functionName: functionNameOf(ESCALATE_HANDLER),
      recoveriesRule: RECOVERIES_RULE,
      recoveriesRules: recoveriesRulesOf(alarms, alarmRuleBucketCount(config, environment, RECOVERIES_RULE)),
    },
    invokingRules: invokingRules(handlers, alarms, alarmRuleBucketCount(config, environment, RECOVERIES_RULE)),
  };
}

/** infra EscalationRouting's recoveries rules: the OK of every alarm escalate does not handle itself, over the route's buckets (decision 364). */
export function recoveriesRulesOf(alarms: ReadonlyArray<Pick<AlarmSpec, 'name' | 'handler'>>, buckets = 1): AlarmRuleSpec[] {
  return alarmRulesOf(RECOVERIES_RULE, alarms.filter((a) => a.handler !== ESCALATE_HANDLER).map((a) => a.name), buckets);
}

/** Pure: the rules infra writes with a handler as their target (AlarmRouting's per handler, EscalationRouting's AlarmRecoveries and two others), the sweeps aside. */
export function invokingRules(handlers: readonly ExpectedHandler[], alarms: ReadonlyArray<Pick<AlarmSpec, 'name' | 'handler'>>, recoveriesBuckets = 1): ExpectedInvokingRule[] {
  // infra's construct ids: a route's bucket 1 keeps the id of a route of one rule; bucket n is "-<n>" (AlarmRouting) or
  // "<n>" (EscalationRouting's AlarmRecoveries), whatever the other buckets hold (decision 364). The sandbox's deploy
  // gives each permission that id.
  const routes = handlers.flatMap((h): ExpectedInvokingRule[] =>
    h.rules.map((r) => ({
      ruleName: r.ruleName,
      bus: 'alarms',
      handler: h.name,
      functionName: h.functionName,
      construct: `AlarmRouting ${h.name}${r.part === 1 ? '' : `-${r.part}`}`,
      statementId: `AlarmRoute-${h.name}${r.part === 1 ? '' : `-${r.part}`}`,
      routedElsewhere: true,
      lost: `${h.name} never runs for the state changes of ${r.alarmNames.map((a) => `"${a}"`).join(', ')}, and nobody is paged for them`,
    })),
  );
  const escalate = handlers.find((h) => h.name === ESCALATE_HANDLER);
  if (!escalate) return routes;
  const rule = (ruleName: string, bus: ExpectedInvokingRule['bus'], construct: string, routedElsewhere: boolean, lost: string): ExpectedInvokingRule => ({
    ruleName,
    bus,
    handler: ESCALATE_HANDLER,
    functionName: escalate.functionName,
    construct: `EscalationRouting ${construct}`,
    statementId: construct,
    routedElsewhere,
    lost,
  });
  // infra EscalationRouting: the recoveries rules only where some alarm is not escalate's own (escalate gets all of those).
  return [
    ...routes,
    rule(DECISIONS_RULE, 'project', 'Decisions', false, 'no runbook decision reaches escalate: an escalation opens no incident and pages nobody, and no change starts its "still firing?" watch'),
    rule(KILL_SWITCH_CHANGES_RULE, 'default', 'KillSwitchChanges', false, 'a change of the kill switch (automation turned off or on, the parameter deleted) is told to nobody'),
    ...recoveriesRulesOf(alarms, recoveriesBuckets).map((r) =>
      rule(r.ruleName, 'alarms', r.part === 1 ? 'AlarmRecoveries' : `AlarmRecoveries${r.part}`, true, "an alarm back to OK resolves no incident: the tiers already paged are not told and the escalation timers keep climbing"),
    ),
  ];
}
