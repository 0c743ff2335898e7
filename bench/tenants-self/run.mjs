// GET /tenants/self on a real instance (tenant JWT, passport-jwt, RLS scope,
// the app role) against a bare Fastify + pg server that reads the same row by
// id with no auth — same pool size, same concurrency, side by side in one run.
// Then the same with 1,000,000 tenants in the workspace. The instance reads the
// row with a named prepared statement; a second bare route does the same, so
// the report shows the ratio to the plain bare server (the target) and to one
// that saves what the statement saves.
//
//   npm run bench:tenants-self            (BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_CONCURRENCY, BENCH_POOL to tune)
import { randomBytes, randomUUID } from 'node:crypto';

import Fastify from 'fastify';
import jwt from 'jsonwebtoken';
import pg from 'pg';

import { InstanceConfig } from '../../apps/instance/dist/config.js';
import { InstanceModule } from '../../apps/instance/dist/instance.module.js';
import { INSTANCE_MIGRATIONS } from '../../apps/instance/dist/migrations/index.js';
import { loadConfig } from '../../libs/config/dist/index.js';
import { applyWorkspaceSnapshotContract } from '../../libs/contracts/dist/index.js';
import { generateSigningKeyPair, Keyring, SnapshotSigner } from '../../libs/crypto/dist/index.js';
import { setupDatabase, withClient, withDatabase } from '../../libs/persistence/dist/index.js';
import { createService, NatsClient } from '../../libs/server/dist/index.js';
import { runLoad } from '../lib/load.mjs';

const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
// Long enough for the JIT to settle: with 1.5 s the first measured run was a third slower than the next.
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const poolSize = Number(process.env.BENCH_POOL ?? 10);
const sampleTenants = 1000;

const database = `sb_bench_${randomBytes(4).toString('hex')}`;
// Not npm start's published database password, which services refuse outside development.
const owner = { user: 'switchboard_owner', password: 'switchboard-bench' };
const app = { user: 'switchboard_app', password: 'switchboard-bench' };
const keys = Keyring.generateKeySpec('bench');
const keyring = Keyring.parse(keys);

await setupDatabase({
  adminUrl,
  migrationUrl: withDatabase(adminUrl, database, owner),
  appUrl: withDatabase(adminUrl, database, app),
  migrations: INSTANCE_MIGRATIONS,
});

const namespace = `bench${randomBytes(4).toString('hex')}`;
// The instance applies only what the Hub signed: this script signs as the Hub.
const hubKeys = generateSigningKeyPair();
const config = loadConfig(InstanceConfig, {
  INSTANCE_ID: 'bench',
  INSTANCE_API_URL: 'http://127.0.0.1:1',
  DATABASE_URL: withDatabase(adminUrl, database, app),
  DATABASE_POOL_SIZE: String(poolSize),
  NATS_URL: natsUrl,
  NATS_NAMESPACE: namespace,
  ENCRYPTION_KEYS: keys,
  HUB_PUBLIC_KEY: hubKeys.publicKey,
  LOG_LEVEL: 'silent',
});
const instance = await createService(InstanceModule.forRoot(config), {
  title: 'bench',
  description: 'bench',
  natsUrl,
  subjectVariables: { namespace, instanceId: 'bench' },
  serviceName: 'instance-bench',
});
await instance.startAllMicroservices();
await instance.listen(0, '127.0.0.1');
const instanceUrl = (await instance.getUrl()).replace('[::1]', '127.0.0.1');

const secret = `sbws_${randomBytes(32).toString('base64url')}`;
const workspaceId = randomUUID();
const workspaceKey = `bench-${randomBytes(4).toString('hex')}`;
const snapshot = {
  workspaceId,
  orgId: randomUUID(),
  key: workspaceKey,
  name: 'bench',
  settings: {},
  webhookUri: null,
  publicKeys: [],
  sealedSecret: keyring.encrypt(secret),
  previousSecrets: [],
  archivedAt: null,
  version: 1,
};
await instance
  .get(NatsClient)
  .request(
    applyWorkspaceSnapshotContract,
    { snapshot, signature: SnapshotSigner.fromSeed(hubKeys.signingKey).sign('bench', snapshot) },
    { instanceId: 'bench' },
  );

// The baseline: the same row by id, no auth, no scope, same pool size.
const ownerPool = new pg.Pool({ connectionString: withDatabase(adminUrl, database), max: poolSize });
const bare = Fastify();
const TENANT_BY_ID = `SELECT id, internal_id, name, fields, sealed_credentials, ai_credits_rolling_30_day_limit, created_at, updated_at, archived_at
  FROM tenants WHERE id = $1`;
