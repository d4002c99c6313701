// The role the failover / failback documents run as, per region, judged by the IAM policy simulator (moto enforces no
// IAM): it may promote only its region's configured replica, write only the endpoint parameter, enable only the
// consumer's mapping and UPSERT only the configured failover CNAME; everything next to those is denied.
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { RunbookDocuments } from '../../infra/lib/constructs/runbook-documents';
import { watchedResources } from '../../shared/config/alarm-specs';
import { defaultConfig } from '../../shared/config/defaults';
import { disasterRecoveryScope } from '../../shared/config/dr-scope';
import { mergeConfig, parseAutomationConfig } from '../../shared/config/load-config';
import type { EnvironmentName } from '../../shared/config/schema';
import { deployedRoles, type DeployedRole } from './support/cfn-policies';
import { documentContentOf } from './support/document-content';
import { policyFindings, simulate, type SimulatedCall } from './support/iam-simulation';
import type { CfnTemplate } from './support/synth';

const ACCOUNT = '111111111111';
const ZONE = 'Z0123456789ABCDEFGHIJ';
const RECORD = 'api.notification.example.com.';
const overrides = { environments: { production: { disasterRecovery: { failoverRecordName: RECORD, hostedZoneId: ZONE } } } };

function synthDocuments(environment: EnvironmentName, region: string, given: unknown): Stack {
  const config = parseAutomationConfig(mergeConfig(defaultConfig, given));
  const app = new App();
  const stack = new Stack(app, 'Docs', { env: { account: ACCOUNT, region } });
  const dr = disasterRecoveryScope(config, environment, region);
  new RunbookDocuments(stack, 'Runbooks', {
    runbooksDir: join(__dirname, '..', '..', 'runbooks'),
    role: {
      create: {
        roleName: `notification-runbooks-automation-${region}`,
        targets: {
          partition: 'aws',
          account: ACCOUNT,
          regions: [region],
          environment,
          watched: watchedResources(config, environment),
          alarmNames: [],
          stateTableArn: `arn:aws:dynamodb:${region}:${ACCOUNT}:table/notification-runbooks-state`,
          ...(dr ? { disasterRecovery: dr } : {}),
        },
        handlerFunctionArns: new Map(),
      },
    },
    config,
    environment,
  });
  return stack;
}

function automationRole(environment: EnvironmentName, region: string, given: unknown = overrides): DeployedRole {
  const stack = synthDocuments(environment, region, given);
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const role = deployedRoles(template, { partition: 'aws', region, account: ACCOUNT }).find((r) => r.name === `notification-runbooks-automation-${region}`);
  if (!role) throw new Error('no automation role');
  return role;
}

const db = (region: string, name: string) => `arn:aws:rds:${region}:${ACCOUNT}:db:${name}`;
const param = (region: string, name: string) => `arn:aws:ssm:${region}:${ACCOUNT}:parameter/${name}`;
const mapping = (region: string) => `arn:aws:lambda:${region}:${ACCOUNT}:event-source-mapping:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`;
const fn = (region: string, name: string) => `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`;
const change = (names: string[], actions: string[], types: string[] = ['CNAME']) => ({
  'route53:ChangeResourceRecordSetsNormalizedRecordNames': names,
  'route53:ChangeResourceRecordSetsActions': actions,
  'route53:ChangeResourceRecordSetsRecordTypes': types,
});

