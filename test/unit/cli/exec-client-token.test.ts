// `runbook exec` starts one execution per command even when the SDK repeats the start (review 20d R20-62, decision 338):
// StartAutomationExecution's ClientToken is not an idempotency token in the SSM model, so the SDK fills none in; the
// command sends its own, and a retry of a start whose answer was lost carries the same token, which SSM deduplicates.
// A real SSMClient with the project's client settings, its requests answered by a fake endpoint.
import { Readable } from 'node:stream';
import { SSMClient } from '@aws-sdk/client-ssm';
import { HttpResponse, type HttpRequest } from '@smithy/core/protocols';
import { clientConfig } from '../../../shared/aws/client-config';
import { execCommand } from '../../../cli/exec';
import { ManualClock } from '../../support/manual-clock';

type Sent = { target: string; body: Record<string, unknown> };

function ssm(): { client: SSMClient; sent: Sent[] } {
  const sent: Sent[] = [];
  let starts = 0;
  const answer = (status: number, body: Record<string, unknown>, type?: string): { response: HttpResponse } => ({
    response: new HttpResponse({
      statusCode: status,
      headers: { 'content-type': 'application/x-amz-json-1.1', ...(type ? { 'x-amzn-errortype': type } : {}) },
      body: Readable.from([Buffer.from(JSON.stringify(body))]),
    }),
  });
  const handle = async (request: HttpRequest): Promise<{ response: HttpResponse }> => {
    const target = String(request.headers['x-amz-target']);
    sent.push({ target, body: JSON.parse(typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array)) as Record<string, unknown> });
    if (target === 'AmazonSSM.StartAutomationExecution') {
      starts += 1;
      // The first start reaches SSM, and its connection resets before the answer: whether it started is not known.
      if (starts === 1) throw Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });
      return answer(200, { AutomationExecutionId: 'exec-1' });
    }
    // Following the execution is not this test's subject: refused at once, so the command stops following.
    return answer(400, { __type: 'AccessDeniedException', message: 'denied' }, 'AccessDeniedException');
  };
  const client = new SSMClient({ ...clientConfig({ region: 'us-east-1' }), credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, requestHandler: { handle } });
  return { client, sent };
}

describe('runbook exec: the start carries a ClientToken of its own', () => {
  beforeEach(() => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it("sends the same token on the SDK's retry of a start whose answer was lost, and a new one on the next command", async () => {
    const first = ssm();
    await execCommand('NotificationService-ScaleConsumers', {}, { ssm: first.client, clock: new ManualClock(0) });
    const starts = first.sent.filter((s) => s.target === 'AmazonSSM.StartAutomationExecution');
    // The reset fired once: the SDK sent the start twice, with one token.
    expect(starts).toHaveLength(2);
    const token = starts[0]?.body.ClientToken;
    expect(token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(starts.map((s) => s.body.ClientToken)).toEqual([token, token]);

    const second = ssm();
    await execCommand('NotificationService-ScaleConsumers', {}, { ssm: second.client, clock: new ManualClock(0) });
    const again = second.sent.find((s) => s.target === 'AmazonSSM.StartAutomationExecution')?.body.ClientToken;
    expect(again).toEqual(expect.any(String));
    expect(again).not.toBe(token);
  });
});
