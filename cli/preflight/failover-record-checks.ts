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
// endpoint or judged by one check (review 15 R15-3), a calculated or CloudWatch alarm check Route 53 always counts
// healthy (review 17 R17-1): those are judged too, from each check's HealthCheckConfig (and a calculated check's
// children's) and the PRIMARY's current status.
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
  /** What may keep DNS from failing over, depending on what preflight does not read (a CloudWatch alarm's data), or what does not decide it now (review 17 R17-1): a WARN. */
  dnsWarnings: string[];
  /** The health check changes (aws route53 update-health-check) that answer dnsProblems and dnsWarnings. */
  dnsFixes: string[];
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
  return { state: problems.length > 0 ? 'refused' : state, problems, dnsProblems, dnsWarnings: [], dnsFixes: [], healthCheckIds: healthChecks.map((c) => c.id), healthChecks };
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

/** A CALCULATED check's children as GetHealthCheck answered them, by id: the config, or undefined when it does not exist. */
export type ChildChecks = ReadonlyMap<string, HealthCheckConfig | undefined>;

export interface HealthCheckJudgement {
  /** DNS would not fail over with the record's check: FAIL. */
  problems: string[];
  /** What may keep DNS from failing over, depending on what preflight does not read, or what does not decide the check now: WARN. */
  warnings: string[];
  /** The update-health-check commands that change what the problems and warnings name. */
  fixes: string[];
}

/** What a record's check that misreads its region does to DNS: healthy while the region's API is down, or unhealthy while it is up. */
function dnsEffect(check: RecordCheck, otherRegion: string, what: 'healthyWhileDown' | 'unhealthyWhileUp'): string {
  const region = check.setIdentifier ?? 'its region';
  const afterSwitch = check.role === 'SECONDARY' ? ` and after a switch (the documents carry each record's health check over) it is the PRIMARY's check` : '';
  if (what === 'healthyWhileDown') {
    return check.role === 'PRIMARY'
      ? `so DNS keeps answering with the PRIMARY record (${region}) when its API is down: it never fails away from it`
      : `so when the PRIMARY fails DNS answers with the SECONDARY (${region}) whether its API is up or not,${afterSwitch}: DNS would never fail away from ${region}`;
  }
  return check.role === 'PRIMARY'
    ? `so while the PRIMARY's API (${region}) is up DNS answers with the SECONDARY record (${otherRegion}), whose consumers are off until FailoverToDR enables them`
    : `so while the SECONDARY's API (${region}) is up DNS does not fail over to it,${afterSwitch}: DNS would answer with ${otherRegion}'s record while ${region}'s API is up`;
}

const INSUFFICIENT_DATA_QUOTE = `Route 53 gives it "when CloudWatch has insufficient data about the metric to determine the alarm state" (API reference, HealthCheckConfig.InsufficientDataHealthStatus)`;

/**
 * How one check reads when its record's region's API is down (its metrics stopped too) and when it is up, the other
 * region's up; a reason for each way it misreads. Route 53's documented rules (API reference, HealthCheckConfig):
 * Disabled is always healthy; Inverted swaps healthy and unhealthy; a CLOUDWATCH_METRIC check is healthy at OK,
 * unhealthy at ALARM, and at insufficient data what InsufficientDataHealthStatus says (LastKnownStatus, the documented
 * default: the status "from the last time CloudWatch had sufficient data", healthy for a new check). Not for CALCULATED.
 */
interface Reading {
  healthyWhileDown: boolean;
  healthyWhileUp: boolean;
  reasons: string[];
  /** Not decided by what is read (LastKnownStatus: depends on whether the alarm fired before the data stopped). */
  warnings: string[];
  fixes: string[];
}

