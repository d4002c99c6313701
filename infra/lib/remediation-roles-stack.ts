// Cross-account mode, workload side (IAM): one remediation role per handler that acts here (each playbook, escalate,
// escalation-timer, verify-change), assumable only by that handler's role in operations; and the automation role of
// each region, which the runbook documents deployed here run as.
import { Stack, Tags, type StackProps } from 'aws-cdk-lib';
import { AccountPrincipal, Policy, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { alarmSpecs, roleOfRegion, watchedResources } from '../../shared/config/alarm-specs';
import { disasterRecoveryScope } from '../../shared/config/dr-scope';
import { automationRoleNameOf, remediationSourceIdentity, SESSION_TAG_KEYS } from '../../shared/config/names';
import type { AutomationConfig } from '../../shared/config/schema';
import type { StackPlan } from './deployment-plan';
import { workloadRoleActionsOf, type HandlerSpec } from './handler-catalog';
import { scopedStatements } from './iam/scoped-policy';
import { acknowledgeWildcards } from './nag';
import { handlersForRegion } from './runbook-stack';
import { addAutomationRole, documentsFor, readRunbookDocuments } from './constructs/runbook-documents';
import { executionRoleNameOf, functionNameOf, NAME_PREFIX, remediationRoleNameOf } from './settings';

export interface RemediationRolesStackProps extends StackProps {
  deployment: StackPlan;
  config: AutomationConfig;
  handlers: readonly HandlerSpec[];
  /** runbooks/: the documents deployed here (WorkloadStack) run as this stack's automation roles. */
  runbooksDir?: string;
}

export class RemediationRolesStack extends Stack {
  /** handler -> its remediation role. */
  readonly roles = new Map<string, Role>();
  /** region -> the role the runbook documents deployed in that region of this account run as. */
  readonly automationRoles = new Map<string, Role>();

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
    const drScope = drRegion ? disasterRecoveryScope(config, deployment.environment, drRegion) : undefined;

    for (const handler of props.handlers) {
      // The playbook's actions and the pipeline's stale-alarm check (the alarm read where it lives); for escalate and
      // escalation-timer the alarm read; for verify-change the changing rows' actions (read, revert, verify).
      const actions = workloadRoleActionsOf(handler);
      if (!actions) continue;
      // The handler's own execution roles (one per region) and nothing else in the operations account may assume it.
      const callers = deployment.regions.map((region) => `arn:${this.partition}:iam::${crossAccount.operationsAccount}:role/${executionRoleNameOf(handler.name, region)}`);
      const role = new Role(this, `Remediate-${handler.name}`, {
        roleName: remediationRoleNameOf(handler.name),
        description: `${handler.name} in ${crossAccount.operationsAccount} acts here with exactly the actions ${handler.crossAccount?.declaredIn ?? handler.declaredIn} declares`,
        assumedBy: new AccountPrincipal(crossAccount.operationsAccount).withConditions({ ArnEquals: { 'aws:PrincipalArn': callers } }),
      });
      // Attribution (shared/aws/account-clients.ts remediationSession): the session is tagged with the incident and this
      // playbook, and carries the handler as source identity; the same callers may do exactly that and nothing else.
      role.assumeRolePolicy?.addStatements(
        new PolicyStatement({
          sid: 'TagSessionWithTheIncident',
          principals: [new AccountPrincipal(crossAccount.operationsAccount)],
          actions: ['sts:TagSession'],
          conditions: {
            ArnEquals: { 'aws:PrincipalArn': callers },
            StringEquals: { [`aws:RequestTag/${SESSION_TAG_KEYS.playbook}`]: handler.name },
            'ForAllValues:StringEquals': { 'aws:TagKeys': [SESSION_TAG_KEYS.playbook, SESSION_TAG_KEYS.incident] },
          },
        }),
        new PolicyStatement({
          sid: 'SourceIdentityIsTheHandler',
          principals: [new AccountPrincipal(crossAccount.operationsAccount)],
          actions: ['sts:SetSourceIdentity'],
          conditions: {
            ArnEquals: { 'aws:PrincipalArn': callers },
            StringEquals: { 'sts:SourceIdentity': remediationSourceIdentity(handler.name) },
          },
        }),
      );
      const grant = scopedStatements(
        actions,
        {
          partition: this.partition,
          account: this.account,
          regions: deployment.regions,
          environment: deployment.environment,
          watched: watchedResources(config, deployment.environment),
          alarmNames: alarms.map((a) => a.name),
          // The DR region's cross-region replica, which the standby watch reads (rds:DescribeDBInstances only).
          ...(drScope ? { disasterRecovery: drScope } : {}),
        },
        `${handler.crossAccount?.declaredIn ?? handler.declaredIn} (remediation role)`,
      );
      const policy = new Policy(this, `Remediate-${handler.name}-Actions`, { statements: grant.statements, roles: [role] });
      acknowledgeWildcards(policy, grant.wildcards);
      this.roles.set(handler.name, role);
    }

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
        documents,
        targets: {
          partition: this.partition,
          account: this.account,
          regions: [region],
          environment: deployment.environment,
          watched: watchedResources(config, deployment.environment),
          alarmNames: alarms.map((a) => a.name),
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
}
