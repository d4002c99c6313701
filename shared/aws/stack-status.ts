// The stack's own status, read from CloudFormation (DescribeStacks) by the document-version cleanup when it has a failure
// to answer: during UPDATE_ROLLBACK_IN_PROGRESS an Update is the rollback's, and a FAILED answer to it stops the stack in
// UPDATE_ROLLBACK_FAILED (review 15, R15-9; decision 262). The project has no CloudFormation SDK client: this is the
// Query API's DescribeStacks (CloudFormation API Reference), signed with Signature Version 4 by the SDK's own signer.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';

/** SHA-256 (and HMAC-SHA-256 when given a secret) for the signer, from node:crypto. */
export class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key = typeof this.secret === 'string' ? this.secret : this.secret instanceof ArrayBuffer ? Buffer.from(this.secret) : Buffer.from(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength);
    return createHmac('sha256', key);
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : data instanceof ArrayBuffer ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.fresh();
  }
}

export interface StackStatusOptions {
  region: string;
  /** https://cloudformation.<region>.amazonaws.com[.cn] unless given (the sandbox's emulator). */
  endpoint?: string;
  credentials?: ConstructorParameters<typeof SignatureV4>[0]['credentials'];
  fetch?: typeof fetch;
}

/** An error CloudFormation answered (`<Code>`, `<Message>` of its ErrorResponse), with the HTTP status. */
export class CloudFormationQueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly $metadata: { httpStatusCode: number },
  ) {
    super(message);
    this.name = code;
  }
}

const tag = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

/** One signed Query API call to CloudFormation; answers the response's XML. */
export async function cloudFormationQuery(action: string, params: Readonly<Record<string, string>>, options: StackStatusOptions): Promise<string> {
  const url = new URL(options.endpoint ?? `https://cloudformation.${options.region}.amazonaws.com${options.region.startsWith('cn-') ? '.cn' : ''}/`);
  const body = new URLSearchParams({ Action: action, Version: '2010-05-15', ...params }).toString();
  const signer = new SignatureV4({ credentials: options.credentials ?? fromNodeProviderChain(), region: options.region, service: 'cloudformation', sha256: NodeSha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port !== '' ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  const response = await (options.fetch ?? fetch)(url, { method: 'POST', headers: signed.headers, body });
  const xml = await response.text();
  if (!response.ok) throw new CloudFormationQueryError(tag(xml, 'Code') ?? 'CloudFormationError', tag(xml, 'Message') ?? xml.slice(0, 300), { httpStatusCode: response.status });
  return xml;
}

/** The stack's StackStatus (DescribeStacks with its id): e.g. UPDATE_IN_PROGRESS, UPDATE_ROLLBACK_IN_PROGRESS. */
export async function readStackStatus(stackId: string, options: StackStatusOptions): Promise<string> {
  const xml = await cloudFormationQuery('DescribeStacks', { StackName: stackId }, options);
  const status = tag(xml, 'StackStatus');
  if (status === undefined || !/^[A-Z_]+$/.test(status)) throw new Error(`DescribeStacks of ${stackId} answered no StackStatus`);
  return status;
}
