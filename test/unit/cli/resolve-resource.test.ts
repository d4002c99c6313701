// Finding 5 of review 10a: `runbook history notification-service-db` looked for a queue of that name and answered "no
// automation history", exit 0. A bare name is found among the environment's resources, by the ARN its records use.
import { recordedResources, resolveResource } from '../../../cli/resolve-resource';
import { defaultConfig } from '../../../shared/config/defaults';
import { parseAutomationConfig } from '../../../shared/config/load-config';

const config = parseAutomationConfig(defaultConfig);
const where = { partition: 'aws', region: 'us-east-1', account: '123456789012' };

describe('resolveResource', () => {
  const known = recordedResources(config.environments.production, where);

  it.each([
    ['the database scale-up-database resized', 'notification-service-db', 'database', 'arn:aws:rds:us-east-1:123456789012:db:notification-service-db'],
    ['the consumer function raise-lambda-memory changed', 'notification-service-consumer', 'function', 'arn:aws:lambda:us-east-1:123456789012:function:notification-service-consumer'],
    ['the queue scale-consumers recorded under', 'notification-service-queue', 'queue', 'arn:aws:sqs:us-east-1:123456789012:notification-service-queue'],
    ["the DR replica the standby watch reads", 'notification-service-db-replica', 'database', 'arn:aws:rds:us-east-1:123456789012:db:notification-service-db-replica'],
  ])('finds %s by its name', (_what, name, kind, arn) => {
    expect(resolveResource(name, known)).toEqual({ kind: 'resolved', candidate: { kind, name, arn } });
  });

  it('takes an ARN as given', () => {
    expect(resolveResource('arn:aws:rds:us-west-2:123456789012:db:x', known)).toEqual({ kind: 'arn', arn: 'arn:aws:rds:us-west-2:123456789012:db:x' });
  });

  it('says a name it does not know is unknown, with every candidate', () => {
    const result = resolveResource('notification-service', known);
    expect(result.kind).toBe('unknown');
    expect(result.kind === 'unknown' && result.known.map((c) => c.name)).toEqual(
      expect.arrayContaining(['notification-service-queue', 'notification-service-consumer', 'notification-service-db']),
    );
  });

  it('says a name two resources share is ambiguous, listing both', () => {
    const env = { ...config.environments.production, resources: { queues: ['orders'], functions: ['orders'], databases: [] } };
    expect(resolveResource('orders', recordedResources(env, where))).toEqual({
      kind: 'ambiguous',
      candidates: [
        { kind: 'queue', name: 'orders', arn: 'arn:aws:sqs:us-east-1:123456789012:orders' },
        { kind: 'function', name: 'orders', arn: 'arn:aws:lambda:us-east-1:123456789012:function:orders' },
      ],
    });
  });
});
