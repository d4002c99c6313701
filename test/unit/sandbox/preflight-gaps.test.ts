// The sandbox's answers for runbook preflight: the IAM policy evaluator and the EventBridge pattern matcher, case by case.
import { eventPatternMatches, InvalidEventPatternError } from '../../../sandbox/event-pattern-match';
import { simulatePolicies, UnsupportedPolicyError, type SimulatedPolicy } from '../../../sandbox/iam-policy-simulator';

const ESM = 'arn:aws:lambda:us-east-1:111122223333:event-source-mapping:1b2c';
const FN = 'arn:aws:lambda:us-east-1:111122223333:function:notification-service-consumer';
const policy: SimulatedPolicy = {
  name: 'declared-actions',
  document: {
    Statement: [
      { Sid: 'Esm', Effect: 'Allow', Action: ['lambda:UpdateEventSourceMapping'], Resource: 'arn:aws:lambda:us-east-1:111122223333:event-source-mapping:*', Condition: { ArnLike: { 'lambda:FunctionArn': [FN, `${FN}:*`] } } },
      { Sid: 'Read', Effect: 'Allow', Action: 'cloudwatch:Describe*', Resource: '*' },
      { Sid: 'Pass', Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::111122223333:role/sched', Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } } },
      { Sid: 'NoDelete', Effect: 'Deny', Action: 'cloudwatch:DeleteAlarms', Resource: '*' },
    ],
  },
};

describe('simulatePolicies (sandbox SimulatePrincipalPolicy)', () => {
  it.each([
    ['the mapping of the watched function', 'lambda:UpdateEventSourceMapping', ESM, { 'lambda:FunctionArn': [FN] }, 'allowed'],
    ["another function's mapping", 'lambda:UpdateEventSourceMapping', ESM, { 'lambda:FunctionArn': [FN.replace('consumer', 'other')] }, 'implicitDeny'],
    ['no lambda:FunctionArn in the context', 'lambda:UpdateEventSourceMapping', ESM, {}, 'implicitDeny'],
    ['a wildcard action, case-insensitive', 'CloudWatch:DescribeAlarms', '*', {}, 'allowed'],
    ['an action no statement names', 'lambda:UpdateFunctionConfiguration', FN, {}, 'implicitDeny'],
    ['PassRole to Scheduler', 'iam:PassRole', 'arn:aws:iam::111122223333:role/sched', { 'iam:PassedToService': ['scheduler.amazonaws.com'] }, 'allowed'],
    ['PassRole to Lambda', 'iam:PassRole', 'arn:aws:iam::111122223333:role/sched', { 'iam:PassedToService': ['lambda.amazonaws.com'] }, 'implicitDeny'],
    ['an explicit deny', 'cloudwatch:DeleteAlarms', '*', {}, 'explicitDeny'],
  ])('%s: %s on %s -> %s', (_case, action, resource, context, decision) => {
    expect(simulatePolicies([policy], { action, resource, context }).decision).toBe(decision);
  });

  it('names the context key that was missing', () => {
    expect(simulatePolicies([policy], { action: 'lambda:UpdateEventSourceMapping', resource: ESM, context: {} }).missingContextValues).toEqual(['lambda:FunctionArn']);
  });

  it('refuses a condition operator it does not know rather than allowing', () => {
    const odd: SimulatedPolicy = { name: 'odd', document: { Statement: { Effect: 'Allow', Action: '*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01' } } } } };
    expect(() => simulatePolicies([odd], { action: 's3:GetObject', resource: '*', context: { 'aws:CurrentTime': ['2026-01-01'] } })).toThrow(UnsupportedPolicyError);
  });
});

describe('eventPatternMatches (sandbox TestEventPattern)', () => {
  const event = { source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', detail: { alarmName: 'Q > 1000', state: { value: 'ALARM' }, n: 5 } };
  it.each([
    ['exact values', { source: ['aws.cloudwatch'], detail: { alarmName: ['Q > 1000', 'other'] } }, true],
    ['another alarm', { detail: { alarmName: ['other'] } }, false],
    ['nested state', { detail: { state: { value: ['OK'] } } }, false],
    ['prefix', { detail: { alarmName: [{ prefix: 'Q ' }] } }, true],
    ['anything-but', { detail: { state: { value: [{ 'anything-but': ['OK'] }] } } }, true],
    ['exists false on a present key', { detail: { alarmName: [{ exists: false }] } }, false],
    ['numeric range', { detail: { n: [{ numeric: ['>', 1, '<=', 5] }] } }, true],
    ['a key the event lacks', { account: ['111122223333'] }, false],
  ])('%s', (_case, pattern, matches) => {
    expect(eventPatternMatches(pattern, event)).toBe(matches);
  });

  it('refuses a filter it does not know', () => {
    expect(() => eventPatternMatches({ source: [{ cidr: '10.0.0.0/8' }] }, event)).toThrow(InvalidEventPatternError);
  });
});
