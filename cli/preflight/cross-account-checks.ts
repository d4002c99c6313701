// Preflight, cross-account mode: each remediation role a handler acts through can be assumed in the workload account
// (sts:AssumeRole into it: the real proof, which no read of the operations account gives), and from inside the workload
// account, on the role's own ARN, iam:SimulatePrincipalPolicy says it can make its playbook's calls there.
//
// AssumeRole is the one call preflight makes that is not a read; it is read-only in effect: the session it opens is
// named "preflight", lasts the minimum 15 minutes, and carries a session policy allowing iam:SimulatePrincipalPolicy on
// the role and nothing else (AWS intersects it with the role's policies), so the session can change nothing.
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { SESSION_TAG_KEYS } from '../../shared/config/names';
import type { ExpectedHandler } from './expectations';
import { simulateGroups, simulationGroups, type ArnContext } from './handler-checks';
import { awsErrorName, couldNotCheck, fail, isAccessDenied, pass, warn, type CheckResult, type PreflightClients } from './types';

/** The RoleSessionName of every preflight session: CloudTrail in the workload account shows it. */
export const PREFLIGHT_SESSION_NAME = 'preflight';
/** STS AssumeRole's minimum DurationSeconds. */
const SESSION_SECONDS = 900;

/** Pure: the session policy that leaves the preflight session nothing but the simulation on the role itself. */
export function preflightSessionPolicy(roleArn: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'PreflightSimulatesOnly', Effect: 'Allow', Action: 'iam:SimulatePrincipalPolicy', Resource: roleArn }] });
}

/**
 * Pure: the workload account's ARNs for the simulation, from the names infra scopes the remediation roles to (the
 * configuration's watched resources and alarms). Ids AWS assigns there (an event source mapping's UUID, the database's
 * parameter and subnet groups) stand as probes of the right shape: infra scopes those to `*` in the account.
 */
export function workloadArnContext(c: ArnContext, account: string): ArnContext {
  const { partition: p, region: r } = c.target;
  const { watched } = c.expected;
  return {
    target: { ...c.target, account },
    expected: c.expected,
    found: {
      queueArns: watched.queues.map((q) => `arn:${p}:sqs:${r}:${account}:${q}`),
      functionArns: watched.functions.map((f) => `arn:${p}:lambda:${r}:${account}:function:${f}`),
      mappingArns: [`arn:${p}:lambda:${r}:${account}:event-source-mapping:preflight-probe`],
      dbArns: watched.databases.map((d) => `arn:${p}:rds:${r}:${account}:db:${d}`),
      dbParameterGroups: ['preflight-probe'],
      dbSubnetGroups: ['preflight-probe'],
    },
    alarmArns: c.expected.alarms.map((a) => `arn:${p}:cloudwatch:${r}:${account}:alarm:${a.name}`),
    handlerFunctionArns: [],
    automationDocuments: c.automationDocuments,
  };
}

export interface CrossAccountContext extends ArnContext {
  /** Who preflight runs as (STS GetCallerIdentity Arn): the principal the role's trust must admit. */
  caller: string;
}

async function checkOne(clients: PreflightClients, handler: ExpectedHandler, roleName: string, workload: string, c: CrossAccountContext): Promise<CheckResult[]> {
  const roleArn = `arn:${c.target.partition}:iam::${workload}:role/${roleName}`;
  let credentials: AwsCredentialIdentity;
  try {
    const out = await clients.sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: PREFLIGHT_SESSION_NAME,
        DurationSeconds: SESSION_SECONDS,
        // The tag the trust admits for this handler's sessions (infra RemediationRolesStack TagSessionWithTheIncident).
        Tags: [{ Key: SESSION_TAG_KEYS.playbook, Value: handler.name }],
        Policy: preflightSessionPolicy(roleArn),
      }),
    );
    const k = out.Credentials;
    if (!k?.AccessKeyId || !k.SecretAccessKey) throw new Error(`STS AssumeRole ${roleArn} answered without credentials`);
    credentials = { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey, ...(k.SessionToken ? { sessionToken: k.SessionToken } : {}) };
  } catch (error) {
    if (!isAccessDenied(error)) return [couldNotCheck('cross-account', roleArn, error, ['sts:AssumeRole'])];
    return [
      fail(
        'cross-account',
        'remediation-role-assumable',
        roleArn,
        `remediation role ${roleName} of ${handler.name} in workload account ${workload} cannot be assumed by ${c.caller} (${awsErrorName(error) ?? 'AccessDenied'}): it does not exist there, or its trust policy does not admit this caller; ${handler.name} cannot act in ${workload}`,
        `deploy the remediation roles in ${workload} (npx cdk deploy NotificationRunbooksRemediation-${c.expected.environment} -c operationsAccount=${c.target.account}); their trust admits the handlers' execution roles in ${c.target.account}: run preflight as a principal the trust admits, and allow it sts:AssumeRole and sts:TagSession on ${roleArn}`,
      ),
    ];
  }
  const results: CheckResult[] = [
    pass('cross-account', 'remediation-role-assumable', roleArn, `remediation role ${roleName} of ${handler.name} in workload account ${workload}: assumed by ${c.caller} (session "${PREFLIGHT_SESSION_NAME}", simulation only)`),
  ];
  const iam = clients.iamWith(credentials);
  try {
    const inWorkload = workloadArnContext(c, workload);
    const { groups, unresolved } = simulationGroups({ ...handler, actions: handler.workloadRoleActions ?? [] }, inWorkload);
    const { allowed, denied } = await simulateGroups(iam, roleArn, groups);
    const count = handler.workloadRoleActions?.length ?? 0;
    if (denied.length > 0) {
      results.push(
        fail(
          'cross-account',
          'remediation-role-permissions',
          roleArn,
          `remediation role ${roleName} in ${workload} is denied ${denied.length} of ${handler.name}'s call(s) there: ${denied.join('; ')}`,
          `deploy the remediation roles in ${workload} (infra derives their policies from the declared actions); an explicit deny comes from an SCP or permission boundary: ask that account's administrators`,
        ),
      );
    } else if (unresolved.length > 0) {
      results.push(warn('cross-account', 'remediation-role-permissions', roleArn, `remediation role ${roleName} in ${workload}: ${allowed} calls allowed; not simulated (no resource of that kind configured): ${unresolved.join(', ')}`, 'check the configuration names the resources these actions act on'));
    } else {
      results.push(pass('cross-account', 'remediation-role-permissions', roleArn, `remediation role ${roleName} in ${workload}: all ${allowed} of ${handler.name}'s calls there allowed on the workload's ARNs (${count} actions)`));
    }
  } catch (error) {
    results.push(couldNotCheck('cross-account', `remediation role ${roleName} in ${workload}`, error, ['iam:SimulatePrincipalPolicy']));
  } finally {
    iam.destroy();
  }
  return results;
}

/** Cross-account mode only (the configuration's accountId is another account than preflight's): one pair per role. */
export async function checkRemediationRoles(clients: PreflightClients, c: CrossAccountContext): Promise<CheckResult[]> {
  const workload = c.expected.workloadAccount;
  if (!workload || workload === c.target.account) return [];
  const results: CheckResult[] = [];
  for (const handler of c.expected.handlers) {
    if (!handler.remediationRoleName) continue;
    results.push(...(await checkOne(clients, handler, handler.remediationRoleName, workload, c)));
  }
  return results;
}
