// Hub scale: a real Hub (child process) holding 100,000 org workspaces placed across 100 simulated
// instances. Measures `GET /org-workspaces` (first page and a deep cursor page, as a platform admin and
// as the owner of an org with 50,000 workspaces), relay throughput for a change to every workspace, and
// the Hub's resident memory.
//
//   npm run bench:hub-scale     (BENCH_WORKSPACES, default 100000; BENCH_INSTANCES, default 100)
//
// Seeding is by direct SQL (said in the output): one workspace is created through the Hub's API, as the
// service writes it, and its row is copied with a new id, key, name, org, instance and creation time.
// The sealed secret is the template's (the simulated instances never decrypt it).
// The simulated instances (bench/lib/sim-instances.mjs) verify each snapshot's signature and ack.
// Baseline for the listing: the same requests with the index `org_workspaces_org_created` dropped,
// as the Hub was before migration 1765100000000.
import { createHash, randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';

import { HUB_MIGRATIONS } from '../../apps/hub/dist/migrations/index.js';
import { generateSigningKeyPair, Keyring } from '../../libs/crypto/dist/index.js';
import { setupDatabase, withClient, withDatabase } from '../../libs/persistence/dist/index.js';
import { freePort, startServiceProcess } from '../../libs/testing/dist/index.js';
import { residentMiB, startSimulatedInstances } from '../lib/sim-instances.mjs';
import { hubProcessEnv } from '../lib/process-env.mjs';

const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const WORKSPACES = Number(process.env.BENCH_WORKSPACES ?? 100_000);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 100);
/** The big org holds half of all workspaces; the rest are in orgs of 100. */
const BIG = Math.floor(WORKSPACES / 2);
const SMALL_ORG_SIZE = 100;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const HUB_CHANNEL = 'switchboard_routing_outbox';
const RELAY_TIMEOUT_MS = Number(process.env.BENCH_RELAY_TIMEOUT_MS ?? 180_000);

const suffix = randomBytes(4).toString('hex');
const namespace = `benchhubscale${suffix}`;
const owner = { user: 'switchboard_owner', password: 'switchboard-bench' };
const app = { user: 'switchboard_app', password: 'switchboard-bench' };
const hubKeys = generateSigningKeyPair();
const adminToken = `sbp_${randomBytes(32).toString('base64url')}`;
const ownerToken = `sbp_${randomBytes(32).toString('base64url')}`;
const database = `sb_bench_hubscale_${suffix}`;
let hub;
let sims;

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const hubDb = (work) => withClient(withDatabase(adminUrl, database), work);
const fmt = (ms) => `${ms.toFixed(1)} ms`;

