// Cross-account mode: a central operations account runs the handlers; the workload account forwards its alarms and
// offers each playbook a remediation role. Synthesized once, offline, for production in both regions.
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { forwardedAlarmsStatement } from '../../infra/lib/iam/bus-policy';
import { alarmSpecs } from '../../shared/config/alarm-specs';
import { workloadRoleActionsOf } from '../../infra/lib/handler-catalog';
import { pipelineActionsOf } from '../../infra/lib/runbook-stack';
import { REGION_SERVING_ACTIONS } from '../../shared/pipeline/pipeline-actions';
import { executionRoleNameOf, functionNameOf, remediationRoleNameOf } from '../../infra/lib/settings';
import { forwardingRolePolicy, forwardingRoleTrust, preflightPrincipalArns, preflightTrust, remediationRoleTrust } from '../../infra/lib/iam/workload-roles';
import { OPERATIONS_DOCUMENTS } from '../../infra/lib/settings';
import { SESSION_TAG_KEYS } from '../../shared/config/names';
import { handlerDeclarations } from '../../cli/preflight/declarations';
import { preflightExpectations } from '../../cli/preflight/expectations';
import { deployedRoles, resolveIntrinsics, type DeployedRole, type PolicyDocument, type PolicyStatement } from './support/cfn-policies';
import { editStatements, policyFindings, simulate, type SimulatedCall, type SimulationPrincipal } from './support/iam-simulation';
import { dangerousCalls, otherRegionDatabaseCalls } from './support/service-calls';
import { documentContentOf } from './support/document-content';
import { iamSimulationSuite } from './suites/iam-simulation';
import { nagSuite } from './suites/nag';
import { deployedHandlers, functionOf, grantedActions, resourcesOfType, statementsOfRole, synthesizeApp, type CfnTemplate, type SynthesizedApp } from './support/synth';

const OPERATIONS = '111111111111';
const WORKLOAD = '222222222222';
const CACHE_GROUP = 'notification-service-cache-rg';

let synthesized: SynthesizedApp | undefined;
const app = (): SynthesizedApp =>
  (synthesized ??= synthesizeApp(
    // preflightPrincipals configured: without it no preflight role is deployed (decision 94; asserted below on a second synthesis).
    // The cache's replication group id is not its name (decision 143): preflight and its role must read it by the id.
    {
      environment: 'production',
      accounts: { production: WORKLOAD },
      operationsAccount: OPERATIONS,
      config: JSON.stringify({
        environments: { production: { preflightPrincipals: ['role/NotificationServicePreflight'] } },
        dependencies: { caches: [{ name: 'notification-service-cache', replicationGroupId: CACHE_GROUP, port: 6379, securityGroups: ['notification-service-cache'] }] },
      }),
    },
    { cfnValidation: false },
  ));
afterAll(() => synthesized?.dispose());

const template = (name: string): CfnTemplate => {
  const found = app().json.get(name);
  if (!found) throw new Error(`no stack ${name}: ${[...app().json.keys()].join(', ')}`);
  return found;
};
const playbooks = (): string[] => app().built.handlers.filter((h) => h.kind === 'playbook').map((h) => h.name);
/** Every handler that acts on the workload's resources: the playbooks, and escalate, escalation-timer, verify-change. */
const actingInWorkload = (): string[] => app().built.handlers.filter((h) => workloadRoleActionsOf(h) !== undefined).map((h) => h.name);
const SERVICE_HANDLERS_IN_WORKLOAD = ['escalate', 'escalation-timer', 'verify-change'];
const REGIONS = ['us-east-1', 'us-west-2'] as const;

