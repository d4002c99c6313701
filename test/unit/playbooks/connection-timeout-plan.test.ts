// Tests of the Connection Timeout diagnosis: every path from the function, the named finding, the runbook filled in.
import { planConnectionTimeoutDiagnosis, type ConnectionTimeoutObservation } from '../../../shared/playbooks/connection-timeout-plan';
import type { IpPermissionLike, SecurityGroupLike } from '../../../shared/network/evaluate-reachability';
import type { Plan } from '../../../shared/pipeline/types';

const RUNBOOK = 'NotificationService-TroubleshootConnectionTimeout';
const G = { lambda: 'sg-0a11ce', db: 'sg-0db', cache: 'sg-0cache', endpoints: 'sg-0vpce' };
const PRIVATE = ['10.0.1.0/24', '10.0.2.0/24'];
const tcp = (port: number, groupId: string): IpPermissionLike => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, UserIdGroupPairs: [{ GroupId: groupId }] });

function groups(overrides: Partial<Record<keyof typeof G, SecurityGroupLike>> = {}): SecurityGroupLike[] {
  const seed: Record<keyof typeof G, SecurityGroupLike> = {
    lambda: { GroupId: G.lambda, GroupName: 'notification-service-lambda', IpPermissionsEgress: [tcp(5432, G.db), tcp(6379, G.cache), tcp(443, G.endpoints)] },
    db: { GroupId: G.db, GroupName: 'notification-service-db', IpPermissions: [tcp(5432, G.lambda)] },
    cache: { GroupId: G.cache, GroupName: 'notification-service-cache', IpPermissions: [tcp(6379, G.lambda)] },
    endpoints: { GroupId: G.endpoints, GroupName: 'notification-service-vpc-endpoints', IpPermissions: [tcp(443, G.lambda)] },
  };
  return Object.values({ ...seed, ...overrides });
}

function observation(securityGroups = groups(), overrides: Partial<ConnectionTimeoutObservation> = {}): ConnectionTimeoutObservation {
  return {
    functionName: 'notification-service-consumer',
    vpc: { vpcId: 'vpc-1', subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: [G.lambda], cidrs: PRIVATE },
    dependencies: [
      { kind: 'rds', label: 'RDS notification-service-db', port: 5432, groupIds: [G.db], cidrs: PRIVATE },
      { kind: 'cache', label: 'ElastiCache notification-service-cache', port: 6379, groupIds: [G.cache], cidrs: [] },
      { kind: 'vpc-endpoint', label: 'VPC endpoint com.amazonaws.us-east-1.sqs', port: 443, groupIds: [G.endpoints], cidrs: PRIVATE },
    ],
    securityGroups,
    prefixLists: {},
    notes: [],
    ...overrides,
  };
}

function escalation(plan: Plan<never>): Extract<Plan<never>, { kind: 'escalate' }> {
  if (plan.kind !== 'escalate') throw new Error(`expected an escalation, got ${plan.kind}`);
  return plan;
}

