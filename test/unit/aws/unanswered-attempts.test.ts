// The record of a call's attempts that ended with no answer (review 21b R21b-3): a real RDSClient (its retry middleware,
// request timeout and deserializer) against a scripted loopback server.
import { ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { clientConfig } from '../../../shared/aws/client-config';
import { endedWithoutAnswer, recordUnansweredAttempts, unansweredAttemptsBefore } from '../../../shared/aws/unanswered-attempts';
import { ScriptedRdsServer, type ModifyStep } from '../../support/scripted-rds-server';

const server = new ScriptedRdsServer();
let endpoint = '';
beforeAll(async () => void (endpoint = await server.start()));
afterAll(() => server.stop());

const client = (record: boolean): RDSClient => {
  const rds = new RDSClient({ ...clientConfig({ region: 'us-east-1', requestTimeoutMs: 400 }), endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' } });
  if (record) recordUnansweredAttempts(rds.middlewareStack);
  return rds;
};

async function refusalAfter(script: ModifyStep[], record = true): Promise<{ attempts: number | undefined; unanswered: number | undefined; name: string }> {
  server.arrange(script, { id: 'db', instanceClass: 'db.r6g.large', status: 'modifying' });
  const error = await client(record)
    .send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'db', DBInstanceClass: 'db.r6g.xlarge', ApplyImmediately: true }))
    .then(() => undefined, (e: unknown) => e as { name: string; $metadata?: { attempts?: number } });
  if (!error) throw new Error('the call was not refused');
  expect(server.unused).toBe(0);
  return { attempts: error.$metadata?.attempts, unanswered: unansweredAttemptsBefore(error), name: error.name };
}

describe('unansweredAttemptsBefore: the earlier attempts of a refused call that had no answer', () => {
  it.each<[string, ModifyStep[], number]>([
    ['a throttled attempt (answered 400: nothing applied)', ['throttle', 'refuse'], 0],
    ['a 500 (answered: it failed)', ['server-error', 'refuse'], 0],
    ['a reset connection (no answer: it may have been applied)', ['reset', 'refuse'], 1],
    ['an attempt timed out (the request timeout: no answer)', ['silent', 'refuse'], 1],
    ['a throttle, then a reset', ['throttle', 'reset', 'refuse'], 1],
    ['two resets', ['reset', 'reset', 'refuse'], 2],
  ])('%s', async (_case, script, unanswered) => {
    expect(await refusalAfter(script)).toEqual({ attempts: script.length, unanswered, name: 'InvalidDBInstanceStateFault' });
  });

  it('is 0 for a refusal of the first attempt, and undefined for a client built without the record', async () => {
    expect(await refusalAfter(['refuse'])).toEqual({ attempts: 1, unanswered: 0, name: 'InvalidDBInstanceStateFault' });
    expect(await refusalAfter(['reset', 'refuse'], false)).toEqual({ attempts: 2, unanswered: undefined, name: 'InvalidDBInstanceStateFault' });
  });

  it('endedWithoutAnswer: no HTTP status, or a success status whose body was lost; an error status is an answer', () => {
    expect(endedWithoutAnswer(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(endedWithoutAnswer(Object.assign(new Error('body cut'), { $response: { statusCode: 200 } }))).toBe(true);
    expect(endedWithoutAnswer(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }))).toBe(false);
    expect(endedWithoutAnswer(Object.assign(new Error('internal'), { $response: { statusCode: 503 } }))).toBe(false);
  });
});