describe('cross-account mode (production)', () => {
  it('puts the handlers in the operations account and the alarms and remediation roles in the workload account', () => {
    expect(app().built.plans.map((p) => [p.stackName, p.account])).toEqual([
      ['NotificationRunbooks-production-us-east-1', OPERATIONS],
      ['NotificationRunbooksWorkload-production-us-east-1', WORKLOAD],
      ['NotificationRunbooks-production-us-west-2', OPERATIONS],
      ['NotificationRunbooksWorkload-production-us-west-2', WORKLOAD],
      ['NotificationRunbooksRemediation-production', WORKLOAD],
    ]);
    expect(resourcesOfType(template('NotificationRunbooks-production-us-east-1'), 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties?.AlarmName)).not.toEqual(
      expect.arrayContaining([alarmSpecs(app().built.config, 'production')[0]?.name]),
    );
    const watched = alarmSpecs(app().built.config, 'production').map((a) => a.name);
    const inWorkload = resourcesOfType(template('NotificationRunbooksWorkload-production-us-east-1'), 'AWS::CloudWatch::Alarm').map(([, a]) => String(a.Properties?.AlarmName));
    expect(inWorkload.filter((name) => watched.includes(name)).sort()).toEqual([...watched].sort());
  });

  it('lets only the workload account put alarm state changes on the central bus', () => {
    app().templates.get('NotificationRunbooks-production-us-east-1')!.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: Match.objectLike({
        Effect: 'Allow',
        Principal: { AWS: Match.stringLikeRegexp(WORKLOAD) },
        Action: 'events:PutEvents',
        // Multivalued keys, so a set operator (decision 102); the keys present.
        Condition: {
          'ForAllValues:StringEquals': { 'events:source': 'aws.cloudwatch', 'events:detail-type': 'CloudWatch Alarm State Change' },
          Null: { 'events:source': 'false', 'events:detail-type': 'false' },
        },
      }),
    });
  });

  it('forwards the workload alarms to the central bus in the same region, with a DLQ', () => {
    app().templates.get('NotificationRunbooksWorkload-production-us-west-2')!.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] }),
      Targets: [
        Match.objectLike({
          Arn: Match.stringLikeRegexp(`arn:.*:events:us-west-2:${OPERATIONS}:event-bus/notification-runbooks`),
          RoleArn: Match.anyValue(),
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
  });

  describe('the forwarding role of each region (decision 114): EventBridge, for the forwarding rule only; events:PutEvents on that region\'s operations bus only', () => {
    const forwardingRole = (region: string): DeployedRole & { ruleRoleArn: unknown } => {
      const name = `NotificationRunbooksWorkload-production-${region}`;
      const t = template(name);
      const role = deployedRoles(t, { partition: 'aws', region, account: WORKLOAD }).find((r) => r.name === `notification-runbooks-forward-alarms-${region}`);
      if (!role) throw new Error(`no forwarding role in ${name}`);
      const rule = resourcesOfType(t, 'AWS::Events::Rule').find(([, r]) => r.Properties?.Name === 'notification-runbooks-forward-alarms');
      const targets = (rule?.[1].Properties?.Targets ?? []) as Array<{ RoleArn?: unknown }>;
      return { ...role, ruleRoleArn: resolveIntrinsics(targets[0]?.RoleArn, t, { partition: 'aws', region, account: WORKLOAD }) };
    };
    const bus = (region: string) => `arn:aws:events:${region}:${OPERATIONS}:event-bus/notification-runbooks`;
    const ruleArn = (region: string, account = WORKLOAD) => `arn:aws:events:${region}:${account}:rule/notification-runbooks-forward-alarms`;

    it.each(['us-east-1', 'us-west-2'])('%s: the rule targets the bus with the named role, whose trust and policy are infra\'s pure statements exactly (no CDK statement beside them)', (region) => {
      const role = forwardingRole(region);
      expect(role.ruleRoleArn).toBe(`arn:aws:iam::${WORKLOAD}:role/notification-runbooks-forward-alarms-${region}`);
      expect(role.trust.Statement).toEqual(forwardingRoleTrust('aws', WORKLOAD, region));
      expect(role.trust.Statement).toEqual([
        {
          Sid: 'EventBridgeForTheForwardingRule',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: ['sts:AssumeRole'],
          Condition: { StringEquals: { 'aws:SourceAccount': WORKLOAD }, ArnEquals: { 'aws:SourceArn': ruleArn(region) } },
        },
      ]);
      expect(role.policies.map((p) => p.document.Statement)).toEqual([[{ Sid: 'PutOnTheOperationsBus', Effect: 'Allow', Action: 'events:PutEvents', Resource: bus(region) }]]);
      expect(forwardingRolePolicy('aws', region, OPERATIONS, 'notification-runbooks')).toEqual([{ Sid: 'PutOnTheOperationsBus', Effect: 'Allow', Action: ['events:PutEvents'], Resource: [bus(region)] }]);
    });

    it.each(['us-east-1', 'us-west-2'])('%s: simulated, EventBridge may assume it for the forwarding rule and not for another rule or account; the role may put an alarm event on its bus and nowhere else', async (region) => {
      const role = forwardingRole(region);
      const assume = async (account: string, rule: string) => {
        const r = await runSimulation(
          {
            request: { principal: 'events.amazonaws.com', action: 'sts:AssumeRole', resource: { resource: role.arn, accountId: WORKLOAD }, contextVariables: { 'aws:SourceAccount': account, 'aws:SourceArn': rule } },
            identityPolicies: [],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy: role.trust,
          },
          {},
        );
        return r.resultType === 'error' ? `error ${JSON.stringify(r.errors)}` : r.overallResult;
      };
      const other = region === 'us-east-1' ? 'us-west-2' : 'us-east-1';
      expect([
        await assume(WORKLOAD, ruleArn(region)),
        await assume('333333333333', ruleArn(region, '333333333333')),
        await assume(WORKLOAD, `arn:aws:events:${region}:${WORKLOAD}:rule/some-other-rule`),
        await assume(WORKLOAD, ruleArn(other)),
      ]).toEqual(['Allowed', 'ImplicitlyDenied', 'ImplicitlyDenied', 'ImplicitlyDenied']);
      // Cross-account PutEvents: the bus's grant to the workload (infra's statement) admits it, so the role's own policy decides.
      const principal: SimulationPrincipal = { arn: `arn:aws:sts::${WORKLOAD}:assumed-role/${role.name}/events`, roleArn: role.arn, account: WORKLOAD, policies: role.policies };
      const alarmEvent = { 'events:source': ['aws.cloudwatch'], 'events:detail-type': ['CloudWatch Alarm State Change'] };
      const put = (resource: string, account: string, why: string): SimulatedCall => ({
        action: 'events:PutEvents',
        resource,
        resourceAccount: account,
        why,
        context: alarmEvent,
        resourcePolicy: { Version: '2012-10-17', Statement: [forwardedAlarmsStatement('aws', WORKLOAD, resource) as unknown as PolicyStatement] },
      });
      const results = await Promise.all(
        [
          put(bus(region), OPERATIONS, "this region's operations bus"),
          put(bus(other), OPERATIONS, "the other region's operations bus"),
          put(`arn:aws:events:${region}:${OPERATIONS}:event-bus/default`, OPERATIONS, "the operations account's default bus"),
          put(`arn:aws:events:${region}:333333333333:event-bus/notification-runbooks`, '333333333333', 'a same-named bus in another account'),
        ].map(async (c) => `${(await simulate(principal, c, region)).result}: ${c.why}`),
      );
      expect(results).toEqual([
        "Allowed: this region's operations bus",
        "ImplicitlyDenied: the other region's operations bus",
        "ImplicitlyDenied: the operations account's default bus",
        'ImplicitlyDenied: a same-named bus in another account',
      ]);
      const own = (action: string, resource: string): SimulatedCall => ({ action, resource, resourceAccount: WORKLOAD, why: action });
      const refused = await Promise.all(
        [own('events:PutEvents', `arn:aws:events:${region}:${WORKLOAD}:event-bus/default`), own('events:PutRule', ruleArn(region)), own('events:PutTargets', ruleArn(region)), own('iam:PassRole', role.arn)].map(
          async (c) => `${(await simulate(principal, c, region)).result}: ${c.action} on ${c.resource}`,
        ),
      );
      expect(refused.filter((r) => !r.startsWith('ImplicitlyDenied'))).toEqual([]);
      expect(refused).toHaveLength(4);
      expect(await policyFindings(role.policies.map((p) => ({ where: `${role.name} ${p.name}`, kind: 'identity' as const, document: p.document })))).toEqual([]);
    });
  });

  it('routes only the workload account\'s alarm events to the playbooks on the central bus', () => {
    const rules = resourcesOfType(template('NotificationRunbooks-production-us-east-1'), 'AWS::Events::Rule').filter(
      ([, r]) => (r.Properties?.EventPattern as { source?: string[] } | undefined)?.source?.includes('aws.cloudwatch'),
    );
    expect(rules.length).toBeGreaterThan(0);
    for (const [, rule] of rules) {
      expect(rule.Properties?.EventBusName).toBeDefined();
      expect((rule.Properties?.EventPattern as { account?: string[] }).account).toEqual([WORKLOAD]);
    }
  });

  it.each(['us-east-1', 'us-west-2'])('gives each playbook in %s the pipeline and STS on its own remediation role, and nothing on the workload\'s resources', (region) => {
    const ops = template(`NotificationRunbooks-production-${region}`);
    const here = deployedHandlers(app(), `NotificationRunbooks-production-${region}`);
    // us-west-2 is the DR region: since decision 123 it deploys the rows that change something too.
    expect(playbooks().filter((h) => here.includes(h)).includes('scale-consumers')).toBe(true);
    for (const handler of playbooks().filter((h) => here.includes(h))) {
      const { resource, roleId } = functionOf(ops, functionNameOf(handler));
      expect(resource.Properties?.Environment).toMatchObject({ Variables: { REMEDIATION_ROLE_NAME: remediationRoleNameOf(handler), RUNBOOK_ACCOUNT_ID: OPERATIONS, RUNBOOK_WORKLOAD_ACCOUNT_ID: WORKLOAD } });
      const granted = grantedActions(ops, roleId);
      const spec = app().built.handlers.find((h) => h.name === handler)!;
      for (const action of pipelineActionsOf(spec)) expect(granted).toContain(action);
      // Only a playbook that schedules a health check may create schedules and pass a scheduler role.
      expect(granted.has('scheduler:CreateSchedule')).toBe(spec.schedulesHealthCheck === true);
      expect(granted.has('iam:PassRole')).toBe(spec.schedulesHealthCheck === true);
      const assume = statementsOfRole(ops, roleId).find((s) => [s.Action].flat().includes('sts:AssumeRole'));
      expect(assume).toMatchObject({
        Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'],
        Resource: `arn:aws:iam::${WORKLOAD}:role/${remediationRoleNameOf(handler)}`,
      });
      // The watched resources are reached only through the role: no statement here names them or the workload account.
      const elsewhere = statementsOfRole(ops, roleId).filter((s) => s !== assume);
      const { watched } = { watched: JSON.stringify(elsewhere.map((s) => s.Resource)) };
      expect(watched).not.toContain(WORKLOAD);
      expect(watched).not.toMatch(/notification-service-(queue|consumer|db)/);
    }
  });

  it.each(['us-east-1', 'us-west-2'])(
    'gives escalate, escalation-timer and verify-change in %s their own-account actions and STS on their own remediation role, and nothing on the workload\'s resources (issue 17 item 2)',
    (region) => {
      const ops = template(`NotificationRunbooks-production-${region}`);
      expect(actingInWorkload().filter((h) => !playbooks().includes(h)).sort()).toEqual(SERVICE_HANDLERS_IN_WORKLOAD);
      // verify-change where a row changes something: in the DR region too since decision 123.
      const here = deployedHandlers(app(), `NotificationRunbooks-production-${region}`);
      expect(SERVICE_HANDLERS_IN_WORKLOAD.filter((h) => here.includes(h))).toEqual(SERVICE_HANDLERS_IN_WORKLOAD);
      for (const handler of SERVICE_HANDLERS_IN_WORKLOAD.filter((h) => here.includes(h))) {
        const { resource, roleId } = functionOf(ops, functionNameOf(handler));
        expect(resource.Properties?.Environment).toMatchObject({ Variables: { REMEDIATION_ROLE_NAME: remediationRoleNameOf(handler), RUNBOOK_ACCOUNT_ID: OPERATIONS, RUNBOOK_WORKLOAD_ACCOUNT_ID: WORKLOAD } });
        const spec = app().built.handlers.find((h) => h.name === handler)!;
        const granted = grantedActions(ops, roleId);
        for (const action of spec.crossAccount?.ownActions ?? ['(none declared)']) expect(granted).toContain(action);
        const assume = statementsOfRole(ops, roleId).find((s) => [s.Action].flat().includes('sts:AssumeRole'));
        expect(assume).toMatchObject({
          Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'],
          Resource: `arn:aws:iam::${WORKLOAD}:role/${remediationRoleNameOf(handler)}`,
        });
        const elsewhere = JSON.stringify(statementsOfRole(ops, roleId).filter((s) => s !== assume).map((s) => s.Resource));
        expect(elsewhere).not.toContain(WORKLOAD);
        expect(elsewhere).not.toMatch(/notification-service-(queue|consumer|db)/);
      }
    },
  );

  // Review 10b F5: a session's principal tags fall back to the assumed role's own IAM tags (IAM User Guide, "Pass session
  // tags in AWS STS"), so a `runbook-region` tag on the role would give every untagged session that region's grants.
  it('tags no remediation role with a session tag key, in any case (an untagged session would take the role\'s tag as its own)', () => {
    const sessionKeys = Object.values(SESSION_TAG_KEYS).map((k) => k.toLowerCase());
    const remediationRoles = resourcesOfType(template('NotificationRunbooksRemediation-production'), 'AWS::IAM::Role').filter(([, r]) =>
      actingInWorkload().map(remediationRoleNameOf).includes(String(r.Properties?.RoleName)),
    );
    expect(remediationRoles.map(([, r]) => r.Properties?.RoleName).sort()).toEqual(actingInWorkload().map(remediationRoleNameOf).sort());
    const tagged = remediationRoles.flatMap(([, r]) =>
      ((r.Properties?.Tags ?? []) as Array<{ Key: string; Value: unknown }>).filter((t) => sessionKeys.includes(t.Key.toLowerCase())).map((t) => `${String(r.Properties?.RoleName)}: ${t.Key}`),
    );
    expect(tagged).toEqual([]);
  });

  it('lets each remediation role be assumed only by its handler\'s execution roles of the regions that deploy it, in sessions tagged with the incident and the handler as source identity, and grants it the handler\'s workload actions in those regions', () => {
    const roles = app().templates.get('NotificationRunbooksRemediation-production')!;
    const json = template('NotificationRunbooksRemediation-production');
    expect(actingInWorkload()).toEqual(expect.arrayContaining([...playbooks(), ...SERVICE_HANDLERS_IN_WORKLOAD]));
    // The remediation roles, and the automation role of each region (the workload's runbook documents run as it).
    expect(resourcesOfType(json, 'AWS::IAM::Role').map(([, r]) => String(r.Properties?.RoleName)).sort()).toEqual(
      [...actingInWorkload().map(remediationRoleNameOf), 'notification-runbooks-automation-us-east-1', 'notification-runbooks-automation-us-west-2', 'notification-runbooks-preflight'].sort(),
    );
    const servingRoles: string[] = [];
    const trustSizes: number[] = [];
    const runsIn = (handler: string): string[] => REGIONS.filter((r) => resourcesOfType(template(`NotificationRunbooks-production-${r}`), 'AWS::Lambda::Function').some(([, f]) => f.Properties?.FunctionName === functionNameOf(handler)));
    // The standby watch runs in the DR region only (decision 131: no caller of a region that does not deploy it).
    expect(actingInWorkload().filter((h) => runsIn(h).length < 2)).toEqual(['watch-standby']);
    for (const handler of actingInWorkload()) {
      const executionRole = (r: string): string => `arn:aws:iam::${OPERATIONS}:role/${executionRoleNameOf(handler, r)}`;
      const callers = { 'aws:PrincipalArn': runsIn(handler).map(executionRole) };
      roles.hasResourceProperties('AWS::IAM::Role', {
        RoleName: remediationRoleNameOf(handler),
        AssumeRolePolicyDocument: {
          Statement: [
            // One statement per region: that region's execution role, with that region as its session's runbook-region
            // tag and nothing else (decision 147), for the AssumeRole itself as for its tags: no session without them
            // (decision 176).
            ...runsIn(handler).map((r) =>
              Match.objectLike({
                Action: ['sts:AssumeRole', 'sts:TagSession'],
                Principal: { AWS: Match.stringLikeRegexp(OPERATIONS) },
                Condition: {
                  ArnEquals: { 'aws:PrincipalArn': [executionRole(r)] },
                  StringEquals: { 'aws:RequestTag/runbook-playbook': handler, 'aws:RequestTag/runbook-region': r },
                  'ForAllValues:StringEquals': { 'aws:TagKeys': ['runbook-playbook', 'runbook-incident', 'runbook-region'] },
                },
              }),
            ),
            Match.objectLike({
              Action: ['sts:SetSourceIdentity'],
              Principal: { AWS: Match.stringLikeRegexp(OPERATIONS) },
              Condition: { ArnEquals: callers, StringEquals: { 'sts:SourceIdentity': `notification-runbooks-${handler}` } },
            }),
          ],
        },
      });
      const [roleId] = resourcesOfType(json, 'AWS::IAM::Role').find(([, r]) => r.Properties?.RoleName === remediationRoleNameOf(handler))!;
      // The deployed trust is the shared module's statements exactly (Sid, Principal, Action, Condition), as the sandbox
      // deploys them: a change to any part of them reaches both.
      const deployed = deployedRoles(json, { partition: 'aws', region: 'us-east-1', account: WORKLOAD }).find((r) => r.name === remediationRoleNameOf(handler))!;
      expect(deployed.trust.Statement).toEqual(remediationRoleTrust('aws', OPERATIONS, handler, runsIn(handler).map((region) => ({ region, roleArn: executionRole(region) }))));
      // IAM's quota on a trust policy, whitespace not counted: 2,048 characters by default (IAM quotas, "Role trust policy
      // length"); a trust past it fails the deployment. Every statement of this trust is repeated per region.
      trustSizes.push(JSON.stringify(deployed.trust).length);
      const spec = app().built.handlers.find((h) => h.name === handler)!;
      const granted = grantedActions(json, roleId);
      // The changing rows and verify-change also read, in the DR region, whether it serves (decision 128).
      const readsServing = spec.readsRegionServing === true || handler === 'verify-change';
      if (readsServing) servingRoles.push(handler);
      const expected = [...new Set([...(workloadRoleActionsOf(spec) ?? []), ...(readsServing ? REGION_SERVING_ACTIONS : [])])];
      expect(expected.length).toBeGreaterThan(0);
      // Those reads in statements of their own, in us-west-2 only: the replica by its ARN there, the mappings (no
      // resource type in IAM) held there by aws:RequestedRegion; both for the DR region's session only (decision 147).
      const inDr = { StringEquals: { 'aws:PrincipalTag/runbook-region': 'us-west-2', 'aws:RequestedRegion': 'us-west-2' } };
      const serving = statementsOfRole(json, roleId).filter((st) => String(st.Sid ?? '').startsWith('RegionServing'));
      expect(serving.map((st) => ({ Sid: st.Sid, Action: st.Action, Condition: st.Condition }))).toEqual(
        readsServing
          ? [
              { Sid: 'RegionServingReplicaInUsWest2', Action: 'rds:DescribeDBInstances', Condition: inDr },
              { Sid: 'RegionServingMappingsInUsWest2', Action: 'lambda:ListEventSourceMappings', Condition: inDr },
            ]
          : [],
      );
      // Every statement of the role acts for one region's session, in that region, on that region's ARNs only (decision 147).
      for (const st of statementsOfRole(json, roleId)) {
        const region = (st.Condition as { StringEquals?: Record<string, unknown> } | undefined)?.StringEquals?.['aws:PrincipalTag/runbook-region'];
        expect({ Sid: st.Sid, region, requested: (st.Condition as { StringEquals?: Record<string, unknown> }).StringEquals?.['aws:RequestedRegion'] }).toEqual({ Sid: st.Sid, region: expect.stringMatching(/^us-(east-1|west-2)$/), requested: region });
        expect(runsIn(handler)).toContain(region);
        for (const arn of [st.Resource ?? []].flat().map(String)) if (arn !== '*') expect(arn.split(':')[3]).toBe(region);
      }
      if (readsServing) {
        expect(JSON.stringify(serving[0]!.Resource)).toMatch(/:rds:us-west-2:222222222222:db:[a-z0-9-]+"/);
        expect(JSON.stringify(serving[0]!.Resource)).not.toContain('us-east-1');
        expect(serving[1]!.Resource).toBe('*');
      }
      expect(expected.filter((a) => !granted.has(a))).toEqual([]);
      expect([...granted].filter((a) => !expected.includes(a))).toEqual([]);
      const resources = JSON.stringify(statementsOfRole(json, roleId).map((s) => s.Resource));
      // Each region it runs in, and none other (decision 131).
      for (const region of REGIONS) if (!runsIn(handler).includes(region)) expect(resources).not.toContain(`:${region}:`);
      expect(resources).not.toContain(OPERATIONS);
    }
    // escalation-timer: a standby-watch incident re-reads whether the DR region serves before it climbs (review 12, R12-7).
    expect(servingRoles.sort()).toEqual(['escalation-timer', 'raise-lambda-memory', 'scale-consumers', 'scale-up-database', 'verify-change']);
    expect(trustSizes.length).toBe(actingInWorkload().length);
    expect(Math.max(...trustSizes)).toBeLessThanOrEqual(2048);
  });
});

