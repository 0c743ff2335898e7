import net from 'node:net';

export interface TcpRelay {
  /** Starts listening on the port and relaying new connections. */
  open(): Promise<void>;
  /** Stops listening and drops every relayed connection: the target looks gone. */
  close(): Promise<void>;
}

/**
 * A TCP relay from `port` to `targetPort` on 127.0.0.1 that can be opened and
 * closed, for fault tests that make a dependency (Postgres) come and go
 * without touching the real server other tests share.
 */
export function tcpRelay(port: number, targetPort: number): TcpRelay {
  let server: net.Server | undefined;
  const sockets = new Set<net.Socket>();
  return {
    open: () =>
      new Promise<void>((resolve, reject) => {
        server = net.createServer((client) => {
          const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
          for (const socket of [client, upstream]) {
            sockets.add(socket);
            socket.on('close', () => sockets.delete(socket));
            socket.on('error', () => undefined);
          }
          client.pipe(upstream).pipe(client);
        });
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      }),
    close: async () => {
      const running = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
    },
  };
}
