// Which "Runbook Decision" events the escalation acts on: forged ones, as someone with events:PutEvents would send them, are refused.
import {
  alarmMovedOn,
  checkAlarm,
  matchRecordedDecision,
  parseAlarmArn,
  precheckDecision,
  type ClaimedDecision,
  type TrustFacts,
} from '../../../shared/escalation/trust-decision';
import { ACCOUNT, ALARM_ARN, ALARM_NAME, ALARM_TIME, capReachedDecision, QUEUE_ARN } from './fixtures';

const facts: TrustFacts = { environment: 'production', region: 'us-east-1', regions: ['us-east-1', 'us-west-2'], watchedAlarms: new Set([ALARM_NAME]) };

/** What scale-consumers publishes when the consumers are at the cap (shared/pipeline/run-playbook.ts). */
const real: ClaimedDecision = { ...capReachedDecision(), resource: { arn: QUEUE_ARN } };

describe('precheckDecision', () => {
  it('admits the decision the pipeline publishes, naming the alarm it is about', () => {
    expect(precheckDecision(real, facts)).toEqual({ kind: 'ok', alarm: { arn: ALARM_ARN, name: ALARM_NAME, account: ACCOUNT, region: 'us-east-1', partition: 'aws' } });
  });

  const otherArn = ALARM_ARN.replace(ALARM_NAME, 'Anything');
  it.each([
    ['no incident key', { incidentKey: undefined }, 'names no alarm state change'],
    ['an incident key of another alarm', { incidentKey: `${otherArn}#${ALARM_TIME}` }, 'incident key is not the alarm ARN'],
    ['an alarm time that is no timestamp', { alarmTime: 'now', incidentKey: `${ALARM_ARN}#now` }, 'is not a timestamp'],
    ['an alarm nobody watches', { alarmArn: otherArn, alarmName: 'Anything', incidentKey: `${otherArn}#${ALARM_TIME}` }, 'is not one the production environment watches'],
    ['an alarm name that is not the one in the ARN', { alarmName: 'Something else' }, 'is not the name in its ARN'],
    ['something that is not an alarm ARN', { alarmArn: 'arn:aws:sns:us-east-1:123456789012:topic', incidentKey: `arn:aws:sns:us-east-1:123456789012:topic#${ALARM_TIME}` }, 'is not a CloudWatch alarm ARN'],
    [
      'a region the environment does not have',
      { alarmArn: ALARM_ARN.replace('us-east-1', 'eu-west-1'), incidentKey: `${ALARM_ARN.replace('us-east-1', 'eu-west-1')}#${ALARM_TIME}`, region: 'eu-west-1' },
      'is not a region of the production environment',
    ],
    [
      "the DR region's alarm sent to us-east-1's escalation",
      { alarmArn: ALARM_ARN.replace('us-east-1', 'us-west-2'), incidentKey: `${ALARM_ARN.replace('us-east-1', 'us-west-2')}#${ALARM_TIME}`, region: 'us-west-2' },
      're-reads alarms in its own region only',
    ],
    ['a region that is not the alarm\'s', { region: 'us-west-2' }, 'is not the alarm\'s'],
    ['another environment', { environment: 'staging' }, 'is not this deployment\'s'],
    ['an account that is not the alarm\'s', { account: '999999999999' }, 'is not the alarm\'s'],
    ['no resource', { resource: undefined }, 'names no resource'],
  ] as const)('refuses %s', (_case, change, reason) => {
    const refused = precheckDecision({ ...real, ...change } as ClaimedDecision, facts);
    expect(refused).toEqual({ kind: 'refused', reason: expect.stringContaining(reason) });
  });
});

