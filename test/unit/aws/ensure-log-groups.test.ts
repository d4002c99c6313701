// The Custom::WatchedLogGroup function (review 22a, R22a-5): creates only this stack's watched groups, takes "already
// exists" as done, deletes nothing, answers only CloudFormation's response URL, and never fails an Update (a rollback's).
import { CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ensureWatchedLogGroup, LOG_GROUP_NAME_PROPERTY, LOG_GROUP_NAMES_ENV, type EnsureDeps } from '../../../custom-resources/ensure-log-groups';
import type { CustomResourceEvent } from '../../../shared/aws/cloudformation-response';
import { ensureLogGroup } from '../../../shared/aws/ensure-log-group';

const CONSUMER = '/aws/lambda/notification-service-consumer';
const API = '/aws/apigateway/notification-service-api/access';

function harness(answer: (name: string) => Promise<unknown>): { deps: EnsureDeps; sent: string[]; answers: Array<Record<string, unknown>>; logged: string[] } {
  const sent: string[] = [];
  const answers: Array<Record<string, unknown>> = [];
  const logged: string[] = [];
  const send = (command: unknown): Promise<unknown> => {
    if (!(command instanceof CreateLogGroupCommand)) throw new Error(`unexpected ${String(command)}`);
    const name = command.input.logGroupName ?? '';
    sent.push(name);
    return answer(name);
  };
  const deps: EnsureDeps = {
    logs: { send } as unknown as EnsureDeps['logs'],
    put: (_url, body) => {
      answers.push(JSON.parse(body) as Record<string, unknown>);
      return Promise.resolve(200);
    },
    logger: { info: (m: string) => void logged.push(`info ${m}`), warn: (m: string) => void logged.push(`warn ${m}`), error: (m: string) => void logged.push(`error ${m}`) },
    env: { [LOG_GROUP_NAMES_ENV]: `${CONSUMER},${API}`, AWS_REGION: 'us-west-2' },
  };
  return { deps, sent, answers, logged };
}

const event = (type: CustomResourceEvent['RequestType'], name: unknown, extra: Partial<CustomResourceEvent> = {}): CustomResourceEvent => ({
  RequestType: type,
  ResponseURL: 'https://cloudformation-custom-resource-response-uswest2.s3.amazonaws.com/x?X-Amz-Signature=0',
  StackId: 'arn:aws:cloudformation:us-west-2:123456789012:stack/s/00000000-0000-0000-0000-000000000000',
  RequestId: 'r',
  LogicalResourceId: 'Group0',
  ResourceProperties: { [LOG_GROUP_NAME_PROPERTY]: name },
  ...extra,
});

const exists = Object.assign(new Error('The specified log group already exists'), { name: 'ResourceAlreadyExistsException' });
const denied = Object.assign(new Error('not authorized to perform: logs:CreateLogGroup'), { name: 'AccessDeniedException' });

describe('the watched log groups\' custom resource (review 22a, R22a-5)', () => {
  it('creates the group on Create and answers SUCCESS with the group as its physical id', async () => {
    const h = harness(() => Promise.resolve({}));
    await ensureWatchedLogGroup(event('Create', CONSUMER), h.deps);
    expect(h.sent).toEqual([CONSUMER]);
    expect(h.answers).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: CONSUMER, Reason: `${CONSUMER} created`, Data: { Ensured: 'created' } })]);
  });

  it('takes ResourceAlreadyExistsException as done', async () => {
    const h = harness(() => Promise.reject(exists));
    await ensureWatchedLogGroup(event('Create', API), h.deps);
    expect(h.answers).toEqual([expect.objectContaining({ Status: 'SUCCESS', Reason: `${API} already exists`, Data: { Ensured: 'existed' } })]);
  });

  it('refuses a group that is not one of the stack\'s watched groups: FAILED on Create, no call', async () => {
    const h = harness(() => Promise.resolve({}));
    await ensureWatchedLogGroup(event('Create', '/aws/lambda/someone-else'), h.deps);
    expect(h.sent).toEqual([]);
    expect(h.answers).toEqual([expect.objectContaining({ Status: 'FAILED', Reason: expect.stringContaining('is not one of this stack\'s watched log groups') })]);
    expect(h.logged).toEqual(['error log group not ensured']);
  });

  it('fails a Create it could not do, naming why; an Update (possibly a rollback\'s) is answered SUCCESS with the reason', async () => {
    const created = harness(() => Promise.reject(denied));
    await ensureWatchedLogGroup(event('Create', CONSUMER), created.deps);
    expect(created.answers).toEqual([expect.objectContaining({ Status: 'FAILED', Reason: `log group ${CONSUMER} not ensured: AccessDeniedException: not authorized to perform: logs:CreateLogGroup` })]);
    const updated = harness(() => Promise.reject(denied));
    await ensureWatchedLogGroup(event('Update', CONSUMER, { PhysicalResourceId: CONSUMER }), updated.deps);
    expect(updated.answers).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: CONSUMER, Reason: expect.stringContaining('not failed on an Update') })]);
  });

  it('deletes nothing on Delete, and keeps the physical id', async () => {
    const h = harness(() => Promise.resolve({}));
    await ensureWatchedLogGroup(event('Delete', CONSUMER, { PhysicalResourceId: CONSUMER }), h.deps);
    expect(h.sent).toEqual([]);
    expect(h.answers).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: CONSUMER })]);
  });

  it('sends nothing anywhere but CloudFormation\'s response bucket, and creates nothing then', async () => {
    const h = harness(() => Promise.resolve({}));
    await expect(ensureWatchedLogGroup(event('Create', CONSUMER, { ResponseURL: 'https://attacker.example/collect' }), h.deps)).rejects.toThrow('not a CloudFormation pre-signed S3 URL');
    expect(h.sent).toEqual([]);
    expect(h.answers).toEqual([]);
  });

  it('ensureLogGroup refuses a name CloudWatch Logs would (a function ARN\'s colon) before any call', async () => {
    const h = harness(() => Promise.resolve({}));
    await expect(ensureLogGroup(h.deps.logs, '/aws/lambda/arn:aws:lambda:us-east-1:123456789012:function:x')).rejects.toThrow('is not a CloudWatch Logs log group name');
    expect(h.sent).toEqual([]);
  });
});
