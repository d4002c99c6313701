// How an AWS error is sorted: retried (transient) or recorded and escalated (permanent). Each case is an error AWS
// documents for a call the playbooks make, in the shape the SDK v3 throws it (name, $fault, $metadata.httpStatusCode).
import { ConditionalCheckFailedException, LimitExceededException, TransactionInProgressException } from '@aws-sdk/client-dynamodb';
import { ResourceConflictException, ResourceInUseException, ResourceNotFoundException, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { InvalidDBInstanceStateFault } from '@aws-sdk/client-rds';
import { PriorRequestNotComplete } from '@aws-sdk/client-route-53';
import { KMSThrottlingException } from '@aws-sdk/client-sns';
import { KmsThrottled, RequestThrottled } from '@aws-sdk/client-sqs';
import { classifyAwsError, isTransientAwsError } from '../../../shared/aws/classify-error';
import { ConfigurationError, GuardrailError, InvalidInputError, PermanentError, TransientError } from '../../../shared/errors';

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

// Review 21a R21-5: what the SDK itself retries (@smithy/core retry, service-error-classification constants.js:
// THROTTLING_ERROR_CODES, NODEJS_NETWORK_ERROR_CODES) is still transient once its attempts have run out, so Lambda
// retries it instead of escalating a failure. Modelled exceptions are the clients' own classes; the rest are built in the
// shape the SDK throws them (a query/XML service's error code as the name) or Node does (a getaddrinfo / connect error's code).
const named = (name: string, httpStatusCode: number): Error => Object.assign(new Error(`${name} (as the service answered it)`), { name, $fault: 'client', ...meta(httpStatusCode) });
const network = (code: string, syscall: string): Error => Object.assign(new Error(`${syscall} ${code} sqs.us-east-1.amazonaws.com`), { code, errno: -3008, syscall });

describe('isTransientAwsError: throttling and network errors the SDK retries stay retried after its attempts (R21-5)', () => {
  it.each<[string, Error]>([
    ['SQS RequestThrottled (its modelled 400): a throttled GetQueueAttributes', new RequestThrottled({ message: 'Rate exceeded', ...meta(400) })],
    ['SQS KmsThrottled: KMS throttled the queue\'s key', new KmsThrottled({ message: 'KMS throttled', ...meta(400) })],
    ['SNS KMSThrottlingException: KMS throttled the topic\'s key on Publish', new KMSThrottlingException({ message: 'Rate exceeded', ...meta(400) })],
    ['DynamoDB LimitExceededException: too many concurrent control-plane operations', new LimitExceededException({ message: 'Too many operations', ...meta(400) })],
    ['DynamoDB TransactionInProgressException: the same transaction token still in flight', new TransactionInProgressException({ message: 'in progress', ...meta(400) })],
    ['Route 53 PriorRequestNotComplete: the previous change to the record is still in progress', new PriorRequestNotComplete({ message: 'The request was rejected because Route 53 was still processing a prior request.', ...meta(400) })],
    ['EC2ThrottledException (EC2 query error code)', named('EC2ThrottledException', 400)],
    ['SlowDown (S3\'s code; with a 400 here, so only its name decides)', named('SlowDown', 400)],
    ['BandwidthLimitExceeded', named('BandwidthLimitExceeded', 400)],
    ['ENOTFOUND: DNS found no address', network('ENOTFOUND', 'getaddrinfo')],
    ['EAI_AGAIN: DNS did not answer in time', network('EAI_AGAIN', 'getaddrinfo')],
    ['EHOSTUNREACH: no route to the host', network('EHOSTUNREACH', 'connect')],
    ['ENETUNREACH: the network is unreachable', network('ENETUNREACH', 'connect')],
  ])('%s is transient', (_situation, error) => {
    expect(isTransientAwsError(error)).toBe(true);
    expect(classifyAwsError(error, 'SQS GetQueueAttributes')).toBeInstanceOf(TransientError);
  });

  // What only the SDK's classification knows, by no name of the project's list: the @retryable trait of a modelled
  // error, a request refused for clock skew the SDK has since corrected, an HTTP/2 stream the server refused.
  it.each<[string, Error]>([
    ['an error the service model marks @retryable (throttling)', Object.assign(new Error('slow down'), { name: 'SomeModelledRetryable', $retryable: { throttling: true }, ...meta(400) })],
    [
      'RequestTimeTooSkewed once the SDK corrected the skew',
      Object.assign(new Error('The difference between the request time and the current time is too large.'), { name: 'RequestTimeTooSkewed', $metadata: { httpStatusCode: 403, clockSkewCorrected: true } }),
    ],
    ['an HTTP/2 stream the server refused (NGHTTP2_REFUSED_STREAM)', Object.assign(new Error('Stream closed with error code NGHTTP2_REFUSED_STREAM'), { code: 'ERR_HTTP2_STREAM_ERROR' })],
  ])('%s is transient by the SDK\'s own classification', (_situation, error) => {
    expect(isTransientAwsError(error)).toBe(true);
  });

  it.each(['RequestThrottled', 'KMSThrottlingException', 'ENOTFOUND', 'EAI_AGAIN'])('%s is transient when only the SDK\'s wrapper message of another realm names it', (name) => {
    const wrapped = new Error(`AWS SDK error wrapper for ${name}: x`);
    expect(isTransientAwsError(wrapped)).toBe(true);
  });
});

describe('isTransientAwsError: what must stay permanent does, whatever the SDK retries', () => {
  it.each<[string, Error]>([
    ['AccessDenied (SQS, 403)', Object.assign(new Error('Access to the resource is denied.'), { name: 'AccessDenied', ...meta(403) })],
    [
      'AccessDeniedException after the SDK corrected its clock skew (one of its clock-skew codes): the policy\'s denial, not the clock\'s',
      Object.assign(new Error('User is not authorized to perform: lambda:UpdateEventSourceMapping'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403, clockSkewCorrected: true } }),
    ],
    ['ValidationException (400)', named('ValidationException', 400)],
    ['DynamoDB ConditionalCheckFailedException: the claim is someone else\'s', new ConditionalCheckFailedException({ message: 'The conditional request failed', ...meta(400) })],
    ['RDS InvalidDBInstanceStateFault (the modelled class)', new InvalidDBInstanceStateFault({ message: 'Instance db is not in available state.', ...meta(400) })],
    ['RDS InvalidDBInstanceState (the query error code)', named('InvalidDBInstanceState', 400)],
    ['Lambda ResourceNotFoundException (404)', new ResourceNotFoundException({ message: 'gone', ...meta(404) })],
    ['SSM ParameterNotFound (400)', named('ParameterNotFound', 400)],
  ])('%s is permanent', (_situation, error) => {
    expect(isTransientAwsError(error)).toBe(false);
    expect(classifyAwsError(error, 'RDS ModifyDBInstance')).toBeInstanceOf(PermanentError);
  });
});