describe('cross-account mode: preflight judges the remediation roles as infra deploys them, region by region (decision 131)', () => {
  it.each(REGIONS)('%s: preflight expects exactly the remediation roles whose trust admits this region\'s execution role, each judged on the databases infra\'s role names here', (region) => {
    const json = template('NotificationRunbooksRemediation-production');
    const roles = deployedRoles(json, { partition: 'aws', region, account: WORKLOAD });
    const expected = preflightExpectations(app().built.config, 'production', region, handlerDeclarations('cross-account'));
    const judged = expected.handlers.filter((h) => h.remediationRoleName !== undefined);
    const admitsHere = actingInWorkload().filter((h) =>
      JSON.stringify(roles.find((r) => r.name === remediationRoleNameOf(h))!.trust).includes(`arn:aws:iam::${OPERATIONS}:role/${executionRoleNameOf(h, region)}`),
    );
    expect(judged.map((h) => h.name).sort()).toEqual(admitsHere.sort());
    // The database instances each role names in this region (restores from them aside): the region's own, which preflight
    // simulates the role's calls on (workloadArnContext falls back to expected.watched.databases).
    const named: Record<string, string[]> = {};
    for (const h of judged) {
      const role = roles.find((r) => r.name === h.remediationRoleName)!;
      const resources = role.policies.flatMap((p) => p.document.Statement.flatMap((st) => [st.Resource ?? []].flat()));
      const here = [
        ...new Set(
          resources.flatMap((r) => {
            const m = /^arn:aws:rds:([a-z0-9-]+):\d{12}:db:(.+)$/.exec(r);
            return m && m[1] === region && !m[2]!.endsWith('-restore-*') ? [m[2]!] : [];
          }),
        ),
      ];
      if (here.length > 0) named[h.name] = here;
    }
    const database = region === 'us-east-1' ? 'notification-service-db' : 'notification-service-db-replica';
    expect(expected.watched.databases).toEqual([database]);
    // Written out: the roles with a database grant here, each naming this region's database and nothing else.
    const withDatabase = region === 'us-east-1'
      ? ['check-db-connections', 'inspect-security-groups', 'scale-up-database', 'verify-change']
      : ['check-db-connections', 'escalation-timer', 'inspect-security-groups', 'raise-lambda-memory', 'scale-consumers', 'scale-up-database', 'verify-change', 'watch-standby'];
    expect(named).toEqual(Object.fromEntries(withDatabase.map((h) => [h, expected.watched.databases])));
  });
});