describe('matchRecordedDecision', () => {
  const recorded = { ...real, dryRun: false, escalation: { cause: 'cap-reached' } };
  const audit = { incidentKey: real.incidentKey ?? '', decision: recorded };

  it('accepts a decision whose claim and audit entry are in the state table, and returns the recorded one', () => {
    const forgedExtras = { ...real, runbook: { documentName: 'Evil', parameters: {} } } as ClaimedDecision;
    const matched = matchRecordedDecision(forgedExtras, [{ name: 'scale-consumers', status: 'COMPLETED', outcome: 'escalate' }], [audit]);
    expect(matched).toEqual({ kind: 'accepted', recorded });
    expect(matched.kind === 'accepted' && 'runbook' in matched.recorded).toBe(false);
  });

  it("accepts verify-change's decision by its own claim (verify-change#<playbook>)", () => {
    const madeWorse = { ...real, reason: 'consumer errors 0.2% -> 7.5%: reverted', decidedAt: '2026-11-25T14:10:09.000Z' };
    const claims = [{ name: 'scale-consumers', status: 'COMPLETED', outcome: 'applied' }, { name: 'verify-change#scale-consumers', status: 'COMPLETED' }];
    expect(matchRecordedDecision(madeWorse, claims, [{ incidentKey: audit.incidentKey, decision: madeWorse as unknown as Record<string, unknown> }])).toMatchObject({ kind: 'accepted' });
  });

  it("accepts a document run's decision by its audit entry keyed by the run (decision 379), on the state change's claim", () => {
    const run = { incidentKey: `${audit.incidentKey}#runbook:4105a4fc-f944-11e6-9d32-8b2b8e1e5e9d`, decision: recorded };
    expect(matchRecordedDecision(real, [{ name: 'scale-consumers', status: 'COMPLETED', outcome: 'dry-run' }], [run])).toEqual({ kind: 'accepted', recorded });
  });

  it.each([
    ["another incident's document run", [{ name: 'scale-consumers' }], [{ ...audit, incidentKey: `${ALARM_ARN}#2026-11-24T00:00:00.000+0000#runbook:exec-1` }], 'no audit record'],
    ['an entry whose key only begins with the incident key', [{ name: 'scale-consumers' }], [{ ...audit, incidentKey: `${audit.incidentKey}0` }], 'no audit record'],
    ['no claim on the incident', [], [audit], 'no claim of scale-consumers'],
    ["another playbook's claim", [{ name: 'raise-lambda-memory' }], [audit], 'no claim of scale-consumers'],
    ['a claim but no audit entry', [{ name: 'scale-consumers' }], [], 'no audit record'],
    ['an OK the automation never recorded (forged resolution)', [{ name: 'scale-consumers' }], [{ ...audit, decision: { ...recorded, outcome: 'applied' } }], 'no audit record'],
    ['a replay with another time', [{ name: 'scale-consumers' }], [{ ...audit, decision: { ...recorded, decidedAt: '2026-11-25T15:00:00.000Z' } }], 'no audit record'],
    ['a changed reason', [{ name: 'scale-consumers' }], [{ ...audit, decision: { ...recorded, reason: 'something else' } }], 'no audit record'],
    ["another incident's audit entry", [{ name: 'scale-consumers' }], [{ ...audit, incidentKey: `${ALARM_ARN}#2026-11-24T00:00:00.000+0000` }], 'no audit record'],
  ] as const)('refuses %s', (_case, claims, audits, reason) => {
    expect(matchRecordedDecision(real, claims, audits)).toEqual({ kind: 'refused', reason: expect.stringContaining(reason) });
  });
});

describe('checkAlarm and parseAlarmArn', () => {
  it('reads an alarm ARN whose name holds colons', () => {
    expect(parseAlarmArn('arn:aws:cloudwatch:us-east-1:123456789012:alarm:a:b:c')).toMatchObject({ name: 'a:b:c', account: '123456789012' });
    expect(parseAlarmArn('arn:aws:cloudwatch:us-east-1:12345:alarm:a')).toBeUndefined();
    expect(parseAlarmArn(undefined)).toBeUndefined();
  });

  // The SDK's partition table (decision 129): eusc-de-east-1 is a region of aws-eusc, and an ARN names its region's partition.
  it.each([
    ['arn:aws-eusc:cloudwatch:eusc-de-east-1:123456789012:alarm:ServerCpuTooHigh', { partition: 'aws-eusc', region: 'eusc-de-east-1' }],
    ['arn:aws-us-gov:cloudwatch:us-gov-west-1:123456789012:alarm:ServerCpuTooHigh', { partition: 'aws-us-gov', region: 'us-gov-west-1' }],
  ])('reads %s', (arn, expected) => {
    expect(parseAlarmArn(arn)).toMatchObject({ ...expected, name: 'ServerCpuTooHigh', account: '123456789012' });
  });

  it.each([
    'arn:aws:cloudwatch:eusc-de-east-1:123456789012:alarm:ServerCpuTooHigh',
    'arn:aws-cn:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh',
    'arn:aws:cloudwatch:zz-east-1:123456789012:alarm:ServerCpuTooHigh',
  ])('refuses %s: a region no partition has, or another partition than its region\'s', (arn) => {
    expect(parseAlarmArn(arn)).toBeUndefined();
  });

  it('admits a watched alarm of this region, from any account (the workload\'s in cross-account mode)', () => {
    const workload = ALARM_ARN.replace(ACCOUNT, '111111111111');
    expect(checkAlarm({ arn: workload, name: ALARM_NAME, region: 'us-east-1' }, facts)).toMatchObject({ kind: 'ok', alarm: { account: '111111111111' } });
  });
});

describe('alarmMovedOn', () => {
  const at = Date.parse(ALARM_TIME);
  it.each([
    ['still the same ALARM', { value: 'ALARM', updatedAt: new Date(at) }, false],
    ['the same ALARM, timestamps rounded differently', { value: 'ALARM', updatedAt: new Date(at + 900) }, false],
    ['OK since', { value: 'OK', updatedAt: new Date(at + 200) }, true],
    ['a newer ALARM', { value: 'ALARM', updatedAt: new Date(at + 60_000) }, true],
    // No StateUpdatedTimestamp answered: a newer ALARM cannot be told from this one, so not moved on (decision 144).
    ['ALARM, when not answered', { value: 'ALARM' }, false],
    ['OK, when not answered (its value is enough)', { value: 'OK' }, true],
  ] as const)('%s: %s', (_case, current, expected) => {
    expect(alarmMovedOn(current, { state: 'ALARM', time: ALARM_TIME })).toBe(expected);
  });
});
