// The gap proxy's hold rules (a fault rule's `hold`): a matching call is kept from the emulator until the test lets it go,
// so a test can act between a handler's calls without a race on time (review 20a R20-4). Nothing is held for ever: a
// release, or the rules replaced or removed, lets the calls go.
import { request } from 'node:http';
import { MOTO_ACCOUNT_HEADER } from '../../../sandbox/gap-proxy';
import { clearProxyFaults, getProxyFaults, releaseProxyHolds, setProxyFaults } from '../../../sandbox/proxy-control';
import { jsonProtocolPost, useUpstreamBehindGapProxy } from '../../support/upstream-behind-gap-proxy';

const ACCOUNT = '111111111111';
const OTHER = '222222222222';

/** One DynamoDB JSON-protocol call in `account`: its status once answered. */
function call(endpoint: string, operation: string, account: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      jsonProtocolPost(endpoint, { service: 'dynamodb', target: `DynamoDB_20120810.${operation}`, headers: { [MOTO_ACCOUNT_HEADER]: account } }),
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end('{}');
  });
}

describe('gap proxy hold rules', () => {
  const behind = useUpstreamBehindGapProxy();
  /** The operations that reached the emulator in this case, in order. */
  const reached = (): string[] => behind.reached.map((target) => target.split('.')[1] ?? '');

  /** Waits (polling the control channel, no fixed sleep) until the proxy holds `count` calls of the rules in force. */
  async function untilHeld(count: number): Promise<void> {
    for (let polls = 0; polls < 2_000; polls += 1) {
      const held = (await getProxyFaults(behind.proxy.endpoint)).reduce((sum, f) => sum + f.held, 0);
      if (held === count) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`the proxy never held ${count} call(s)`);
  }

  it('keeps a matching call from the emulator until released, while other calls pass; then passes it through', async () => {
    await setProxyFaults(behind.proxy.endpoint, [{ service: 'dynamodb', operation: 'TransactWriteItems', times: 1, hold: true }], { accountId: ACCOUNT });
    const held = call(behind.proxy.endpoint, 'TransactWriteItems', ACCOUNT);
    await untilHeld(1);
    // Meanwhile the test acts: its own calls (another operation, and the same one once the rule is spent) go through.
    expect(await call(behind.proxy.endpoint, 'UpdateItem', ACCOUNT)).toBe(200);
    expect(await call(behind.proxy.endpoint, 'TransactWriteItems', ACCOUNT)).toBe(200);
    expect(reached()).toEqual(['UpdateItem', 'TransactWriteItems']);
    expect(await getProxyFaults(behind.proxy.endpoint, { accountId: ACCOUNT })).toEqual([expect.objectContaining({ operation: 'TransactWriteItems', remaining: 0, held: 1 })]);

    expect(await releaseProxyHolds(behind.proxy.endpoint, { accountId: ACCOUNT })).toBe(1);
    expect(await held).toBe(200);
    expect(reached()).toEqual(['UpdateItem', 'TransactWriteItems', 'TransactWriteItems']);
    expect((await getProxyFaults(behind.proxy.endpoint, { accountId: ACCOUNT })).map((f) => f.held)).toEqual([0]);
    await clearProxyFaults(behind.proxy.endpoint, { accountId: ACCOUNT });
  });

  it("releases one account's held calls only, and fails a held call after its release when the rule names a status", async () => {
    await setProxyFaults(behind.proxy.endpoint, [{ service: 'dynamodb', times: 1, hold: true, status: 500, code: 'InternalServerError' }], { accountId: ACCOUNT });
    await setProxyFaults(behind.proxy.endpoint, [{ service: 'dynamodb', times: 1, hold: true }], { accountId: OTHER });
    const mine = call(behind.proxy.endpoint, 'GetItem', ACCOUNT);
    const theirs = call(behind.proxy.endpoint, 'GetItem', OTHER);
    await untilHeld(2);
    expect(await releaseProxyHolds(behind.proxy.endpoint, { accountId: ACCOUNT })).toBe(1);
    expect(await mine).toBe(500);
    expect(reached()).toEqual([]);
    expect((await getProxyFaults(behind.proxy.endpoint, { accountId: OTHER })).map((f) => f.held)).toEqual([1]);
    // Removing the other account's rules lets its call go: a test that fails before its release leaves nothing held.
    await clearProxyFaults(behind.proxy.endpoint, { accountId: OTHER });
    expect(await theirs).toBe(200);
    expect(reached()).toEqual(['GetItem']);
    await clearProxyFaults(behind.proxy.endpoint, { accountId: ACCOUNT });
  });

  it('lets every held call go when all rules are replaced', async () => {
    behind.proxy.setFaults([{ service: 'dynamodb', times: 2, hold: true }]);
    const both = Promise.all([call(behind.proxy.endpoint, 'Query', ACCOUNT), call(behind.proxy.endpoint, 'Query', OTHER)]);
    await untilHeld(2);
    behind.proxy.setFaults([]);
    expect(await both).toEqual([200, 200]);
    expect(reached()).toEqual(['Query', 'Query']);
    expect(behind.proxy.releaseHeld()).toBe(0);
  });
});
