// Preflight: the Route 53 failover record pair FailoverToDR and FailbackToPrimary switch (review 13 R13-12).
//
// Both documents read the pair with one ListResourceRecordSets (HostedZoneId, StartRecordName = RecordName,
// StartRecordType CNAME, MaxItems 2: step readRecords), pick the PRIMARY and the SECONDARY by their Failover value, go on
// only when both are named RecordName with set identifiers equal to the regions (checkRecordPair), and UPSERT both with
// their roles swapped, each with its own value (ResourceRecords[0].Value), TTL and HealthCheckId (switchRecord). A pair
// that is not exactly that - alias records, other set identifiers, a record without a health check or naming one that
// no longer exists, a zone or name not configured - ends the document at refuseRecordPair or a failed switchRecord
// (recordNotSwitched): found during the outage the document is for. Preflight makes the same read, with the caller's
// credentials, and judges it as the document's steps would, before anyone needs it.
import { GetHealthCheckCommand, ListResourceRecordSetsCommand, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { ExpectedDocument } from './plumbing-checks';
import type { FailoverPairExpectation, PreflightExpectations } from './expectations';
import { awsErrorName, fail, pass, warn, type CheckResult, type PreflightClients } from './types';

/** The calls this check makes: named in its could-not-check FAIL. */
export const FAILOVER_RECORD_ACTIONS = ['route53:ListResourceRecordSets', 'route53:GetHealthCheck'] as const;

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
  problems: string[];
  healthCheckIds: string[];
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
  if (p && s) {
    if (p.SetIdentifier === pair.primaryRegion && s.SetIdentifier === pair.drRegion) state = 'switchable';
    else if (p.SetIdentifier === pair.drRegion && s.SetIdentifier === pair.primaryRegion) state = 'failedOver';
    else
      problems.push(
        `the set identifiers are PRIMARY ${p.SetIdentifier ?? 'none'}, SECONDARY ${s.SetIdentifier ?? 'none'}: the documents switch only a pair whose set identifiers are the regions (${pair.primaryRegion}, ${pair.drRegion}) and refuse any other (refuseRecordPair)`,
      );
  }
  const healthCheckIds = [p?.HealthCheckId, s?.HealthCheckId].filter((id): id is string => typeof id === 'string' && id !== '');
  return { state: problems.length > 0 ? 'refused' : state, problems, healthCheckIds };
}

const SWITCH_BY_HAND =
  'aws route53 change-resource-record-sets with one UPSERT per record: Type CNAME, SetIdentifier the region, Failover PRIMARY (the primary region) / SECONDARY (the DR region), its TTL, one value and a HealthCheckId';

/**
 * The pair, where a document that switches it is registered here and the environment has a DR region: read with
 * `clients` (Route 53 is global) exactly as the documents read it. Not configured (record name or zone): FAIL (the
 * documents' role may change no record: infra grants nothing without both). The primary region PRIMARY: PASS;
 * failed over (the DR region PRIMARY): WARN, FailbackToPrimary's starting point; anything else, or a health check that
 * does not exist: FAIL naming each problem.
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
  for (const id of verdict.healthCheckIds) {
    try {
      await clients.route53.send(new GetHealthCheckCommand({ HealthCheckId: id }));
    } catch (error) {
      if (awsErrorName(error) !== 'NoSuchHealthCheck') throw error;
      verdict.problems.push(`health check ${id} does not exist: switchRecord's UPSERT naming it is refused`);
      verdict.state = 'refused';
    }
  }
  const pairText = `PRIMARY ${pair.primaryRegion}, SECONDARY ${pair.drRegion}`;
  if (verdict.state === 'refused') {
    return fail(
      'plumbing',
      'failover-record-pair',
      subject,
      `the failover record pair ${pair.recordName} is not one ${docs} can switch: ${verdict.problems.join('; ')}: a failover would end with the record not switched (recordNotSwitched), found during the outage`,
      `make it two CNAME failover records of ${pair.recordName} (${pairText}), each with its own value, TTL and an existing health check: ${SWITCH_BY_HAND}`,
    );
  }
  if (verdict.state === 'failedOver') {
    return warn(
      'plumbing',
      'failover-record-pair',
      subject,
      `the failover record pair ${pair.recordName} is failed over: PRIMARY ${pair.drRegion}, SECONDARY ${pair.primaryRegion} (DNS answers with the DR region's record while its health check passes): FailbackToPrimary can switch it back; FailoverToDR would change nothing (recordAlreadySwitched)`,
      `if the failover is over, run NotificationService-FailbackToPrimary in ${pair.primaryRegion}; if the DR region is to stay primary, set environments.<env>.regionRoles accordingly and deploy both regions`,
    );
  }
  return pass('plumbing', 'failover-record-pair', subject, `failover record pair ${pair.recordName}: two CNAMEs, ${pairText}, each with a value, a TTL and an existing health check (${verdict.healthCheckIds.join(', ')}): ${docs} can switch it`);
}