describe('cross-account mode: the preflight role reads, in each region, what preflight reads there (decision 131)', () => {
  it.each(REGIONS)('%s: its databases, caches and alarms there are exactly preflight\'s expectations of the region', (region) => {
    const role = deployedRoles(template('NotificationRunbooksRemediation-production'), { partition: 'aws', region, account: WORKLOAD }).find((r) => r.name === 'notification-runbooks-preflight')!;
    const expected = preflightExpectations(app().built.config, 'production', region, handlerDeclarations('cross-account'));
    const namedHere = (sid: string, pattern: RegExp): string[] =>
      role.policies
        .flatMap((p) => p.document.Statement.filter((st) => st.Sid === sid).flatMap((st) => [st.Resource ?? []].flat()))
        .flatMap((r) => {
          const m = pattern.exec(r);
          return m && m[1] === region ? [m[2]!] : [];
        })
        .sort();
    // resource-checks.ts reads the standby in a DR region (checkReplica), the watched databases elsewhere.
    const databases = expected.standby ? [expected.standby.replicaIdentifier] : expected.watched.databases;
    expect(namedHere('WatchedDatabases', /^arn:aws:rds:([a-z0-9-]+):\d{12}:db:(.+)$/)).toEqual([...databases].sort());
    expect(namedHere('WatchedCaches', /^arn:aws:elasticache:([a-z0-9-]+):\d{12}:replicationgroup:(.+)$/)).toEqual([...expected.caches].sort());
    expect(namedHere('WatchedAlarms', /^arn:aws:cloudwatch:([a-z0-9-]+):\d{12}:alarm:(.+)$/)).toEqual(expected.alarms.map((a) => a.name).sort());
    // Written out: the DR region's database is the replica, and it reads no cache there; the cache by its replication
    // group id, not its name (decision 143).
    expect(databases).toEqual([region === 'us-east-1' ? 'notification-service-db' : 'notification-service-db-replica']);
    expect(expected.caches).toEqual(region === 'us-east-1' ? [CACHE_GROUP] : []);
    expect(namedHere('WatchedCaches', /^arn:aws:elasticache:([a-z0-9-]+):\d{12}:replicationgroup:(.+)$/)).toEqual(region === 'us-east-1' ? [CACHE_GROUP] : []);
  });
});

