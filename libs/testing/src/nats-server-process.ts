import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

export interface NatsServerProcess {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A private `nats-server` on a free port, for fault tests that stop and start
 * NATS. Needs the `nats-server` binary (NATS_SERVER_BIN or on PATH or /usr/sbin).
 */
export async function natsServerProcess(): Promise<NatsServerProcess> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'sb-nats-'));
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
      child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: 'ignore' });
      await waitFor(async () => ((await listening()) ? true : undefined), { what: 'nats-server to listen' });
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
    rmSync(storeDir, { recursive: true, force: true });
  });
  return server;
}