try {
  await setupDatabase({
    adminUrl,
    migrationUrl: withDatabase(adminUrl, database, owner),
    appUrl: withDatabase(adminUrl, database, app),
    migrations: HUB_MIGRATIONS,
  });
  sims = await startSimulatedInstances({ natsUrl, namespace, hubPublicKey: hubKeys.publicKey, count: INSTANCES });
  await hubDb(async (client) => {
    for (const id of sims.ids) {
      await client.query(`INSERT INTO instances (id, name, api_url, last_seen_at) VALUES ($1, $1, $2, now())`, [
        id,
        `http://127.0.0.1:1/${id}`,
      ]);
    }
  });
  const port = await freePort();
  hub = await startServiceProcess({
    name: 'hub',
    script: 'apps/hub/dist/main.js',
    port,
    env: {
      NATS_URL: natsUrl,
      NATS_NAMESPACE: namespace,
      ENCRYPTION_KEYS: Keyring.generateKeySpec('bench'),
      LOG_LEVEL: 'error',
      DATABASE_POOL_SIZE: '10',
      ...hubProcessEnv({
        port: port,
        databaseUrl: withDatabase(adminUrl, database, app),
        adminToken,
        signingKey: hubKeys.signingKey,
      }),
    },
  });
  const api = async (method, path, body, token = adminToken) => {
    const response = await fetch(`${hub.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const waitApplied = async (timeoutMs) => {
    const started = performance.now();
    for (;;) {
      const { rows } = await hubDb((client) =>
        client.query('SELECT count(*)::int AS n FROM org_workspaces WHERE applied_version < config_version'),
      );
      if (rows[0].n === 0) return performance.now() - started;
      if (performance.now() - started > timeoutMs) throw new Error(`${rows[0].n} workspaces not applied in time`);
      await sleep(250);
    }
  };

  const rssAtStart = await residentMiB(hub.pid);

  // The template, through the API; an org owner (a user with a personal access token) of the big org.
  const bigOrg = await api('POST', '/orgs', { name: 'big' });
  const template = await api('POST', '/org-workspaces', { orgId: bigOrg.id, name: 'template' });
  await waitApplied(30_000);
  const seedStarted = performance.now();
  await hubDb(async (client) => {
    const { rows } = await client.query(
      `INSERT INTO users (email, name) VALUES ('owner@example.test', 'owner') RETURNING id`,
    );
    await client.query(`INSERT INTO org_members (org_id, user_id, role) VALUES ($1, $2, 'owner')`, [
      bigOrg.id,
      rows[0].id,
    ]);
    await client.query(
      `INSERT INTO personal_access_tokens (user_id, name, prefix, token_hash) VALUES ($1, 'bench', $2, $3)`,
      [rows[0].id, ownerToken.slice(0, 10), createHash('sha256').update(ownerToken).digest('hex')],
    );
    const smallOrgs = Math.ceil((WORKSPACES - BIG) / SMALL_ORG_SIZE);
    await client.query(`INSERT INTO orgs (name) SELECT 'small ' || g FROM generate_series(1, $1::int) g`, [smallOrgs]);
    // Copies of the template: g = 1..BIG-1 in the big org (the template is the BIG-th), the rest in small orgs.
    // Every copy is applied at its version as far as the Hub knows (no digest recorded yet).
    await client.query(
      `WITH small AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM orgs WHERE id <> $1)
       INSERT INTO org_workspaces (org_id, name, key, instance_id, settings, webhook_uri, public_keys, sealed_secret,
         previous_sealed_secrets, archived_at, config_version, applied_version, created_at, updated_at)
       SELECT CASE WHEN g < $3 THEN $1::uuid ELSE small.id END, 'bench ' || g, 'bench-' || g || '-${suffix}',
              'sim-' || (g % $5), t.settings, t.webhook_uri, t.public_keys, t.sealed_secret,
              t.previous_sealed_secrets, NULL, 1, 1,
              now() - make_interval(secs => $4 - g), now()
       FROM org_workspaces t CROSS JOIN generate_series(1, $4::int - 1) g
         LEFT JOIN small ON g >= $3 AND small.n = (g - $3) / ${SMALL_ORG_SIZE}
       WHERE t.id = $2`,
      [bigOrg.id, template.id, BIG, WORKSPACES, INSTANCES],
    );
    await client.query('ANALYZE');
  });
  const seedMs = performance.now() - seedStarted;
  const { rows: counts } = await hubDb((client) =>
    client.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE org_id = $1)::int AS big,
              count(DISTINCT instance_id)::int AS instances FROM org_workspaces`,
      [bigOrg.id],
    ),
  );

  // A deep cursor: the position of the workspace 90 % of the way into the big org's list.
  const { rows: deep } = await hubDb((client) =>
    client.query(
      `SELECT to_json(created_at) #>> '{}' AS at, id FROM org_workspaces WHERE org_id = $1
       ORDER BY created_at, id OFFSET $2 LIMIT 1`,
      [bigOrg.id, Math.floor(BIG * 0.9)],
    ),
  );
  const deepCursor = Buffer.from(JSON.stringify([deep[0].at, deep[0].id]), 'utf8').toString('base64url');
  // The page the API hands out must be accepted back: check the first page's cursor works.
  const first = await api('GET', `/org-workspaces?orgId=${bigOrg.id}`);
  if (!first.cursor) throw new Error(`no cursor on the first page: ${Object.keys(first)}`);

  const measure = async (label, path, token) => {
    const times = [];
    for (let i = 0; i < 20; i++) await api('GET', path, undefined, token);
    for (let i = 0; i < REQUESTS; i++) {
      const started = performance.now();
      const page = await api('GET', path, undefined, token);
      times.push(performance.now() - started);
      if (!Array.isArray(page.items) || page.items.length === 0) {
        throw new Error(`${label}: an empty page`);
      }
    }
    times.sort((a, b) => a - b);
    return { label, p50: percentile(times, 50), p99: percentile(times, 99) };
  };
  const listings = async () => [
    await measure('platform admin, first page', `/org-workspaces?orgId=${bigOrg.id}`, adminToken),
    await measure('platform admin, deep cursor', `/org-workspaces?orgId=${bigOrg.id}&cursor=${deepCursor}`, adminToken),
    await measure('org owner, first page', `/org-workspaces?orgId=${bigOrg.id}`, ownerToken),
    await measure('org owner, deep cursor', `/org-workspaces?orgId=${bigOrg.id}&cursor=${deepCursor}`, ownerToken),
  ];
  const withIndex = await listings();
  const rssAfterListing = await residentMiB(hub.pid);

  // Relay: a change to every workspace, committed at once as the service commits each change
  // (version bump + outbox row), one NOTIFY per instance; then until the Hub records every one applied.
  sims.stats.applied = 0;
  const relayStarted = performance.now();
  await hubDb(async (client) => {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO routing_outbox (workspace_id, instance_id, version)
       SELECT id, instance_id, config_version + 1 FROM org_workspaces`,
    );
    await client.query(
      `UPDATE org_workspaces SET config_version = config_version + 1, settings = jsonb_build_object('scale', true)`,
    );
    for (const id of sims.ids) {
      await client.query(`SELECT pg_notify($1, $2)`, [HUB_CHANNEL, JSON.stringify({ instanceId: id })]);
    }
    await client.query('COMMIT');
  });
  const relayCommitted = performance.now();
  let rssRelayPeak = 0;
  const sampler = setInterval(() => {
    residentMiB(hub.pid).then(
      ({ rss }) => (rssRelayPeak = Math.max(rssRelayPeak, rss)),
      () => {},
    );
  }, 250);
  const relayMs = await waitApplied(RELAY_TIMEOUT_MS)
    .catch(() => null)
    .finally(() => clearInterval(sampler));
  const { rows: relayState } = await hubDb((client) =>
    client.query(
      `SELECT count(*) FILTER (WHERE delivered_at IS NOT NULL)::int AS delivered,
              count(*) FILTER (WHERE attempts > 0)::int AS retried
       FROM routing_outbox WHERE version > 1`,
    ),
  );
  const rssAfterRelay = await residentMiB(hub.pid);

  // Baseline for the listing: without the index of migration 1765100000000.
  await hubDb((client) =>
    client.query(
      'DROP INDEX org_workspaces_org_created; CREATE INDEX ON org_workspaces (org_id); ANALYZE org_workspaces',
    ),
  );
  const withoutIndex = await listings();

  const [l1, l5, l15] = loadavg();
  console.log(
    `Hub scale — one Hub (child process), ${counts[0].total} org workspaces on ${counts[0].instances} simulated instances ` +
      `(NATS responders in this process that verify each snapshot's signature and ack), ${cpus().length} cores`,
  );
  console.log(
    `  seeded by direct SQL in ${(seedMs / 1000).toFixed(1)} s: copies of one workspace created through the API ` +
      `(same columns and sealed secret; new id, key, name, org, instance, created_at); ` +
      `${counts[0].big} in one org, the rest in orgs of ${SMALL_ORG_SIZE}`,
  );
  console.log(`  GET /org-workspaces (${REQUESTS} sequential requests each, default page size), p50 / p99:`);
  console.log(
    `    ${'case'.padEnd(30)} ${'with index (this branch)'.padEnd(26)} baseline: index on org_id only (before 1765100000000)`,
  );
  for (let i = 0; i < withIndex.length; i++) {
    const a = withIndex[i];
    const b = withoutIndex[i];
    console.log(
      `    ${a.label.padEnd(30)} ${`${fmt(a.p50)} / ${fmt(a.p99)}`.padEnd(26)} ${fmt(b.p50)} / ${fmt(b.p99)}`,
    );
  }
  const relayFacts =
    `${sims.stats.applied} snapshots applied by the simulated instances, ${sims.stats.refused} refused, ` +
    `${relayState[0].retried} outbox rows needed a retry; commit took ${(relayCommitted - relayStarted).toFixed(0)} ms`;
  console.log(
    relayMs === null
      ? `  relay: ${counts[0].total} changes committed at once: NOT all applied within ${RELAY_TIMEOUT_MS / 1000} s, ` +
          `${relayState[0].delivered} delivered (${Math.round(relayState[0].delivered / (RELAY_TIMEOUT_MS / 1000))} changes/s; ${relayFacts})`
      : `  relay: ${counts[0].total} changes (one per workspace) committed at once, all acked and recorded in ` +
          `${(relayMs / 1000).toFixed(1)} s → ${Math.round(counts[0].total / (relayMs / 1000))} changes/s (${relayFacts})`,
  );
  console.log(
    `  Hub RSS: ${rssAtStart.rss.toFixed(0)} MiB at start (no workspaces), ${rssAfterListing.rss.toFixed(0)} MiB ` +
      `after seeding and listing, ${rssRelayPeak.toFixed(0)} MiB peak during the relay, ` +
      `${rssAfterRelay.rss.toFixed(0)} MiB after it (VmHWM ${rssAfterRelay.peak.toFixed(0)} MiB)`,
  );
  console.log(`  load average during the run: ${l1.toFixed(2)} ${l5.toFixed(2)} ${l15.toFixed(2)} (shared machine)`);
} finally {
  await hub?.stop();
  await sims?.close();
  await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
}
