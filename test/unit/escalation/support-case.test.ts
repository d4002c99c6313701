// The Support client's retries (review 19 R19-10): the SDK repeats a call AWS refused for throttling, never one whose
// outcome is unknown (CreateCase has no idempotency token: a repeat after a lost answer would open a second case).
import { Readable } from 'node:stream';
import { CreateCaseCommand, SupportClient } from '@aws-sdk/client-support';
import { HttpResponse, type HttpRequest } from '@smithy/core/protocols';
import { clientConfig } from '../../../shared/aws/client-config';
import { supportRetryStrategy } from '../../../shared/escalation/support-case';

type Answer = { status: number; body: Record<string, unknown> } | { reset: true };

/** A Support endpoint answering each request with the next answer, counting the requests it was sent. */
function endpoint(answers: Answer[]): { handle: (request: HttpRequest) => Promise<{ response: HttpResponse }>; requests: string[] } {
  const requests: string[] = [];
  return {
    requests,
    handle: async (request) => {
      requests.push(String(request.headers['x-amz-target']));
      const answer = answers.shift();
      if (!answer) throw new Error('no answer left');
      // The connection reset after the request was sent: whether Support opened the case is not known.
      if ('reset' in answer) throw Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });
      return {
        response: new HttpResponse({
          statusCode: answer.status,
          headers: { 'content-type': 'application/x-amz-json-1.1', ...(answer.status >= 400 ? { 'x-amzn-errortype': String(answer.body.__type) } : {}) },
          body: Readable.from([Buffer.from(JSON.stringify(answer.body))]),
        }),
      };
    },
  };
}

function client(answers: Answer[]): { send: (command: CreateCaseCommand) => Promise<unknown>; requests: string[] } {
  const fake = endpoint(answers);
  // supportClient's settings and retry strategy, with the fake endpoint as its request handler.
  const config = clientConfig({ region: 'us-east-1' });
  const support = new SupportClient({
    ...config,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: { handle: fake.handle },
    retryStrategy: supportRetryStrategy(config.maxAttempts),
  });
  return { send: (command) => support.send(command), requests: fake.requests };
}

const createCase = (): CreateCaseCommand => new CreateCaseCommand({ subject: '[inc-3f2a9c1b7d44 L3] x', communicationBody: 'body', severityCode: 'urgent' });

describe('supportClient retries', () => {
  it('repeats a CreateCase refused for throttling (nothing was opened), and answers the case of the attempt that went through', async () => {
    const support = client([
      { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } },
      { status: 200, body: { caseId: 'case-1' } },
    ]);
    await expect(support.send(createCase())).resolves.toMatchObject({ caseId: 'case-1' });
    expect(support.requests).toEqual(['AWSSupport_20130415.CreateCase', 'AWSSupport_20130415.CreateCase']);
  });

  it.each([
    ['a 503 (Support may have opened the case before it failed)', 503, 'ServiceUnavailable'],
    ['a 500', 500, 'InternalServerError'],
  ])('does not repeat a CreateCase answered with %s: the error goes to the delivery, whose retry looks first', async (_what, status, code) => {
    const support = client([
      { status, body: { __type: code, message: 'failed' } },
      { status: 200, body: { caseId: 'case-second' } },
    ]);
    await expect(support.send(createCase())).rejects.toMatchObject({ name: code });
    expect(support.requests).toEqual(['AWSSupport_20130415.CreateCase']);
  });

  it('does not repeat a CreateCase whose connection was reset after it was sent', async () => {
    const support = client([{ reset: true }, { status: 200, body: { caseId: 'case-second' } }]);
    await expect(support.send(createCase())).rejects.toMatchObject({ message: expect.stringContaining('socket hang up') });
    expect(support.requests).toEqual(['AWSSupport_20130415.CreateCase']);
  });
});