function calls(region: string, own: 'replica' | 'failback'): { allowed: SimulatedCall[]; denied: SimulatedCall[] } {
  const mine = own === 'replica' ? 'notification-service-db-replica' : 'notification-service-db-failback';
  const other = own === 'replica' ? 'notification-service-db-failback' : 'notification-service-db-replica';
  const call = (action: string, resource: string, why: string, context?: Record<string, string | string[]>): SimulatedCall => ({
    action,
    resource,
    resourceAccount: resource.startsWith('arn:aws:route53') ? '' : ACCOUNT,
    why,
    ...(context ? { context } : {}),
  });
  return {
    allowed: [
      call('rds:PromoteReadReplica', db(region, mine), 'promotes its region\'s replica'),
      call('rds:DescribeDBInstances', db(region, mine), 'reads the replica'),
      // FailbackToPrimary renames the promoted failback replica to the watched name (decision 199); in the DR region the
      // replica is the watched database itself (decision 123).
      call('rds:ModifyDBInstance', db(region, mine), 'renames its region\'s replica'),
      call('ssm:PutParameter', param(region, 'notification-service/database/endpoint'), 'points the service at the database'),
      call('ssm:GetParameters', param(region, 'notification-service/database/endpoint'), 'reads the parameter back'),
      call('lambda:UpdateEventSourceMapping', mapping(region), 'enables the consumers', { 'lambda:FunctionArn': fn(region, 'notification-service-consumer') }),
      call('route53:ListResourceRecordSets', `arn:aws:route53:::hostedzone/${ZONE}`, 'reads the failover pair'),
      call('route53:ChangeResourceRecordSets', `arn:aws:route53:::hostedzone/${ZONE}`, 'swaps the failover pair', change(['api.notification.example.com'], ['UPSERT'])),
    ],
    denied: [
      call('rds:PromoteReadReplica', db(region, 'notification-service-db'), 'the primary database is never promoted'),
      call('rds:PromoteReadReplica', db(region, other), 'the other region\'s replica name'),
      call('rds:PromoteReadReplica', db(region, 'reporting-db-replica'), 'another replica'),
      call('rds:ModifyDBInstance', db(region, other), 'the other region\'s replica name is never renamed'),
      call('rds:ModifyDBInstance', db(region, 'reporting-db'), 'an instance the automation does not watch'),
      call('ssm:PutParameter', param(region, 'notification-runbooks/kill-switch'), 'the kill switch is never written'),
      call('ssm:PutParameter', param(region, 'notification-service/database/password'), 'another parameter'),
      call('lambda:UpdateEventSourceMapping', mapping(region), 'another function\'s mapping', { 'lambda:FunctionArn': fn(region, 'billing-consumer') }),
      call('route53:ChangeResourceRecordSets', `arn:aws:route53:::hostedzone/${ZONE}`, 'another record name', change(['www.notification.example.com'], ['UPSERT'])),
      call('route53:ChangeResourceRecordSets', `arn:aws:route53:::hostedzone/${ZONE}`, 'the record plus another in one batch', change(['api.notification.example.com', 'mail.notification.example.com'], ['UPSERT'])),
      call('route53:ChangeResourceRecordSets', `arn:aws:route53:::hostedzone/${ZONE}`, 'a DELETE of the record', change(['api.notification.example.com'], ['DELETE'])),
      call('route53:ChangeResourceRecordSets', `arn:aws:route53:::hostedzone/${ZONE}`, 'an A record of that name', change(['api.notification.example.com'], ['UPSERT'], ['A'])),
      call('route53:ChangeResourceRecordSets', 'arn:aws:route53:::hostedzone/ZOTHERZONE0000000000', 'another hosted zone', change(['api.notification.example.com'], ['UPSERT'])),
    ],
  };
}

/** The cross-region cases' calls (review 13, R13-2): each judged by the simulator as the request to the resource's region is made. */
const queue = (region: string, name: string) => `arn:aws:sqs:${region}:${ACCOUNT}:${name}`;
const crossRegionCall = (action: string, resource: string, why: string, context?: Record<string, string | string[]>): SimulatedCall => ({ action, resource, resourceAccount: ACCOUNT, why, ...(context ? { context } : {}) });
const consumerOf = (region: string) => ({ 'lambda:FunctionArn': fn(region, 'notification-service-consumer') });
/** Each call's result for `region`'s automation role: "Allowed: <action> (<why>)". The call's region is the resource's. */
async function judgedCrossRegion(region: string, list: SimulatedCall[]): Promise<string[]> {
  const role = automationRole('production', region);
  const principal = { arn: role.arn, roleArn: role.arn, account: ACCOUNT, policies: role.policies };
  return Promise.all(list.map(async (c) => `${(await simulate(principal, c, c.resource.split(':')[3] ?? region)).result}: ${c.action} (${c.why})`));
}