function readingOf(id: string, config: HealthCheckConfig, region: string, otherRegion: string, options: { flags: boolean }): Reading {
  const reading: Reading = { healthyWhileDown: false, healthyWhileUp: true, reasons: [], warnings: [], fixes: [] };
  if (config.Type === 'CLOUDWATCH_METRIC') {
    const alarm = config.AlarmIdentifier;
    const alarmText = alarm ? `alarm ${alarm.Name ?? '?'} in ${alarm.Region ?? '?'}` : 'an alarm it does not name';
    const insufficient = config.InsufficientDataHealthStatus;
    if (alarm?.Region && alarm.Region === otherRegion && alarm.Region !== region) {
      reading.healthyWhileDown = true;
      reading.reasons.push(`watches CloudWatch ${alarmText} (AlarmIdentifier.Region): Route 53 judges ${region} by an alarm of ${otherRegion}`);
      reading.fixes.push(`aws route53 update-health-check --health-check-id ${id} --alarm-identifier Region=${region},Name=<an alarm on ${region}'s API>`);
    } else if (insufficient === 'Healthy') {
      reading.healthyWhileDown = true;
      reading.reasons.push(
        `watches CloudWatch ${alarmText} with InsufficientDataHealthStatus Healthy, the status ${INSUFFICIENT_DATA_QUOTE}: when ${region}'s API stops, its metrics stop with it and the alarm has no data: the check reads healthy`,
      );
      reading.fixes.push(`aws route53 update-health-check --health-check-id ${id} --insufficient-data-health-status Unhealthy`);
    } else if (insufficient !== 'Unhealthy') {
      reading.warnings.push(
        `watches CloudWatch ${alarmText} with InsufficientDataHealthStatus ${insufficient ?? 'not given (LastKnownStatus, the documented default)'}: when the alarm has no data Route 53 keeps "the status of the health check from the last time CloudWatch had sufficient data" (API reference; healthy for a new check), so if ${region}'s metrics stop before the alarm reaches ALARM the check stays healthy while the API is down (not read: the alarm's metric and TreatMissingData)`,
      );
      reading.fixes.push(`aws route53 update-health-check --health-check-id ${id} --insufficient-data-health-status Unhealthy`);
    }
  } else if (config.Type && ENDPOINT_CHECK_TYPES.has(config.Type)) {
    const probed = config.FullyQualifiedDomainName ? regionOfEndpoint(config.FullyQualifiedDomainName) : undefined;
    if (probed && probed === otherRegion && probed !== region) {
      reading.healthyWhileDown = true;
      reading.reasons.push(`probes ${config.FullyQualifiedDomainName ?? ''}, an endpoint in ${probed}`);
      reading.fixes.push(`aws route53 update-health-check --health-check-id ${id} --fully-qualified-domain-name <${region}'s API endpoint>`);
    }
  }
  if (!options.flags) return reading;
  if (config.Disabled) {
    reading.healthyWhileDown = true;
    reading.healthyWhileUp = true;
    reading.reasons.push('is disabled (Route 53 "considers the status of the health check to always be healthy")');
    reading.fixes.push(`aws route53 update-health-check --health-check-id ${id} --no-disabled`);
  } else if (config.Inverted) {
    [reading.healthyWhileDown, reading.healthyWhileUp] = [!reading.healthyWhileDown, !reading.healthyWhileUp];
    reading.reasons.push('is inverted ("unhealthy when it otherwise would be considered healthy")');
    reading.fixes.push(`aws route53 update-health-check --health-check-id ${id} --no-inverted`);
  }
  return reading;
}

/**
 * Pure (review 17 R17-1): what Route 53 does with a record's CLOUDWATCH_METRIC or CALCULATED check beyond the fields
 * healthCheckProblems reads (Disabled, Inverted, the probed endpoint). A CLOUDWATCH_METRIC check: an alarm of the other
 * region FAILs like a probe of its endpoint; InsufficientDataHealthStatus Healthy FAILs (the alarm has no data exactly
 * when the region's metrics stop); LastKnownStatus (or none: the documented default) WARNs. A CALCULATED check
 * (API reference, HealthCheckConfig.HealthThreshold: "If you specify 0, Route 53 always considers this health check to
 * be healthy"; "a number greater than the number of child health checks, Route 53 always considers this health check to
 * be unhealthy") FAILs on either, and is judged through its children, one level: Route 53 does not let a calculated
 * check monitor another ("You can't configure a calculated health check to monitor the health of other calculated
 * health checks", Developer Guide, "Values that you specify when you create or update health checks"), so a calculated
 * or missing child is a FAIL (not judged) and nothing deeper is read (no cycle can form). Each child is read as
 * `readingOf` reads it; enough of them healthy while the region's API is down (HealthThreshold or more), or too few
 * healthy while it is up, FAILs naming them; a child that misreads without deciding the check now WARNs.
 */
