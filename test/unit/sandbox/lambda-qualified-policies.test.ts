// The gap proxy's per-version and per-alias function policies (sandbox/lambda-qualified-policies.ts; review 20b R20-22,
// decision 331): moto 5.2.1 shares one policy between a function and its versions, Lambda keeps one each.
import { permissionStatement, QualifiedPolicies } from '../../../sandbox/lambda-qualified-policies';

const FN = 'arn:aws:lambda:us-east-1:111122223333:function:f:3';
const request = (operation: string, qualifier: string | null, pathname = '/2015-03-31/functions/f/policy', body = '') => ({ operation, accountId: '111122223333', region: 'us-east-1', pathname, qualifier, body });

describe('permissionStatement: the statement Lambda writes for add-permission', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['anyone', { StatementId: 'A', Action: 'lambda:InvokeFunction', Principal: '*' }, { Sid: 'A', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunction', Resource: FN }],
    ['an account id (its root)', { StatementId: 'B', Action: 'lambda:InvokeFunction', Principal: '123456789012' }, { Sid: 'B', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'lambda:InvokeFunction', Resource: FN }],
    [
      'a service for a rule of an account',
      { StatementId: 'C', Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: 'arn:aws:events:us-east-1:111122223333:rule/r', SourceAccount: '111122223333' },
      { Sid: 'C', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: FN, Condition: { StringEquals: { 'AWS:SourceAccount': '111122223333' }, ArnLike: { 'AWS:SourceArn': 'arn:aws:events:us-east-1:111122223333:rule/r' } } },
    ],
    [
      'a URL of AuthType AWS_IAM to a role',
      { StatementId: 'D', Action: 'lambda:InvokeFunctionUrl', Principal: 'arn:aws:iam::123456789012:role/x', FunctionUrlAuthType: 'AWS_IAM' },
      { Sid: 'D', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:role/x' }, Action: 'lambda:InvokeFunctionUrl', Resource: FN, Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } },
    ],
  ])('%s', (_what, input, statement) => {
    expect(permissionStatement(input, FN)).toEqual(statement);
  });
});

describe('QualifiedPolicies', () => {
  const exists = (): Promise<boolean> => Promise.resolve(true);
  it('answers only policy calls naming a version or alias ($LATEST and the function are moto\'s)', () => {
    const policies = new QualifiedPolicies();
    expect(policies.keyOf(request('GetPolicy', '3'))).toBe('111122223333:us-east-1:f:3');
    expect(policies.keyOf(request('GetPolicy', null))).toBeUndefined();
    expect(policies.keyOf(request('GetPolicy', '$LATEST'))).toBeUndefined();
    expect(policies.keyOf(request('GetFunction', '3'))).toBeUndefined();
  });

  it('keeps each qualifier its own policy: add, read, a duplicate Sid refused, remove, then none; a missing version is not found', async () => {
    const policies = new QualifiedPolicies();
    expect(await policies.answer(request('GetPolicy', '3'), exists)).toMatchObject({ status: 404, error: { code: 'ResourceNotFoundException' } });
    const add = request('AddPermission', '3', '/2015-03-31/functions/f/policy', JSON.stringify({ StatementId: 'A', Action: 'lambda:InvokeFunction', Principal: '*' }));
    expect(await policies.answer(add, exists)).toMatchObject({ status: 200 });
    expect(await policies.answer(add, exists)).toMatchObject({ status: 409, error: { code: 'ResourceConflictException' } });
    const read = await policies.answer(request('GetPolicy', '3'), exists);
    expect(JSON.parse((read as { json: { Policy: string } }).json.Policy)).toEqual({ Version: '2012-10-17', Id: 'default', Statement: [{ Sid: 'A', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunction', Resource: FN }] });
    // Another qualifier of the same function has none.
    expect(await policies.answer(request('GetPolicy', 'live'), exists)).toMatchObject({ status: 404 });
    expect(await policies.answer(request('RemovePermission', '3', '/2015-03-31/functions/f/policy/A'), exists)).toMatchObject({ status: 200 });
    expect(await policies.answer(request('GetPolicy', '3'), exists)).toMatchObject({ status: 404 });
    expect(await policies.answer(request('GetPolicy', '9'), () => Promise.resolve(false))).toMatchObject({ status: 404, error: { message: 'Function not found: arn:aws:lambda:us-east-1:111122223333:function:f:9' } });
  });

  it('forgets a deleted version\'s policy', async () => {
    const policies = new QualifiedPolicies();
    await policies.answer(request('AddPermission', '3', '/2015-03-31/functions/f/policy', JSON.stringify({ StatementId: 'A', Action: 'lambda:InvokeFunction', Principal: '*' })), exists);
    policies.forget({ accountId: '111122223333', region: 'us-east-1', pathname: '/2015-03-31/functions/f', qualifier: '3' });
    expect(await policies.answer(request('GetPolicy', '3'), exists)).toMatchObject({ status: 404 });
  });
});
