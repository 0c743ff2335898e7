// Universe: time from the Hub's commit of a universe change until EVERY instance has applied it, with
// 100 simulated instances and 2 real ones.
//
//   npm run bench:universe            (BENCH_CHANGES changes, default 30; BENCH_SIMULATED, default 100)
//
// The Hub and the two real instances run as child processes (as deployed, each its own event loop and
// database). The simulated instances are NATS responders in this process, each on its own
// `…instance.<id>.universe.apply` subject and registered in the Hub's `instances` table: like an
// instance, each verifies the Hub's Ed25519 signature for its own id, applies the snapshot in memory
// if it is newer, and replies with the version and digest it holds. Commit times are observed by this
// process: the Hub's universe outbox NOTIFY (delivered by Postgres at commit), a NOTIFY from a trigger
// on each real instance's `universe_state` (at its commit), and the simulated responders' apply.
// A change counts as applied by an instance when it holds that version or a newer one.
import { createHash, randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';

import { connect } from '@nats-io/transport-node';
import pg from 'pg';

import { HUB_MIGRATIONS } from '../../apps/hub/dist/migrations/index.js';
import { INSTANCE_MIGRATIONS } from '../../apps/instance/dist/migrations/index.js';
import {
  canonicalDigest,
  canonicalJson,
  generateSigningKeyPair,
  Keyring,
  SnapshotVerifier,
} from '../../libs/crypto/dist/index.js';
import { setupDatabase, withClient, withDatabase } from '../../libs/persistence/dist/index.js';
import { freePort, startServiceProcess } from '../../libs/testing/dist/index.js';
import { hubProcessEnv, instanceProcessEnv } from '../lib/process-env.mjs';

const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const SIMULATED = Number(process.env.BENCH_SIMULATED ?? 100);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 30);
/** Pause between changes, so that each change's propagation is measured on its own. */
const GAP_MS = 300;
const HUB_CHANNEL = 'switchboard_universe_outbox';
const REAL = ['real-a', 'real-b'];

