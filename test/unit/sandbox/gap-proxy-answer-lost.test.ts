// The gap proxy's answerLost fault (review 19 R19-10): the call reaches the emulator and its change is made, then its
// answer is replaced by the rule's failure, or the connection cut; a plain failure rule never reaches the emulator.
import { request } from 'node:http';
import { jsonProtocolPost, useUpstreamBehindGapProxy } from '../../support/upstream-behind-gap-proxy';

/** One Support call through the proxy: its status, or the socket error that cut it. */
function call(endpoint: string, operation: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(
      jsonProtocolPost(endpoint, { service: 'support', target: `AWSSupport_20130415.${operation}`, contentType: 'application/x-amz-json-1.1', accessKeyId: 'AKIA111122223333MOTO' }),
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end('{"subject":"[inc-3f2a9c1b7d44 L3] x"}');
  });
}

describe('gap proxy answerLost', () => {
  const behind = useUpstreamBehindGapProxy('{"caseId":"case-1"}');
  const reached = behind.reached;

  it('makes the change, then answers the rule\'s failure in place of the emulator\'s answer, as often as the rule says', async () => {
    behind.proxy.setFaults([{ service: 'support', operation: 'CreateCase', times: 1, answerLost: true, status: 503, code: 'ServiceUnavailable' }]);
    expect(await call(behind.proxy.endpoint, 'CreateCase')).toBe(503);
    expect(await call(behind.proxy.endpoint, 'CreateCase')).toBe(200);
    expect(reached).toEqual(['AWSSupport_20130415.CreateCase', 'AWSSupport_20130415.CreateCase']);
  });

  it('makes the change and cuts the connection when the rule gives no status', async () => {
    behind.proxy.setFaults([{ service: 'support', operation: 'CreateCase', times: 1, answerLost: true }]);
    expect(await call(behind.proxy.endpoint, 'CreateCase')).toBe('ECONNRESET');
    expect(reached).toEqual(['AWSSupport_20130415.CreateCase']);
  });

  it('a failure rule without answerLost never reaches the emulator', async () => {
    behind.proxy.setFaults([{ service: 'support', operation: 'CreateCase', times: 1, status: 503, code: 'ServiceUnavailable' }]);
    expect(await call(behind.proxy.endpoint, 'CreateCase')).toBe(503);
    expect(reached).toEqual([]);
  });
});
