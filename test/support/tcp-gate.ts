import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP pass-through on 127.0.0.1 in front of a server (HTTP and TLS alike), that can be shut like a
 * stopped cluster: `shut()` stops listening and cuts every connection, so clients get ECONNREFUSED;
 * `open()` listens again on the same port. The server behind it keeps running with its state.
 */
export interface TcpGate {
  /** The gate's port (stays the same across shut and open). */
  readonly port: number;
  shut(): Promise<void>;
  open(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a gate forwarding to `127.0.0.1:upstreamPort`, open. */
export async function startTcpGate(upstreamPort: number): Promise<TcpGate> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const serve = (): Server =>
    createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: upstreamPort });
      track(client);
      track(upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
  const listen = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  let server = serve();
  const port = await listen(server, 0);
  let listening = true;
  const shut = async () => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    port,
    shut,
    async open() {
      if (listening) return;
      server = serve();
      await listen(server, port);
      listening = true;
    },
    close: shut,
  };
}