const suffix = randomBytes(4).toString('hex');
const namespace = `benchuniverse${suffix}`;
// Not npm start's published database password, which services refuse outside development.
const owner = { user: 'switchboard_owner', password: 'switchboard-bench' };
const app = { user: 'switchboard_app', password: 'switchboard-bench' };
const keys = Keyring.generateKeySpec('bench');
const hubKeys = generateSigningKeyPair();
const adminToken = `sbp_${randomBytes(32).toString('base64url')}`;
const databases = {
  hub: `sb_bench_hub_${suffix}`,
  ...Object.fromEntries(REAL.map((id) => [id, `sb_bench_${id.replace('-', '_')}_${suffix}`])),
};
const services = [];
const listeners = [];
let nc;

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  for (const [name, database] of Object.entries(databases)) {
    await setupDatabase({
      adminUrl,
      migrationUrl: withDatabase(adminUrl, database, owner),
      appUrl: withDatabase(adminUrl, database, app),
      migrations: name === 'hub' ? HUB_MIGRATIONS : INSTANCE_MIGRATIONS,
    });
  }
  // Bench instrumentation on the real instances: a NOTIFY per applied universe version, at its commit.
  for (const id of REAL) {
    await withClient(withDatabase(adminUrl, databases[id]), (client) =>
      client.query(`
        CREATE FUNCTION bench_notify_universe() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
        BEGIN PERFORM pg_notify('bench_universe', NEW.version::text); RETURN NEW; END $$;
        CREATE TRIGGER bench_notify_universe AFTER INSERT OR UPDATE ON universe_state
          FOR EACH ROW EXECUTE FUNCTION bench_notify_universe();`),
    );
  }

  // When each version committed on the Hub, and when each instance first held it (or a newer one).
  const hubCommitted = new Map();
  /** instance id → [version, at][] in the order they applied. */
  const applied = new Map([...REAL, ...Array.from({ length: SIMULATED }, (_, i) => `sim-${i}`)].map((id) => [id, []]));
  const listen = async (database, channel, onPayload) => {
    const client = new pg.Client({ connectionString: withDatabase(adminUrl, database) });
    await client.connect();
    client.on('notification', (message) => onPayload(message.payload, performance.now()));
    await client.query(`LISTEN ${channel}`);
    listeners.push(client);
  };
  await listen(databases.hub, HUB_CHANNEL, (payload, at) => {
    const notice = JSON.parse(payload);
    if (notice.version !== undefined && notice.instanceId === undefined) hubCommitted.set(notice.version, at);
  });
  for (const id of REAL) {
    await listen(databases[id], 'bench_universe', (payload, at) => applied.get(id).push([Number(payload), at]));
  }

  // The simulated instances: verify, apply in memory if newer, reply like an instance (a Nest NATS answer).
  nc = await connect({ servers: natsUrl });
  const verifier = SnapshotVerifier.fromPublicKeys(hubKeys.publicKey);
  let refused = 0;
  for (let i = 0; i < SIMULATED; i++) {
    const id = `sim-${i}`;
    let held = { version: 0, digest: canonicalDigest({}) };
    nc.subscribe(`${namespace}.switchboard.v1.instance.${id}.universe.apply`, {
      callback: (_error, message) => {
        const packet = message.json();
        const { snapshot, signature } = packet.data;
        // As an instance does: canonicalised once, for the signature and the digest.
        const canonical = canonicalJson(snapshot);
        if (!verifier.verifyCanonical(id, canonical, signature)) {
          refused++;
          message.respond(
            JSON.stringify({
              id: packet.id,
              err: { code: 'snapshot_signature_invalid', message: 'does not verify', status: 422 },
              isDisposed: true,
            }),
          );
          return;
        }
        const digest = createHash('sha256').update(canonical, 'utf8').digest('hex');
        const newer = snapshot.version > held.version || (snapshot.version === held.version && digest !== held.digest);
        if (newer) {
          held = { version: snapshot.version, digest };
          applied.get(id).push([snapshot.version, performance.now()]);
        }
        message.respond(
          JSON.stringify({
            id: packet.id,
            response: { appliedVersion: held.version, digest: held.digest, applied: newer },
            isDisposed: true,
          }),
        );
      },
    });
  }
  await nc.flush();

  const common = {
    NATS_URL: natsUrl,
    NATS_NAMESPACE: namespace,
    ENCRYPTION_KEYS: keys,
    LOG_LEVEL: 'error',
    DATABASE_POOL_SIZE: '10',
  };
  const start = async (options) => {
    const service = await startServiceProcess(options);
    services.push(service);
    return service;
  };
  const hubPort = await freePort();
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
  for (const id of REAL) {
    const port = await freePort();
    await start({
      name: id,
      script: 'apps/instance/dist/main.js',
      port,
      env: {
        ...common,
        ...instanceProcessEnv({
          id: id,
          port: port,
          databaseUrl: withDatabase(adminUrl, databases[id], app),
          hubPublicKey: hubKeys.publicKey,
        }),
        INSTANCE_HEARTBEAT_INTERVAL_MS: '1000',
      },
    });
  }
  const hubDb = (work) => withClient(withDatabase(adminUrl, databases.hub), work);
  // The simulated instances are registered as a real one would be.
  await hubDb((client) =>
    client.query(
      `INSERT INTO instances (id, name, api_url, last_seen_at)
       SELECT 'sim-' || g, 'sim-' || g, 'http://127.0.0.1:1', now() FROM generate_series(0, $1::int - 1) g`,
      [SIMULATED],
    ),
  );
  for (;;) {
    const { rows } = await hubDb((client) =>
      client.query(`SELECT count(*)::int AS n FROM instances WHERE id = ANY($1)`, [REAL]),
    );
    if (rows[0].n === REAL.length) break;
    await sleep(100);
  }

  const api = async (method, path, body) => {
    const response = await fetch(`${hub.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : response.json();
  };
  const heldBy = (id, version) => applied.get(id).find(([held]) => held >= version)?.[1];
  // The newest version each instance holds, for the wait (cheap: the simulated instances share this event loop).
  const newest = (id) => applied.get(id).at(-1)?.[0] ?? 0;
  const allHold = (version) => [...applied.keys()].every((id) => newest(id) >= version);
  const waitAll = async (version, timeoutMs) => {
    const started = performance.now();
    while (!allHold(version)) {
      if (performance.now() - started > timeoutMs) {
        const missing = [...applied.keys()].filter((id) => heldBy(id, version) === undefined);
        throw new Error(
          `version ${version} not applied in time by ${missing.length}: ${missing.slice(0, 5).join(', ')}…`,
        );
      }
      await sleep(5);
    }
  };

  // A few connectors to make the universe realistic in size (each change sends the whole universe).
  const definition = (i) => ({
    auth: { type: 'oauth2', scopes: ['read', 'write'], authorizeUri: 'https://example.test/oauth/authorize' },
    baseUri: `https://api${i}.example.test/v1`,
    operations: Array.from({ length: 10 }, (_, n) => ({ key: `op-${n}`, method: 'GET', path: `/things/${n}` })),
  });
  let last;
  for (let i = 0; i < 20; i++)
    last = await api('POST', '/universe/connectors', {
      key: `seed-${i}`,
      name: `Seed ${i}`,
      definition: definition(i),
    });
  await waitAll(last.universeVersion, 30_000);
  await sleep(500);

  // The measured changes: one at a time, each a new revision of one connector, through the Hub API.
  const measured = [];
  for (let i = 0; i < CHANGES; i++) {
    const changed = await api('PUT', `/universe/connectors/seed-${i % 20}`, {
      definition: { ...definition(i), change: i },
    });
    await waitAll(changed.universeVersion, 30_000);
    measured.push(changed.universeVersion);
    await sleep(GAP_MS);
  }
  const latencies = measured.map((version) => {
    const committed = hubCommitted.get(version);
    const last = Math.max(...[...applied.keys()].map((id) => heldBy(id, version)));
    return last - committed;
  });
  const realLatencies = measured.map(
    (version) => Math.max(...REAL.map((id) => heldBy(id, version))) - hubCommitted.get(version),
  );
  const simulatedIds = [...applied.keys()].filter((id) => !REAL.includes(id));
  const simulatedLatencies = measured.map(
    (version) => Math.max(...simulatedIds.map((id) => heldBy(id, version))) - hubCommitted.get(version),
  );
  latencies.sort((a, b) => a - b);
  realLatencies.sort((a, b) => a - b);
  simulatedLatencies.sort((a, b) => a - b);
  const size = Buffer.byteLength(JSON.stringify((await api('GET', '/universe/connectors?limit=100')).items));

  console.log(
    `Universe — one Hub and ${REAL.length} real instances (child processes) + ${SIMULATED} simulated instances (NATS responders in this process), this machine`,
  );
  console.log(
    `  ${CHANGES} changes, one at a time (universe of 20 connectors, ~${(size / 1024).toFixed(0)} kB per snapshot): ` +
      `Hub commit → every instance applied p50 ${percentile(latencies, 50).toFixed(1)} ms, ` +
      `p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms (target p99 ≤ 1000 ms)`,
  );
  console.log(
    `  of which the 2 real instances (commit to commit): p50 ${percentile(realLatencies, 50).toFixed(1)} ms, ` +
      `p99 ${percentile(realLatencies, 99).toFixed(1)} ms; the ${SIMULATED} simulated: p50 ` +
      `${percentile(simulatedLatencies, 50).toFixed(1)} ms, p99 ${percentile(simulatedLatencies, 99).toFixed(1)} ms; ` +
      `refused snapshots: ${refused}`,
  );
  console.log(
    `  machine: ${cpus().length} CPUs, load average ${loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
  );
} finally {
  await nc?.close();
  await Promise.all(services.map((service) => service.stop()));
  await Promise.all(listeners.map((client) => client.end()));
  await withClient(adminUrl, async (client) => {
    for (const name of Object.values(databases)) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}