describe('the failover / failback documents\' role (IAM policy simulation)', () => {
  it.each([
    ['us-west-2 (dr): FailoverToDR', 'us-west-2', 'replica' as const],
    ['us-east-1 (primary): FailbackToPrimary', 'us-east-1', 'failback' as const],
  ])('%s: allows exactly its own promotion, parameter, mapping and record, and denies the calls beside them', async (_name, region, own) => {
    const role = automationRole('production', region);
    const principal = { arn: role.arn, roleArn: role.arn, account: ACCOUNT, policies: role.policies };
    const { allowed, denied } = calls(region, own);
    const results = async (list: SimulatedCall[]) => Promise.all(list.map(async (c) => `${(await simulate(principal, c, region)).result}: ${c.action} (${c.why})`));
    expect(await results(allowed)).toEqual(allowed.map((c) => `Allowed: ${c.action} (${c.why})`));
    expect(await results(denied)).toEqual(denied.map((c) => `ImplicitlyDenied: ${c.action} (${c.why})`));
    expect(await policyFindings(role.policies.map((p) => ({ where: p.name, kind: 'identity', document: p.document })))).toEqual([]);
  });

  it("FailbackToPrimary's cross-region calls (review 13, R13-2): the primary region's role may stop the DR consumers' mapping and read the DR queue, nothing beside them; the DR region's role may not touch the primary's consumers", async () => {
    const primaryAllowed = [
      crossRegionCall('lambda:UpdateEventSourceMapping', mapping('us-west-2'), 'stops the DR consumers', consumerOf('us-west-2')),
      crossRegionCall('lambda:GetEventSourceMapping', mapping('us-west-2'), 'reads the DR mapping back'),
      crossRegionCall('lambda:GetFunctionConfiguration', fn('us-west-2', 'notification-service-consumer'), "reads the DR consumer's Timeout (review 15, R15-2)"),
      crossRegionCall('lambda:ListEventSourceMappings', '*', 'finds the DR mapping'),
      crossRegionCall('sqs:GetQueueUrl', queue('us-west-2', 'notification-service-queue'), 'finds the DR queue'),
      crossRegionCall('sqs:GetQueueAttributes', queue('us-west-2', 'notification-service-queue'), 'counts what is left in the DR queue'),
    ];
    const primaryDenied = [
      crossRegionCall('lambda:UpdateEventSourceMapping', mapping('us-west-2'), "another function's mapping in the DR region", { 'lambda:FunctionArn': fn('us-west-2', 'billing-consumer') }),
      crossRegionCall('lambda:UpdateEventSourceMapping', mapping('eu-west-1'), 'the consumer in a region outside the pair', consumerOf('eu-west-1')),
      crossRegionCall('lambda:DeleteEventSourceMapping', mapping('us-west-2'), 'the DR mapping is never deleted', consumerOf('us-west-2')),
      crossRegionCall('lambda:GetFunctionConfiguration', fn('us-west-2', 'billing-consumer'), "another function's configuration in the DR region"),
      crossRegionCall('lambda:UpdateFunctionConfiguration', fn('us-west-2', 'notification-service-consumer'), "the DR consumer's configuration is only read"),
      crossRegionCall('sqs:GetQueueAttributes', queue('us-west-2', 'billing-queue'), 'another queue in the DR region'),
      crossRegionCall('sqs:ReceiveMessage', queue('us-west-2', 'notification-service-queue'), "the DR queue's messages are a person's to move"),
      crossRegionCall('sqs:PurgeQueue', queue('us-west-2', 'notification-service-queue'), 'the DR queue is never purged'),
      crossRegionCall('rds:PromoteReadReplica', db('us-west-2', 'notification-service-db-replica'), "the DR region's replica is never promoted from here"),
    ];
    expect(await judgedCrossRegion('us-east-1', primaryAllowed)).toEqual(primaryAllowed.map((c) => `Allowed: ${c.action} (${c.why})`));
    expect(await judgedCrossRegion('us-east-1', primaryDenied)).toEqual(primaryDenied.map((c) => `ImplicitlyDenied: ${c.action} (${c.why})`));
    // FailbackToPrimary runs in the primary region: the DR region's role gets none of its queue reads (its mapping calls on
    // the primary's consumers are FailoverToDR's: the case below).
    const drDenied = [crossRegionCall('sqs:GetQueueAttributes', queue('us-east-1', 'notification-service-queue'), "the primary's queue, from the DR region")];
    expect(await judgedCrossRegion('us-west-2', drDenied)).toEqual(drDenied.map((c) => `ImplicitlyDenied: ${c.action} (${c.why})`));
  });

  it("FailoverToDR's best-effort stop of the primary consumers (review 13, R13-2): the DR region's role may disable and read the primary consumers' mapping there, nothing beside it, in no other region", async () => {
    const drAllowed = [
      crossRegionCall('lambda:UpdateEventSourceMapping', mapping('us-east-1'), 'stops the primary consumers', consumerOf('us-east-1')),
      crossRegionCall('lambda:GetEventSourceMapping', mapping('us-east-1'), 'reads the primary mapping back'),
      crossRegionCall('lambda:ListEventSourceMappings', '*', 'finds the primary mapping'),
      crossRegionCall('lambda:GetFunctionConfiguration', fn('us-east-1', 'notification-service-consumer'), "reads the primary consumer's Timeout (review 16, R16-1)"),
      crossRegionCall('lambda:GetFunctionConfiguration', `${fn('us-east-1', 'notification-service-consumer')}:live`, "reads the Timeout of the alias a primary mapping invokes (review 16, R16-5)"),
      crossRegionCall('lambda:UpdateEventSourceMapping', mapping('us-east-1'), "stops a primary mapping bound to the consumer's alias (review 16, R16-5)", { 'lambda:FunctionArn': `${fn('us-east-1', 'notification-service-consumer')}:live` }),
      crossRegionCall('lambda:GetFunctionConfiguration', fn('us-west-2', 'notification-service-consumer'), "reads this region's consumer Timeout when the primary's could not be read (review 18, R18-8)"),
    ];
    const drDenied = [
      crossRegionCall('lambda:UpdateEventSourceMapping', mapping('us-east-1'), "another function's mapping in the primary region", { 'lambda:FunctionArn': fn('us-east-1', 'billing-consumer') }),
      crossRegionCall('lambda:UpdateEventSourceMapping', mapping('eu-west-1'), 'the consumer in a region outside the pair', consumerOf('eu-west-1')),
      crossRegionCall('lambda:DeleteEventSourceMapping', mapping('us-east-1'), 'the primary mapping is never deleted', consumerOf('us-east-1')),
      crossRegionCall('lambda:UpdateFunctionConfiguration', fn('us-east-1', 'notification-service-consumer'), "the primary consumer's function is not changed"),
      crossRegionCall('lambda:GetFunctionConfiguration', fn('us-east-1', 'billing-consumer'), "another function's configuration in the primary region"),
      crossRegionCall('lambda:GetFunctionConfiguration', fn('us-west-2', 'billing-consumer'), "another function's configuration in this region"),
      crossRegionCall('lambda:GetFunctionConfiguration', fn('eu-west-1', 'notification-service-consumer'), 'the consumer in a region outside the pair'),
      crossRegionCall('sqs:PurgeQueue', queue('us-east-1', 'notification-service-queue'), "the primary's queue is never purged"),
      crossRegionCall('rds:PromoteReadReplica', db('us-east-1', 'notification-service-db-failback'), "the primary region's replica is never promoted from here"),
    ];
    expect(await judgedCrossRegion('us-west-2', drAllowed)).toEqual(drAllowed.map((c) => `Allowed: ${c.action} (${c.why})`));
    expect(await judgedCrossRegion('us-west-2', drDenied)).toEqual(drDenied.map((c) => `ImplicitlyDenied: ${c.action} (${c.why})`));
    // The DR role's cross-region statements name the primary region's resources only (or none, where IAM has no resource).
    const peerResources = automationRole('production', 'us-west-2')
      .policies.flatMap((p) => p.document.Statement)
      .filter((st) => String(st.Sid ?? '').startsWith('Peer'))
      .flatMap((st) => [st.Resource ?? []].flat().map(String));
    expect(peerResources.length).toBeGreaterThan(0);
    expect(peerResources.filter((r) => r !== '*' && !r.includes(':us-east-1:'))).toEqual([]);
  });

  it('denies promotion, the endpoint write and the record change in an environment without a DR region, and the record change without a configured record', async () => {
    // Judged by the simulator, not by action strings: a wildcard (route53:*, rds:Promote*) would be caught too.
    const dr = (region: string) => ({
      promoteReplica: { action: 'rds:PromoteReadReplica', resource: db(region, 'notification-service-db-replica'), resourceAccount: ACCOUNT, why: 'promotes a replica' },
      promoteFailback: { action: 'rds:PromoteReadReplica', resource: db(region, 'notification-service-db-failback'), resourceAccount: ACCOUNT, why: 'promotes the failback replica' },
      writeEndpoint: { action: 'ssm:PutParameter', resource: param(region, 'notification-service/database/endpoint'), resourceAccount: ACCOUNT, why: 'writes the endpoint parameter' },
      changeRecord: {
        action: 'route53:ChangeResourceRecordSets',
        resource: `arn:aws:route53:::hostedzone/${ZONE}`,
        resourceAccount: '',
        why: 'swaps the failover record',
        context: change(['api.notification.example.com'], ['UPSERT']),
      },
    });
    const cases: Array<[EnvironmentName, unknown, string, Record<keyof ReturnType<typeof dr>, 'Allowed' | 'ImplicitlyDenied'>]> = [
      ['staging', overrides, 'us-east-1', { promoteReplica: 'ImplicitlyDenied', promoteFailback: 'ImplicitlyDenied', writeEndpoint: 'ImplicitlyDenied', changeRecord: 'ImplicitlyDenied' }],
      ['development', overrides, 'us-east-1', { promoteReplica: 'ImplicitlyDenied', promoteFailback: 'ImplicitlyDenied', writeEndpoint: 'ImplicitlyDenied', changeRecord: 'ImplicitlyDenied' }],
      // Production's DR region without a configured record: the promotion and the endpoint write stay, the record change goes.
      ['production', {}, 'us-west-2', { promoteReplica: 'Allowed', promoteFailback: 'ImplicitlyDenied', writeEndpoint: 'Allowed', changeRecord: 'ImplicitlyDenied' }],
    ];
    for (const [environment, given, region, expected] of cases) {
      const role = automationRole(environment, region, given);
      const principal = { arn: role.arn, roleArn: role.arn, account: ACCOUNT, policies: role.policies };
      const results: Record<string, string> = {};
      for (const [name, call] of Object.entries(dr(region))) results[name] = (await simulate(principal, call, region)).result;
      expect({ environment, region, results }).toEqual({ environment, region, results: expected });
    }
  });

  it('grants no Route 53 action in any hosted zone when the failover record is configured without its zone, and warns at synth naming hostedZoneId (issue 17)', async () => {
    const noZone = { environments: { production: { disasterRecovery: { failoverRecordName: RECORD } } } };
    const role = automationRole('production', 'us-west-2', noZone);
    const statements = role.policies.flatMap((p) => p.document.Statement);
    expect(statements.flatMap((s) => [s.Action ?? []].flat()).filter((a) => a.startsWith('route53:'))).toEqual([]);
    expect(JSON.stringify(statements.map((s) => s.Resource))).not.toContain('route53');
    // The promotion and the parameter stay: only the record switch is refused.
    expect(statements.flatMap((s) => [s.Action ?? []].flat())).toEqual(expect.arrayContaining(['rds:PromoteReadReplica', 'ssm:PutParameter']));
    const principal = { arn: role.arn, roleArn: role.arn, account: ACCOUNT, policies: role.policies };
    const tried = [ZONE, 'ZOTHERZONE0000000000'].flatMap((zone) => [
      { action: 'route53:ListResourceRecordSets', resource: `arn:aws:route53:::hostedzone/${zone}`, resourceAccount: '', why: `reads ${zone}` },
      { action: 'route53:ChangeResourceRecordSets', resource: `arn:aws:route53:::hostedzone/${zone}`, resourceAccount: '', why: `UPSERTs the record in ${zone}`, context: change(['api.notification.example.com'], ['UPSERT']) },
    ]);
    expect(await Promise.all(tried.map(async (c) => (await simulate(principal, c, 'us-west-2')).result))).toEqual(tried.map(() => 'ImplicitlyDenied'));
    const warning = Match.stringLikeRegexp('environments\\.production\\.disasterRecovery\\.hostedZoneId is not set');
    Annotations.fromStack(synthDocuments('production', 'us-west-2', noZone)).hasWarning('*', warning);
    Annotations.fromStack(synthDocuments('production', 'us-west-2', overrides)).hasNoWarning('*', warning);
    // With neither set, the record's own warning says what to set first.
    Annotations.fromStack(synthDocuments('production', 'us-west-2', {})).hasNoWarning('*', warning);
  });

  it('warns at synth, naming the field, when an environment with a DR region has no failover record configured (and not when it has one)', () => {
    const warning = Match.stringLikeRegexp('environments\\.production\\.disasterRecovery\\.failoverRecordName is not set');
    Annotations.fromStack(synthDocuments('production', 'us-west-2', {})).hasWarning('*', warning);
    Annotations.fromStack(synthDocuments('production', 'us-west-2', overrides)).hasNoWarning('*', warning);
    Annotations.fromStack(synthDocuments('staging', 'us-east-1', {})).hasNoWarning('*', Match.stringLikeRegexp('failoverRecordName'));
  });
});

