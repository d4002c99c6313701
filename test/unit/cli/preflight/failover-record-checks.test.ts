// Preflight's read of the Route 53 failover record pair (review 13 R13-12): the pair the failover documents switch,
// judged as their readRecords / checkRecordPair / switchRecord steps judge it, before the failover needs it.
import { join } from 'node:path';
import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type HealthCheckConfig,
  type HealthCheckObservation,
  type HealthCheckRegion,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { checkFailoverRecords, judgeCheckStatus, judgeRecordPair, recordSwitchingDocuments, regionOfEndpoint } from '../../../../cli/preflight/failover-record-checks';
import { deployedDocuments } from '../../../../cli/preflight/index';
import { loadRuntimeConfig } from '../../../../shared/config/load-config';
import { awsError, clients, expectationsFor, TARGET } from './support';

const route53 = mockClient(Route53Client);

const RECORD = 'api.notification.example.com.';
const ZONE = 'Z0123456789ABCDEFGHIJ';
const PAIR = { recordName: RECORD, primaryRegion: 'us-east-1', drRegion: 'us-west-2' };
const DR_CONFIG = { environments: { production: { disasterRecovery: { failoverRecordName: RECORD, hostedZoneId: ZONE } } } };

/** A failover CNAME as the sandbox and the documents write it: set identifier = region, its own value, TTL and health check. */
const cname = (region: string, failover: 'PRIMARY' | 'SECONDARY', edit: Partial<ResourceRecordSet> = {}): ResourceRecordSet => ({
  Name: RECORD,
  Type: 'CNAME',
  SetIdentifier: region,
  Failover: failover,
  TTL: 60,
  HealthCheckId: `hc-${region}`,
  ResourceRecords: [{ Value: `api.execute-api.${region}.amazonaws.com` }],
  ...edit,
});
const AS_PROVISIONED = [cname('us-east-1', 'PRIMARY'), cname('us-west-2', 'SECONDARY')];

/** The real documents as registered in production's us-east-1 (both failover documents are, in every region). */
const documents = () => {
  const { config } = loadRuntimeConfig({ RUNBOOK_ENVIRONMENT: 'production', AWS_REGION: 'us-east-1', RUNBOOK_CONFIG_JSON: JSON.stringify(DR_CONFIG) });
  return deployedDocuments(join(__dirname, '../../../../runbooks'), config, 'production', TARGET);
};

/** GetHealthCheckStatus's answer: one observation per checker (8 regions), `succeeding` of them "Success:". */
const CHECKER_REGIONS: HealthCheckRegion[] = ['us-east-1', 'us-west-1', 'us-west-2', 'eu-west-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];
const observations = (succeeding: number, of = 8): HealthCheckObservation[] =>
  Array.from({ length: of }, (_, i) => ({
    ...(CHECKER_REGIONS[i % 8] ? { Region: CHECKER_REGIONS[i % 8] } : {}),
    IPAddress: `15.177.${i}.1`,
    StatusReport: { Status: i < succeeding ? 'Success: HTTP Status Code 200, OK' : 'Failure: HTTP Status Code 503, Service Unavailable', CheckedTime: new Date('2026-12-07T01:00:00Z') },
  }));

/**
 * The zone as ListResourceRecordSets answers it; each existing health check an HTTPS check of its record's endpoint
 * (`configs` overrides fields by id), every checker reporting success unless `succeeding` says otherwise (by id, of 8).
 */
function zone(records: ResourceRecordSet[], healthChecks: string[] = ['hc-us-east-1', 'hc-us-west-2'], configs: Record<string, Partial<HealthCheckConfig>> = {}, succeeding: Record<string, number> = {}): void {
  route53.reset();
  route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: records, IsTruncated: false, MaxItems: 2 });
  const known = (id: string) => {
    if (!healthChecks.includes(id)) throw awsError('NoSuchHealthCheck', `A health check with id ${id} does not exist.`);
  };
  route53.on(GetHealthCheckCommand).callsFake((input: { HealthCheckId: string }) => {
    known(input.HealthCheckId);
    const region = input.HealthCheckId.replace(/^hc-/, '');
    const config: HealthCheckConfig = { Type: 'HTTPS', FullyQualifiedDomainName: `api.execute-api.${region}.amazonaws.com`, ResourcePath: '/health', Inverted: false, Disabled: false, ...configs[input.HealthCheckId] };
    return { HealthCheck: { Id: input.HealthCheckId, CallerReference: 'r', HealthCheckVersion: 1, HealthCheckConfig: config } };
  });
  route53.on(GetHealthCheckStatusCommand).callsFake((input: { HealthCheckId: string }) => {
    known(input.HealthCheckId);
    return { HealthCheckObservations: observations(succeeding[input.HealthCheckId] ?? 8) };
  });
}