describe('planConnectionTimeoutDiagnosis', () => {
  it('says the 504 is not a security-group problem when every path is allowed, and offers no rule change', () => {
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: observation(), runbookName: RUNBOOK }));
    expect(plan.cause).toBe('diagnosis');
    expect(plan.reason).toBe(
      'security groups allow every path from Lambda notification-service-consumer (RDS notification-service-db:5432, ElastiCache notification-service-cache:6379, ' +
        "VPC endpoint com.amazonaws.us-east-1.sqs:443): the 504 is not a security-group problem; check DB connections and the function's timeout",
    );
    expect(plan.runbook).toBeUndefined();
    expect(plan.findings?.[0]).toContain('RDS notification-service-db tcp 5432: allowed (egress sg-0a11ce (notification-service-lambda) egress tcp 5432 to sg-0db');
  });

  it('names the missing database ingress and fills in the runbook that applies it behind approval', () => {
    const plan = escalation(
      planConnectionTimeoutDiagnosis({
        observation: observation(groups({ db: { GroupId: G.db, GroupName: 'notification-service-db', IpPermissions: [] } })),
        runbookName: RUNBOOK,
        apiName: 'notification-service-api',
      }),
    );
    expect(plan.reason).toBe(
      'Lambda notification-service-consumer cannot reach RDS notification-service-db on tcp 5432: sg-0db (notification-service-db) allows no ingress on tcp 5432 ' +
        `from sg-0a11ce (notification-service-lambda) (Lambda notification-service-consumer) — fix behind approval: ${RUNBOOK} (AuthorizeSecurityGroupIngress on sg-0db)`,
    );
    // The document's own parameters (runbooks/NotificationService-TroubleshootConnectionTimeout.yaml); Approvers are the operator's.
    expect(plan.runbook).toEqual({
      documentName: RUNBOOK,
      parameters: {
        ApiName: ['notification-service-api'],
        SecurityGroupId: [G.db],
        SourceSecurityGroupId: [G.lambda],
        Port: ['5432'],
        RuleDescription: [`${RUNBOOK}: Lambda notification-service-consumer to RDS notification-service-db`],
      },
    });
    expect(plan.findings).toEqual(expect.arrayContaining([expect.stringMatching(/^RDS notification-service-db tcp 5432: fix: AuthorizeSecurityGroupIngress \{"GroupId":"sg-0db"/)]));
  });

  it('names the missing cache egress from the function', () => {
    const lambda = { GroupId: G.lambda, GroupName: 'notification-service-lambda', IpPermissionsEgress: [tcp(5432, G.db), tcp(443, G.endpoints)] };
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: observation(groups({ lambda })), runbookName: RUNBOOK }));
    expect(plan.reason).toContain('cannot reach ElastiCache notification-service-cache on tcp 6379: sg-0a11ce (notification-service-lambda) allows no egress on tcp 6379');
    // The document adds ingress rules only: the egress fix is spelled out as the exact EC2 call instead.
    expect(plan.runbook).toBeUndefined();
    expect(plan.reason).toContain(
      `fix by hand (${RUNBOOK} adds ingress rules by group reference only): AuthorizeSecurityGroupEgress {"GroupId":"sg-0a11ce","IpPermissions":[{"IpProtocol":"tcp","FromPort":6379,"ToPort":6379,"UserIdGroupPairs":[{"GroupId":"sg-0cache"`,
    );
  });

  it('reports a database port open to the world even though the function gets through', () => {
    const db = { GroupId: G.db, GroupName: 'notification-service-db', IpPermissions: [tcp(5432, G.lambda), { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] };
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: observation(groups({ db })), runbookName: RUNBOOK }));
    expect(plan.reason).toContain('RDS notification-service-db is open too widely: 0.0.0.0/0 open on tcp 5432 in sg-0db (notification-service-db)');
    expect(plan.runbook).toBeUndefined();
    expect(plan.findings).toEqual(
      expect.arrayContaining([
        'RDS notification-service-db tcp 5432: fix: RevokeSecurityGroupIngress {"GroupId":"sg-0db","IpPermissions":[{"IpProtocol":"tcp","FromPort":5432,"ToPort":5432,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]}',
      ]),
    );
  });

  it('says a function outside any VPC has no security-group path at all', () => {
    const { vpc: _vpc, ...outside } = observation();
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: { ...outside, dependencies: [] }, runbookName: RUNBOOK }));
    expect(plan.reason).toContain('is not attached to a VPC');
  });

  it('carries what could not be read into the findings', () => {
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: observation(groups(), { notes: ['ElastiCache x: security group "y" not found in vpc-1'] }) }));
    expect(plan.findings).toContain('ElastiCache x: security group "y" not found in vpc-1');
  });

  it('fills in the runbook for the narrow rule that must precede a revoke of a world-open one', () => {
    const db = { GroupId: G.db, GroupName: 'notification-service-db', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] };
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: observation(groups({ db })), runbookName: RUNBOOK }));
    expect(plan.runbook?.parameters).toMatchObject({ SecurityGroupId: [G.db], SourceSecurityGroupId: [G.lambda], Port: ['5432'] });
  });

  it('names no runbook when the row has none configured', () => {
    const plan = escalation(planConnectionTimeoutDiagnosis({ observation: observation(groups({ db: { GroupId: G.db, IpPermissions: [] } })) }));
    expect(plan.runbook).toBeUndefined();
    expect(plan.reason).not.toContain('fix behind approval');
  });
});
