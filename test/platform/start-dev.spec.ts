// `npm start` (scripts/start-dev.mjs) checks its own ports before it touches anything, and says why it stops.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from '@jest/globals';

const SCRIPT = fileURLToPath(new URL('../../scripts/start-dev.mjs', import.meta.url));

/** Runs the script to its end; its exit code and what it wrote. */
function run(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT], { env: { ...process.env, ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Listens on host:port until closed; resolves once listening. */
function hold(port: number, host: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** The four ports of a stack (base, base + 1, base + 2 and the gateway's base + 10) nothing listens on. */
async function freeBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    const servers = await Promise.all(
      [0, 1, 2, 10].map((offset) => hold(base + offset, '0.0.0.0').catch(() => undefined)),
    );
    await Promise.all(servers.flatMap((server) => (server ? [new Promise((resolve) => server.close(resolve))] : [])));
    if (servers.every(Boolean)) return base;
  }
  throw new Error('no four free ports for a stack');
}

describe('npm start (scripts/start-dev.mjs)', () => {
  const held: net.Server[] = [];
  afterEach(async () => {
    await Promise.all(held.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it.each([
    ['127.0.0.1', 1, 'instance-a'],
    ['0.0.0.0', 0, 'hub'],
    ['127.0.0.1', 10, 'gateway'],
  ])(
    'exits 1 naming the port when one of its own is held (on %s), before it starts anything',
    async (host, offset, name) => {
      const base = await freeBase();
      held.push(await hold(base + offset, host));
      const { code, stdout, stderr } = await run({
        SWITCHBOARD_DEV_BASE_PORT: String(base),
        // Were the check missing, the script would go on and fail here instead, naming Postgres.
        PGPORT: '1',
      });
      expect(code).toBe(1);
      expect(stderr).toContain(`port ${base + offset} (${name}) is in use`);
      expect(stderr).not.toContain('Postgres');
      expect(stdout).not.toContain('Switchboard is running');
    },
  );

  it('exits 1 naming Postgres when it cannot be reached, with its ports free', async () => {
    const base = await freeBase();
    const { code, stderr } = await run({ SWITCHBOARD_DEV_BASE_PORT: String(base), PGPORT: '1' });
    expect(code).toBe(1);
    expect(stderr).toContain('Postgres is not reachable on 127.0.0.1:1');
  });

  it('refuses a base port that is not a port', async () => {
    const { code, stderr } = await run({ SWITCHBOARD_DEV_BASE_PORT: '70000' });
    expect(code).toBe(1);
    expect(stderr).toContain('SWITCHBOARD_DEV_BASE_PORT must be a port number');
  });
});
