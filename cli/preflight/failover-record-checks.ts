// Preflight: the Route 53 failover record pair FailoverToDR and FailbackToPrimary switch (review 13 R13-12).
//
// Both documents read the pair with one ListResourceRecordSets (HostedZoneId, StartRecordName = RecordName,
// StartRecordType CNAME, MaxItems 2: step readRecords), pick the PRIMARY and the SECONDARY by their Failover value, go on
// only when both are named RecordName with set identifiers equal to the regions (checkRecordPair), and UPSERT both with
// their roles swapped, each with its own value (ResourceRecords[0].Value), TTL and HealthCheckId (switchRecord). A pair
// that is not exactly that - alias records, other set identifiers, a record without a health check or naming one that
// no longer exists, a zone or name not configured - ends the document at refuseRecordPair or a failed switchRecord
// (recordNotSwitched): found during the outage the document is for. Preflight makes the same read, with the caller's
// credentials, and judges it as the document's steps would, before anyone needs it. A pair the documents can switch
// may still fail the failover it is for: a health check Route 53 ignores or reads backwards, two records reaching one
// endpoint or judged by one check (review 15 R15-3): those are judged too, from each check's HealthCheckConfig and
// the PRIMARY's current status.
import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  type HealthCheckConfig,
  type HealthCheckObservation,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import type { ExpectedDocument } from './plumbing-checks';
import type { FailoverPairExpectation, PreflightExpectations } from './expectations';
import { awsErrorName, fail, pass, warn, type CheckResult, type PreflightClients } from './types';

/** The calls this check makes: named in its could-not-check FAIL. */
export const FAILOVER_RECORD_ACTIONS = ['route53:ListResourceRecordSets', 'route53:GetHealthCheck', 'route53:GetHealthCheckStatus'] as const;

/** Pure: the documents registered here that switch the pair (a step calling route53 ChangeResourceRecordSets). */
export function recordSwitchingDocuments(documents: readonly ExpectedDocument[]): string[] {
  return documents
    .filter((d) => ((d.content as { mainSteps?: Array<{ inputs?: { Service?: unknown; Api?: unknown } }> } | null)?.mainSteps ?? []).some((s) => s.inputs?.Service === 'route53' && s.inputs.Api === 'ChangeResourceRecordSets'))
    .map((d) => d.name);
}

/** Pure: what one record lacks for switchRecord's UPSERT (its value, TTL and health check carried over as they are). */
export function recordProblems(record: ResourceRecordSet, role: string): string[] {
  const problems: string[] = [];
  const label = `the ${role} record (set identifier ${record.SetIdentifier ?? 'none'})`;
  if (record.AliasTarget) problems.push(`${label} is an alias to ${record.AliasTarget.DNSName ?? '?'}: the documents UPSERT a CNAME with a value and a TTL, which an alias has not`);
  if (record.TTL === undefined && !record.AliasTarget) problems.push(`${label} has no TTL`);
  if ((record.ResourceRecords ?? []).length !== 1 && !record.AliasTarget) problems.push(`${label} has ${(record.ResourceRecords ?? []).length} values, the documents carry exactly one`);
  if (!record.HealthCheckId) problems.push(`${label} has no health check: the documents carry each record's HealthCheckId over, and a failover record without one is never failed away from`);
  return problems;
}

export interface PairVerdict {
  /** switchable: PRIMARY = the primary region, SECONDARY = the DR region (FailoverToDR can switch it); failedOver: the reverse (FailbackToPrimary can). */
  state: 'switchable' | 'failedOver' | 'refused';
  /** What makes the documents refuse the pair or fail to switch it. */
  problems: string[];
  /** What the documents would switch, but to no effect: DNS would not fail over with it (review 15 R15-3). */
  dnsProblems: string[];
  healthCheckIds: string[];
  /** Each record's health check, by role, with the record's set identifier and value (what its check should judge). */
  healthChecks: RecordCheck[];
}

export type FailoverRole = 'PRIMARY' | 'SECONDARY';

export interface RecordCheck {
  role: FailoverRole;
  id: string;
  setIdentifier?: string;
  value?: string;
}

/** A hostname without its final dot, lowercase: how two record values or endpoints are compared. */
const host = (name: string): string => name.trim().replace(/\.$/, '').toLowerCase();