describe('cross-account mode: the runbook documents act in the workload account (issue 17 item 2)', () => {
  /** The documents that act on the service's resources: every runbook but the incident-state ones. */
  const SERVICE_DOCUMENTS = [
    'NotificationService-CheckDbConnections',
    'NotificationService-FailbackToPrimary',
    'NotificationService-FailoverToDR',
    'NotificationService-RaiseLambdaMemory',
    'NotificationService-RestoreDatabase',
    'NotificationService-ScaleConsumers',
    'NotificationService-ScaleUpDatabase',
    'NotificationService-TroubleshootConnectionTimeout',
  ];
  /** Every region registers them all since the DR region runs the rows that change something (decision 123). */
  const serviceDocumentsIn = (_region: string) => SERVICE_DOCUMENTS;
  /** The handlers those documents run (their RemediationFunctionName), named independently of infra. */
  const INVOKED_FROM_WORKLOAD = ['check-db-connections', 'inspect-security-groups', 'raise-lambda-memory', 'scale-consumers'];
  /** Of those, the ones the operations account deploys in the region: all of them in both since decision 123. */
  const invokedIn = (_region: string) => INVOKED_FROM_WORKLOAD;
  const deployedIn = (region: string) => app().built.handlers.map((h) => h.name).filter((h) => resourcesOfType(template(`NotificationRunbooks-production-${region}`), 'AWS::Lambda::Function').some(([, r]) => r.Properties?.FunctionName === functionNameOf(h)));
  const automationRoleName = (region: string) => `notification-runbooks-automation-${region}`;
  const documentsIn = (stack: string) =>
    new Map(
      resourcesOfType(template(stack), 'AWS::SSM::Document').map(([, r]) => [
        String(r.Properties?.Name),
        documentContentOf<{ parameters: Record<string, { default?: unknown }> }>(r, template(stack), { partition: 'aws', region: stack.split('-').slice(-3).join('-'), account: stack.startsWith('NotificationRunbooksWorkload') ? WORKLOAD : OPERATIONS }),
      ]),
    );
  const opsFunctionArn = (region: string, handler: string) => `arn:aws:lambda:${region}:${OPERATIONS}:function:${functionNameOf(handler)}`;

  /** The workload's automation role of `region`, as AWS will hold it. */
  const workloadAutomationRole = (region: string): DeployedRole => {
    const role = deployedRoles(template('NotificationRunbooksRemediation-production'), { partition: 'aws', region, account: WORKLOAD }).find((r) => r.name === automationRoleName(region));
    if (!role) throw new Error(`no ${automationRoleName(region)} in the workload account`);
    return role;
  };
  /** A function's resource policy in the operations account, from its AWS::Lambda::Permission resources. */
  const functionPolicy = (region: string, handler: string): PolicyDocument => {
    const ops = template(`NotificationRunbooks-production-${region}`);
    const d = { partition: 'aws', region, account: OPERATIONS };
    const { id } = functionOf(ops, functionNameOf(handler));
    const Statement = resourcesOfType(ops, 'AWS::Lambda::Permission')
      .filter(([, r]) => JSON.stringify(r.Properties?.FunctionName).includes(`"${id}"`))
      .map(([sid, r]): PolicyStatement => {
        const principal = String(resolveIntrinsics(r.Properties?.Principal, ops, d));
        const sourceArn = r.Properties?.SourceArn;
        return {
          Sid: sid,
          Effect: 'Allow',
          Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
          Action: String(r.Properties?.Action),
          Resource: opsFunctionArn(region, handler),
          ...(sourceArn ? { Condition: { ArnLike: { 'AWS:SourceArn': String(resolveIntrinsics(sourceArn, ops, d)) } } } : {}),
        };
      });
    return { Version: '2012-10-17', Statement };
  };

  it('registers the incident-state documents in the operations account and every other document in each workload region where it can run, none twice', () => {
    expect([...OPERATIONS_DOCUMENTS].sort()).toEqual(['NotificationService-AcknowledgeIncident', 'NotificationService-EscalateToNextTier']);
    for (const region of REGIONS) {
      expect([...documentsIn(`NotificationRunbooks-production-${region}`).keys()].sort()).toEqual([...OPERATIONS_DOCUMENTS].sort());
      expect([...documentsIn(`NotificationRunbooksWorkload-production-${region}`).keys()].sort()).toEqual(serviceDocumentsIn(region));
    }
    expect(resourcesOfType(template('NotificationRunbooksRemediation-production'), 'AWS::SSM::Document')).toEqual([]);
  });

  it.each(REGIONS)('%s: the workload documents invoke the handlers by their full ARN in the operations account, and the failover documents run only as the workload\'s automation role', (region) => {
    const docs = documentsIn(`NotificationRunbooksWorkload-production-${region}`);
    const invoked = [...docs.values()].flatMap((c) => (c.parameters.RemediationFunctionName ? [String(c.parameters.RemediationFunctionName.default)] : []));
    expect(invoked.sort()).toEqual(invokedIn(region).map((h) => opsFunctionArn(region, h)));
    for (const name of ['NotificationService-FailoverToDR', 'NotificationService-FailbackToPrimary']) {
      expect(docs.get(name)?.parameters.AutomationAssumeRole).toMatchObject({
        default: `arn:aws:iam::${WORKLOAD}:role/${automationRoleName(region)}`,
        allowedPattern: `^arn:aws:iam::${WORKLOAD}:role/${automationRoleName(region)}$`,
      });
    }
    // The operations account's own documents invoke its own escalation timer, by ARN too.
    const escalate = documentsIn(`NotificationRunbooks-production-${region}`).get('NotificationService-EscalateToNextTier');
    expect(escalate?.parameters.RemediationFunctionName?.default).toBe(opsFunctionArn(region, 'escalation-timer'));
  });

  it.each(REGIONS)('%s: only the deployed handlers the workload documents run admit the workload\'s automation role of this region, and nothing else of that account', (region) => {
    expect(deployedIn(region)).toEqual(expect.arrayContaining(invokedIn(region)));
    for (const handler of deployedIn(region)) {
      const crossAccount = functionPolicy(region, handler).Statement.filter((st) => JSON.stringify(st.Principal).includes(WORKLOAD));
      expect({ handler, principals: crossAccount.map((st) => st.Principal) }).toEqual({
        handler,
        principals: invokedIn(region).includes(handler) ? [{ AWS: `arn:aws:iam::${WORKLOAD}:role/${automationRoleName(region)}` }] : [],
      });
    }
  });

  it('deploys the workload\'s IAM before the operations stacks, and those before the workload\'s regions (the function policies name the automation roles)', () => {
    const assembly = app().app.synth();
    const dependsOn = (name: string) => assembly.getStackByName(name).dependencies.map((d) => d.id).filter((id) => !id.endsWith('.assets')).sort();
    for (const region of REGIONS) {
      expect(dependsOn(`NotificationRunbooks-production-${region}`)).toEqual(['NotificationRunbooksRemediation-production']);
      expect(dependsOn(`NotificationRunbooksWorkload-production-${region}`)).toEqual([`NotificationRunbooks-production-${region}`]);
    }
  });

  describe('the workload automation role, judged by the IAM policy simulator', () => {
    const ZONE_ARN = 'arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ';
    const call = (action: string, resource: string, why: string, extra: Partial<SimulatedCall> = {}): SimulatedCall => ({ action, resource, resourceAccount: WORKLOAD, why, ...extra });
    /** What the documents must be able to do in the workload, on its real ARNs: named here from the documents' steps. */
    const needed = (region: string): SimulatedCall[] => {
      const w = (service: string, rest: string) => `arn:aws:${service}:${region}:${WORKLOAD}:${rest}`;
      const consumer = w('lambda', 'function:notification-service-consumer');
      const mapping = { context: { 'lambda:FunctionArn': consumer } };
      const replica = region === 'us-west-2' ? 'notification-service-db-replica' : 'notification-service-db-failback';
      // The database of the region: in the dr region the replica (decision 123), the only database its role names there
      // (decision 131), as the single-account DR stack's automation role.
      const database = region === 'us-east-1' ? 'notification-service-db' : 'notification-service-db-replica';
      return [
        call('cloudwatch:DescribeAlarms', '*', 'reads its alarm by name (every document that checks its alarm)'),
        call('rds:DescribeDBInstances', w('rds', `db:${database}`), 'reads the database (ScaleUpDatabase, RestoreDatabase, CheckDbConnections)'),
        call('rds:ModifyDBInstance', w('rds', `db:${database}`), 'resizes the database (ScaleUpDatabase)'),
        call('rds:RestoreDBInstanceToPointInTime', w('rds', `db:${database}`), 'restores from the database (RestoreDatabase)'),
        call('rds:RestoreDBInstanceToPointInTime', w('rds', `db:${database}-restore-20261205`), 'to a new instance (RestoreDatabase)'),
        call('lambda:GetFunctionConfiguration', consumer, 'reads the consumer\'s memory (RaiseLambdaMemory)'),
        call('lambda:UpdateFunctionConfiguration', consumer, 'sets the approved memory (RaiseLambdaMemory)'),
        call('lambda:ListEventSourceMappings', '*', 'reads the consumers back (ScaleConsumers)'),
        call('lambda:UpdateEventSourceMapping', w('lambda', 'event-source-mapping:6f3a2b1c-0d4e-4f5a-9b8c-7d6e5f4a3b2c'), 'enables the DR consumers (FailoverToDR)', mapping),
        call('ec2:DescribeSecurityGroups', '*', 'reads the groups (TroubleshootConnectionTimeout)'),
        call('ec2:AuthorizeSecurityGroupIngress', w('ec2', 'security-group/sg-0db5e1c2a3b4c5d6e'), 'adds the approved rule to the service\'s group (TroubleshootConnectionTimeout)', {
          context: { 'aws:ResourceTag/Environment': 'production', 'ec2:ResourceTag/Environment': 'production' },
        }),
        call('rds:PromoteReadReplica', w('rds', `db:${replica}`), 'promotes this region\'s standby (FailoverToDR / FailbackToPrimary)'),
        call('rds:ModifyDBInstance', w('rds', `db:${replica}`), 'renames the promoted replica to the watched name (FailbackToPrimary, decision 199)'),
        call('ssm:PutParameter', w('ssm', 'parameter/notification-service/database/endpoint'), 'points the service at its database'),
        ...invokedIn(region).map((h) =>
          call('lambda:InvokeFunction', opsFunctionArn(region, h), `runs ${h} in the operations account (its function policy admits this role)`, {
            resourceAccount: OPERATIONS,
            resourcePolicy: functionPolicy(region, h),
          }),
        ),
      ];
    };
    /** What the role must never do: the project's dangerous calls on the workload, and the operations account's own. */
    const dangerous = (region: string): SimulatedCall[] => {
      const world = { config: app().built.config, environment: 'production' as const, partition: 'aws', region, serviceAccount: WORKLOAD, ownAccount: WORKLOAD, env: {} };
      const generic = dangerousCalls(world, { scheduleGroups: [], schedulerRoleArns: [], ruleArn: `arn:aws:events:${region}:${WORKLOAD}:rule/notification-runbooks-forward-alarms` })
        // The one generic "dangerous" call this role is for: the approved ingress rule on the service's own (tagged) group.
        .filter((c) => !(c.action === 'ec2:AuthorizeSecurityGroupIngress' && c.context?.['aws:ResourceTag/Environment'] === 'production'));
      const o = (service: string, rest: string) => `arn:aws:${service}:${region}:${OPERATIONS}:${rest}`;
      return [
        ...generic,
        // The other region's database, named in this one (decision 131): the replica's name in us-east-1, the primary's in us-west-2.
        ...otherRegionDatabaseCalls(world),
        call('ec2:AuthorizeSecurityGroupIngress', `arn:aws:ec2:${region}:${WORKLOAD}:security-group/sg-0aaaaaaaaaaaaaaaa`, 'opens a group of another environment', {
          context: { 'aws:ResourceTag/Environment': 'staging', 'ec2:ResourceTag/Environment': 'staging' },
        }),
        call('rds:PromoteReadReplica', `arn:aws:rds:${region}:${WORKLOAD}:db:notification-service-db`, 'promotes the primary database'),
        call('route53:ChangeResourceRecordSets', ZONE_ARN, 'changes a record with no zone configured'),
        call('ssm:PutParameter', `arn:aws:ssm:${region}:${WORKLOAD}:parameter/notification-runbooks/kill-switch`, 'writes a kill switch parameter in the workload'),
        ...['verify-change', 'escalate', 'escalation-timer', 'alert-error-rate'].filter((h) => deployedIn(region).includes(h)).map((h) =>
          call('lambda:InvokeFunction', opsFunctionArn(region, h), `runs ${h}, which no workload document runs`, { resourceAccount: OPERATIONS, resourcePolicy: functionPolicy(region, h) }),
        ),
        call('lambda:InvokeFunction', `arn:aws:lambda:${region}:${WORKLOAD}:function:notification-runbooks-scale-consumers`, 'a same-named function in the workload account'),
        call('dynamodb:UpdateItem', o('dynamodb', 'table/notification-runbooks-state'), 'acknowledges incidents in the operations state table', { resourceAccount: OPERATIONS }),
        call('sts:AssumeRole', `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-remediate-scale-consumers`, 'borrows a handler\'s remediation role'),
      ];
    };
    const principalOf = (role: DeployedRole): SimulationPrincipal => ({ arn: role.arn, roleArn: role.arn, account: WORKLOAD, policies: role.policies });
    const judge = async (principal: SimulationPrincipal, region: string, calls: SimulatedCall[]) =>
      Promise.all(calls.map(async (c) => `${(await simulate(principal, c, region)).result}: ${c.action} on ${c.resource} (${c.why})`));
    const allowedOf = (results: string[]) => results.filter((r) => r.startsWith('Allowed') || r.startsWith('error'));

    it.each(REGIONS)('%s: allows every call the workload documents make on the workload\'s ARNs and the operations handlers they run, and denies every dangerous call', async (region) => {
      const role = workloadAutomationRole(region);
      const need = needed(region);
      const danger = dangerous(region);
      const neededResults = await judge(principalOf(role), region, need);
      const dangerousResults = await judge(principalOf(role), region, danger);
      console.log(`IAM simulation (workload automation role ${region}): needed ${need.length}: ${neededResults.filter((r) => r.startsWith('Allowed')).length} allowed; dangerous ${danger.length}: ${allowedOf(dangerousResults).length} allowed`);
      // 14 calls on the workload's resources (the replica's rename, decision 199, the 14th) and the handlers the operations
      // account runs in this region (4), in the dr region as in the primary since decision 123.
      expect(need.length).toBe(18);
      expect(danger.length).toBeGreaterThan(40);
      expect(neededResults.filter((r) => !r.startsWith('Allowed'))).toEqual([]);
      expect(allowedOf(dangerousResults)).toEqual([]);
      // Every resource the role names is the workload's, but the operations handlers it runs.
      const named = role.policies.flatMap((p) => p.document.Statement.flatMap((st) => [st.Resource ?? []].flat()));
      expect(named.filter((arn) => arn !== '*' && !arn.includes(`:${WORKLOAD}:`)).sort()).toEqual(invokedIn(region).map((h) => opsFunctionArn(region, h)));
      // Only Systems Manager, for executions in the workload account and the role's region, may assume it (decision 250).
      expect(role.trust.Statement).toEqual([
        expect.objectContaining({
          Principal: { Service: 'ssm.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': WORKLOAD }, ArnLike: { 'aws:SourceArn': `arn:aws:ssm:${region}:${WORKLOAD}:automation-execution/*` } },
        }),
      ]);
      expect(await policyFindings(role.policies.map((p) => ({ where: p.name, kind: 'identity' as const, document: p.document })))).toEqual([]);
    });

    it('catches a planted fault: the operations scale-consumers function policy without the workload role refuses the invoke, and a database grant widened to "*" lets the role resize any database', async () => {
      const region = 'us-east-1';
      const role = workloadAutomationRole(region);
      const invoke = needed(region).find((c) => c.action === 'lambda:InvokeFunction' && c.resource.endsWith('notification-runbooks-scale-consumers'))!;
      expect(allowedOf(await judge(principalOf(role), region, [invoke]))).toHaveLength(1);
      const withoutGrant = { ...invoke, resourcePolicy: { ...invoke.resourcePolicy!, Statement: invoke.resourcePolicy!.Statement.filter((st) => !JSON.stringify(st.Principal).includes(WORKLOAD)) } };
      expect(await judge(principalOf(role), region, [withoutGrant])).toEqual([`ImplicitlyDenied: lambda:InvokeFunction on ${invoke.resource} (${invoke.why})`]);
      const widened = { ...principalOf(role), policies: editStatements(role.policies, (st) => ([st.Action ?? []].flat().includes('rds:ModifyDBInstance') ? { ...st, Resource: '*' } : st)) };
      // A database that is not the service's, and the replica's name in us-east-1 (decision 131's refused call).
      expect(allowedOf(await judge(widened, region, dangerous(region))).map((r) => r.split(' (')[0])).toEqual([
        `Allowed: rds:ModifyDBInstance on arn:aws:rds:${region}:${WORKLOAD}:db:billing-db`,
        `Allowed: rds:ModifyDBInstance on arn:aws:rds:${region}:${WORKLOAD}:db:notification-service-db-replica`,
      ]);
    });

    it.each(REGIONS)('%s: the operations account\'s automation role runs only the incident-state documents: the state table and the escalation timer, nothing in the workload', async (region) => {
      const ops = template(`NotificationRunbooks-production-${region}`);
      const role = deployedRoles(ops, { partition: 'aws', region, account: OPERATIONS }).find((r) => r.name === automationRoleName(region))!;
      const principal = { arn: role.arn, roleArn: role.arn, account: OPERATIONS, policies: role.policies };
      const own = (action: string, resource: string, why: string): SimulatedCall => ({ action, resource, resourceAccount: OPERATIONS, why });
      const allowed = await judge(principal, region, [
        // The acknowledgement's own write, with the keys DynamoDB sets for it (decision 182 binds the grant to them).
        {
          ...own('dynamodb:UpdateItem', `arn:aws:dynamodb:${region}:${OPERATIONS}:table/notification-runbooks-state`, 'AcknowledgeIncident'),
          context: {
            'dynamodb:LeadingKeys': ['ESCALATION#inc-3f2a9c1b7d44'],
            'dynamodb:Attributes': ['pk', 'sk', 'status', 'acknowledgedBy', 'acknowledgedNote', 'acknowledgedAt', 'acknowledgedVia'],
            'dynamodb:ReturnValues': 'UPDATED_NEW',
          },
        },
        own('lambda:InvokeFunction', opsFunctionArn(region, 'escalation-timer'), 'EscalateToNextTier'),
        // Both documents read their own execution: AcknowledgeIncident's whoStarted, EscalateToNextTier's escalationNotMade (decision 222).
        own('ssm:GetAutomationExecution', `arn:aws:ssm:${region}:${OPERATIONS}:automation-execution/0f1e2d3c-4b5a-6978-8091-a2b3c4d5e6f7`, 'AcknowledgeIncident, EscalateToNextTier'),
      ]);
      expect(allowed.filter((r) => !r.startsWith('Allowed'))).toEqual([]);
      const refused = await judge(principal, region, [
        ...needed(region).filter((c) => c.resourceAccount === WORKLOAD && c.resource !== '*'),
        ...INVOKED_FROM_WORKLOAD.map((h) => own('lambda:InvokeFunction', opsFunctionArn(region, h), `runs ${h}: a workload document's step`)),
      ]);
      expect(allowedOf(refused)).toEqual([]);
      // 11 calls on the workload's named resources (the replica's rename, decision 199, the 11th) and the 4 handlers the
      // workload documents run, in the dr region as in the primary since decision 123 (it registers every document).
      expect(refused.length).toBe(15);
    });
  });
});