export function healthCheckTypeJudgement(check: RecordCheck, config: HealthCheckConfig, otherRegion: string, children: ChildChecks): HealthCheckJudgement {
  const judgement: HealthCheckJudgement = { problems: [], warnings: [], fixes: [] };
  const region = check.setIdentifier ?? 'its region';
  const label = `the ${check.role}'s health check ${check.id}`;
  if (config.Type === 'CLOUDWATCH_METRIC') {
    const reading = readingOf(check.id, config, region, otherRegion, { flags: false });
    if (reading.reasons.length > 0) judgement.problems.push(`${label} ${reading.reasons.join(' and ')}, ${dnsEffect(check, otherRegion, 'healthyWhileDown')}`);
    judgement.warnings.push(...reading.warnings.map((w) => `${label} ${w}`));
    judgement.fixes.push(...reading.fixes);
    return judgement;
  }
  if (config.Type !== 'CALCULATED') return judgement;
  const ids = config.ChildHealthChecks ?? [];
  const threshold = config.HealthThreshold;
  const of = `HealthThreshold ${threshold ?? 'not given'} of ${ids.length} child check${ids.length === 1 ? '' : 's'}`;
  const thresholdFix = `aws route53 update-health-check --health-check-id ${check.id} --health-threshold <1 to ${ids.length}>`;
  if (threshold === 0) {
    judgement.problems.push(`${label} is a calculated check with ${of}: "If you specify 0, Route 53 always considers this health check to be healthy" (API reference, HealthCheckConfig.HealthThreshold), ${dnsEffect(check, otherRegion, 'healthyWhileDown')}`);
    judgement.fixes.push(thresholdFix);
  } else if (threshold !== undefined && threshold > ids.length) {
    judgement.problems.push(
      `${label} is a calculated check with ${of}: "If you specify a number greater than the number of child health checks, Route 53 always considers this health check to be unhealthy" (API reference, HealthCheckConfig.HealthThreshold), ${dnsEffect(check, otherRegion, 'unhealthyWhileUp')}`,
    );
    judgement.fixes.push(thresholdFix);
  }
  const readings: Array<{ id: string; reading: Reading }> = [];
  for (const id of ids) {
    const child = children.get(id);
    if (!children.has(id) || child === undefined) {
      judgement.problems.push(`${label} is a calculated check whose child ${id} does not exist: what Route 53 counts for it is not documented, so whether DNS fails away from ${region} cannot be judged`);
      judgement.fixes.push(`aws route53 update-health-check --health-check-id ${check.id} --child-health-checks <its existing children>`);
    } else if (child.Type === 'CALCULATED') {
      judgement.problems.push(
        `${label} is a calculated check whose child ${id} is calculated too, which Route 53 does not allow ("You can't configure a calculated health check to monitor the health of other calculated health checks", Developer Guide): not judged, so whether DNS fails away from ${region} cannot be judged`,
      );
      judgement.fixes.push(`aws route53 update-health-check --health-check-id ${check.id} --child-health-checks <endpoint or alarm checks of ${region}>`);
    } else {
      readings.push({ id, reading: readingOf(id, child, region, otherRegion, { flags: true }) });
    }
  }
  for (const { id, reading } of readings) judgement.warnings.push(...reading.warnings.map((w) => `${label}'s child ${id} ${w}`));
  if (threshold === undefined || threshold === 0 || threshold > ids.length) {
    // Decided by the threshold alone (or not given: each child that misreads is a FAIL, as nothing says how many decide).
    for (const { id, reading } of readings) if (reading.reasons.length > 0) judgement.problems.push(`${label}'s child ${id} ${reading.reasons.join(' and ')} (${of})`);
    judgement.fixes.push(...readings.flatMap((r) => r.reading.fixes));
    return judgement;
  }
  const list = (rs: typeof readings) => rs.map(({ id, reading }) => `${id} ${reading.reasons.join(' and ')}`).join('; ');
  const healthyWhileDown = readings.filter((r) => r.reading.healthyWhileDown);
  const unhealthyWhileUp = readings.filter((r) => !r.reading.healthyWhileUp);
  const healthyWhileUp = readings.length - unhealthyWhileUp.length;
  const deciding = new Set<string>();
  if (healthyWhileDown.length >= threshold) {
    healthyWhileDown.forEach((r) => deciding.add(r.id));
    judgement.problems.push(
      `${label} is a calculated check with ${of}, and ${healthyWhileDown.length} of them count healthy while ${region}'s API is down (${list(healthyWhileDown)}): enough for the threshold: it stays healthy, ${dnsEffect(check, otherRegion, 'healthyWhileDown')}`,
    );
  }
  if (healthyWhileUp < threshold) {
    unhealthyWhileUp.forEach((r) => deciding.add(r.id));
    judgement.problems.push(
      `${label} is a calculated check with ${of}, and ${unhealthyWhileUp.length} of them count unhealthy while ${region}'s API is up (${list(unhealthyWhileUp)}): only ${healthyWhileUp} healthy, fewer than the threshold: it is unhealthy, ${dnsEffect(check, otherRegion, 'unhealthyWhileUp')}`,
    );
  }
  const rest = readings.filter((r) => r.reading.reasons.length > 0 && !deciding.has(r.id));
  if (rest.length > 0) {
    judgement.warnings.push(`${label} is a calculated check with ${of} whose child${rest.length === 1 ? '' : 'ren'} ${list(rest)}: not enough to keep it from failing over now, but the threshold then counts on fewer children than it names`);
  }
  judgement.fixes.push(...readings.flatMap((r) => r.reading.fixes));
  return judgement;
}


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
 * AWS endpoint than its set identifier; a calculated or CloudWatch alarm check Route 53 counts healthy while its region's
 * API is down or unhealthy while it is up (review 17 R17-1: healthCheckTypeJudgement, each calculated check's children read
 * with GetHealthCheck, one level). What depends on what is not read (an alarm's LastKnownStatus) is a WARN. Otherwise the
 * PRIMARY's endpoint check is read (GetHealthCheckStatus): Route 53 counting it unhealthy now is a WARN (DNS already
 * answers with the SECONDARY).
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
  // A calculated check's children (review 17 R17-1), one level: Route 53 lets no calculated check monitor another.
  const children = new Map<string, HealthCheckConfig | undefined>();
  for (const id of [...configs.values()].filter((c) => c.Type === 'CALCULATED').flatMap((c) => c.ChildHealthChecks ?? [])) {
    if (children.has(id)) continue;
    try {
      children.set(id, configs.get(id) ?? (await clients.route53.send(new GetHealthCheckCommand({ HealthCheckId: id }))).HealthCheck?.HealthCheckConfig);
    } catch (error) {
      if (awsErrorName(error) !== 'NoSuchHealthCheck') throw error;
      children.set(id, undefined);
    }
  }
  for (const check of verdict.healthChecks) {
    const config = configs.get(check.id);
    const otherRegion = check.setIdentifier === pair.drRegion ? pair.primaryRegion : pair.drRegion;
    if (!config) continue;
    verdict.dnsProblems.push(...healthCheckProblems(check, config, otherRegion));
    const judged = healthCheckTypeJudgement(check, config, otherRegion, children);
    verdict.dnsProblems.push(...judged.problems);
    verdict.dnsWarnings.push(...judged.warnings);
    verdict.dnsFixes.push(...judged.fixes.filter((f) => !verdict.dnsFixes.includes(f)));
  }
  const checkFixes = verdict.dnsFixes.length > 0 ? `; for the health checks named: ${verdict.dnsFixes.join('; ')}` : '';
  const warnings = verdict.dnsWarnings.join('; ');
  const pairText = `PRIMARY ${pair.primaryRegion}, SECONDARY ${pair.drRegion}`;
  if (verdict.state === 'refused' || verdict.dnsProblems.length > 0) {
    const dns = verdict.dnsProblems.join('; ');
    return fail(
      'plumbing',
      'failover-record-pair',
      subject,
      (verdict.state === 'refused'
        ? `the failover record pair ${pair.recordName} is not one ${docs} can switch: ${verdict.problems.join('; ')}: a failover would end with the record not switched (recordNotSwitched), found during the outage` +
            (dns ? `; and DNS would not fail over with it: ${dns}` : '')
        : `the failover record pair ${pair.recordName} is one ${docs} can switch, but DNS does not fail over with it as they assume: ${dns}`) +
        (warnings ? `; also: ${warnings}` : ''),
      `make it two CNAME failover records of ${pair.recordName} (${pairText}), each with its own value (its region's API endpoint), TTL and an existing health check of its own, enabled and not inverted (aws route53 update-health-check --health-check-id <id> --no-disabled --no-inverted): ${SWITCH_BY_HAND}${checkFixes}`,
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
        (unhealthy ? `; and ${unhealthy}, whose consumers FailoverToDR stopped` : '') +
        (warnings ? `; and ${warnings}` : ''),
      `if the failover is over, run NotificationService-FailbackToPrimary in ${pair.primaryRegion}; if the DR region is to stay primary, set environments.<env>.regionRoles accordingly and deploy both regions${checkFixes}`,
    );
  }
  if (unhealthy && primary) {
    return warn(
      'plumbing',
      'failover-record-pair',
      subject,
      `${unhealthy}, whose consumers are off until FailoverToDR enables them: what clients send there waits unconsumed in the DR queue` + (warnings ? `; and ${warnings}` : ''),
      `find why ${primary.value ?? `${primaryRegion}'s API`} fails its health check (aws route53 get-health-check-last-failure-reason --health-check-id ${primary.id}); if ${primaryRegion} is down, run NotificationService-FailoverToDR in ${secondaryRegion}${checkFixes}`,
    );
  }
  if (warnings) {
    return warn(
      'plumbing',
      'failover-record-pair',
      subject,
      `the failover record pair ${pair.recordName} (${pairText}) is one ${docs} can switch, but DNS may not fail over with it as they assume: ${warnings}${statusText}`,
      `make each record's health check read its own region's API, so that Route 53 counts it unhealthy when that API is down: ${verdict.dnsFixes.join('; ')}`,
    );
  }
  return pass(
    'plumbing',
    'failover-record-pair',
    subject,
    `failover record pair ${pair.recordName}: two CNAMEs, ${pairText}, each with its own value, a TTL and its own existing health check, enabled and not inverted (${verdict.healthCheckIds.join(', ')})${statusText}: ${docs} can switch it`,
  );
}
