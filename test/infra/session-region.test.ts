// holdToSessionRegion reads a statement's region and ARN conditions as "allowed" lists; an operator it cannot read so
// (negated, IfExists, ForAllValues:) is refused at synth rather than inverted or dropped (review 10b F6).
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { holdToSessionRegion, SESSION_REGION_KEY } from '../../infra/lib/iam/session-region';

const REGIONS = ['us-east-1', 'us-west-2'];
const EAST_FN = 'arn:aws:lambda:us-east-1:111111111111:function:orders';
const WEST_FN = 'arn:aws:lambda:us-west-2:111111111111:function:orders';

const statement = (conditions: Record<string, Record<string, unknown>>, resources = ['*']): PolicyStatement =>
  new PolicyStatement({ sid: 'Case', actions: ['lambda:UpdateEventSourceMapping'], resources, conditions });

const held = (conditions: Record<string, Record<string, unknown>>): unknown[] =>
  holdToSessionRegion([statement(conditions)], REGIONS, 'test').map((s) => s.toStatementJson() as unknown);

describe('holdToSessionRegion', () => {
  it.each(['StringEquals', 'ForAnyValue:StringEquals'])('keeps a statement held by %s on aws:RequestedRegion in the regions it names only', (operator) => {
    expect(held({ [operator]: { 'aws:RequestedRegion': 'us-west-2' } })).toEqual([
      {
        Sid: 'CaseInUsWest2',
        Effect: 'Allow',
        Action: 'lambda:UpdateEventSourceMapping',
        Resource: '*',
        Condition: { StringEquals: { [SESSION_REGION_KEY]: 'us-west-2', 'aws:RequestedRegion': 'us-west-2' } },
      },
    ]);
  });

  it.each(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike', 'StringEqualsIfExists', 'StringNotEqualsIfExists', 'ForAllValues:StringEquals', 'ForAnyValue:StringNotEquals'])(
    'refuses %s on aws:RequestedRegion, which "allowed regions" would invert or widen',
    (operator) => {
      expect(() => held({ [operator]: { 'aws:RequestedRegion': 'us-east-1' } })).toThrow(`${operator} on aws:RequestedRegion is not read here`);
    },
  );

  it('reads aws:RequestedRegion case-insensitively, as IAM does', () => {
    expect(() => held({ StringNotEquals: { 'AWS:RequestedRegion': 'us-east-1' } })).toThrow('StringNotEquals on AWS:RequestedRegion is not read here');
  });

  it.each(['ArnEquals', 'ArnLike', 'ForAnyValue:ArnEquals', 'ForAnyValue:ArnLike'])('keeps each region its own ARNs under %s', (operator) => {
    expect(held({ [operator]: { 'lambda:FunctionArn': [EAST_FN, WEST_FN] } })).toEqual(
      REGIONS.map((region) => ({
        Sid: `CaseIn${region === 'us-east-1' ? 'UsEast1' : 'UsWest2'}`,
        Effect: 'Allow',
        Action: 'lambda:UpdateEventSourceMapping',
        Resource: '*',
        Condition: {
          [operator]: { 'lambda:FunctionArn': region === 'us-east-1' ? EAST_FN : WEST_FN },
          StringEquals: { [SESSION_REGION_KEY]: region, 'aws:RequestedRegion': region },
        },
      })),
    );
  });

  it.each(['ArnNotEquals', 'ArnNotLike', 'ArnEqualsIfExists', 'ArnLikeIfExists', 'ArnNotEqualsIfExists', 'ForAllValues:ArnEquals', 'ForAllValues:ArnLike', 'ForAnyValue:ArnNotLike'])(
    'refuses %s, whose ARNs are not a list of what is allowed',
    (operator) => {
      expect(() => held({ [operator]: { 'lambda:FunctionArn': [WEST_FN] } })).toThrow(`${operator} on lambda:FunctionArn is not read here`);
    },
  );

  it('passes conditions on other keys through unchanged, negated or not', () => {
    const [east] = held({ StringNotEquals: { 'aws:ResourceTag/Environment': 'prod' }, 'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsActions': ['UPSERT'] } });
    expect(east).toMatchObject({
      Condition: {
        StringNotEquals: { 'aws:ResourceTag/Environment': 'prod' },
        'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsActions': ['UPSERT'] },
      },
    });
  });

  it('refuses a statement that already names the session region tag, in any case', () => {
    expect(() => held({ StringEquals: { [SESSION_REGION_KEY.toUpperCase()]: 'us-east-1' } })).toThrow("already names the session's region");
  });
});
