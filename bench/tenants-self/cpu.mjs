// GET /tenants/self's CPU cost on the instance, free of the machine's load:
// requests go through the instance's whole stack in process (Fastify's
// inject: no HTTP sockets, no load generator; Postgres is real), 32 at a time,
// and the main thread's CPU time (process.threadCpuUsage) is divided by their
// number; the bare server's prepared route, injected the same way, is the
// floor. 1,000 tenants; five rounds of 10,000; the minimum is the least
// disturbed.
//
//   npm run build --silent && node bench/tenants-self/cpu.mjs
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

const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
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

try {
  const tenants = await seed(1000);
  const tokens = tenants.map((tenant) =>
    jwt.sign({ iss: workspaceKey, tenantKey: tenant.internal_id }, secret, { algorithm: 'HS256', expiresIn: 3600 }),
  );
  const fastify = instance.getHttpAdapter().getInstance();
  let k = 0;
  const one = () =>
    fastify.inject({
      method: 'GET',
      url: '/tenants/self',
      headers: { authorization: `Bearer ${tokens[k++ % tokens.length]}` },
    });
  const bareOne = () =>
    bare.inject({
      method: 'GET',
      url: '/tenants/self-prepared',
      headers: { 'x-tenant-id': tenants[k++ % tenants.length].id },
    });
  const run = async (fn, n) => {
    let i = 0,
      bad = 0;
    const worker = async () => {
      while (i++ < n) {
        const r = await fn();
        if (r.statusCode >= 300) bad++;
      }
    };
    const before = process.threadCpuUsage();
    await Promise.all(Array.from({ length: 32 }, worker));
    const used = process.threadCpuUsage(before);
    if (bad) throw new Error(`${bad} failed`);
    return (used.user + used.system) / n;
  };
  await run(one, 20000);
  await run(bareOne, 20000);
  const res = { instance: [], bare: [] };
  for (let round = 0; round < 5; round++) {
    res.instance.push(await run(one, 10000));
    res.bare.push(await run(bareOne, 10000));
  }
  const f = (a) => a.map((x) => x.toFixed(1)).join(' ');
  console.log(
    `inject CPU µs/request  instance: ${f(res.instance)} (min ${Math.min(...res.instance).toFixed(1)})  bare prepared: ${f(res.bare)} (min ${Math.min(...res.bare).toFixed(1)})`,
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