describe('cross-account mode: the read-only preflight role in the workload account (issue 14)', () => {
  const PREFLIGHT_ROLE = 'notification-runbooks-preflight';
  /** environments.production.preflightPrincipals of this suite's configuration (there is no default: decision 94). */
  const CONFIGURED_PRINCIPAL = `arn:aws:iam::${OPERATIONS}:role/NotificationServicePreflight`;
  const preflightRole = (region = 'us-east-1'): DeployedRole => {
    const role = deployedRoles(template('NotificationRunbooksRemediation-production'), { partition: 'aws', region, account: WORKLOAD }).find((r) => r.name === PREFLIGHT_ROLE);
    if (!role) throw new Error(`no ${PREFLIGHT_ROLE} in the workload account`);
    return role;
  };
  const w = (service: string, region: string, rest: string) => `arn:aws:${service}:${region}:${WORKLOAD}:${rest}`;
  const call = (action: string, resource: string, why: string, extra: Partial<SimulatedCall> = {}): SimulatedCall => ({ action, resource, resourceAccount: WORKLOAD, why, ...extra });
  /** Every read preflight's cross-account checks make in the workload (cli/preflight), on its real ARNs, named here independently. */
  const reads = (region: string): SimulatedCall[] => [
    call('iam:GetRole', `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-remediate-scale-consumers`, "reads a remediation role's trust"),
    call('iam:GetRole', `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-remediate-verify-change`, "reads a remediation role's trust"),
    call('iam:SimulatePrincipalPolicy', `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-remediate-escalate`, "simulates a remediation role's calls"),
    call('iam:ListRoleTags', `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-remediate-scale-consumers`, "reads a remediation role's own IAM tags (decision 177)"),
    call('iam:ListRoleTags', `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-remediate-watch-standby`, "reads a remediation role's own IAM tags (decision 177)"),
    call('sqs:GetQueueUrl', w('sqs', region, 'notification-service-queue'), 'finds the watched queue'),
    call('sqs:GetQueueAttributes', w('sqs', region, 'notification-service-queue'), 'reads its ARN and redrive policy'),
    call('sqs:GetQueueUrl', w('sqs', region, 'notification-service-dlq'), 'finds the dead-letter queue its redrive policy names'),
    call('sqs:GetQueueUrl', w('sqs', region, 'notification-runbooks-undelivered-alarm-events'), 'finds the workload stack\'s dead-letter queue (decision 265)'),
    call('sqs:GetQueueAttributes', w('sqs', region, 'notification-runbooks-undelivered-alarm-events'), 'reads how many forwarded alarms EventBridge could not deliver (decision 265)'),
    call('cloudwatch:GetMetricData', '*', "reads the age of that queue's oldest message, AWS/SQS ApproximateAgeOfOldestMessage (decision 277; no resource type)"),
    call('sqs:ListDeadLetterSourceQueues', w('sqs', region, 'notification-runbooks-undelivered-alarm-events'), 'lists the SQS queues that name that queue as their dead-letter queue, on its exact ARN (decision 291)'),
    call('lambda:GetFunctionConfiguration', w('lambda', region, 'function:notification-service-consumer'), "reads the consumer's memory and timeout"),
    call('lambda:GetFunctionConcurrency', w('lambda', region, 'function:notification-service-consumer'), "reads the consumer's reserved concurrency"),
    call('lambda:ListEventSourceMappings', '*', "finds the consumer's SQS mapping"),
    // The NAT zone check (review 23b R23b-3): the consumer's VPC, no resource type for any of the four.
    call('ec2:DescribeSubnets', '*', "reads the consumer's subnets and their zones"),
    call('ec2:DescribeRouteTables', '*', "reads the consumer's subnets' route tables"),
    call('ec2:DescribeNatGateways', '*', 'reads the NAT gateways they route through, and their zones'),
    call('ec2:DescribeInternetGateways', '*', 'reads the internet gateway the NAT gateways leave through'),
    // The region's database: the primary's against the matrix in us-east-1, the standby (the replica) in the DR region.
    ...(region === 'us-east-1'
      ? [call('rds:DescribeDBInstances', w('rds', region, 'db:notification-service-db'), 'reads the database against the matrix')]
      : [call('rds:DescribeDBInstances', w('rds', region, 'db:notification-service-db-replica'), 'reads the standby, the cross-region replica')]),
    call('apigateway:GET', `arn:aws:apigateway:${region}::/restapis`, 'finds the API by name'),
    // No alarm watches a cache in the DR region: preflight reads it in the primary only.
    ...(region === 'us-east-1' ? [call('elasticache:DescribeReplicationGroups', w('elasticache', region, `replicationgroup:${CACHE_GROUP}`), 'finds the cache by its replication group id')] : []),
    ...alarmSpecs(app().built.config, 'production', region).map((a) => call('cloudwatch:DescribeAlarms', w('cloudwatch', region, `alarm:${a.name}`), 'reads a watched alarm')),
    call('events:DescribeRule', w('events', region, 'rule/notification-runbooks-forward-alarms'), "reads the forwarding rule's pattern"),
    call('events:ListTargetsByRule', w('events', region, 'rule/notification-runbooks-forward-alarms'), "reads the forwarding rule's target (the operations bus)"),
    call('iam:GetRole', `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-forward-alarms-${region}`, "reads the forwarding role's trust (decision 114)"),
    call('iam:SimulatePrincipalPolicy', `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-forward-alarms-${region}`, "simulates the forwarding role's PutEvents on the operations bus"),
    call('ssm:GetDocument', w('ssm', region, 'document/NotificationService-ScaleConsumers'), 'reads a workload runbook document for its hash'),
    call('ssm:ListDocumentVersions', w('ssm', region, 'document/NotificationService-ScaleConsumers'), "lists a workload runbook document's versions (decision 233)"),
    // The metric filters behind Memory Pressure and Connection Timeout (review 11a finding 3): both rows watched in both regions.
    call('logs:DescribeMetricFilters', w('logs', region, 'log-group:/aws/lambda/notification-service-consumer'), "reads the OOM filter on the consumer's log group"),
    call('logs:DescribeMetricFilters', w('logs', region, 'log-group:/aws/apigateway/notification-service-api/access'), "reads the 504 filter on the API's access log"),
  ];
  /** Writes on the very resources it reads, the remediation roles' powers, and the project's dangerous calls: all refused. */
  const refused = (region: string): SimulatedCall[] => {
    const world = { config: app().built.config, environment: 'production' as const, partition: 'aws', region, serviceAccount: WORKLOAD, ownAccount: WORKLOAD, env: {} };
    const remediate = `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-remediate-scale-consumers`;
    const other = region === 'us-east-1' ? 'us-west-2' : 'us-east-1';
    const here = new Set(alarmSpecs(app().built.config, 'production', region).map((a) => a.name));
    return [
      ...dangerousCalls(world, { scheduleGroups: [], schedulerRoleArns: [], ruleArn: w('events', region, 'rule/notification-runbooks-forward-alarms') }),
      // What the other region holds, named in this one (decision 131): its database, its alarms; the cache in the DR region.
      ...otherRegionDatabaseCalls(world),
      ...alarmSpecs(app().built.config, 'production', other)
        .filter((a) => !here.has(a.name))
        .map((a) => call('cloudwatch:DescribeAlarms', w('cloudwatch', region, `alarm:${a.name}`), `an alarm of ${other}, named in ${region}`)),
      ...(region === 'us-west-2' ? [call('elasticache:DescribeReplicationGroups', w('elasticache', region, `replicationgroup:${CACHE_GROUP}`), 'a cache in the DR region, where no alarm watches one')] : []),
      // The cache's name is not its replication group id here: a group of that name is not the service's (decision 143).
      call('elasticache:DescribeReplicationGroups', w('elasticache', region, 'replicationgroup:notification-service-cache'), "a replication group named as the cache, not the cache's group"),
      call('sts:AssumeRole', remediate, "borrows a handler's remediation role"),
      call('iam:UpdateAssumeRolePolicy', remediate, "rewrites a remediation role's trust"),
      call('iam:PutRolePolicy', remediate, 'grants a remediation role more'),
      call('iam:PassRole', remediate, 'hands a remediation role to a service'),
      call('iam:GetRole', `arn:aws:iam::${WORKLOAD}:role/OrganizationAccountAccessRole`, "reads a role that is not the automation's"),
      call('iam:ListRoleTags', `arn:aws:iam::${WORKLOAD}:role/OrganizationAccountAccessRole`, "reads the tags of a role that is not a remediation role"),
      call('iam:TagRole', remediate, 'tags a remediation role (a session tag key there is every untagged session\'s)'),
      call('iam:UntagRole', remediate, "removes a remediation role's tags"),
      call('iam:UpdateAssumeRolePolicy', `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-forward-alarms-${region}`, "rewrites the forwarding role's trust"),
      call('iam:PutRolePolicy', `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-forward-alarms-${region}`, 'grants the forwarding role more'),
      call('iam:PassRole', `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-forward-alarms-${region}`, 'hands the forwarding role to another rule'),
      call('iam:SimulatePrincipalPolicy', `arn:aws:iam::${WORKLOAD}:role/notification-runbooks-forward-alarms-copy`, 'simulates a role that is not the forwarding role (the grant names the role, not a prefix)'),
      call('sqs:SendMessage', w('sqs', region, 'notification-service-queue'), 'puts a message on the queue'),
      call('sqs:ReceiveMessage', w('sqs', region, 'notification-service-queue'), 'reads the notifications themselves'),
      call('sqs:GetQueueAttributes', w('sqs', region, 'billing-queue'), "reads a queue that is not the service's"),
      call('sqs:ListDeadLetterSourceQueues', w('sqs', region, 'notification-service-dlq'), "lists the sources of a queue that is not the workload stack's dead-letter queue (decision 291: that queue's ARN only)"),
      call('lambda:UpdateFunctionConfiguration', w('lambda', region, 'function:notification-service-consumer'), "changes the consumer's memory"),
      call('lambda:PutFunctionConcurrency', w('lambda', region, 'function:notification-service-consumer'), "changes the consumer's concurrency"),
      call('lambda:GetFunction', w('lambda', region, 'function:notification-service-consumer'), "GetFunction hands out a pre-signed URL to the consumer's code package"),
      call('lambda:GetFunctionConfiguration', w('lambda', region, 'function:billing-consumer'), "reads a function that is not the service's"),
      call('lambda:InvokeFunction', w('lambda', region, 'function:notification-service-consumer'), 'runs the consumer'),
      call('rds:ModifyDBInstance', w('rds', region, 'db:notification-service-db'), 'resizes the database'),
      call('rds:DescribeDBInstances', w('rds', region, 'db:billing-db'), "reads a database that is not the service's"),
      call('apigateway:GET', `arn:aws:apigateway:${region}::/restapis/abc123/stages/prod`, "reads an API's stages (only the list of APIs is granted)"),
      call('cloudwatch:PutMetricAlarm', w('cloudwatch', region, `alarm:${alarmSpecs(app().built.config, 'production', region)[0]?.name ?? '?'}`), 'rewrites a watched alarm'),
      call('events:PutRule', w('events', region, 'rule/notification-runbooks-forward-alarms'), 'rewrites the forwarding rule'),
      call('events:PutTargets', w('events', region, 'rule/notification-runbooks-forward-alarms'), 'redirects the forwarded alarms'),
      call('events:DescribeRule', w('events', region, 'rule/billing-rule'), "reads a rule that is not the automation's"),
      call('ssm:UpdateDocument', w('ssm', region, 'document/NotificationService-ScaleConsumers'), 'rewrites a runbook'),
      call('ssm:DeleteDocument', w('ssm', region, 'document/NotificationService-ScaleConsumers'), 'deletes a runbook version (preflight only lists them, decision 233)'),
      call('ssm:StartAutomationExecution', w('ssm', region, 'automation-definition/NotificationService-ScaleConsumers:$DEFAULT'), 'runs a runbook'),
      call('ssm:GetParameter', w('ssm', region, 'parameter/notification-service/database/endpoint'), "reads the service's parameters"),
      call('logs:DeleteMetricFilter', w('logs', region, 'log-group:/aws/lambda/notification-service-consumer'), 'deletes the OOM filter (Memory Pressure goes undetected)'),
      call('logs:PutMetricFilter', w('logs', region, 'log-group:/aws/apigateway/notification-service-api/access'), 'rewrites the 504 filter'),
      call('logs:FilterLogEvents', w('logs', region, 'log-group:/aws/lambda/notification-service-consumer'), "reads the consumer's log lines (only the filters are granted)"),
      call('logs:DescribeMetricFilters', w('logs', region, 'log-group:/aws/lambda/billing-consumer'), "reads the filters of a log group that is not the service's"),
    ];
  };
  const principalOf = (role: DeployedRole): SimulationPrincipal => ({ arn: `arn:aws:sts::${WORKLOAD}:assumed-role/${role.name}/preflight`, roleArn: role.arn, account: WORKLOAD, policies: role.policies });
  const judge = async (principal: SimulationPrincipal, region: string, calls: SimulatedCall[]) =>
    Promise.all(calls.map(async (c) => `${(await simulate(principal, c, region)).result}: ${c.action} on ${c.resource} (${c.why})`));

  it('is not deployed, and synthesis warns, when preflightPrincipals is unset: no default name anyone could create and be admitted', () => {
    const unset = synthesizeApp({ environment: 'production', accounts: { production: WORKLOAD }, operationsAccount: OPERATIONS }, { cfnValidation: false });
    try {
      const name = 'NotificationRunbooksRemediation-production';
      const template = unset.json.get(name);
      const stack = unset.built.stacks.get(name);
      if (!template || !stack) throw new Error(`no ${name}`);
      const roleNames = resourcesOfType(template, 'AWS::IAM::Role').map(([, r]) => String(r.Properties?.RoleName));
      expect(roleNames).not.toContain(PREFLIGHT_ROLE);
      expect(roleNames).toContain(remediationRoleNameOf('scale-consumers'));
      Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('environments\\.production\\.preflightPrincipals is unset: no notification-runbooks-preflight role is deployed'));
      // The configured app has the role and no such warning.
      expect(preflightRole().name).toBe(PREFLIGHT_ROLE);
    } finally {
      unset.dispose();
    }
  });

  it('trusts only the configured principals of the operations account (here role/NotificationServicePreflight there), for AssumeRole alone', () => {
    // The shared module's statements exactly, as the sandbox deploys them (Sid included).
    expect(preflightRole().trust.Statement).toEqual(preflightTrust('aws', OPERATIONS, [CONFIGURED_PRINCIPAL]));
    expect(preflightRole().trust.Statement).toEqual([
      { Sid: 'OperationsPreflightPrincipals', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OPERATIONS}:root` }, Action: ['sts:AssumeRole'], Condition: { ArnEquals: { 'aws:PrincipalArn': [CONFIGURED_PRINCIPAL] } } },
    ]);
    expect(preflightPrincipalArns(['role/ops/Preflight', `arn:aws:iam::${OPERATIONS}:user/alice`], 'aws', OPERATIONS)).toEqual([`arn:aws:iam::${OPERATIONS}:role/ops/Preflight`, `arn:aws:iam::${OPERATIONS}:user/alice`]);
    expect(() => preflightPrincipalArns([`arn:aws:iam::${WORKLOAD}:role/Admin`], 'aws', OPERATIONS)).toThrow(`preflightPrincipals names arn:aws:iam::${WORKLOAD}:role/Admin, which is not in the operations account ${OPERATIONS}`);
    // ArnEquals honours "*" and "?": a wildcard would admit every principal it matches, whatever validated the configuration.
    for (const wildcard of ['role/*', `arn:aws:iam::${OPERATIONS}:role/*`, 'role/a?c']) {
      expect(() => preflightPrincipalArns([wildcard], 'aws', OPERATIONS)).toThrow(`preflightPrincipals names ${wildcard}, a wildcard`);
    }
  });

  it('grants only reads and the IAM simulator, each on the workload\'s named resources (no write action, nothing of the operations account)', async () => {
    const role = preflightRole();
    const statements = role.policies.flatMap((p) => p.document.Statement);
    const actions = [...new Set(statements.flatMap((st) => [st.Action ?? []].flat()))].sort();
    expect(actions).toEqual([
      'apigateway:GET',
      'cloudwatch:DescribeAlarms',
      'cloudwatch:GetMetricData',
      'ec2:DescribeInternetGateways',
      'ec2:DescribeNatGateways',
      'ec2:DescribeRouteTables',
      'ec2:DescribeSubnets',
      'elasticache:DescribeReplicationGroups',
      'events:DescribeRule',
      'events:ListTargetsByRule',
      'iam:GetRole',
      'iam:ListRoleTags',
      'iam:SimulatePrincipalPolicy',
      'lambda:GetFunctionConcurrency',
      'lambda:GetFunctionConfiguration',
      'lambda:ListEventSourceMappings',
      'logs:DescribeMetricFilters',
      'rds:DescribeDBInstances',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ListDeadLetterSourceQueues',
      'ssm:GetDocument',
      'ssm:ListDocumentVersions',
    ]);
    expect(statements.every((st) => st.Effect === 'Allow' && st.NotAction === undefined && st.NotResource === undefined)).toBe(true);
    const resources = statements.flatMap((st) => [st.Resource ?? []].flat());
    expect(resources.filter((r) => r.includes(OPERATIONS))).toEqual([]);
    // The only "*": ListEventSourceMappings, GetMetricData (no resource type; decision 277) and the NAT zone check's four
    // EC2 Describe* (no resource type; review 23b R23b-3); the only account-wide
    // pattern: GetQueueUrl, for the DLQ's name.
    // A named log group's own ":*" form (the ARN CloudWatch Logs gives a log group) is not a pattern over resources.
    const namedLogGroup = (r: unknown): boolean => /:log-group:\/aws\/(lambda\/notification-service-consumer|apigateway\/notification-service-api\/access):\*$/.test(String(r));
    expect(statements.filter((st) => [st.Resource].flat().some((r) => r === '*' || (String(r).endsWith(':*') && !namedLogGroup(r)))).map((st) => [st.Action].flat().join(','))).toEqual([
      'sqs:GetQueueUrl',
      'lambda:ListEventSourceMappings,cloudwatch:GetMetricData,ec2:DescribeSubnets,ec2:DescribeRouteTables,ec2:DescribeNatGateways,ec2:DescribeInternetGateways',
    ]);
    expect(await policyFindings(role.policies.map((p) => ({ where: `${role.name} ${p.name}`, kind: 'identity' as const, document: p.document })))).toEqual([]);
    // Decision 291: sqs:ListDeadLetterSourceQueues in one statement only, on exactly the workload stack's dead-letter
    // queue in each region (the ARN preflight's call names), beside that queue's depth read.
    const sources = statements.filter((st) => [st.Action].flat().includes('sqs:ListDeadLetterSourceQueues'));
    expect(sources.map((st) => ({ Action: st.Action, Resource: st.Resource }))).toEqual([
      {
        Action: ['sqs:GetQueueAttributes', 'sqs:ListDeadLetterSourceQueues'],
        Resource: ['us-east-1', 'us-west-2'].map((r) => `arn:aws:sqs:${r}:${WORKLOAD}:notification-runbooks-undelivered-alarm-events`),
      },
    ]);
  });

  it.each(['us-east-1', 'us-west-2'])('%s: the IAM policy simulator allows every read preflight makes in the workload and refuses every write, the remediation roles\' powers and the project\'s dangerous calls', async (region) => {
    const principal = principalOf(preflightRole(region));
    const need = reads(region);
    const deny = refused(region);
    const allowed = await judge(principal, region, need);
    const denied = await judge(principal, region, deny);
    console.log(`IAM simulation (workload preflight role ${region}): needed ${need.length}: ${allowed.filter((r) => r.startsWith('Allowed')).length} allowed; refused ${deny.length}: ${denied.filter((r) => r.startsWith('Allowed') || r.startsWith('error')).length} allowed`);
    expect(allowed.filter((r) => !r.startsWith('Allowed'))).toEqual([]);
    expect(denied.filter((r) => r.startsWith('Allowed') || r.startsWith('error'))).toEqual([]);
    // 15 reads before decision 114, plus the forwarding role's GetRole and SimulatePrincipalPolicy; no cache read in the
    // DR region (decision 131); since decision 177 two remediation roles' ListRoleTags.
    // Since review 11a finding 3 the two metric filters' DescribeMetricFilters (2); since decision 233 a document's versions (1);
    // since decision 265 the workload's undelivered-alarm-events queue (2); since decision 277 its oldest message's age (1);
    // since decision 291 the queues that redrive into it (1); since review 23b R23b-3 the NAT zone check's EC2 reads (4).
    expect(need.length).toBe((region === 'us-east-1' ? 19 : 18) + 2 + 1 + 2 + 1 + 1 + 4 + alarmSpecs(app().built.config, 'production', region).length);
    // dangerousCalls' list and the calls named here: 74 per region (README, decision 94: 70; decision 114 added 4 on the
    // forwarding role: rewriting its trust, widening its policy, passing it, and simulating a role named like it but not
    // it), and since decision 131 what the other region holds named here: in us-east-1 the replica (7 database calls) and
    // the DR region's 4 alarms of its own (the replica's CPU alarm, the 3 standby alarms; 4 since decision 360); in us-west-2 the primary's
    // database (7), its CPU alarm (1) and the cache (1); since decision 143 in each region a replication group named as
    // the cache, not its id (1); since decision 177 another role's tags read, a remediation role tagged and untagged (3).
    // A call dropped from any fails this.
    // Since review 11a finding 3: a filter deleted, a filter rewritten, the log lines read, another group's filters (4).
    // Since decision 233: a document version deleted (1). Since decision 291: another queue's redrive sources listed (1).
    // Since decision 360 the DR region holds a 5th alarm of its own (the replica's Replication Not Active), refused in
    // us-east-1 like its other 4 (the role names each alarm of its region, not the other's); read in us-west-2 (need).
    expect(deny.length).toBe(region === 'us-east-1' ? 74 + 7 + 4 + 1 + 1 + 3 + 4 + 1 + 1 : 74 + 7 + 1 + 1 + 1 + 3 + 4 + 1 + 1);
    const drOnly = alarmSpecs(app().built.config, 'production', 'us-west-2').filter((a) => !alarmSpecs(app().built.config, 'production', 'us-east-1').some((b) => b.name === a.name));
    expect(drOnly).toHaveLength(5);
    const notActive = `cloudwatch:DescribeAlarms on ${w('cloudwatch', region, 'alarm:NotificationService DR Replication Not Active: ReplicaLag < 0 (notification-service-db-replica)')}`;
    const judged = [...allowed, ...denied].filter((r) => r.includes(notActive)).map((r) => r.split(': ')[0]);
    expect(judged).toEqual([region === 'us-west-2' ? 'Allowed' : expect.not.stringMatching(/^Allowed/)]);
  });

  it('its trust, simulated: the configured principal may assume it; the handlers\' execution roles, another operations role, a workload role and a session tag may not', async () => {
    const trust = preflightRole().trust;
    const roleArn = `arn:aws:iam::${WORKLOAD}:role/${PREFLIGHT_ROLE}`;
    const caller = (account: string, role: string): SimulationPrincipal => ({
      arn: `arn:aws:sts::${account}:assumed-role/${role}/someone`,
      roleArn: `arn:aws:iam::${account}:role/${role}`,
      account,
      // The caller's own policy allows every STS call on the role: the trust alone decides.
      policies: [{ name: 'own', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: roleArn }] } }],
    });
    const assume = (action = 'sts:AssumeRole', context: Record<string, string | string[]> = {}): SimulatedCall => ({ action, resource: roleArn, resourceAccount: WORKLOAD, why: 'preflight session', resourcePolicy: trust, context });
    const result = async (p: SimulationPrincipal, c: SimulatedCall) => (await simulate(p, c, 'us-east-1')).result;
    expect(await result(caller(OPERATIONS, 'NotificationServicePreflight'), assume())).toBe('Allowed');
    for (const p of [caller(OPERATIONS, executionRoleNameOf('scale-consumers', 'us-east-1')), caller(OPERATIONS, 'Admin'), caller(WORKLOAD, 'NotificationServicePreflight'), caller('333333333333', 'NotificationServicePreflight')]) {
      expect(`${p.roleArn}: ${await result(p, assume())}`).toBe(`${p.roleArn}: ImplicitlyDenied`);
    }
    expect(await result(caller(OPERATIONS, 'NotificationServicePreflight'), assume('sts:TagSession', { 'aws:TagKeys': ['runbook-playbook'], 'aws:RequestTag/runbook-playbook': 'scale-consumers' }))).toBe('ImplicitlyDenied');
    // Planted fault: the trust without its aws:PrincipalArn condition (the whole operations account) lets any role in.
    const opened = { ...trust, Statement: trust.Statement.map(({ Condition: _condition, ...st }) => st) };
    expect(await result(caller(OPERATIONS, 'Admin'), { ...assume(), resourcePolicy: opened })).toBe('Allowed');
  });
});

describe('cdk-nag in cross-account mode', () => nagSuite(app));
describe('IAM simulation (cross-account)', () => iamSimulationSuite(app, { mode: 'cross-account' }));
