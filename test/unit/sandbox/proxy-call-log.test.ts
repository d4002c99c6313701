// The gap proxy's call log read in part (decision 379): a mark is the count only (getProxyCallCount) and the calls of
// an act are those from the mark on (getProxyCalls(endpoint, since)), so a test never fetches the whole shared log.
// The index must be exact: one off and an act's first call is lost, or the call before the mark is counted as the act's.
import { request } from 'node:http';
import { MOTO_ACCOUNT_HEADER } from '../../../sandbox/gap-proxy';
import { clearProxyCalls, getProxyCallCount, getProxyCalls } from '../../../sandbox/proxy-control';
import { jsonProtocolPost, useUpstreamBehindGapProxy } from '../../support/upstream-behind-gap-proxy';

const ACCOUNT = '111111111111';

/** One DynamoDB JSON-protocol call; resolves once answered. */
function call(endpoint: string, operation: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      jsonProtocolPost(endpoint, { service: 'dynamodb', target: `DynamoDB_20120810.${operation}`, headers: { [MOTO_ACCOUNT_HEADER]: ACCOUNT } }),
      (res) => {
        res.resume();
        res.once('end', () => resolve());
      },
    );
    req.once('error', reject);
    req.end('{}');
  });
}

describe('gap proxy call log: count and calls since a mark', () => {
  const behind = useUpstreamBehindGapProxy();

  beforeEach(async () => {
    await clearProxyCalls(behind.proxy.endpoint);
  });

  it('counts the calls recorded, without their list', async () => {
    expect(await getProxyCallCount(behind.proxy.endpoint)).toBe(0);
    for (const operation of ['GetItem', 'PutItem', 'Query']) await call(behind.proxy.endpoint, operation);
    expect(await getProxyCallCount(behind.proxy.endpoint)).toBe(3);
    expect((await getProxyCalls(behind.proxy.endpoint)).map((c) => c.operation)).toEqual(['GetItem', 'PutItem', 'Query']);
  });

  it('answers from a mark exactly the calls made after it, the first of them included and none before', async () => {
    await call(behind.proxy.endpoint, 'GetItem');
    await call(behind.proxy.endpoint, 'DescribeTable');
    const mark = await getProxyCallCount(behind.proxy.endpoint);
    expect(mark).toBe(2);
    await call(behind.proxy.endpoint, 'PutItem');
    await call(behind.proxy.endpoint, 'UpdateItem');
    await call(behind.proxy.endpoint, 'Query');
    expect(await getProxyCalls(behind.proxy.endpoint, mark)).toEqual([
      { service: 'dynamodb', operation: 'PutItem', accountId: ACCOUNT },
      { service: 'dynamodb', operation: 'UpdateItem', accountId: ACCOUNT },
      { service: 'dynamodb', operation: 'Query', accountId: ACCOUNT },
    ]);
    // A mark taken now, or past the end, has no calls after it; a mark of 0 is the whole log.
    expect(await getProxyCalls(behind.proxy.endpoint, await getProxyCallCount(behind.proxy.endpoint))).toEqual([]);
    expect(await getProxyCalls(behind.proxy.endpoint, 99)).toEqual([]);
    expect((await getProxyCalls(behind.proxy.endpoint, 0)).map((c) => c.operation)).toEqual(['GetItem', 'DescribeTable', 'PutItem', 'UpdateItem', 'Query']);
  });
});
