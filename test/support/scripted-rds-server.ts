// A loopback HTTP server answering RDS's query protocol from a script, for a real RDSClient (its retry middleware, its
// timeouts, its deserializer) in unit tests: each ModifyDBInstance attempt meets the next step of the script; every
// DescribeDBInstances answers the instance given. Nothing leaves 127.0.0.1.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What one ModifyDBInstance attempt meets: no answer (the connection reset, or silence past the client's timeout), or an answer. */
export type ModifyStep = 'reset' | 'silent' | 'throttle' | 'server-error' | 'refuse' | 'ok';

export interface ScriptedInstance {
  id: string;
  instanceClass: string;
  status: string;
  pendingClass?: string;
  /** Every DescribeDBInstances is throttled (400 Throttling) instead of answered. */
  describeThrottled?: boolean;
}

const errorBody = (code: string, message: string): string =>
  `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`;

export class ScriptedRdsServer {
  /** The actions received, in order ("ModifyDBInstance", "DescribeDBInstances"). */
  readonly calls: string[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly held: ServerResponse[] = [];
  private script: ModifyStep[] = [];
  private instance: ScriptedInstance = { id: 'db', instanceClass: 'db.r6g.large', status: 'available' };

  constructor() {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => this.answer(/Action=(\w+)/.exec(body)?.[1] ?? '?', req.socket, res));
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next ModifyDBInstance attempts' fates, and the instance DescribeDBInstances reads. */
  arrange(script: ModifyStep[], instance: ScriptedInstance): void {
    this.script = [...script];
    this.instance = instance;
    this.calls.length = 0;
  }

  /** Steps of the script not yet met (0: every scripted attempt was made). */
  get unused(): number {
    return this.script.length;
  }

  private answer(action: string, socket: Socket, res: ServerResponse): void {
    this.calls.push(action);
    res.setHeader('content-type', 'text/xml');
    if (action === 'ModifyDBInstance') {
      const step = this.script.shift() ?? 'ok';
      if (step === 'reset') return void socket.destroy();
      if (step === 'silent') return void this.held.push(res);
      if (step === 'throttle') return this.end(res, 400, errorBody('Throttling', 'Rate exceeded'));
      if (step === 'server-error') return this.end(res, 500, errorBody('InternalFailure', 'An internal error occurred.'));
      if (step === 'refuse') return this.end(res, 400, errorBody('InvalidDBInstanceState', 'Database instance is not in available state.'));
      return this.end(res, 200, `<ModifyDBInstanceResponse><ModifyDBInstanceResult><DBInstance>${this.instanceXml()}</DBInstance></ModifyDBInstanceResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ModifyDBInstanceResponse>`);
    }
    if (action === 'DescribeDBInstances' && this.instance.describeThrottled) return this.end(res, 400, errorBody('Throttling', 'Rate exceeded'));
    if (action === 'DescribeDBInstances') {
      return this.end(res, 200, `<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances><DBInstance>${this.instanceXml()}</DBInstance></DBInstances></DescribeDBInstancesResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeDBInstancesResponse>`);
    }
    this.end(res, 400, errorBody('InvalidAction', `not scripted: ${action}`));
  }

  private instanceXml(): string {
    const i = this.instance;
    return `<DBInstanceIdentifier>${i.id}</DBInstanceIdentifier><DBInstanceClass>${i.instanceClass}</DBInstanceClass><DBInstanceStatus>${i.status}</DBInstanceStatus>${
      i.pendingClass ? `<PendingModifiedValues><DBInstanceClass>${i.pendingClass}</DBInstanceClass></PendingModifiedValues>` : ''
    }`;
  }

  private end(res: ServerResponse, status: number, body: string): void {
    res.statusCode = status;
    res.end(body);
  }
}
