// Routing: propagation latency from the Hub's commit to the instance's commit
// at a steady 50 changes/s, the time to apply a burst of 5,000 changes over
// 100 workspaces, and beside them the raw NATS request/reply round trip.
//
//   npm run bench:routing            (BENCH_SECONDS for the steady phase, default 20)
//
// The Hub and the instance run as child processes (as deployed: each its own
// event loop). Both commits are observed the same way, by this process: the
// Hub's outbox NOTIFY and a NOTIFY from a trigger on the instance's
// `workspaces` table are both delivered by Postgres at commit, so their
// difference is commit-to-commit, whatever Postgres's delivery delay.
import { randomBytes } from 'node:crypto';

import { connect } from '@nats-io/transport-node';
import pg from 'pg';

import { HUB_MIGRATIONS } from '../../apps/hub/dist/migrations/index.js';
import { INSTANCE_MIGRATIONS } from '../../apps/instance/dist/migrations/index.js';
import { generateSigningKeyPair, Keyring } from '../../libs/crypto/dist/index.js';
import { setupDatabase, withClient, withDatabase } from '../../libs/persistence/dist/index.js';
import { freePort, startServiceProcess } from '../../libs/testing/dist/index.js';
import { hubProcessEnv, instanceProcessEnv } from '../lib/process-env.mjs';

const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const WORKSPACES = 100;
const STEADY_RATE = 50;
const STEADY_SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const BURST = 5000;
const HUB_CHANNEL = 'switchboard_routing_outbox';