const AWS_REGION_LABEL = /^[a-z]{2}(?:-gov|-iso[a-z]?)?-(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-\d+$/;

/**
 * Pure: the AWS region an AWS endpoint hostname names (`<id>.execute-api.us-west-2.amazonaws.com`, an API Gateway custom
 * domain's `d-<id>.execute-api.<region>.amazonaws.com`, a load balancer's `<name>.<region>.elb.amazonaws.com`), or
 * undefined for any other name (a custom domain names no region).
 */
export function regionOfEndpoint(name: string): string | undefined {
  const labels = host(name).split('.');
  if (!/\.amazonaws\.com(\.cn)?$/.test(host(name))) return undefined;
  return labels.find((label) => AWS_REGION_LABEL.test(label));
}

/**
 * Pure: the records the documents' readRecords gets, judged as checkRecordPair and switchRecord judge them. `records` is
 * ListResourceRecordSets' answer for StartRecordName = the record, StartRecordType CNAME, MaxItems 2.
 */
export function judgeRecordPair(records: readonly ResourceRecordSet[], pair: { recordName: string; primaryRegion: string; drRegion: string }): PairVerdict {
  const problems: string[] = [];
  const ours = records.filter((r) => r.Name === pair.recordName && r.Type === 'CNAME');
  const others = records.filter((r) => !ours.includes(r));
  if (others.length > 0) {
    const seen = others.map((r) => `${r.Name ?? '?'} ${r.Type ?? '?'}`).join(', ');
    problems.push(
      ours.length === 0
        ? `no CNAME record is named ${pair.recordName} (the documents' read returns ${seen} instead)`
        : `the documents' read (2 records from ${pair.recordName} CNAME) also returns ${seen}: only ${ours.length} CNAME record of ${pair.recordName}`,
    );
  }
  if (records.length === 0) problems.push(`no record at or after ${pair.recordName} CNAME in the zone`);
  const primary = ours.filter((r) => r.Failover === 'PRIMARY');
  const secondary = ours.filter((r) => r.Failover === 'SECONDARY');
  if (ours.length > 0 && (primary.length !== 1 || secondary.length !== 1)) {
    problems.push(`the documents need one PRIMARY and one SECONDARY failover record of ${pair.recordName}; found ${ours.map((r) => `${r.SetIdentifier ?? 'no set identifier'}: ${r.Failover ?? 'no failover routing'}`).join(', ')}`);
  }
  const [p] = primary;
  const [s] = secondary;
  for (const [record, role] of [
    [p, 'PRIMARY'],
    [s, 'SECONDARY'],
  ] as const) {
    if (record) problems.push(...recordProblems(record, role));
  }
  let state: PairVerdict['state'] = 'refused';
  const dnsProblems: string[] = [];
  if (p && s) {
    const [pValue, sValue] = [p.ResourceRecords?.[0]?.Value, s.ResourceRecords?.[0]?.Value];
    if (pValue && sValue && host(pValue) === host(sValue)) {
      dnsProblems.push(`both records' value is ${pValue}: whichever record DNS answers with, and whichever the documents make PRIMARY, clients reach that one endpoint, so a failover changes nothing`);
    }
    if (p.HealthCheckId && p.HealthCheckId === s.HealthCheckId) {
      dnsProblems.push(
        `both records name health check ${p.HealthCheckId}: Route 53 judges both by one endpoint, so whenever the PRIMARY is unhealthy the SECONDARY is too and DNS has no healthy record to fail over to`,
      );
    }
    for (const [record, role] of [
      [p, 'PRIMARY'],
      [s, 'SECONDARY'],
    ] as const) {
      const value = record.ResourceRecords?.[0]?.Value;
      const named = value ? regionOfEndpoint(value) : undefined;
      if (named && record.SetIdentifier && [pair.primaryRegion, pair.drRegion].includes(record.SetIdentifier) && named !== record.SetIdentifier) {
        dnsProblems.push(
          `the ${role} record (set identifier ${record.SetIdentifier}) has the value ${value ?? ''}, an endpoint in ${named}: the documents switch the records by set identifier, so the traffic they send to ${record.SetIdentifier} would reach ${named}`,
        );
      }
    }
    if (p.SetIdentifier === pair.primaryRegion && s.SetIdentifier === pair.drRegion) state = 'switchable';
    else if (p.SetIdentifier === pair.drRegion && s.SetIdentifier === pair.primaryRegion) state = 'failedOver';
    else
      problems.push(
        `the set identifiers are PRIMARY ${p.SetIdentifier ?? 'none'}, SECONDARY ${s.SetIdentifier ?? 'none'}: the documents switch only a pair whose set identifiers are the regions (${pair.primaryRegion}, ${pair.drRegion}) and refuse any other (refuseRecordPair)`,
      );
  }
  const healthChecks: RecordCheck[] = [];
  for (const [record, role] of [
    [p, 'PRIMARY'],
    [s, 'SECONDARY'],
  ] as const) {
    if (!record?.HealthCheckId) continue;
    const value = record.ResourceRecords?.[0]?.Value;
    healthChecks.push({ role, id: record.HealthCheckId, ...(record.SetIdentifier ? { setIdentifier: record.SetIdentifier } : {}), ...(value ? { value } : {}) });
  }
  return { state: problems.length > 0 ? 'refused' : state, problems, dnsProblems, healthCheckIds: healthChecks.map((c) => c.id), healthChecks };
}

/**
 * Pure: what Route 53 does with one record's health check, from its HealthCheckConfig (GetHealthCheck). The API
 * reference's HealthCheckConfig: Disabled - "After you disable a health check, Route 53 considers the status of the
 * health check to always be healthy. If you configured DNS failover, Route 53 continues to route traffic to the
 * corresponding resources"; Inverted - Route 53 inverts the status, "to consider a health check unhealthy when it
 * otherwise would be considered healthy". The documents carry each record's check over when they switch the roles, so
 * a SECONDARY's check is the PRIMARY's after a failover. An endpoint check that probes another region's AWS endpoint
 * than its record's judges the record by that region's health.
 */
export function healthCheckProblems(check: RecordCheck, config: HealthCheckConfig, otherRegion: string): string[] {
  const problems: string[] = [];
  const region = check.setIdentifier ?? 'its region';
  const label = `the ${check.role}'s health check ${check.id}`;
  const afterSwitch = check.role === 'SECONDARY' ? ` and after a switch (the documents carry each record's health check over) it is the PRIMARY's check` : '';
  if (config.Disabled) {
    problems.push(
      `${label} is disabled: Route 53 then "considers the status of the health check to always be healthy" and "continues to route traffic to the corresponding resources" (API reference, HealthCheckConfig.Disabled)` +
        (check.role === 'PRIMARY'
          ? `, so DNS keeps answering with the PRIMARY record (${region}) when its API is down: it never fails away from it`
          : `, so when the PRIMARY fails DNS answers with the SECONDARY (${region}) whether its API is up or not,${afterSwitch}: DNS would never fail away from ${region}`),
    );
  }
  if (config.Inverted) {
    problems.push(
      `${label} is inverted: Route 53 considers it "unhealthy when it otherwise would be considered healthy" (API reference, HealthCheckConfig.Inverted)` +
        (check.role === 'PRIMARY'
          ? `, so while the PRIMARY's API (${region}) is up DNS answers with the SECONDARY record (${otherRegion}), and when it is down with the PRIMARY`
          : `, so while the SECONDARY's API (${region}) is up DNS does not fail over to it,${afterSwitch}: DNS would answer with ${otherRegion}'s record while ${region}'s API is up`),
    );
  }
  const probed = config.FullyQualifiedDomainName ? regionOfEndpoint(config.FullyQualifiedDomainName) : undefined;
  if (probed && check.setIdentifier && probed !== check.setIdentifier && probed === otherRegion) {
    problems.push(`${label} probes ${config.FullyQualifiedDomainName ?? ''}, an endpoint in ${probed}: Route 53 judges the ${check.role} record (${check.setIdentifier}) by ${probed}'s health`);
  }
  return problems;
}

/** The health check types GetHealthCheckStatus reports checkers' observations for (a calculated check it does not answer). */
const ENDPOINT_CHECK_TYPES = new Set(['HTTP', 'HTTPS', 'HTTP_STR_MATCH', 'HTTPS_STR_MATCH', 'TCP']);

export interface CheckStatus {
  reporting: number;
  succeeding: number;
  /** Route 53's own rule (Developer Guide, "How Amazon Route 53 determines whether a health check is healthy"): healthy when more than 18% of the checkers report it healthy. */
  healthy: boolean;
}

/**
 * Pure: an endpoint check's status from GetHealthCheckStatus's observations, one per checker, each StatusReport.Status
 * starting "Success:" or "Failure:". Undefined when no checker reports (nothing to judge).
 */
export function judgeCheckStatus(observations: readonly HealthCheckObservation[]): CheckStatus | undefined {
  const reporting = observations.filter((o) => typeof o.StatusReport?.Status === 'string').length;
  if (reporting === 0) return undefined;
  const succeeding = observations.filter((o) => /^success\b/i.test(o.StatusReport?.Status ?? '')).length;
  return { reporting, succeeding, healthy: succeeding / reporting > 0.18 };
}

const SWITCH_BY_HAND =
  'aws route53 change-resource-record-sets with one UPSERT per record: Type CNAME, SetIdentifier the region, Failover PRIMARY (the primary region) / SECONDARY (the DR region), its TTL, one value and a HealthCheckId';

/**
 * The pair, where a document that switches it is registered here and the environment has a DR region: read with
 * `clients` (Route 53 is global) exactly as the documents read it. Not configured (record name or zone): FAIL (the
 * documents' role may change no record: infra grants nothing without both). The primary region PRIMARY: PASS;
 * failed over (the DR region PRIMARY): WARN, FailbackToPrimary's starting point; anything else, or a health check that
 * does not exist: FAIL naming each problem. A pair the documents can switch FAILs too where DNS would not fail over
 * with it (review 15 R15-3): a health check disabled or inverted (each check's HealthCheckConfig, GetHealthCheck) or
 * probing the other region's endpoint, both records one value or one health check, a value that is another region's
 * AWS endpoint than its set identifier. Otherwise the PRIMARY's endpoint check is read (GetHealthCheckStatus): Route 53
 * counting it unhealthy now is a WARN (DNS already answers with the SECONDARY).
 */
export async function checkFailoverRecords(clients: PreflightClients, expected: PreflightExpectations, documents: readonly ExpectedDocument[]): Promise<CheckResult[]> {
  const pair = expected.failoverPair;
  const switching = recordSwitchingDocuments(documents);
  if (!pair || switching.length === 0) return [];
  const docs = switching.join(' and ');
  const field = `environments.${expected.environment}.disasterRecovery`;
  if (!pair.recordName || !pair.hostedZoneId) {
    const missing = [!pair.recordName ? `${field}.failoverRecordName` : '', !pair.hostedZoneId ? `${field}.hostedZoneId` : ''].filter(Boolean).join(' and ');
    return [
      fail(
        'plumbing',
        'failover-record-pair',
        field,
        `${missing} not set: ${docs} ${switching.length === 1 ? 'is' : 'are'} registered here, but their role is granted no Route 53 change without both, so a failover ends with the record not switched (recordNotSwitched)`,
        `set ${missing} (the API's failover record pair: two CNAMEs, set identifiers ${pair.primaryRegion} and ${pair.drRegion}, each with a health check) and deploy`,
      ),
    ];
  }
  return [await judgeLivePair(clients, pair as Required<FailoverPairExpectation>, docs)];
}

async function judgeLivePair(clients: PreflightClients, pair: Required<FailoverPairExpectation>, docs: string): Promise<CheckResult> {
  const subject = `${pair.recordName} in ${pair.hostedZoneId}`;
  let records: ResourceRecordSet[];
  try {
    records = (await clients.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: pair.hostedZoneId, StartRecordName: pair.recordName, StartRecordType: 'CNAME', MaxItems: 2 }))).ResourceRecordSets ?? [];
  } catch (error) {
    if (awsErrorName(error) !== 'NoSuchHostedZone') throw error;
    return fail('plumbing', 'failover-record-pair', subject, `hosted zone ${pair.hostedZoneId} does not exist: ${docs} cannot read or switch ${pair.recordName}`, `set environments.<env>.disasterRecovery.hostedZoneId to the zone of ${pair.recordName} and deploy`);
  }
  const verdict = judgeRecordPair(records, pair);
  const configs = new Map<string, HealthCheckConfig>();
  for (const check of verdict.healthChecks) {
    if (configs.has(check.id)) continue;
    try {
      const config = (await clients.route53.send(new GetHealthCheckCommand({ HealthCheckId: check.id }))).HealthCheck?.HealthCheckConfig;
      if (config) configs.set(check.id, config);
    } catch (error) {
      if (awsErrorName(error) !== 'NoSuchHealthCheck') throw error;
      verdict.problems.push(`health check ${check.id} does not exist: switchRecord's UPSERT naming it is refused`);
      verdict.state = 'refused';
    }
  }
  for (const check of verdict.healthChecks) {
    const config = configs.get(check.id);
    const otherRegion = check.setIdentifier === pair.drRegion ? pair.primaryRegion : pair.drRegion;
    if (config) verdict.dnsProblems.push(...healthCheckProblems(check, config, otherRegion));
  }
  const pairText = `PRIMARY ${pair.primaryRegion}, SECONDARY ${pair.drRegion}`;
  if (verdict.state === 'refused' || verdict.dnsProblems.length > 0) {
    const dns = verdict.dnsProblems.join('; ');
    return fail(
      'plumbing',
      'failover-record-pair',
      subject,
      verdict.state === 'refused'
        ? `the failover record pair ${pair.recordName} is not one ${docs} can switch: ${verdict.problems.join('; ')}: a failover would end with the record not switched (recordNotSwitched), found during the outage` +
            (dns ? `; and DNS would not fail over with it: ${dns}` : '')
        : `the failover record pair ${pair.recordName} is one ${docs} can switch, but DNS does not fail over with it as they assume: ${dns}`,
      `make it two CNAME failover records of ${pair.recordName} (${pairText}), each with its own value (its region's API endpoint), TTL and an existing health check of its own, enabled and not inverted (aws route53 update-health-check --health-check-id <id> --no-disabled --no-inverted): ${SWITCH_BY_HAND}`,
    );
  }
  const primary = verdict.healthChecks.find((c) => c.role === 'PRIMARY');
  const secondaryRegion = verdict.state === 'failedOver' ? pair.primaryRegion : pair.drRegion;
  const primaryRegion = verdict.state === 'failedOver' ? pair.drRegion : pair.primaryRegion;
  const primaryType = primary ? configs.get(primary.id)?.Type : undefined;
  let status: CheckStatus | undefined;
  let statusText = '';
  if (primary && primaryType && ENDPOINT_CHECK_TYPES.has(primaryType)) {
    status = judgeCheckStatus((await clients.route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: primary.id }))).HealthCheckObservations ?? []);
    statusText = status
      ? `; the PRIMARY's health check ${primary.id}: ${status.succeeding} of ${status.reporting} checkers report success`
      : `; the PRIMARY's health check ${primary.id}: no checker reports a status yet`;
  } else if (primary) {
    statusText = `; the PRIMARY's health check ${primary.id} (${primaryType ?? 'type unknown'}) is not read for its status: GetHealthCheckStatus reports endpoint checks only`;
  }
  const unhealthy = status && !status.healthy && primary
    ? `Route 53 counts the PRIMARY's health check ${primary.id} unhealthy now (${status.succeeding} of ${status.reporting} checkers report success; healthy needs more than 18%): DNS already answers ${pair.recordName} with the SECONDARY record (${secondaryRegion})`
    : undefined;
  if (verdict.state === 'failedOver') {
    return warn(
      'plumbing',
      'failover-record-pair',
      subject,
      `the failover record pair ${pair.recordName} is failed over: PRIMARY ${pair.drRegion}, SECONDARY ${pair.primaryRegion} (DNS answers with the DR region's record while its health check passes): FailbackToPrimary can switch it back; FailoverToDR would change nothing (recordAlreadySwitched)` +
        (unhealthy ? `; and ${unhealthy}, whose consumers FailoverToDR stopped` : ''),
      `if the failover is over, run NotificationService-FailbackToPrimary in ${pair.primaryRegion}; if the DR region is to stay primary, set environments.<env>.regionRoles accordingly and deploy both regions`,
    );
  }
  if (unhealthy && primary) {
    return warn(
      'plumbing',
      'failover-record-pair',
      subject,
      `${unhealthy}, whose consumers are off until FailoverToDR enables them: what clients send there waits unconsumed in the DR queue`,
      `find why ${primary.value ?? `${primaryRegion}'s API`} fails its health check (aws route53 get-health-check-last-failure-reason --health-check-id ${primary.id}); if ${primaryRegion} is down, run NotificationService-FailoverToDR in ${secondaryRegion}`,
    );
  }
  return pass(
    'plumbing',
    'failover-record-pair',
    subject,
    `failover record pair ${pair.recordName}: two CNAMEs, ${pairText}, each with its own value, a TTL and its own existing health check, enabled and not inverted (${verdict.healthCheckIds.join(', ')})${statusText}: ${docs} can switch it`,
  );
}