describe('the failover / failback documents run only as the project\'s own automation role (issue 17)', () => {
  it.each([
    ['us-west-2', 'NotificationService-FailoverToDR'],
    ['us-west-2', 'NotificationService-FailbackToPrimary'],
    ['us-east-1', 'NotificationService-FailoverToDR'],
    ['us-east-1', 'NotificationService-FailbackToPrimary'],
  ])('%s %s: AutomationAssumeRole defaults to, and its allowedPattern admits only, the automation role of this account and region', (region, name) => {
    const stack = synthDocuments('production', region, overrides);
    const template = Template.fromStack(stack).toJSON() as CfnTemplate;
    const [, doc] = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::SSM::Document' && r.Properties?.Name === name) ?? [];
    if (!doc) throw new Error(`no document ${name}`);
    const content = documentContentOf<{ parameters: Record<string, { default?: unknown; allowedPattern?: string }> }>(doc, template, { partition: 'aws', region, account: ACCOUNT });
    const parameter = content.parameters.AutomationAssumeRole;
    const own = `arn:aws:iam::${ACCOUNT}:role/notification-runbooks-automation-${region}`;
    expect(parameter?.default).toBe(own);
    const pattern = new RegExp(parameter?.allowedPattern ?? '(no pattern)');
    const other = region === 'us-east-1' ? 'us-west-2' : 'us-east-1';
    const tried: Record<string, string> = {
      own,
      'none (the caller\'s own permissions)': '',
      'an administrator role': `arn:aws:iam::${ACCOUNT}:role/Admin`,
      'the other region\'s automation role': `arn:aws:iam::${ACCOUNT}:role/notification-runbooks-automation-${other}`,
      'the same name in another account': `arn:aws:iam::999999999999:role/notification-runbooks-automation-${region}`,
      'a longer name': `${own}-admin`,
      'a path in front': `arn:aws:iam::${ACCOUNT}:role/x/notification-runbooks-automation-${region}`,
    };
    expect(Object.entries(tried).filter(([, arn]) => pattern.test(arn)).map(([why]) => why)).toEqual(['own']);
  });
});
