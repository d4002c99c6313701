// Cross-account mode, workload side (IAM): one remediation role per handler that acts here (each playbook, escalate,
// escalation-timer, verify-change), assumable only by that handler's role in operations; and the automation role of
// each region, which the runbook documents deployed here run as.
import { Annotations, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import { AccountPrincipal, PolicyStatement, Role, type CfnRole } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { alarmSpecs, cacheReplicationGroupIds, metricFilterSpecs, roleOfRegion, watchedResources } from '../../shared/config/alarm-specs';
import { disasterRecoveryScope } from '../../shared/config/dr-scope';
import { automationRoleNameOf, OPERATIONS_DOCUMENTS, VERIFY_HANDLER } from '../../shared/config/names';
import { REGION_SERVING_ACTIONS } from '../../shared/pipeline/pipeline-actions';
import type { AutomationConfig, EnvironmentName } from '../../shared/config/schema';
import type { StackPlan } from './deployment-plan';
import { workloadRoleActionsOf, type HandlerSpec } from './handler-catalog';
import { scopedStatements, type RegionScope } from './iam/scoped-policy';
import { holdToSessionRegion } from './iam/session-region';
import { attachFittedPolicies, IAM_TRUST_POLICY_MAX_CHARS, policyChars } from './iam/policy-size';
import { refuseSessionTagsOnRoles } from './iam/session-tag-guard';
import { PREFLIGHT_ROLE_NAME, preflightPrincipalArns, preflightReads, preflightTrust, remediationRoleTrust, remediationRoleTrustByRegionTag, type PolicyStatementJson } from './iam/workload-roles';
import { acknowledgeWildcards } from './nag';
import { handlersForRegion, regionDocuments } from './runbook-stack';
import { addAutomationRole, documentsFor, documentsForRegion, readRunbookDocuments } from './constructs/runbook-documents';
import { executionRoleNameOf, functionNameOf, NAME_PREFIX, remediationRoleNameOf } from './settings';

export interface RemediationRolesStackProps extends StackProps {
  deployment: StackPlan;
  config: AutomationConfig;
  handlers: readonly HandlerSpec[];
  /** runbooks/: the documents deployed here (WorkloadStack) run as this stack's automation roles. */
  runbooksDir?: string;
}

/**
 * The role's trust is exactly `statements`, the shared module's (Sid, Principal, Action, Condition as they are), as the
 * sandbox deploys them (test/integration/support/deploy-runbook-stack.ts): a change to any part of them reaches both.
 * (WorkloadStack's forwarding role too.) CDK's Role insists on an assumedBy; its statement is replaced wholesale in the template.
 */
export function trustExactly(role: Role, statements: readonly PolicyStatementJson[]): void {
  (role.node.defaultChild as CfnRole).addPropertyOverride('AssumeRolePolicyDocument.Statement', statements.map((st) => ({ ...st })));
}

/**
 * A remediation role's trust as it fits IAM's 2,048 characters (worst case over the stack's tokens, as the size guard
 * measures it): one statement per region while they fit (one or two regions: unchanged since decision 147), else the
 * same callers and tags in one statement naming the caller by the region it tags (a third region: review 22a R22a-8,
 * decision 383). Both admit exactly the handler's execution role of each region with that region's tag.
 */
export function fittedRemediationTrust(stack: Stack, operationsAccount: string, handler: string, callers: ReadonlyArray<{ region: string; roleArn: string }>): PolicyStatementJson[] {
  const perRegion = remediationRoleTrust(stack.partition, operationsAccount, handler, callers);
  if (policyChars(stack, { Version: '2012-10-17', Statement: perRegion }) <= IAM_TRUST_POLICY_MAX_CHARS) return perRegion;
  return remediationRoleTrustByRegionTag(stack.partition, operationsAccount, handler, callers);
}

export class RemediationRolesStack extends Stack {
  /** handler -> its remediation role. */
  readonly roles = new Map<string, Role>();
  /** region -> the role the runbook documents deployed in that region of this account run as. */
  readonly automationRoles = new Map<string, Role>();
  /** The read-only role `runbook preflight` assumes here (session "preflight"); only where environments.<env>.preflightPrincipals names who may (decision 94). */
  readonly preflightRole?: Role;

  constructor(scope: Construct, id: string, props: RemediationRolesStackProps) {
    const { deployment, config } = props;
    const crossAccount = deployment.crossAccount;
    if (!crossAccount) throw new Error('RemediationRolesStack is the workload side of cross-account mode: its plan names no operations account');
    super(scope, id, {
      ...props,
      description: `Notification Service runbook automation, ${deployment.environment}: the roles its handlers in ${crossAccount.operationsAccount} assume here`,
    });
    Tags.of(this).add('Service', config.service);
    Tags.of(this).add('Environment', deployment.environment);
    Tags.of(this).add('Component', NAME_PREFIX);
    // IAM is global: the roles serve every region of the environment, so the alarms of each (the DR region's standby watch too).
    const alarms = deployment.regions.flatMap((region) => alarmSpecs(config, deployment.environment, region));
    const drRegion = deployment.regions.find((region) => roleOfRegion(config, deployment.environment, region) === 'dr');

    for (const handler of props.handlers) {
      // The playbook's actions and the pipeline's stale-alarm check (the alarm read where it lives); for escalate and
      // escalation-timer the alarm read; for verify-change the changing rows' actions (read, revert, verify).
      const actions = workloadRoleActionsOf(handler);
      if (!actions) continue;
      // One role per handler, assumed by its execution role of every region the operations account deploys it in (IAM
      // is global): the role serves exactly those regions, and names in each only what that region holds (decision 131).
      const regions = deployment.regions.filter((region) => handlersForRegion(config, roleOfRegion(config, deployment.environment, region), props.handlers).some((h) => h.name === handler.name));
      if (regions.length === 0) continue;
      // The handler's own execution roles (one per region it runs in) and nothing else in the operations account may
      // assume it: a region that does not deploy the handler has no such role, and its name is not admitted.
      const callers = regions.map((region) => ({ region, roleArn: `arn:${this.partition}:iam::${crossAccount.operationsAccount}:role/${executionRoleNameOf(handler.name, region)}` }));
      // Attribution (shared/aws/account-clients.ts remediationSession): the session is tagged with the incident, this
      // playbook and the caller's region, and carries the handler as source identity; the same callers may do exactly
      // that and nothing else, each region's execution role with its own region only (decision 147).
      const role = new Role(this, `Remediate-${handler.name}`, {
        roleName: remediationRoleNameOf(handler.name),
        description: `${handler.name} in ${crossAccount.operationsAccount} acts here with exactly the actions ${handler.crossAccount?.declaredIn ?? handler.declaredIn} declares`,
        assumedBy: new AccountPrincipal(crossAccount.operationsAccount),
      });
      trustExactly(role, fittedRemediationTrust(this, crossAccount.operationsAccount, handler.name, callers));
      const grant = scopedStatements(
        actions,
        {
          partition: this.partition,
          account: this.account,
          regions,
          environment: deployment.environment,
          watched: watchedResources(config, deployment.environment),
          alarmNames: alarms.map((a) => a.name),
          // Each region's own resources, as the single-account stack of that region grants them (runbook-stack ownTargets):
          // the configured databases in a primary region, the replica in the DR region (decision 123), never the other
          // region's names; the DR region's standby (the replica the standby watch reads) there only.
          regionScopes: Object.fromEntries(regions.map((region) => [region, regionScopeOf(config, deployment.environment, region)])),
        },
        `${handler.crossAccount?.declaredIn ?? handler.declaredIn} (remediation role)`,
      );
      // A changing row (and verify-change, whose revert is a change) in the DR region reads there whether that region
      // serves (decision 123), in this account: the replica and the DR consumers' mappings, in the DR region only.
      const serving =
        drRegion !== undefined && regions.includes(drRegion) && (handler.readsRegionServing === true || handler.name === VERIFY_HANDLER)
          ? regionServingGrant(this.partition, this.account, drRegion, config.environments[deployment.environment].disasterRecovery?.replicaIdentifier)
          : { statements: [], wildcards: [] };
      // One role serves every region's sessions: each statement acts only for a session tagged with, and in, its region
      // (decision 147). The DR region's session reaches nothing of the primary's, though the names are the same.
      const statements = holdToSessionRegion([...grant.statements, ...serving.statements], regions, `${handler.name}'s remediation role`);
      // One inline policy while it fits; past that, customer managed policies (IAM's 10,240-character inline aggregate
      // per role: review 22a R22a-1, decision 368).
      const policy = attachFittedPolicies(this, `Remediate-${handler.name}-Actions`, role, statements);
      acknowledgeWildcards(policy, [...grant.wildcards, ...serving.wildcards]);
      this.roles.set(handler.name, role);
    }
    // An untagged session takes the role's own IAM tags as its principal tags: no remediation role may carry a session
    // tag key, whoever tags it (review 10b F5).
    refuseSessionTagsOnRoles(this, [...this.roles.keys()].map(remediationRoleNameOf));

    // The read-only role `runbook preflight` assumes here, from the configured principals of the operations account only:
    // the trust, reads and simulation its cross-account checks need (infra/lib/iam/workload-roles.ts), nothing else.
    // No default principal: a role name the operations account has not created could be created by anyone allowed
    // iam:CreateRole there and be admitted (attacker review). Unset, no preflight role is deployed, and synthesis says so.
    const configured = config.environments[deployment.environment].preflightPrincipals;
    if (configured) this.preflightRole = this.deployPreflightRole(config, deployment, crossAccount.operationsAccount, alarms.map((a) => a.name), configured, props.runbooksDir);
    else
      Annotations.of(this).addWarningV2(
        'preflight-principals-unset',
        `environments.${deployment.environment}.preflightPrincipals is unset: no ${PREFLIGHT_ROLE_NAME} role is deployed in ${this.account}, and runbook preflight's cross-account checks FAIL until it names the operations account's role(s) or user(s) that run preflight`,
      );

    // The runbook documents that act on the service's resources run here, as this account's automation role of their
    // region (IAM is global, the documents regional): scoped to this account's resources in that region, and allowed to
    // invoke exactly the handlers those documents run, by their ARNs in the operations account (whose function policies
    // admit this role). Deployed before the operations stacks, which name these roles in their function policies.
    const documents = props.runbooksDir ? documentsFor(readRunbookDocuments(props.runbooksDir), 'workload') : [];
    if (documents.length === 0) return;
    for (const region of deployment.regions) {
      const regionDr = disasterRecoveryScope(config, deployment.environment, region);
      // Only the handlers the operations account deploys in this region (a dr region has no row that changes something).
      const deployed = handlersForRegion(config, roleOfRegion(config, deployment.environment, region), props.handlers);
      const scope = new Construct(this, `Runbooks-${region}`);
      const role = addAutomationRole(scope, {
        roleName: automationRoleNameOf(region),
        // The documents the workload stack of this region registers: the role runs those and is granted their calls only.
        documents: documentsForRegion(documents, regionDocuments(config, deployment.environment, region, props.handlers)),
        targets: {
          partition: this.partition,
          account: this.account,
          regions: [region],
          environment: deployment.environment,
          // The region's own resources, as the single-account stack's automation role of that region: in the DR region
          // the replica (ScaleUpDatabase resizes it there; decision 123), never the primary's name (decision 131).
          watched: watchedResources(config, deployment.environment, roleOfRegion(config, deployment.environment, region)),
          alarmNames: alarmSpecs(config, deployment.environment, region).map((a) => a.name),
          ...(regionDr ? { disasterRecovery: regionDr } : {}),
        },
        handlerFunctionArns: new Map(
          deployed.map((h) => [functionNameOf(h.name), `arn:${this.partition}:lambda:${region}:${crossAccount.operationsAccount}:function:${functionNameOf(h.name)}`]),
        ),
        environment: deployment.environment,
      });
      this.automationRoles.set(region, role);
    }
  }

  /** The preflight role: trusted by `principals` of the operations account only, allowed preflight's reads here. */
  private deployPreflightRole(config: AutomationConfig, deployment: StackPlan, operationsAccount: string, alarmNames: readonly string[], configured: readonly string[], runbooksDir: string | undefined): Role {
    const principals = preflightPrincipalArns(configured, this.partition, operationsAccount);
    const role = new Role(this, 'Preflight', {
      roleName: PREFLIGHT_ROLE_NAME,
      description: `runbook preflight from ${operationsAccount}: reads and simulates only (session "preflight")`,
      assumedBy: new AccountPrincipal(operationsAccount),
    });
    trustExactly(role, preflightTrust(this.partition, operationsAccount, principals));
    const reads = preflightReads({
      partition: this.partition,
      account: this.account,
      regions: deployment.regions,
      watched: watchedResources(config, deployment.environment),
      caches: cacheReplicationGroupIds(config),
      alarmNames: [...new Set(alarmNames)],
      metricFilterLogGroups: [...new Set(deployment.regions.flatMap((region) => metricFilterSpecs(config, deployment.environment, region).map((f) => f.logGroupName)))],
      // What preflight reads in each region (cli/preflight/expectations.ts): the region's databases (in the DR region the
      // replica, which its standby check reads), no cache in the DR region, the region's alarms (decision 131).
      regionTargets: Object.fromEntries(
        deployment.regions.map((region) => {
          const role = roleOfRegion(config, deployment.environment, region);
          return [
            region,
            {
              watched: watchedResources(config, deployment.environment, role),
              caches: cacheReplicationGroupIds(config, role),
              alarmNames: alarmSpecs(config, deployment.environment, region).map((a) => a.name),
              metricFilterLogGroups: [...new Set(metricFilterSpecs(config, deployment.environment, region).map((f) => f.logGroupName))],
            },
          ];
        }),
      ),
      remediationHandlers: [...this.roles.keys()],
      documentNames: runbooksDir ? readRunbookDocuments(runbooksDir).map((d) => d.name).filter((name) => !OPERATIONS_DOCUMENTS.has(name)) : [],
    });
    // Grows with every queue, consumer, alarm and region: inline while it fits, else managed policies (R22a-2, decision 368).
    const preflightPolicy = attachFittedPolicies(
      this,
      'Preflight-Reads',
      role,
      reads.statements.map((st) => new PolicyStatement({ sid: st.Sid, actions: st.Action, resources: st.Resource ?? [] })),
    );
    acknowledgeWildcards(preflightPolicy, reads.wildcards);
    return role;
  }
}

/**
 * The DR serving reads (REGION_SERVING_ACTIONS, decision 128) for a remediation role, which IAM makes global: the
 * replica's DescribeDBInstances on its ARN in the DR region; ListEventSourceMappings has no resource type in IAM (it is
 * authorized on "*" only), so it is held to the DR region by aws:RequestedRegion. Without a replica configured, only the
 * mappings' read (the reader reads no replica then).
 */
export function regionServingGrant(partition: string, account: string, drRegion: string, replica: string | undefined): { statements: PolicyStatement[]; wildcards: Array<{ resource: string; reason: string }> } {
  const [describeReplica, listMappings] = REGION_SERVING_ACTIONS;
  return {
    statements: [
      ...(replica !== undefined ? [new PolicyStatement({ sid: 'RegionServingReplica', actions: [describeReplica], resources: [`arn:${partition}:rds:${drRegion}:${account}:db:${replica}`] })] : []),
      new PolicyStatement({ sid: 'RegionServingMappings', actions: [listMappings], resources: ['*'], conditions: { StringEquals: { 'aws:RequestedRegion': drRegion } } }),
    ],
    wildcards: [{ resource: '*', reason: `${listMappings}: no resource type in IAM (authorized on "*" only); held to the DR region ${drRegion} by aws:RequestedRegion` }],
  };
}

/**
 * What `region` holds, as the single-account stack of that region names it (runbook-stack's ownTargets): the
 * environment's resources with the databases of the region's role (the configured ones in a primary region, the
 * replica in the DR region: decision 123), the region's alarms, and in the DR region the standby the standby watch reads
 * (a primary region's failback replica is its documents', not a handler's: the automation roles name it).
 */
export function regionScopeOf(config: AutomationConfig, environment: EnvironmentName, region: string): RegionScope {
  const role = roleOfRegion(config, environment, region);
  const dr = role === 'dr' ? disasterRecoveryScope(config, environment, region) : undefined;
  return {
    watched: watchedResources(config, environment, role),
    alarmNames: alarmSpecs(config, environment, region).map((a) => a.name),
    ...(dr ? { disasterRecovery: dr } : {}),
  };
}
