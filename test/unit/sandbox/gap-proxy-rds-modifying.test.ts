// The gap proxy's rdsModifying rule (review 20d R20-61, decision 343): a ModifyDBInstance that reached the emulator
// leaves its instance `modifying`, and RDS's refusal of the next modification of it (InvalidDBInstanceState, 400, in the
// query protocol's error shape) is answered by the proxy, as a real RDSClient reads it; moto models no such state.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { startGapProxy, type GapProxy } from '../../../sandbox/gap-proxy';
import { getProxyFaults, releaseProxyHolds } from '../../../sandbox/proxy-control';

/** The instance identifier of every ModifyDBInstance that reached the stand-in for the emulator, in order. */
const reached: string[] = [];
/** The stand-in's instances' classes (moto makes a class change at once): db.r6g.large until modified. */
const classes = new Map<string, string>();
const instanceXml = (id: string): string =>
  `<DBInstance><DBInstanceIdentifier>${id}</DBInstanceIdentifier><DBInstanceClass>${classes.get(id) ?? 'db.r6g.large'}</DBInstanceClass>` +
  `<DBInstanceStatus>available</DBInstanceStatus></DBInstance>`;
const upstream: Server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  req.on('end', () => {
    const form = new URLSearchParams(body);
    const id = form.get('DBInstanceIdentifier') ?? '';
    const action = form.get('Action') ?? '';
    if (action === 'ModifyDBInstance') {
      reached.push(id);
      classes.set(id, form.get('DBInstanceClass') ?? 'db.r6g.xlarge');
    }
    const result = action === 'DescribeDBInstances' ? `<DBInstances>${instanceXml(id)}</DBInstances>` : instanceXml(id);
    res
      .writeHead(200, { 'content-type': 'text/xml' })
      .end(
        `<${action}Response xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><${action}Result>${result}</${action}Result>` +
          `<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></${action}Response>`,
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
  classes.clear();
  proxy.setFaults([]);
});
afterAll(async () => {
  await proxy.stop();
  await new Promise((resolve) => upstream.close(resolve));
});

function rds(maxAttempts: number): RDSClient {
  return new RDSClient({ endpoint: proxy.endpoint, region: 'us-east-1', maxAttempts, credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'sandbox' } });
}

const modify = (client: RDSClient, id: string, toClass = 'db.r6g.xlarge') =>
  client.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DBInstanceClass: toClass, ApplyImmediately: true }));

/** The instance as the SDK reads it through the proxy: its class, status and pending class. */
async function described(client: RDSClient, id: string): Promise<Record<string, unknown>> {
  const instance = (await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
  return { instanceClass: instance?.DBInstanceClass, status: instance?.DBInstanceStatus, pending: instance?.PendingModifiedValues?.DBInstanceClass };
}

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

  // Session 22 (decisions 343/358's pending branch on the emulator): the change shown as RDS shows one it is still making.
  it('with rdsPending: the change reaches the emulator, and RDS answers naming the instance show it modifying with the class asked for pending', async () => {
    proxy.setFaults([{ service: 'rds', operation: 'ModifyDBInstance', times: 1, rdsModifying: true, rdsPending: true }]);
    const client = rds(1);
    const answer = await modify(client, 'db-1');
    expect(answer.DBInstance).toMatchObject({ DBInstanceClass: 'db.r6g.large', DBInstanceStatus: 'modifying', PendingModifiedValues: { DBInstanceClass: 'db.r6g.xlarge' } });
    expect(await described(client, 'DB-1')).toEqual({ instanceClass: 'db.r6g.large', status: 'modifying', pending: 'db.r6g.xlarge' });
    // Another instance is shown as the emulator has it.
    expect(await described(client, 'db-2')).toEqual({ instanceClass: 'db.r6g.large', status: 'available', pending: undefined });
    expect(reached).toEqual(['db-1']);
    expect((await getProxyFaults(proxy.endpoint)).map((f) => ({ fired: f.times - f.remaining, refused: f.refused, pendingShown: f.pendingShown }))).toEqual([
      { fired: 1, refused: 0, pendingShown: 1 },
    ]);
    // The rule removed: the change done, as the emulator made it.
    proxy.setFaults([]);
    expect(await described(client, 'db-1')).toEqual({ instanceClass: 'db.r6g.xlarge', status: 'available', pending: undefined });
  });

  it('refuses a held modification let go after another call left the instance modifying', async () => {
    proxy.setFaults([
      { service: 'rds', operation: 'ModifyDBInstance', times: 1, hold: true },
      { service: 'rds', operation: 'ModifyDBInstance', times: 1, rdsModifying: true, rdsPending: true },
    ]);
    const held = refusedWith(modify(rds(1), 'db-1'));
    for (let polls = 0; polls < 1000 && (await getProxyFaults(proxy.endpoint))[0]?.held !== 1; polls += 1) await new Promise((resolve) => setTimeout(resolve, 5));
    // Someone else's change to another class reaches the emulator while the first call is held.
    await expect(modify(rds(1), 'db-1', 'db.m6g.large')).resolves.toBeDefined();
    expect(await releaseProxyHolds(proxy.endpoint)).toBe(1);
    expect(await held).toMatchObject({ name: 'InvalidDBInstanceStateFault', status: 400 });
    expect(reached).toEqual(['db-1']);
    expect(classes.get('db-1')).toBe('db.m6g.large');
    expect(await described(rds(1), 'db-1')).toEqual({ instanceClass: 'db.r6g.large', status: 'modifying', pending: 'db.m6g.large' });
  });

  it('takes rdsModifying only on a ModifyDBInstance rule whose calls reach the emulator', () => {
    expect(() => proxy.setFaults([{ service: 'rds', operation: 'ModifyDBInstance', times: 1, answerLost: true, rdsPending: true }])).toThrow(/rdsPending shows the change of an rdsModifying rule/);
    expect(() => proxy.setFaults([{ service: 'rds', operation: 'DescribeDBInstances', times: 1, rdsModifying: true }])).toThrow(/rdsModifying is a rule on service rds, operation ModifyDBInstance/);
    expect(() => proxy.setFaults([{ service: 'rds', operation: 'ModifyDBInstance', times: 1, rdsModifying: true, status: 400, code: 'X' }])).toThrow(/whose calls reach moto/);
  });
});