const toDto = (row) => ({
  id: row.id,
  internalId: row.internal_id,
  name: row.name,
  fields: row.fields,
  hasCredentials: row.sealed_credentials !== null,
  aiCreditsRolling30DayLimit: row.ai_credits_rolling_30_day_limit,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
  archivedAt: row.archived_at,
});
bare.get('/tenants/self', async (request) => {
  const { rows } = await ownerPool.query(TENANT_BY_ID, [request.headers['x-tenant-id']]);
  return toDto(rows[0]);
});
// The same with a named prepared statement, as the instance reads the row: shown for comparison, so that
// what the statement saves is not mistaken for what the rest of the stack costs.
bare.get('/tenants/self-prepared', async (request) => {
  const { rows } = await ownerPool.query({
    name: 'tenant_by_id',
    text: TENANT_BY_ID,
    values: [request.headers['x-tenant-id']],
  });
  return toDto(rows[0]);
});
await bare.listen({ port: 0, host: '127.0.0.1' });
const bareUrl = `http://127.0.0.1:${bare.server.address().port}`;

async function seed(total) {
  await withClient(withDatabase(adminUrl, database), async (client) => {
    const { rows } = await client.query('SELECT count(*)::int AS n FROM tenants');
    const missing = total - rows[0].n;
    if (missing > 0) {
      await client.query(
        `INSERT INTO tenants (workspace_id, internal_id, name, fields)
         SELECT $1, 'tenant-' || g, 'Tenant ' || g, '{"plan":"pro"}'::jsonb FROM generate_series($2::int, $3::int) g`,
        [workspaceId, rows[0].n + 1, total],
      );
      await client.query('ANALYZE tenants');
    }
  });
  // Sample tenants spread over the whole table, so that the larger run reads cold rows too.
  const step = Math.floor(total / sampleTenants);
  return withClient(withDatabase(adminUrl, database), async (client) => {
    const keys = Array.from({ length: sampleTenants }, (_, i) => `tenant-${1 + i * step}`);
    const { rows } = await client.query('SELECT id, internal_id FROM tenants WHERE internal_id = ANY($1)', [keys]);
    return rows;
  });
}

async function measure(label, total) {
  const tenants = await seed(total);
  const tokens = tenants.map((tenant) =>
    jwt.sign({ iss: workspaceKey, tenantKey: tenant.internal_id }, secret, { algorithm: 'HS256', expiresIn: 3600 }),
  );
  const headersForInstance = tokens.map((token) => ({ authorization: `Bearer ${token}` }));
  const headersForBare = tenants.map((tenant) => ({ 'x-tenant-id': tenant.id }));
  const load = (url, headers, durationMs) => runLoad({ url, durationMs, concurrency, headers });
  const targets = {
    instance: [`${instanceUrl}/tenants/self`, headersForInstance],
    bare: [`${bareUrl}/tenants/self`, headersForBare],
    barePrepared: [`${bareUrl}/tenants/self-prepared`, headersForBare],
  };
  // Warm all three (JIT, pools, the token cache) before measuring.
  for (const [url, headers] of Object.values(targets)) await load(url, headers, warmupSeconds * 1000);
  const results = { label, total };
  for (const [name, [url, headers]] of Object.entries(targets))
    results[name] = await load(url, headers, seconds * 1000);
  return results;
}

const format = (r) =>
  `${r.throughput.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  errors ${r.errors}`;

try {
  const small = await measure('1,000 tenants', 1000);
  const large = await measure('1,000,000 tenants', 1_000_000);
  console.log(`GET /tenants/self — concurrency ${concurrency}, pool ${poolSize}, ${seconds}s each, this machine`);
  for (const run of [small, large]) {
    console.log(`\n${run.label}`);
    const lines = { instance: run.instance, bare: run.bare, 'bare, prepared': run.barePrepared };
    for (const [name, result] of Object.entries(lines)) console.log(`  ${name.padEnd(15)}${format(result)}`);
    console.log(`  instance / bare throughput: ${((100 * run.instance.throughput) / run.bare.throughput).toFixed(1)}%`);
    console.log(
      `  instance / bare with the same prepared statement: ${((100 * run.instance.throughput) / run.barePrepared.throughput).toFixed(1)}%`,
    );
  }
  console.log(
    `\ninstance p99, 1,000,000 vs 1,000 tenants: ${(large.instance.p99 / small.instance.p99).toFixed(2)}x (target ≤ 1.2x)`,
  );
} finally {
  // Dropping the database ends any connection still open; that is the point, not an error.
  process.on('uncaughtException', (error) => {
    if (error?.code !== '57P01') throw error;
  });
  await instance.close();
  await bare.close();
  await ownerPool.end();
  await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
}
