import { generateToken, Keyring } from '@switchboard/crypto';
import {
  createTestDatabase,
  freePort,
  natsNamespace,
  type NatsServerProcess,
  natsServerProcess,
  natsUrl,
  type ServiceProcess,
  startServiceProcess,
  tcpRelay,
  TEST_HUB_KEYS,
  type TestDatabase,
  waitFor,
} from '@switchboard/testing';

/**
 * Liveness and readiness that tell the truth, with real processes: a service
 * started while NATS or Postgres is unreachable opens its port at once
 * (`/healthz` 200, `/readyz` 503 naming what it waits for), says so in its log
 * every few seconds, becomes ready when the dependency comes up, and answers
 * 503 naming it again when it goes away.
 */
describe('services start before their dependencies and report them on /readyz', () => {
  const started: ServiceProcess[] = [];
  const databases: TestDatabase[] = [];

  afterAll(async () => {
    await Promise.all(started.map((service) => service.stop()));
    await Promise.all(databases.map((database) => database.drop()));
  });

  const get = async (service: ServiceProcess, path: string) => {
    const response = await fetch(`${service.url}${path}`);
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: JSON.parse(text) };
  };
  const untilReady = (service: ServiceProcess, ready: boolean, what: string) =>
    waitFor(async () => ((await get(service, '/readyz')).status === (ready ? 200 : 503) ? true : undefined), {
      timeoutMs: 20_000,
      intervalMs: 100,
      what,
    });
  const expectNotReady = async (service: ServiceProcess, down: string, up?: string) => {
    // Each dependency counts as down until its first probe answers (every 500 ms; slower on a loaded machine).
    if (up) {
      await waitFor(
        async () => ((await get(service, '/readyz')).body.dependencies?.[up]?.status === 'up' ? true : undefined),
        { timeoutMs: 10_000, intervalMs: 100, what: `${up} to be probed up` },
      );
    }
    const readyz = await get(service, '/readyz');
    expect(readyz.status).toBe(503);
    expect(readyz.type).toMatch(/^application\/problem\+json/);
    expect(readyz.body).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(readyz.body.detail).toContain(`${down} is down`);
    expect(readyz.body.dependencies[down]).toMatchObject({ status: 'down' });
    if (up) expect(readyz.body.dependencies[up]).toMatchObject({ status: 'up' });
    expect(readyz.body.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await get(service, '/healthz')).status).toBe(200);
  };
  const logLines = (service: ServiceProcess, text: string) =>
    service
      .output()
      .split('\n')
      .filter((line) => line.includes(text)).length;

  it('an instance started while NATS is down: live at once, ready when NATS comes, still ready (NATS down in the body) when it goes', async () => {
    const nats: NatsServerProcess = await natsServerProcess();
    await nats.stop(); // the port is known; nothing listens there yet
    const database = await createTestDatabase('instance');
    databases.push(database);
    const port = await freePort();
    const instance = await startServiceProcess({
      name: 'instance-waiting',
      script: 'apps/instance/dist/main.js',
      port,
      readyPath: '/healthz',
      env: {
        INSTANCE_ID: 'instance-waiting',
        INSTANCE_PORT: String(port),
        INSTANCE_HOST: '127.0.0.1',
        INSTANCE_API_URL: `http://127.0.0.1:${port}`,
        DATABASE_URL: database.appUrl,
        DATABASE_POOL_SIZE: '3',
        NATS_URL: nats.url,
        NATS_NAMESPACE: natsNamespace(),
        ENCRYPTION_KEYS: Keyring.generateKeySpec('k1'),
        HUB_PUBLIC_KEY: TEST_HUB_KEYS.publicKey,
      },
    });
    started.push(instance);
    try {
      await expectNotReady(instance, 'nats', 'postgres');
      // Every other route says the service is starting, as a problem too.
      const early = await get(instance, '/workspace');
      expect(early).toMatchObject({ status: 503, body: { code: 'service_unavailable' } });
      // The log says what it waits for, every few seconds.
      await waitFor(() => Promise.resolve(logLines(instance, 'waiting for nats') >= 2 ? true : undefined), {
        timeoutMs: 10_000,
        what: 'two "waiting for nats" log lines',
      });
      expect(instance.output()).toContain(nats.url);

      await nats.start();
      await untilReady(instance, true, 'the instance to become ready once NATS is up');
      const ready = await get(instance, '/readyz');
      expect(ready.body).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' }, nats: { status: 'up' } } });

      // NATS goes away after start: the instance serves tenants from Postgres, so it stays ready (issue 16)
      // and reports NATS down in the body; the process lives on and sees NATS come back.
      await nats.stop();
      await waitFor(
        async () => {
          const answer = await get(instance, '/readyz');
          return answer.status === 200 && answer.body?.info?.nats?.status === 'down' ? answer : undefined;
        },
        { timeoutMs: 20_000, what: 'the instance to report NATS down while staying ready' },
      );
      await nats.start();
      await waitFor(
        async () => {
          const answer = await get(instance, '/readyz');
          return answer.status === 200 && answer.body?.info?.nats?.status === 'up' ? answer : undefined;
        },
        { timeoutMs: 20_000, what: 'the instance to report NATS up again' },
      );
    } finally {
      await nats.stop();
    }
  }, 90_000);

  it('a Hub started while Postgres is unreachable: live at once, ready when Postgres comes, 503 naming postgres when it goes', async () => {
    const database = await createTestDatabase('hub');
    databases.push(database);
    // Postgres is reached through a TCP relay that the test opens and closes: the database "comes up" and "goes down".
    const relayPort = await freePort();
    const relay = tcpRelay(relayPort, 5432);
    const url = new URL(database.appUrl);
    url.port = String(relayPort);
    url.hostname = '127.0.0.1';
    const port = await freePort();
    const adminToken = generateToken('sbp_');
    const hub = await startServiceProcess({
      name: 'hub-waiting',
      script: 'apps/hub/dist/main.js',
      port,
      readyPath: '/healthz',
      env: {
        HUB_PORT: String(port),
        HUB_HOST: '127.0.0.1',
        DATABASE_URL: url.toString(),
        DATABASE_POOL_SIZE: '3',
        NATS_URL: natsUrl(),
        NATS_NAMESPACE: natsNamespace(),
        ENCRYPTION_KEYS: Keyring.generateKeySpec('k1'),
        HUB_SIGNING_KEY: TEST_HUB_KEYS.signingKey,
        HUB_BOOTSTRAP_ADMIN_EMAIL: 'admin@example.test',
        HUB_BOOTSTRAP_ADMIN_TOKEN: adminToken,
      },
    });
    started.push(hub);
    try {
      await expectNotReady(hub, 'postgres', 'nats');
      await waitFor(() => Promise.resolve(logLines(hub, 'waiting for postgres') >= 2 ? true : undefined), {
        timeoutMs: 10_000,
        what: 'two "waiting for postgres" log lines',
      });
      // The log names where, never the password.
      expect(hub.output()).toContain(`127.0.0.1:${relayPort}`);
      expect(url.password).not.toBe('');
      expect(hub.output()).not.toContain(`:${url.password}@`);

      await relay.open();
      await untilReady(hub, true, 'the Hub to become ready once Postgres is up');
      expect((await get(hub, '/readyz')).body).toMatchObject({ info: { postgres: { status: 'up' } } });

      await relay.close();
      await untilReady(hub, false, 'the Hub to report Postgres down');
      await expectNotReady(hub, 'postgres', 'nats');
      // A request that needs the database meanwhile: 503 problem+json (not a 500, not a crash).
      const me = await fetch(`${hub.url}/users/me`, { headers: { authorization: `Bearer ${adminToken}` } });
      expect(me.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await me.json()).toMatchObject({ status: 503, code: 'service_unavailable' });
      await relay.open();
      await untilReady(hub, true, 'the Hub to be ready again after Postgres is back');
      const again = await fetch(`${hub.url}/users/me`, { headers: { authorization: `Bearer ${adminToken}` } });
      expect(again.status).toBe(200);
    } finally {
      await relay.close();
    }
  }, 90_000);
});