const CHECKS = ['hc-us-east-1', 'hc-us-west-2'];
const PRIMARY_API = 'api.execute-api.us-east-1.amazonaws.com';
/** A CALCULATED check (review 17 R17-1): no endpoint of its own, children hc-api-a and hc-api-b, healthy when 1 of them is. */
const calculated = (edit: Partial<HealthCheckConfig> = {}): Partial<HealthCheckConfig> => ({
  Type: 'CALCULATED',
  FullyQualifiedDomainName: undefined,
  ResourcePath: undefined,
  ChildHealthChecks: ['hc-api-a', 'hc-api-b'],
  HealthThreshold: 1,
  ...edit,
});
/** Its two children: HTTPS checks of the PRIMARY's API (us-east-1). */
const CHILDREN: Record<string, Partial<HealthCheckConfig>> = { 'hc-api-a': { FullyQualifiedDomainName: PRIMARY_API }, 'hc-api-b': { FullyQualifiedDomainName: PRIMARY_API, ResourcePath: '/ready' } };
/** A CLOUDWATCH_METRIC check on an alarm of us-east-1's API, unhealthy when the alarm has no data unless `edit` says otherwise. */
const metric = (edit: Partial<HealthCheckConfig> = {}): Partial<HealthCheckConfig> => ({
  Type: 'CLOUDWATCH_METRIC',
  FullyQualifiedDomainName: undefined,
  ResourcePath: undefined,
  AlarmIdentifier: { Region: 'us-east-1', Name: 'notification-api-5xx' },
  InsufficientDataHealthStatus: 'Unhealthy',
  ...edit,
});

beforeEach(() => zone(AS_PROVISIONED));

describe('recordSwitchingDocuments', () => {
  it('finds exactly the two failover documents among the real runbooks (a step calling route53 ChangeResourceRecordSets)', () => {
    expect(recordSwitchingDocuments(documents())).toEqual(['NotificationService-FailbackToPrimary', 'NotificationService-FailoverToDR']);
  });
});

