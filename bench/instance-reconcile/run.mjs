// Instance reconcile: an instance that holds 10,000 workspaces starts and reconciles with the Hub.
// Time from spawning the instance process until the reconciliation is done (target ≤ 5 s):
//   cold     — its database is empty: it receives all 10,000 signed snapshots;
//   restart  — it holds all 10,000 at the Hub's version: it only reports them;
//   stale    — all 10,000 changed on the Hub while it was down (and no outbox delivery is due):
//              it receives and applies all 10,000 again.
// "Done" is the Hub recording every workspace applied at its version with a digest (cold, stale) or
// the instance's first successful reconciliation (`switchboard_reconcile_last_success_timestamp_seconds`
// on its /metrics, restart). The Hub and the instance are child processes.
//
//   npm run bench:instance-reconcile     (BENCH_WORKSPACES, default 10000)
//
// Seeding is by direct SQL on the Hub: one workspace is created through the API, its row is copied
// with a new id, key and name (same sealed secret, which the instance decrypts like any other).
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';

import { HUB_MIGRATIONS } from '../../apps/hub/dist/migrations/index.js';
import { INSTANCE_MIGRATIONS } from '../../apps/instance/dist/migrations/index.js';
import { generateSigningKeyPair, Keyring } from '../../libs/crypto/dist/index.js';
import { setupDatabase, withClient, withDatabase } from '../../libs/persistence/dist/index.js';
import { freePort, startServiceProcess } from '../../libs/testing/dist/index.js';
import { hubProcessEnv, instanceProcessEnv } from '../lib/process-env.mjs';

const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const WORKSPACES = Number(process.env.BENCH_WORKSPACES ?? 10_000);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 60_000);

const suffix = randomBytes(4).toString('hex');
const namespace = `benchreconcile${suffix}`;
const owner = { user: 'switchboard_owner', password: 'switchboard-bench' };
const app = { user: 'switchboard_app', password: 'switchboard-bench' };
const keys = Keyring.generateKeySpec('bench');
const hubKeys = generateSigningKeyPair();
const adminToken = `sbp_${randomBytes(32).toString('base64url')}`;
const databases = { hub: `sb_bench_rec_hub_${suffix}`, instance: `sb_bench_rec_instance_${suffix}` };
const services = [];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const hubDb = (work) => withClient(withDatabase(adminUrl, databases.hub), work);

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
  const common = { NATS_URL: natsUrl, NATS_NAMESPACE: namespace, ENCRYPTION_KEYS: keys, LOG_LEVEL: 'error' };
  const hubPort = await freePort();
  const instancePort = await freePort();
  await hubDb((client) =>
    client.query(`INSERT INTO instances (id, name, api_url, last_seen_at) VALUES ('bench', 'bench', $1, now())`, [
      `http://127.0.0.1:${instancePort}`,
    ]),
  );
  const hub = await startServiceProcess({
    name: 'hub',
    script: 'apps/hub/dist/main.js',
    port: hubPort,
    env: {
      ...common,
      DATABASE_POOL_SIZE: '10',
      ...hubProcessEnv({
        port: hubPort,
        databaseUrl: withDatabase(adminUrl, databases.hub, app),
        adminToken,
        signingKey: hubKeys.signingKey,
      }),
    },
  });
  services.push(hub);
  const api = async (method, path, body) => {
    const response = await fetch(`${hub.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const org = await api('POST', '/orgs', { name: 'bench' });
  const template = await api('POST', '/org-workspaces', { orgId: org.id, name: 'template' });
  await hubDb(async (client) => {
    await client.query(
      `INSERT INTO org_workspaces (org_id, name, key, instance_id, settings, webhook_uri, public_keys, sealed_secret,
         previous_sealed_secrets, config_version, applied_version)
       SELECT t.org_id, 'bench ' || g, 'bench-' || g || '-${suffix}', t.instance_id, t.settings, t.webhook_uri,
              t.public_keys, t.sealed_secret, t.previous_sealed_secrets, 1, 0
       FROM org_workspaces t CROSS JOIN generate_series(1, $2::int - 1) g WHERE t.id = $1`,
      [template.id, WORKSPACES],
    );
    // Nothing due in the outbox: what the instance gets, it gets by reconciling.
    await client.query('DELETE FROM routing_outbox');
    await client.query('ANALYZE');
  });

  const allApplied = async () => {
    const { rows } = await hubDb((client) =>
      client.query(
        `SELECT count(*)::int AS n FROM org_workspaces
         WHERE applied_version = config_version AND applied_digest IS NOT NULL AND sync_error_code IS NULL`,
      ),
    );
    return rows[0].n === WORKSPACES;
  };
  const reconciledOnce = async (url) => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const value = /^switchboard_reconcile_last_success_timestamp_seconds (\S+)$/m.exec(text)?.[1];
    return Number(value) > 0;
  };
  /** Spawns the instance and waits until `done`; the time from spawn, or null past TIMEOUT_MS. */
  const phase = async (done) => {
    const started = performance.now();
    const instance = await startServiceProcess({
      name: 'instance',
      script: 'apps/instance/dist/main.js',
      port: instancePort,
      env: {
        ...common,
        DATABASE_POOL_SIZE: '10',
        ...instanceProcessEnv({
          id: 'bench',
          port: instancePort,
          databaseUrl: withDatabase(adminUrl, databases.instance, app),
          hubPublicKey: hubKeys.publicKey,
        }),
      },
    });
    services.push(instance);
    const ready = performance.now() - started;
    let took = null;
    while (performance.now() - started < TIMEOUT_MS) {
      if (await done(instance.url)) {
        took = performance.now() - started;
        break;
      }
      await sleep(20);
    }
    await instance.stop();
    services.pop();
    return { took, ready, output: took === null ? instance.output() : '' };
  };

  const cold = await phase(allApplied);
  const restart = await phase(reconciledOnce);
  await hubDb((client) =>
    client.query(`UPDATE org_workspaces SET config_version = config_version + 1, settings = '{"stale":true}'`),
  );
  const stale = await phase(allApplied);

  const { rows: held } = await withClient(withDatabase(adminUrl, databases.instance), (client) =>
    client.query('SELECT count(*)::int AS n FROM workspaces'),
  );
  const [l1, l5, l15] = loadavg();
  const show = (name, result) =>
    console.log(
      `  ${name.padEnd(8)} ${result.took === null ? `NOT DONE in ${TIMEOUT_MS / 1000} s` : `${(result.took / 1000).toFixed(2)} s`}` +
        ` (process ready after ${(result.ready / 1000).toFixed(2)} s)${result.took === null ? `\n${result.output.slice(-1500)}` : ''}`,
    );
  console.log(
    `Instance reconcile — one Hub and one instance (child processes), ${WORKSPACES} workspaces on the instance, ` +
      `${cpus().length} cores; time from spawning the instance until reconciled (target ≤ 5 s)`,
  );
  console.log('  seeded by direct SQL on the Hub: copies of one workspace created through the API');
  show('cold', cold);
  show('restart', restart);
  show('stale', stale);
  console.log(`  the instance holds ${held[0].n} workspaces at the end`);
  console.log(`  load average: ${l1.toFixed(2)} ${l5.toFixed(2)} ${l15.toFixed(2)} (shared machine)`);
} finally {
  await Promise.all(services.map((service) => service.stop()));
  await withClient(adminUrl, async (client) => {
    for (const name of Object.values(databases)) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}
