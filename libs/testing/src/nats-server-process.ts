import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

export interface NatsServerProcess {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface NatsServerOptions {
  /** A configuration file (`-c`), e.g. the shipped deploy/nats/nats-server.conf; flags still set address and port. */
  configFile?: string;
  /** The server's environment: what the configuration's `$VARIABLE`s read (passwords). */
  env?: Record<string, string>;
}

/**
 * A private `nats-server` on a free port, for fault tests that stop and start
 * NATS, optionally with a configuration file (authorization) and the
 * environment it reads. Needs the `nats-server` binary (NATS_SERVER_BIN or
 * /usr/sbin/nats-server).
 *
 * @throws Error when the server does not listen in time (e.g. a variable the configuration needs is missing).
 */
export async function natsServerProcess(options: NatsServerOptions = {}): Promise<NatsServerProcess> {
  const port = await freePort();
  const binary = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';
  let child: ChildProcess | undefined;

  const listening = () =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.end(), resolve(true)));
      socket.once('error', () => resolve(false));
    });

  const server: NatsServerProcess = {
    url: `nats://127.0.0.1:${port}`,
    port,
    async start() {
      const config = options.configFile ? ['-c', options.configFile] : [];
      const started = spawn(binary, [...config, '-a', '127.0.0.1', '-p', String(port)], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { PATH: process.env['PATH'] ?? '', ...options.env },
      });
      child = started;
      // What it said last, so that a server that exits (a bad config, a port taken) fails at once, saying why.
      let said = '';
      started.stderr?.on('data', (chunk: Buffer) => (said = (said + chunk.toString('utf8')).slice(-2000)));
      await waitFor(
        async () => {
          if (started.exitCode !== null || started.signalCode !== null) {
            throw new Error(`nats-server exited (${started.exitCode ?? started.signalCode}): ${said.trim()}`);
          }
          return (await listening()) ? true : undefined;
        },
        { what: 'nats-server to listen', timeoutMs: 20_000 },
      );
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await exited;
    },
  };
  await server.start();
  process.once('exit', () => {
    child?.kill('SIGKILL');
  });
  return server;
}
