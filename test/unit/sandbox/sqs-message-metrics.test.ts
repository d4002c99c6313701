// The gap proxy's NumberOfMessagesDeleted and NumberOfMessagesSent (sandbox/sqs-message-metrics.ts; decisions 280, 297):
// which answered SQS calls deleted or added how many messages of which queue, on the wire shapes the SDK v3 (AWS JSON
// 1.0) and a query-protocol client send.
import { messagesDeleted, messagesSent, type SqsCall } from '../../../sandbox/sqs-message-metrics';

const URL = 'http://127.0.0.1:4566/123456789012/notification-service-queue';
const json = (operation: string, request: unknown, status: number, response: unknown): SqsCall => ({
  operation,
  protocol: 'json',
  path: '/',
  requestBody: JSON.stringify(request),
  status,
  responseBody: JSON.stringify(response),
});

describe('messagesDeleted', () => {
  it.each<[string, SqsCall, { queueName: string; count: number } | undefined]>([
    ['a DeleteMessage SQS answered', json('DeleteMessage', { QueueUrl: URL, ReceiptHandle: 'r1' }, 200, {}), { queueName: 'notification-service-queue', count: 1 }],
    [
      "a DeleteMessageBatch: its Successful entries, not its Failed",
      json('DeleteMessageBatch', { QueueUrl: URL, Entries: [{ Id: '0' }, { Id: '1' }, { Id: '2' }] }, 200, { Successful: [{ Id: '0' }, { Id: '2' }], Failed: [{ Id: '1', Code: 'ReceiptHandleIsInvalid', SenderFault: true }] }),
      { queueName: 'notification-service-queue', count: 2 },
    ],
    ['a batch whose every entry failed', json('DeleteMessageBatch', { QueueUrl: URL, Entries: [{ Id: '0' }] }, 200, { Successful: [], Failed: [{ Id: '0' }] }), undefined],
    ['a DeleteMessage refused (an invalid receipt handle)', json('DeleteMessage', { QueueUrl: URL, ReceiptHandle: 'bad' }, 400, { __type: 'com.amazonaws.sqs#ReceiptHandleIsInvalid' }), undefined],
    ['a ReceiveMessage (not a delete)', json('ReceiveMessage', { QueueUrl: URL }, 200, { Messages: [{ MessageId: 'm' }] }), undefined],
    ['a delete with no queue URL', json('DeleteMessage', { ReceiptHandle: 'r1' }, 200, {}), undefined],
    [
      'a query-protocol DeleteMessageBatch posted to the queue URL',
      {
        operation: 'DeleteMessageBatch',
        protocol: 'query',
        path: '/123456789012/orders.fifo',
        requestBody: 'Action=DeleteMessageBatch&DeleteMessageBatchRequestEntry.1.Id=a',
        status: 200,
        responseBody: '<DeleteMessageBatchResponse><DeleteMessageBatchResult><DeleteMessageBatchResultEntry><Id>a</Id></DeleteMessageBatchResultEntry></DeleteMessageBatchResult></DeleteMessageBatchResponse>',
      },
      { queueName: 'orders.fifo', count: 1 },
    ],
    [
      'a query-protocol DeleteMessage naming its QueueUrl',
      { operation: 'DeleteMessage', protocol: 'query', path: '/', requestBody: `Action=DeleteMessage&QueueUrl=${encodeURIComponent(URL)}&ReceiptHandle=r`, status: 200, responseBody: '<DeleteMessageResponse/>' },
      { queueName: 'notification-service-queue', count: 1 },
    ],
  ])('%s', (_case, call, expected) => {
    expect(messagesDeleted(call)).toEqual(expected);
  });
});

describe('messagesSent', () => {
  it.each<[string, SqsCall, { queueName: string; count: number } | undefined]>([
    ['a SendMessage SQS answered', json('SendMessage', { QueueUrl: URL, MessageBody: '{}' }, 200, { MessageId: 'm1', MD5OfMessageBody: 'x' }), { queueName: 'notification-service-queue', count: 1 }],
    [
      'a SendMessageBatch: its Successful entries, not its Failed',
      json('SendMessageBatch', { QueueUrl: URL, Entries: [{ Id: '0' }, { Id: '1' }, { Id: '2' }] }, 200, { Successful: [{ Id: '0' }, { Id: '1' }], Failed: [{ Id: '2', Code: 'InvalidMessageContents', SenderFault: true }] }),
      { queueName: 'notification-service-queue', count: 2 },
    ],
    ['a batch whose every entry failed', json('SendMessageBatch', { QueueUrl: URL, Entries: [{ Id: '0' }] }, 200, { Successful: [], Failed: [{ Id: '0' }] }), undefined],
    ['a SendMessage refused (no such queue)', json('SendMessage', { QueueUrl: URL, MessageBody: '{}' }, 400, { __type: 'com.amazonaws.sqs#QueueDoesNotExist' }), undefined],
    ['a DeleteMessage (not a send)', json('DeleteMessage', { QueueUrl: URL, ReceiptHandle: 'r1' }, 200, {}), undefined],
    [
      'a query-protocol SendMessageBatch posted to the queue URL',
      {
        operation: 'SendMessageBatch',
        protocol: 'query',
        path: '/123456789012/notification-runbooks-failed-invocations',
        requestBody: 'Action=SendMessageBatch&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.2.Id=b',
        status: 200,
        responseBody: '<SendMessageBatchResponse><SendMessageBatchResult><SendMessageBatchResultEntry><Id>a</Id></SendMessageBatchResultEntry><SendMessageBatchResultEntry><Id>b</Id></SendMessageBatchResultEntry></SendMessageBatchResult></SendMessageBatchResponse>',
      },
      { queueName: 'notification-runbooks-failed-invocations', count: 2 },
    ],
  ])('%s', (_case, call, expected) => {
    expect(messagesSent(call)).toEqual(expected);
  });
});
