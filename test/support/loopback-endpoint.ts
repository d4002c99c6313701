// A loopback HTTP endpoint (127.0.0.1) that answers as a test says, or never: the SDK's real HTTP handler and its
// timeouts run against it (test/unit/aws/request-timeout.test.ts, test/unit/aws/assumed-identity.test.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback endpoint that answers as `answer` says; counts the requests that reached it. */
export interface Endpoint {
  url: string;
  requests: number;
  close(): Promise<void>;
}

// A guard, not a timing assertion: an answer the client never gave up on is let go (the socket destroyed), so a case
// whose timeout does not fire fails on the error it then gets instead of hanging to jest's timeout.
const GUARD_MS = 20_000;

export async function endpoint(answer: (res: ServerResponse) => void): Promise<Endpoint> {
  const open = new Set<ServerResponse>();
  const guards = new Set<NodeJS.Timeout>();
  const state = { requests: 0 };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests += 1;
    req.resume();
    open.add(res);
    const guard = setTimeout(() => res.destroy(), GUARD_MS);
    guards.add(guard);
    res.once('close', () => {
      clearTimeout(guard);
      open.delete(res);
    });
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    close: async () => {
      for (const guard of guards) clearTimeout(guard);
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