const suffix = randomBytes(4).toString('hex');
const namespace = `benchrouting${suffix}`;
// Not npm start's published database password, which services refuse outside development.
const owner = { user: 'switchboard_owner', password: 'switchboard-bench' };
const app = { user: 'switchboard_app', password: 'switchboard-bench' };
const keys = Keyring.generateKeySpec('bench');
// Snapshots are signed and verified as deployed: the Hub holds the seed, the instance its public key.
const hubKeys = generateSigningKeyPair();
const adminToken = `sbp_${randomBytes(32).toString('base64url')}`;
const databases = { hub: `sb_bench_hub_${suffix}`, instance: `sb_bench_instance_${suffix}` };
const services = [];
const listeners = [];

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  for (const [kind, migrations] of [
    ['hub', HUB_MIGRATIONS],
    ['instance', INSTANCE_MIGRATIONS],
  ]) {
    await setupDatabase({
      adminUrl,
      migrationUrl: withDatabase(adminUrl, databases[kind], owner),
      appUrl: withDatabase(adminUrl, databases[kind], app),
      migrations,
    });
  }
  // Bench instrumentation on the instance: a NOTIFY per applied version, delivered at its commit.
  await withClient(withDatabase(adminUrl, databases.instance), (client) =>
    client.query(`
      CREATE FUNCTION bench_notify_applied() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
      BEGIN PERFORM pg_notify('bench_applied', NEW.id || ' ' || NEW.config_version); RETURN NEW; END $$;
      CREATE TRIGGER bench_notify_applied AFTER INSERT OR UPDATE ON workspaces
        FOR EACH ROW EXECUTE FUNCTION bench_notify_applied();`),
  );

  // Commit times as this process sees them: `${workspaceId} ${version}` → ms.
  const hubCommitted = new Map();
  const instanceCommitted = new Map();
  const listen = async (database, channel, onPayload) => {
    const client = new pg.Client({ connectionString: withDatabase(adminUrl, database) });
    await client.connect();
    client.on('notification', (message) => onPayload(message.payload, performance.now()));
    await client.query(`LISTEN ${channel}`);
    listeners.push(client);
  };
  await listen(databases.hub, HUB_CHANNEL, (payload, at) => {
    const notice = JSON.parse(payload);
    if (notice.workspaceId) hubCommitted.set(`${notice.workspaceId} ${notice.version}`, at);
  });
  await listen(databases.instance, 'bench_applied', (payload, at) => instanceCommitted.set(payload, at));

  const common = {
    NATS_URL: natsUrl,
    NATS_NAMESPACE: namespace,
    ENCRYPTION_KEYS: keys,
    LOG_LEVEL: 'error',
    DATABASE_POOL_SIZE: '10',
  };
  const hubPort = await freePort();
  const instancePort = await freePort();
  // One after the other, each remembered at once, so that a failure to start leaves nothing running.
  const start = async (options) => {
    const service = await startServiceProcess(options);
    services.push(service);
    return service;
  };
  const hub = await start({
    name: 'hub',
    script: 'apps/hub/dist/main.js',
    port: hubPort,
    env: {
      ...common,
      ...hubProcessEnv({
        port: hubPort,
        databaseUrl: withDatabase(adminUrl, databases.hub, app),
        adminToken,
        signingKey: hubKeys.signingKey,
      }),
    },
  });
  await start({
    name: 'instance',
    script: 'apps/instance/dist/main.js',
    port: instancePort,
    env: {
      ...common,
      ...instanceProcessEnv({
        id: 'bench',
        port: instancePort,
        databaseUrl: withDatabase(adminUrl, databases.instance, app),
        hubPublicKey: hubKeys.publicKey,
      }),
      INSTANCE_HEARTBEAT_INTERVAL_MS: '1000',
    },
  });

  const api = async (method, path, body) => {
    const response = await fetch(`${hub.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const hubDb = (work) => withClient(withDatabase(adminUrl, databases.hub), work);
  const waitApplied = async (timeoutMs) => {
    const started = performance.now();
    for (;;) {
      const { rows } = await hubDb((client) =>
        client.query('SELECT count(*)::int AS n FROM org_workspaces WHERE applied_version < config_version'),
      );
      if (rows[0].n === 0) return performance.now() - started;
      if (performance.now() - started > timeoutMs) throw new Error(`${rows[0].n} workspaces not applied in time`);
      await sleep(5);
    }
  };

  // Workspaces, once the instance has registered.
  const org = await api('POST', '/orgs', { name: 'bench' });
  const workspaces = [];
  while (workspaces.length < WORKSPACES) {
    try {
      workspaces.push((await api('POST', '/org-workspaces', { orgId: org.id, name: `bench ${workspaces.length}` })).id);
    } catch {
      await sleep(100);
    }
  }
  await waitApplied(30_000);
  await sleep(500);

  // Steady: 50 changes per second through the Hub API (PATCH /org-workspaces/{id}).
  hubCommitted.clear();
  instanceCommitted.clear();
  const total = STEADY_RATE * STEADY_SECONDS;
  const t0 = performance.now();
  const requests = [];
  for (let i = 0; i < total; i++) {
    const wait = t0 + (i * 1000) / STEADY_RATE - performance.now();
    if (wait > 0) await sleep(wait);
    requests.push(api('PATCH', `/org-workspaces/${workspaces[i % WORKSPACES]}`, { settings: { i } }));
  }
  await Promise.all(requests);
  await waitApplied(30_000);
  await sleep(200);
  const latencies = [...hubCommitted].map(([key, at]) => (instanceCommitted.get(key) ?? Infinity) - at);
  latencies.sort((a, b) => a - b);
  const missing = latencies.filter((latency) => latency === Infinity).length;

  // Burst: 5,000 changes over 100 workspaces committed at once, as the service commits each change
  // (version bump + outbox row + NOTIFY), then the time until the Hub records every one applied.
  const burstStarted = performance.now();
  await hubDb(async (client) => {
    await client.query('BEGIN');
    await client.query(
      `WITH changes AS (
         SELECT w.id, w.instance_id, w.config_version + g AS version
         FROM org_workspaces w CROSS JOIN generate_series(1, $1::int) g)
       INSERT INTO routing_outbox (workspace_id, instance_id, version) SELECT id, instance_id, version FROM changes`,
      [BURST / WORKSPACES],
    );
    await client.query(
      `UPDATE org_workspaces SET config_version = config_version + $1, settings = jsonb_build_object('burst', true)`,
      [BURST / WORKSPACES],
    );
    await client.query(`SELECT pg_notify('${HUB_CHANNEL}', '{"instanceId":"bench"}')`);
    await client.query('COMMIT');
  });
  const burstCommitted = performance.now();
  await waitApplied(60_000);
  const burstApplied = performance.now() - burstCommitted;

  // Raw NATS request/reply round trip, same server, from this process.
  const nc = await connect({ servers: natsUrl });
  const subject = `${namespace}.echo`;
  const sub = nc.subscribe(subject, { callback: (_err, msg) => msg.respond(msg.data) });
  const rtts = [];
  for (let i = 0; i < 2000; i++) {
    const started = performance.now();
    await nc.request(subject, new Uint8Array(1000), { timeout: 1000 });
    rtts.push(performance.now() - started);
  }
  sub.unsubscribe();
  await nc.close();
  rtts.sort((a, b) => a - b);

  console.log('Routing — one Hub and one instance (child processes), 100 workspaces, this machine');
  console.log(
    `  steady ${STEADY_RATE} changes/s for ${STEADY_SECONDS}s (${latencies.length} changes${missing ? `, ${missing} unmatched` : ''}): ` +
      `Hub commit → instance commit p50 ${percentile(latencies, 50).toFixed(1)} ms, ` +
      `p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms (target p99 ≤ 15 ms)`,
  );
  console.log(
    `  burst of ${BURST} changes over ${WORKSPACES} workspaces: all applied ${burstApplied.toFixed(0)} ms after their commit ` +
      `(commit took ${(burstCommitted - burstStarted).toFixed(0)} ms; target ≤ 2000 ms)`,
  );
  console.log(
    `  raw NATS request/reply (1 kB, about a snapshot): p50 ${percentile(rtts, 50).toFixed(2)} ms, p99 ${percentile(rtts, 99).toFixed(2)} ms`,
  );
} finally {
  await Promise.all(services.map((service) => service.stop()));
  await Promise.all(listeners.map((client) => client.end()));
  await withClient(adminUrl, async (client) => {
    for (const name of Object.values(databases)) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}
