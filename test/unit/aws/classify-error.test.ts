// How an AWS error is sorted: retried (transient) or recorded and escalated (permanent). Each case is an error AWS
// documents for a call the playbooks make, in the shape the SDK v3 throws it (name, $fault, $metadata.httpStatusCode).
import { ResourceConflictException, ResourceInUseException, ResourceNotFoundException, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { classifyAwsError, isTransientAwsError } from '../../../shared/aws/classify-error';
import { PermanentError, TransientError } from '../../../shared/errors';

// Sources:
//  [L] Lambda API reference, UpdateEventSourceMapping / PutFunctionConcurrency "Errors": ResourceConflictException (409,
//      "another operation is in progress"), ResourceInUseException (400, "The operation conflicts with the resource's
//      availability. For example, you tried to update an event source mapping in the CREATING state, or you tried to
//      delete an event source mapping currently UPDATING"), ResourceNotFoundException (404), TooManyRequestsException (429).
//  The SDK's own exception classes (@aws-sdk/client-lambda) give each its name and $fault.
const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

describe('classifyAwsError: Lambda errors of the calls scale-consumers makes [L]', () => {
  it.each<[string, Error, typeof TransientError | typeof PermanentError]>([
    ['ResourceInUseException: a mapping still CREATING / UPDATING, which clears', new ResourceInUseException({ message: 'The resource is in use', ...meta(400) }), TransientError],
    ['ResourceConflictException: another operation in progress', new ResourceConflictException({ message: 'An update is in progress', ...meta(409) }), TransientError],
    ['TooManyRequestsException: throttled', new TooManyRequestsException({ message: 'Rate exceeded', ...meta(429) }), TransientError],
    ['ResourceNotFoundException: the mapping is gone', new ResourceNotFoundException({ message: 'The resource you requested does not exist.', ...meta(404) }), PermanentError],
  ])('%s', (_situation, error, expected) => {
    const classified = classifyAwsError(error, 'Lambda UpdateEventSourceMapping');
    expect(classified).toBeInstanceOf(expected);
    expect(isTransientAwsError(error)).toBe(expected === TransientError);
    expect(classified.message).toMatch(new RegExp(`^Lambda UpdateEventSourceMapping failed: ${error.name}: `));
  });
});

describe('classifyAwsError: an access denial names the permission that is missing', () => {
  const denied = (message: string): Error => Object.assign(new Error(message), { name: 'AccessDenied', ...meta(403) });
  it.each([
    ['a denial naming no action (SQS): the call\'s own', 'SQS GetQueueAttributes', denied('Access to the resource https://sqs.us-east-1.amazonaws.com/ is denied.'), 'sqs:GetQueueAttributes'],
    [
      'a denial naming another action than the call\'s: that one',
      'Lambda UpdateEventSourceMapping',
      denied('User: arn:aws:sts::111111111111:assumed-role/x/y is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111111111111:role/r'),
      'iam:PassRole',
    ],
  ])('%s', (_situation, operation, error, action) => {
    const classified = classifyAwsError(error, operation);
    expect(classified).toBeInstanceOf(PermanentError);
    expect(classified.message.endsWith(`(missing permission: ${action})`)).toBe(true);
  });

  // STS's answer when the remediation role's trust refuses the session (decision 147): the call is AssumeRole, the refused
  // action TagSession (a region tag of another caller's region) or AssumeRole (a caller the trust does not name). Nothing
  // is missing: "missing permission" would invite widening the trust (review 10b F8).
  it.each([
    ['its tags', 'sts:TagSession'],
    ['its caller', 'sts:AssumeRole'],
  ])('says the remediation role\'s trust refused the session (%s), not a missing permission', (_what, action) => {
    const error = denied(`User: arn:aws:sts::111111111111:assumed-role/x/y is not authorized to perform: ${action} on resource: arn:aws:iam::222222222222:role/r`);
    const classified = classifyAwsError(error, 'STS AssumeRole arn:aws:iam::222222222222:role/r (session s)');
    expect(classified).toBeInstanceOf(PermanentError);
    expect(classified.message).toBe(
      `STS AssumeRole arn:aws:iam::222222222222:role/r (session s) failed: AccessDenied: User: arn:aws:sts::111111111111:assumed-role/x/y is not authorized to perform: ${action} on resource: arn:aws:iam::222222222222:role/r (the remediation role's trust refused this session (its caller or tags); run \`runbook preflight\`)`,
    );
    expect(classified.message).not.toContain('missing permission');
  });
});

describe('classifyAwsError: an error that only calls itself one of the pipeline\'s classes', () => {
  it('an SDK error that only calls itself TransientError is still judged as an AWS error', () => {
    const impostor = Object.assign(new Error('x'), { name: 'TransientError', ...meta(400) });
    expect(classifyAwsError(impostor, 'SNS Publish (email)')).toBeInstanceOf(PermanentError);
  });

  it('a TransientError of another copy of shared/errors.ts is not taken for ours by its name (no such copy exists in the bundle, nor under loadHandler)', () => {
    let other: { TransientError: typeof TransientError } | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- another copy of the module, on purpose
      other = require('../../../shared/errors') as typeof other;
    });
    const thrown = new other!.TransientError('Support CreateCase failed: CallDeadlineExceeded');
    expect(thrown).not.toBeInstanceOf(TransientError);
    expect(classifyAwsError(thrown, 'notify AWS Support (Enterprise)')).toBeInstanceOf(PermanentError);
  });
});
