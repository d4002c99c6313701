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
