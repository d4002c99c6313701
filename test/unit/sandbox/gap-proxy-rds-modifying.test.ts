// The gap proxy's rdsModifying rule (review 20d R20-61, decision 343): a ModifyDBInstance that reached the emulator
// leaves its instance `modifying`, and RDS's refusal of the next modification of it (InvalidDBInstanceState, 400, in the
// query protocol's error shape) is answered by the proxy, as a real RDSClient reads it; moto models no such state.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { startGapProxy, type GapProxy } from '../../../sandbox/gap-proxy';
import { getProxyFaults } from '../../../sandbox/proxy-control';

/** The instance identifier of every ModifyDBInstance that reached the stand-in for the emulator, in order. */
const reached: string[] = [];
const upstream: Server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  req.on('end', () => {
    const id = new URLSearchParams(body).get('DBInstanceIdentifier') ?? '';
    reached.push(id);
    res
      .writeHead(200, { 'content-type': 'text/xml' })
      .end(
        `<ModifyDBInstanceResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><ModifyDBInstanceResult><DBInstance>` +
          `<DBInstanceIdentifier>${id}</DBInstanceIdentifier><DBInstanceClass>db.r6g.xlarge</DBInstanceClass><DBInstanceStatus>available</DBInstanceStatus>` +
          `</DBInstance></ModifyDBInstanceResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></ModifyDBInstanceResponse>`,
      );
  });
});
let proxy: GapProxy;

beforeAll(async () => {
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  proxy = await startGapProxy({ upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
});
beforeEach(() => {
  reached.length = 0;
  proxy.setFaults([]);
});
afterAll(async () => {
  await proxy.stop();
  await new Promise((resolve) => upstream.close(resolve));
});

function rds(maxAttempts: number): RDSClient {
  return new RDSClient({ endpoint: proxy.endpoint, region: 'us-east-1', maxAttempts, credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'sandbox' } });
}

const modify = (client: RDSClient, id: string) => client.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DBInstanceClass: 'db.r6g.xlarge', ApplyImmediately: true }));

/** What the SDK made of the proxy's refusal: the exception's name, fault, status, message and the attempts it took. */
async function refusedWith(call: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e as { name: string; $fault: string; message: string; $metadata: { httpStatusCode?: number; attempts?: number } },
  );
  if (!error) throw new Error('the modification was not refused');
  return { name: error.name, fault: error.$fault, status: error.$metadata.httpStatusCode, message: error.message, attempts: error.$metadata.attempts };
}

describe('gap proxy rdsModifying', () => {
  it('lets the first modification through, then refuses further modifications of that instance as RDS does, until the rule goes', async () => {
    proxy.setFaults([{ service: 'rds', operation: 'ModifyDBInstance', times: 1, rdsModifying: true }]);
    const client = rds(1);
    await expect(modify(client, 'db-1')).resolves.toMatchObject({ DBInstance: { DBInstanceIdentifier: 'db-1' } });
    const refusal = { name: 'InvalidDBInstanceStateFault', fault: 'client', status: 400, message: 'Database instance is not in available state.', attempts: 1 };
    expect(await refusedWith(modify(client, 'db-1'))).toEqual(refusal);
    // RDS identifiers are case-insensitive: the same instance.
    expect(await refusedWith(modify(client, 'DB-1'))).toEqual(refusal);
    // Another instance is not modifying.
    await expect(modify(client, 'db-2')).resolves.toBeDefined();
    expect(reached).toEqual(['db-1', 'db-2']);
    expect((await getProxyFaults(proxy.endpoint)).map((f) => ({ fired: f.times - f.remaining, refused: f.refused }))).toEqual([{ fired: 1, refused: 2 }]);
    // The rules replaced: the instance is available again, its next modification reaches the emulator.
    proxy.setFaults([]);
    await expect(modify(client, 'db-1')).resolves.toBeDefined();
    expect(reached).toEqual(['db-1', 'db-2', 'db-1']);
  });

  it("with answerLost: the change reaches the emulator, its answer is cut, and the SDK's retry of the same call is refused", async () => {
    proxy.setFaults([{ service: 'rds', operation: 'ModifyDBInstance', times: 1, answerLost: true, rdsModifying: true }]);
    expect(await refusedWith(modify(rds(3), 'db-1'))).toEqual({
      name: 'InvalidDBInstanceStateFault',
      fault: 'client',
      status: 400,
      message: 'Database instance is not in available state.',
      attempts: 2,
    });
    expect(reached).toEqual(['db-1']);
    expect((await getProxyFaults(proxy.endpoint)).map((f) => ({ fired: f.times - f.remaining, refused: f.refused }))).toEqual([{ fired: 1, refused: 1 }]);
  });

  it('takes rdsModifying only on a ModifyDBInstance rule whose calls reach the emulator', () => {
    expect(() => proxy.setFaults([{ service: 'rds', operation: 'DescribeDBInstances', times: 1, rdsModifying: true }])).toThrow(/rdsModifying is a rule on service rds, operation ModifyDBInstance/);
    expect(() => proxy.setFaults([{ service: 'rds', operation: 'ModifyDBInstance', times: 1, rdsModifying: true, status: 400, code: 'X' }])).toThrow(/whose calls reach moto/);
  });
});
