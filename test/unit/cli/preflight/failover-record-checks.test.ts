// Preflight's read of the Route 53 failover record pair (review 13 R13-12): the pair the failover documents switch,
// judged as their readRecords / checkRecordPair / switchRecord steps judge it, before the failover needs it.
import { join } from 'node:path';
import { GetHealthCheckCommand, ListResourceRecordSetsCommand, Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { checkFailoverRecords, judgeRecordPair, recordSwitchingDocuments } from '../../../../cli/preflight/failover-record-checks';
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

function zone(records: ResourceRecordSet[], healthChecks: string[] = ['hc-us-east-1', 'hc-us-west-2']): void {
  route53.reset();
  route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: records, IsTruncated: false, MaxItems: 2 });
  route53.on(GetHealthCheckCommand).callsFake((input: { HealthCheckId: string }) => {
    if (!healthChecks.includes(input.HealthCheckId)) throw awsError('NoSuchHealthCheck', `A health check with id ${input.HealthCheckId} does not exist.`);
    return { HealthCheck: { Id: input.HealthCheckId, CallerReference: 'r', HealthCheckVersion: 1, HealthCheckConfig: { Type: 'HTTPS' } } };
  });
}

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
        message: `failover record pair ${RECORD}: two CNAMEs, PRIMARY us-east-1, SECONDARY us-west-2, each with a value, a TTL and an existing health check (hc-us-east-1, hc-us-west-2): NotificationService-FailbackToPrimary and NotificationService-FailoverToDR can switch it`,
      },
    ]);
    expect(route53.commandCalls(ListResourceRecordSetsCommand).map((c) => c.args[0].input)).toEqual([{ HostedZoneId: ZONE, StartRecordName: RECORD, StartRecordType: 'CNAME', MaxItems: 2 }]);
    expect(route53.commandCalls(GetHealthCheckCommand).map((c) => c.args[0].input.HealthCheckId)).toEqual(['hc-us-east-1', 'hc-us-west-2']);
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