// Review 21b R21b-5: the SDK's isTransientError also answers true for any error on the attempt that corrected a clock
// skew, and for any error whose `cause` chain holds a transient one. The project's own verdicts and permanent names
// stay permanent regardless; a skew-corrected refusal FOR skew stays transient (the cases above).
describe('isTransientAwsError: the SDK\'s skew and cause branches do not override the project\'s permanent verdicts (R21b-5)', () => {
  const throttle = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
  const skewed = (name: string, status: number): Error => Object.assign(new Error(`${name} on the skew-correcting attempt`), { name, $metadata: { httpStatusCode: status, clockSkewCorrected: true } });
  it.each<[string, Error]>([
    ['InvalidInputError caused by a throttle', new InvalidInputError('bad input', [], { cause: throttle })],
    ['ConfigurationError caused by ETIMEDOUT', Object.assign(new ConfigurationError('bad config'), { cause: { code: 'ETIMEDOUT' } })],
    ['GuardrailError caused by a 503', new GuardrailError('cooldown', 'held', { cause: { $metadata: { httpStatusCode: 503 } } })],
    ['ConditionalCheckFailedException with clockSkewCorrected', skewed('ConditionalCheckFailedException', 400)],
    ['ValidationException with clockSkewCorrected', skewed('ValidationException', 400)],
    ['ResourceNotFoundException with clockSkewCorrected', skewed('ResourceNotFoundException', 404)],
    ['InvalidParameterValue with clockSkewCorrected', skewed('InvalidParameterValue', 400)],
    ['an unlisted client error (InsufficientDBInstanceCapacity) with clockSkewCorrected: the flag cures only a skew refusal', skewed('InsufficientDBInstanceCapacity', 400)],
    ['ValidationException caused by ECONNRESET', Object.assign(new Error('1 validation error'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 }, cause: { code: 'ECONNRESET' } })],
  ])('%s is permanent', (_situation, error) => {
    expect(isTransientAwsError(error)).toBe(false);
    expect(classifyAwsError(error, 'DynamoDB PutItem')).toBeInstanceOf(PermanentError);
  });

  it.each<[string, Error]>([
    ['a plain Error whose cause is ECONNRESET (a wrapper of a network failure)', new Error('wrapped', { cause: { code: 'ECONNRESET' } })],
    ['SignatureDoesNotMatch once the SDK corrected the skew (one of its clock-skew codes)', skewed('SignatureDoesNotMatch', 403)],
    ['a 503 on the skew-correcting attempt', skewed('ServiceUnavailable', 503)],
  ])('%s stays transient', (_situation, error) => {
    expect(isTransientAwsError(error)).toBe(true);
  });
});