describe('judgeRecordPair (pure): the pair as readRecords, checkRecordPair and switchRecord see it', () => {
  it.each([
    ['as provisioned: PRIMARY us-east-1, SECONDARY us-west-2', AS_PROVISIONED, 'switchable', []],
    ['failed over: PRIMARY us-west-2, SECONDARY us-east-1', [cname('us-east-1', 'SECONDARY'), cname('us-west-2', 'PRIMARY')], 'failedOver', []],
    ['set identifiers primary/dr (not the regions)', [cname('dr', 'SECONDARY'), cname('primary', 'PRIMARY')], 'refused', [/set identifiers are PRIMARY primary, SECONDARY dr/]],
    ['the SECONDARY without a health check', [cname('us-east-1', 'PRIMARY'), cname('us-west-2', 'SECONDARY', { HealthCheckId: undefined })], 'refused', [/SECONDARY record \(set identifier us-west-2\) has no health check/]],
    [
      'alias records (an API Gateway custom domain): no CNAME of the name',
      [{ Name: RECORD, Type: 'A', SetIdentifier: 'us-east-1', Failover: 'PRIMARY', AliasTarget: { DNSName: 'd-1.execute-api.us-east-1.amazonaws.com.', HostedZoneId: 'Z1', EvaluateTargetHealth: true } }],
      'refused',
      [/no CNAME record is named api\.notification\.example\.com\. \(the documents' read returns api\.notification\.example\.com\. A instead\)/],
    ],
    ['only the PRIMARY: the next record of the zone read with it', [cname('us-east-1', 'PRIMARY'), { Name: 'www.notification.example.com.', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'x' }] }], 'refused', [/also returns www\.notification\.example\.com\. CNAME/, /one PRIMARY and one SECONDARY/]],
    ['nothing at or after the name', [], 'refused', [/no record at or after/]],
    ['two values on one record', [cname('us-east-1', 'PRIMARY', { ResourceRecords: [{ Value: 'a' }, { Value: 'b' }] }), cname('us-west-2', 'SECONDARY')], 'refused', [/has 2 values/]],
  ] as const)('%s (%#)', (_case, records, state, problems) => {
    const verdict = judgeRecordPair(records as ResourceRecordSet[], PAIR);
    expect(verdict.state).toBe(state);
    expect(verdict.problems).toHaveLength(problems.length);
    problems.forEach((p, i) => expect(verdict.problems[i]).toMatch(p));
    expect(verdict.dnsProblems).toEqual([]);
  });

  // Review 15 R15-3: pairs the documents would switch, to no effect.
  const DR_API = 'api.execute-api.us-west-2.amazonaws.com';
  it.each([
    [
      'both records the DR API, one health check',
      [cname('us-east-1', 'PRIMARY', { ResourceRecords: [{ Value: DR_API }], HealthCheckId: 'hc-shared' }), cname('us-west-2', 'SECONDARY', { HealthCheckId: 'hc-shared' })],
      [/both records' value is api\.execute-api\.us-west-2\.amazonaws\.com: .* a failover changes nothing/, /both records name health check hc-shared: .*no healthy record to fail over to/, /the PRIMARY record \(set identifier us-east-1\) has the value api\.execute-api\.us-west-2\.amazonaws\.com, an endpoint in us-west-2/],
    ],
    ['one value, written once with the final dot and in capitals', [cname('us-east-1', 'PRIMARY', { ResourceRecords: [{ Value: 'API.example.com.' }] }), cname('us-west-2', 'SECONDARY', { ResourceRecords: [{ Value: 'api.example.com' }] })], [/both records' value is API\.example\.com\./]],
    ['the values swapped (each the other region\'s API)', [cname('us-east-1', 'PRIMARY', { ResourceRecords: [{ Value: DR_API }] }), cname('us-west-2', 'SECONDARY', { ResourceRecords: [{ Value: 'api.execute-api.us-east-1.amazonaws.com' }] })], [/PRIMARY record .* an endpoint in us-west-2/, /SECONDARY record .* an endpoint in us-east-1/]],
  ] as const)('%s: the documents could switch it, DNS would not fail over (%#)', (_case, records, problems) => {
    const verdict = judgeRecordPair(records as unknown as ResourceRecordSet[], PAIR);
    expect(verdict.state).toBe('switchable');
    expect(verdict.problems).toEqual([]);
    expect(verdict.dnsProblems).toHaveLength(problems.length);
    problems.forEach((p, i) => expect(verdict.dnsProblems[i]).toMatch(p));
  });
});

describe('regionOfEndpoint and judgeCheckStatus (pure)', () => {
  it.each([
    ['abc1234567.execute-api.us-west-2.amazonaws.com', 'us-west-2'],
    ['d-abc123.execute-api.eu-central-1.amazonaws.com.', 'eu-central-1'],
    ['my-alb-1.us-gov-west-1.elb.amazonaws.com', 'us-gov-west-1'],
    ['api.notification.example.com', undefined],
    ['us-west-2.example.com', undefined],
  ])('%s names %s', (name, region) => expect(regionOfEndpoint(name)).toBe(region));

  it("is Route 53's rule: healthy when more than 18% of the checkers report success; nothing when none reports", () => {
    expect(judgeCheckStatus(observations(8))).toEqual({ reporting: 8, succeeding: 8, healthy: true });
    expect(judgeCheckStatus(observations(2))).toEqual({ reporting: 8, succeeding: 2, healthy: true });
    expect(judgeCheckStatus(observations(1))).toEqual({ reporting: 8, succeeding: 1, healthy: false });
    expect(judgeCheckStatus(observations(0))).toEqual({ reporting: 8, succeeding: 0, healthy: false });
    expect(judgeCheckStatus([])).toBeUndefined();
  });
});

describe('checkFailoverRecords: read as the documents read it, FAIL with a fix before the failover', () => {
  const run = (overrides: unknown = DR_CONFIG) => checkFailoverRecords(clients(), expectationsFor('production', 'single-account', overrides), documents());

  it("as provisioned: PASS naming the health checks; read with the documents' own call (StartRecordName, CNAME, MaxItems 2), each health check read", async () => {
    expect(await run()).toEqual([
      {
        area: 'plumbing',
        check: 'failover-record-pair',
        subject: `${RECORD} in ${ZONE}`,
        status: 'PASS',
        message: `failover record pair ${RECORD}: two CNAMEs, PRIMARY us-east-1, SECONDARY us-west-2, each with its own value, a TTL and its own existing health check, enabled and not inverted (hc-us-east-1, hc-us-west-2); the PRIMARY's health check hc-us-east-1: 8 of 8 checkers report success: NotificationService-FailbackToPrimary and NotificationService-FailoverToDR can switch it`,
      },
    ]);
    expect(route53.commandCalls(ListResourceRecordSetsCommand).map((c) => c.args[0].input)).toEqual([{ HostedZoneId: ZONE, StartRecordName: RECORD, StartRecordType: 'CNAME', MaxItems: 2 }]);
    expect(route53.commandCalls(GetHealthCheckCommand).map((c) => c.args[0].input.HealthCheckId)).toEqual(['hc-us-east-1', 'hc-us-west-2']);
    expect(route53.commandCalls(GetHealthCheckStatusCommand).map((c) => c.args[0].input.HealthCheckId)).toEqual(['hc-us-east-1']);
  });

  // Review 15 R15-3's three rows (production with DR configured, the real documents): each PASSed.
  it.each([
    [
      'both records point at the DR API, one shared health check',
      () => zone([cname('us-east-1', 'PRIMARY', { ResourceRecords: [{ Value: 'api.execute-api.us-west-2.amazonaws.com' }], HealthCheckId: 'hc-us-west-2' }), cname('us-west-2', 'SECONDARY')], ['hc-us-west-2']),
      ["both records' value is api.execute-api.us-west-2.amazonaws.com", 'both records name health check hc-us-west-2', 'the PRIMARY record (set identifier us-east-1) has the value api.execute-api.us-west-2.amazonaws.com, an endpoint in us-west-2'],
    ],
    [
      'PRIMARY health check Disabled',
      () => zone(AS_PROVISIONED, undefined, { 'hc-us-east-1': { Disabled: true } }),
      [
        `the PRIMARY's health check hc-us-east-1 is disabled: Route 53 then "considers the status of the health check to always be healthy" and "continues to route traffic to the corresponding resources" (API reference, HealthCheckConfig.Disabled), so DNS keeps answering with the PRIMARY record (us-east-1) when its API is down: it never fails away from it`,
      ],
    ],
    [
      'PRIMARY health check Inverted',
      () => zone(AS_PROVISIONED, undefined, { 'hc-us-east-1': { Inverted: true } }),
      [
        `the PRIMARY's health check hc-us-east-1 is inverted: Route 53 considers it "unhealthy when it otherwise would be considered healthy" (API reference, HealthCheckConfig.Inverted), so while the PRIMARY's API (us-east-1) is up DNS answers with the SECONDARY record (us-west-2), and when it is down with the PRIMARY`,
      ],
    ],
    ['SECONDARY health check Disabled', () => zone(AS_PROVISIONED, undefined, { 'hc-us-west-2': { Disabled: true } }), ["the SECONDARY's health check hc-us-west-2 is disabled", 'after a switch (the documents carry each record\'s health check over) it is the PRIMARY\'s check: DNS would never fail away from us-west-2']],
    ["the PRIMARY's health check probes the DR API", () => zone(AS_PROVISIONED, undefined, { 'hc-us-east-1': { FullyQualifiedDomainName: 'api.execute-api.us-west-2.amazonaws.com' } }), ["the PRIMARY's health check hc-us-east-1 probes api.execute-api.us-west-2.amazonaws.com, an endpoint in us-west-2"]],
  ])('%s: FAIL saying what Route 53 then does, with the fix; no status read', async (_case, plant, texts) => {
    plant();
    const [check] = await run();
    expect(check).toMatchObject({ status: 'FAIL', check: 'failover-record-pair', subject: `${RECORD} in ${ZONE}` });
    expect(check?.message).toContain(`the failover record pair ${RECORD} is one NotificationService-FailbackToPrimary and NotificationService-FailoverToDR can switch, but DNS does not fail over with it as they assume: `);
    for (const text of texts) expect(check?.message).toContain(text);
    expect(check?.fix).toContain('aws route53 update-health-check --health-check-id <id> --no-disabled --no-inverted');
    expect(check?.fix).toContain('aws route53 change-resource-record-sets');
    expect(route53.commandCalls(GetHealthCheckStatusCommand)).toHaveLength(0);
  });

  it("a record the documents refuse and a disabled check: one FAIL naming both", async () => {
    zone([cname('us-east-1', 'PRIMARY'), cname('us-west-2', 'SECONDARY', { HealthCheckId: undefined })], undefined, { 'hc-us-east-1': { Disabled: true } });
    const [check] = await run();
    expect(check?.status).toBe('FAIL');
    expect(check?.message).toContain('the SECONDARY record (set identifier us-west-2) has no health check');
    expect(check?.message).toContain("a failover would end with the record not switched (recordNotSwitched), found during the outage; and DNS would not fail over with it: the PRIMARY's health check hc-us-east-1 is disabled");
  });

  it("Route 53 counts the PRIMARY's check unhealthy now (1 of 8 checkers succeed): WARN, DNS already answers with the DR record whose consumers are off", async () => {
    zone(AS_PROVISIONED, undefined, {}, { 'hc-us-east-1': 1 });
    const [check] = await run();
    expect(check).toMatchObject({
      status: 'WARN',
      message: `Route 53 counts the PRIMARY's health check hc-us-east-1 unhealthy now (1 of 8 checkers report success; healthy needs more than 18%): DNS already answers ${RECORD} with the SECONDARY record (us-west-2), whose consumers are off until FailoverToDR enables them: what clients send there waits unconsumed in the DR queue`,
      fix: 'find why api.execute-api.us-east-1.amazonaws.com fails its health check (aws route53 get-health-check-last-failure-reason --health-check-id hc-us-east-1); if us-east-1 is down, run NotificationService-FailoverToDR in us-west-2',
    });
    // 2 of 8 (25%) is healthy to Route 53: PASS.
    zone(AS_PROVISIONED, undefined, {}, { 'hc-us-east-1': 2 });
    expect((await run())[0]?.status).toBe('PASS');
    // The DR region's check failing is no WARN: DNS answers with the PRIMARY.
    zone(AS_PROVISIONED, undefined, {}, { 'hc-us-west-2': 0 });
    expect((await run())[0]?.status).toBe('PASS');
  });

  it('failed over and the PRIMARY (the DR record) unhealthy: the WARN says DNS answers with the primary region again', async () => {
    zone([cname('us-east-1', 'SECONDARY'), cname('us-west-2', 'PRIMARY')], undefined, {}, { 'hc-us-west-2': 0 });
    const [check] = await run();
    expect(check?.status).toBe('WARN');
    expect(check?.message).toContain("; and Route 53 counts the PRIMARY's health check hc-us-west-2 unhealthy now (0 of 8 checkers report success; healthy needs more than 18%): DNS already answers");
    expect(check?.message).toContain('with the SECONDARY record (us-east-1), whose consumers FailoverToDR stopped');
  });

  it("a calculated PRIMARY check whose children probe the PRIMARY's API: PASS; each child read, the status not (GetHealthCheckStatus does not answer a calculated check)", async () => {
    zone(AS_PROVISIONED, [...CHECKS, 'hc-api-a', 'hc-api-b'], { 'hc-us-east-1': calculated(), ...CHILDREN });
    const [check] = await run();
    expect(check?.status).toBe('PASS');
    expect(check?.message).toContain("the PRIMARY's health check hc-us-east-1 (CALCULATED) is not read for its status: GetHealthCheckStatus reports endpoint checks only");
    expect(route53.commandCalls(GetHealthCheckCommand).map((c) => c.args[0].input.HealthCheckId)).toEqual(['hc-us-east-1', 'hc-us-west-2', 'hc-api-a', 'hc-api-b']);
    expect(route53.commandCalls(GetHealthCheckStatusCommand)).toHaveLength(0);
  });

  it('a health check that no longer exists: FAIL naming it, with the fix', async () => {
    zone(AS_PROVISIONED, ['hc-us-east-1']);
    const [check] = await run();
    expect(check?.status).toBe('FAIL');
    expect(check?.message).toContain('health check hc-us-west-2 does not exist: switchRecord\'s UPSERT naming it is refused');
    expect(check?.message).toContain('a failover would end with the record not switched (recordNotSwitched), found during the outage');
    expect(check?.fix).toContain('aws route53 change-resource-record-sets');
  });

  it('set identifiers that are not the regions: FAIL (the documents would refuse at refuseRecordPair)', async () => {
    zone([cname('dr', 'SECONDARY'), cname('primary', 'PRIMARY')], ['hc-dr', 'hc-primary']);
    const [check] = await run();
    expect(check).toMatchObject({ status: 'FAIL', check: 'failover-record-pair' });
    expect(check?.message).toMatch(/set identifiers are PRIMARY primary, SECONDARY dr: the documents switch only a pair whose set identifiers are the regions \(us-east-1, us-west-2\)/);
  });

  it('failed over: a WARN, FailbackToPrimary its way back', async () => {
    zone([cname('us-east-1', 'SECONDARY'), cname('us-west-2', 'PRIMARY')]);
    const [check] = await run();
    expect(check?.status).toBe('WARN');
    expect(check?.message).toContain('is failed over: PRIMARY us-west-2, SECONDARY us-east-1');
    expect(check?.fix).toContain('run NotificationService-FailbackToPrimary in us-east-1');
  });

  it('the zone does not exist: FAIL naming the setting', async () => {
    route53.on(ListResourceRecordSetsCommand).rejects(awsError('NoSuchHostedZone', `No hosted zone found with ID: ${ZONE}`));
    const [check] = await run();
    expect(check).toMatchObject({ status: 'FAIL', message: `hosted zone ${ZONE} does not exist: NotificationService-FailbackToPrimary and NotificationService-FailoverToDR cannot read or switch ${RECORD}` });
  });

  it.each([
    ['neither set (the defaults)', {}, 'environments.production.disasterRecovery.failoverRecordName and environments.production.disasterRecovery.hostedZoneId not set'],
    ['the zone not set', { environments: { production: { disasterRecovery: { failoverRecordName: RECORD } } } }, 'environments.production.disasterRecovery.hostedZoneId not set'],
  ])('not configured (%s): FAIL naming the settings, nothing read', async (_case, overrides, text) => {
    const [check] = await run(overrides);
    expect(check).toMatchObject({ status: 'FAIL', subject: 'environments.production.disasterRecovery' });
    expect(check?.message).toContain(`${text}: NotificationService-FailbackToPrimary and NotificationService-FailoverToDR are registered here`);
    expect(route53.calls()).toHaveLength(0);
  });

  it('nothing where no document switches the pair, or where the environment has no DR region (staging)', async () => {
    expect(await checkFailoverRecords(clients(), expectationsFor('production', 'single-account', DR_CONFIG), documents().filter((d) => !d.name.includes('Fail')))).toEqual([]);
    expect(expectationsFor('staging').failoverPair).toBeUndefined();
    expect(await checkFailoverRecords(clients(), expectationsFor('staging'), documents())).toEqual([]);
    expect(route53.calls()).toHaveLength(0);
  });
});

// Review 17 R17-1: a PRIMARY check Route 53 counts healthy whatever its region does (or unhealthy whatever it does),
// because it is CALCULATED or CLOUDWATCH_METRIC: each PASSed ("not read for its status").
describe('checkFailoverRecords: a calculated or CloudWatch alarm health check read as Route 53 reads it (review 17 R17-1)', () => {
  const run = () => checkFailoverRecords(clients(), expectationsFor('production', 'single-account', DR_CONFIG), documents());
  const PRIMARY_DOWN = 'so DNS keeps answering with the PRIMARY record (us-east-1) when its API is down: it never fails away from it';
  const PRIMARY_UP = "so while the PRIMARY's API (us-east-1) is up DNS answers with the SECONDARY record (us-west-2), whose consumers are off until FailoverToDR enables them";
  const WITH_CHILDREN = [...CHECKS, 'hc-api-a', 'hc-api-b'];

  it.each([
    [
      'calculated, HealthThreshold 0',
      () => zone(AS_PROVISIONED, WITH_CHILDREN, { 'hc-us-east-1': calculated({ HealthThreshold: 0 }), ...CHILDREN }),
      [
        `the PRIMARY's health check hc-us-east-1 is a calculated check with HealthThreshold 0 of 2 child checks: "If you specify 0, Route 53 always considers this health check to be healthy" (API reference, HealthCheckConfig.HealthThreshold), ${PRIMARY_DOWN}`,
      ],
      ['aws route53 update-health-check --health-check-id hc-us-east-1 --health-threshold <1 to 2>'],
    ],
    [
      'calculated, HealthThreshold 3 of 2 children (always unhealthy: DNS always answers with the DR region)',
      () => zone(AS_PROVISIONED, WITH_CHILDREN, { 'hc-us-east-1': calculated({ HealthThreshold: 3 }), ...CHILDREN }),
      [`HealthThreshold 3 of 2 child checks: "If you specify a number greater than the number of child health checks, Route 53 always considers this health check to be unhealthy"`, PRIMARY_UP],
      ['--health-check-id hc-us-east-1 --health-threshold <1 to 2>'],
    ],
    [
      'calculated 1 of 2, one child disabled (the calculated check stays healthy)',
      () => zone(AS_PROVISIONED, WITH_CHILDREN, { 'hc-us-east-1': calculated(), ...CHILDREN, 'hc-api-b': { ...CHILDREN['hc-api-b'], Disabled: true } }),
      [
        `the PRIMARY's health check hc-us-east-1 is a calculated check with HealthThreshold 1 of 2 child checks, and 1 of them count healthy while us-east-1's API is down (hc-api-b is disabled (Route 53 "considers the status of the health check to always be healthy")): enough for the threshold: it stays healthy, ${PRIMARY_DOWN}`,
      ],
      ['aws route53 update-health-check --health-check-id hc-api-b --no-disabled'],
    ],
    [
      'calculated 2 of 2, one child inverted (the calculated check unhealthy while the API is up)',
      () => zone(AS_PROVISIONED, WITH_CHILDREN, { 'hc-us-east-1': calculated({ HealthThreshold: 2 }), ...CHILDREN, 'hc-api-a': { ...CHILDREN['hc-api-a'], Inverted: true } }),
      [`1 of them count unhealthy while us-east-1's API is up (hc-api-a is inverted ("unhealthy when it otherwise would be considered healthy")): only 1 healthy, fewer than the threshold: it is unhealthy, ${PRIMARY_UP}`],
      ['--health-check-id hc-api-a --no-inverted'],
    ],
    [
      'calculated 1 of 2, one child probing the DR API',
      () => zone(AS_PROVISIONED, WITH_CHILDREN, { 'hc-us-east-1': calculated(), ...CHILDREN, 'hc-api-b': { FullyQualifiedDomainName: 'api.execute-api.us-west-2.amazonaws.com' } }),
      ["1 of them count healthy while us-east-1's API is down (hc-api-b probes api.execute-api.us-west-2.amazonaws.com, an endpoint in us-west-2)", PRIMARY_DOWN],
      ["--health-check-id hc-api-b --fully-qualified-domain-name <us-east-1's API endpoint>"],
    ],
    [
      'calculated, a child that no longer exists',
      () => zone(AS_PROVISIONED, [...CHECKS, 'hc-api-a'], { 'hc-us-east-1': calculated({ HealthThreshold: 2 }), ...CHILDREN }),
      ["the PRIMARY's health check hc-us-east-1 is a calculated check whose child hc-api-b does not exist: what Route 53 counts for it is not documented, so whether DNS fails away from us-east-1 cannot be judged"],
      ['--health-check-id hc-us-east-1 --child-health-checks <its existing children>'],
    ],
    [
      'calculated, a child calculated too (Route 53 does not allow it: not followed)',
      () => zone(AS_PROVISIONED, WITH_CHILDREN, { 'hc-us-east-1': calculated(), ...CHILDREN, 'hc-api-b': calculated({ ChildHealthChecks: ['hc-us-east-1'] }) }),
      [`whose child hc-api-b is calculated too, which Route 53 does not allow ("You can't configure a calculated health check to monitor the health of other calculated health checks", Developer Guide): not judged`],
      ['--health-check-id hc-us-east-1 --child-health-checks <endpoint or alarm checks of us-east-1>'],
    ],
    [
      'CloudWatch alarm check, InsufficientDataHealthStatus Healthy',
      () => zone(AS_PROVISIONED, undefined, { 'hc-us-east-1': metric({ InsufficientDataHealthStatus: 'Healthy' }) }),
      [
        `the PRIMARY's health check hc-us-east-1 watches CloudWatch alarm notification-api-5xx in us-east-1 with InsufficientDataHealthStatus Healthy, the status Route 53 gives it "when CloudWatch has insufficient data about the metric to determine the alarm state" (API reference, HealthCheckConfig.InsufficientDataHealthStatus): when us-east-1's API stops, its metrics stop with it and the alarm has no data: the check reads healthy, ${PRIMARY_DOWN}`,
      ],
      ['aws route53 update-health-check --health-check-id hc-us-east-1 --insufficient-data-health-status Unhealthy'],
    ],
    [
      'CloudWatch alarm check on an alarm of the DR region',
      () => zone(AS_PROVISIONED, undefined, { 'hc-us-east-1': metric({ AlarmIdentifier: { Region: 'us-west-2', Name: 'notification-api-5xx' } }) }),
      ["the PRIMARY's health check hc-us-east-1 watches CloudWatch alarm notification-api-5xx in us-west-2 (AlarmIdentifier.Region): Route 53 judges us-east-1 by an alarm of us-west-2", PRIMARY_DOWN],
      ["--health-check-id hc-us-east-1 --alarm-identifier Region=us-east-1,Name=<an alarm on us-east-1's API>"],
    ],
    [
      "the SECONDARY's check calculated with HealthThreshold 0 (the PRIMARY's after a switch)",
      () => zone(AS_PROVISIONED, [...CHECKS, 'hc-dr-a', 'hc-dr-b'], { 'hc-us-west-2': calculated({ HealthThreshold: 0, ChildHealthChecks: ['hc-dr-a', 'hc-dr-b'] }), 'hc-dr-a': { FullyQualifiedDomainName: 'api.execute-api.us-west-2.amazonaws.com' }, 'hc-dr-b': { FullyQualifiedDomainName: 'api.execute-api.us-west-2.amazonaws.com' } }),
      [
        `the SECONDARY's health check hc-us-west-2 is a calculated check with HealthThreshold 0 of 2 child checks: "If you specify 0, Route 53 always considers this health check to be healthy" (API reference, HealthCheckConfig.HealthThreshold), so when the PRIMARY fails DNS answers with the SECONDARY (us-west-2) whether its API is up or not, and after a switch (the documents carry each record's health check over) it is the PRIMARY's check: DNS would never fail away from us-west-2`,
      ],
      ['--health-check-id hc-us-west-2 --health-threshold <1 to 2>'],
    ],
  ])('%s: FAIL saying why DNS would not fail over and what to change', async (_case, plant, texts, fixes) => {
    plant();
    const [check] = await run();
    expect(check).toMatchObject({ status: 'FAIL', check: 'failover-record-pair', subject: `${RECORD} in ${ZONE}` });
    expect(check?.message).toContain('can switch, but DNS does not fail over with it as they assume: ');
    for (const text of texts) expect(check?.message).toContain(text);
    expect(check?.fix).toContain('; for the health checks named: ');
    for (const fix of fixes) expect(check?.fix).toContain(fix);
  });

  it.each([
    [
      'calculated 2 of 2 (all children), one child disabled: the other still decides, so a WARN',
      () => zone(AS_PROVISIONED, WITH_CHILDREN, { 'hc-us-east-1': calculated({ HealthThreshold: 2 }), ...CHILDREN, 'hc-api-b': { ...CHILDREN['hc-api-b'], Disabled: true } }),
      `the PRIMARY's health check hc-us-east-1 is a calculated check with HealthThreshold 2 of 2 child checks whose child hc-api-b is disabled (Route 53 "considers the status of the health check to always be healthy"): not enough to keep it from failing over now, but the threshold then counts on fewer children than it names`,
      '--health-check-id hc-api-b --no-disabled',
    ],
    [
      "calculated 1 of 2, one child a CloudWatch alarm check with LastKnownStatus: WARN naming the child",
      () => zone(AS_PROVISIONED, WITH_CHILDREN, { 'hc-us-east-1': calculated(), ...CHILDREN, 'hc-api-b': metric({ InsufficientDataHealthStatus: 'LastKnownStatus' }) }),
      "the PRIMARY's health check hc-us-east-1's child hc-api-b watches CloudWatch alarm notification-api-5xx in us-east-1 with InsufficientDataHealthStatus LastKnownStatus",
      '--health-check-id hc-api-b --insufficient-data-health-status Unhealthy',
    ],
    [
      'CloudWatch alarm check, InsufficientDataHealthStatus LastKnownStatus',
      () => zone(AS_PROVISIONED, undefined, { 'hc-us-east-1': metric({ InsufficientDataHealthStatus: 'LastKnownStatus' }) }),
      `the PRIMARY's health check hc-us-east-1 watches CloudWatch alarm notification-api-5xx in us-east-1 with InsufficientDataHealthStatus LastKnownStatus: when the alarm has no data Route 53 keeps "the status of the health check from the last time CloudWatch had sufficient data" (API reference; healthy for a new check), so if us-east-1's metrics stop before the alarm reaches ALARM the check stays healthy while the API is down`,
      '--health-check-id hc-us-east-1 --insufficient-data-health-status Unhealthy',
    ],
    [
      'CloudWatch alarm check, InsufficientDataHealthStatus not given (the documented default, LastKnownStatus)',
      () => zone(AS_PROVISIONED, undefined, { 'hc-us-east-1': metric({ InsufficientDataHealthStatus: undefined }) }),
      'with InsufficientDataHealthStatus not given (LastKnownStatus, the documented default): when the alarm has no data',
      '--insufficient-data-health-status Unhealthy',
    ],
  ])('%s', async (_case, plant, text, fix) => {
    plant();
    const [check] = await run();
    expect(check).toMatchObject({ status: 'WARN', check: 'failover-record-pair' });
    expect(check?.message).toContain(`the failover record pair ${RECORD} (PRIMARY us-east-1, SECONDARY us-west-2) is one NotificationService-FailbackToPrimary and NotificationService-FailoverToDR can switch, but DNS may not fail over with it as they assume: `);
    expect(check?.message).toContain(text);
    expect(check?.fix).toContain(fix);
  });

  it('a CloudWatch alarm check of its own region, unhealthy on insufficient data: PASS, its status not read', async () => {
    zone(AS_PROVISIONED, undefined, { 'hc-us-east-1': metric() });
    const [check] = await run();
    expect(check?.status).toBe('PASS');
    expect(check?.message).toContain("the PRIMARY's health check hc-us-east-1 (CLOUDWATCH_METRIC) is not read for its status");
    expect(route53.commandCalls(GetHealthCheckStatusCommand)).toHaveLength(0);
  });

  it('a failed-over pair whose PRIMARY (the DR record) has a LastKnownStatus alarm check: the failed-over WARN names it too', async () => {
    zone([cname('us-east-1', 'SECONDARY'), cname('us-west-2', 'PRIMARY')], undefined, { 'hc-us-west-2': metric({ AlarmIdentifier: { Region: 'us-west-2', Name: 'dr-api-5xx' }, InsufficientDataHealthStatus: 'LastKnownStatus' }) });
    const [check] = await run();
    expect(check?.status).toBe('WARN');
    expect(check?.message).toContain('is failed over: PRIMARY us-west-2, SECONDARY us-east-1');
    expect(check?.message).toContain("; and the PRIMARY's health check hc-us-west-2 watches CloudWatch alarm dr-api-5xx in us-west-2 with InsufficientDataHealthStatus LastKnownStatus");
    expect(check?.fix).toContain('--health-check-id hc-us-west-2 --insufficient-data-health-status Unhealthy');
  });
});
