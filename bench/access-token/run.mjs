// Access-token issuance: POST /org-workspaces/{id}/access-token on the real Hub
// (platform token auth, org role check, the workspace's secret as a cached
// KeyObject) against a bare Fastify route that signs the same JWT with a
// KeyObject and nothing else — same concurrency, side by side in one run.
//
//   npm run bench:access-token         (BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_CONCURRENCY to tune)
import { createSecretKey, randomBytes } from 'node:crypto';

import Fastify from 'fastify';
import jwt from 'jsonwebtoken';

import { HubConfig } from '../../apps/hub/dist/config.js';
import { HubModule } from '../../apps/hub/dist/hub.module.js';
import { HUB_MIGRATIONS } from '../../apps/hub/dist/migrations/index.js';
import { loadConfig } from '../../libs/config/dist/index.js';
import { generateSigningKeyPair, Keyring } from '../../libs/crypto/dist/index.js';
import { setupDatabase, withClient, withDatabase } from '../../libs/persistence/dist/index.js';
import { createService } from '../../libs/server/dist/index.js';
import { runLoad } from '../lib/load.mjs';

const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
// Long enough for the JIT to settle: with 1.5 s the first measured run was a third slower than the next.
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const database = `sb_bench_tokens_${randomBytes(4).toString('hex')}`;
const adminToken = `sbp_${randomBytes(32).toString('base64url')}`;

// Roles with a password of the bench's own: npm start's published one is refused outside development.
await setupDatabase({
  adminUrl,
  migrationUrl: withDatabase(adminUrl, database, { user: 'switchboard_owner', password: 'switchboard-bench' }),
  appUrl: withDatabase(adminUrl, database, { user: 'switchboard_app', password: 'switchboard-bench' }),
  migrations: HUB_MIGRATIONS,
});
const config = loadConfig(HubConfig, {
  DATABASE_URL: withDatabase(adminUrl, database, { user: 'switchboard_app', password: 'switchboard-bench' }),
  NATS_URL: natsUrl,
  NATS_NAMESPACE: `benchtokens${randomBytes(3).toString('hex')}`,
  ENCRYPTION_KEYS: Keyring.generateKeySpec('bench'),
  HUB_BOOTSTRAP_ADMIN_EMAIL: 'bench@example.test',
  HUB_BOOTSTRAP_ADMIN_TOKEN: adminToken,
  HUB_SIGNING_KEY: generateSigningKeyPair().signingKey,
  LOG_LEVEL: 'silent',
});
const hub = await createService(HubModule.forRoot(config), {
  title: 'bench',
  description: 'bench',
  natsUrl,
  subjectVariables: { namespace: config.NATS_NAMESPACE },
  serviceName: 'hub',
});
await hub.startAllMicroservices();
await hub.listen(0, '127.0.0.1');
const hubUrl = (await hub.getUrl()).replace('[::1]', '127.0.0.1');
// A registered instance to place the workspace on (no instance process is needed to issue tokens).
await withClient(withDatabase(adminUrl, database), (client) =>
  client.query(
    `INSERT INTO instances (id, name, api_url, last_seen_at) VALUES ('bench', 'bench', 'http://127.0.0.1:1', now())`,
  ),
);
const post = async (path, body) => {
  const response = await fetch(`${hubUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.json();
};
const org = await post('/orgs', { name: 'bench' });
const workspace = await post('/org-workspaces', { orgId: org.id, name: 'bench' });

const key = createSecretKey(Buffer.from(workspace.secret, 'utf8'));
const bare = Fastify();
bare.post('/access-token', async (request) => {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: workspace.key, iat: now, exp: now + 3600, tenantKey: request.body.tenantKey };
  return {
    token: jwt.sign(claims, key, { algorithm: 'HS256', noTimestamp: true }),
    expiresAt: new Date((now + 3600) * 1000).toISOString(),
  };
});
await bare.listen({ port: 0, host: '127.0.0.1' });
const bareUrl = `http://127.0.0.1:${bare.server.address().port}`;

const body = JSON.stringify({ tenantKey: 'tenant-1' });
const load = (url, headers, durationMs) =>
  runLoad({ url, durationMs, concurrency, headers: [headers], method: 'POST', body });
const hubTarget = `${hubUrl}/org-workspaces/${workspace.id}/access-token`;
try {
  await load(hubTarget, { authorization: `Bearer ${adminToken}` }, warmupSeconds * 1000);
  await load(`${bareUrl}/access-token`, {}, warmupSeconds * 1000);
  const hubResult = await load(hubTarget, { authorization: `Bearer ${adminToken}` }, seconds * 1000);
  const bareResult = await load(`${bareUrl}/access-token`, {}, seconds * 1000);
  // The Hub's stack with no work at all (no auth, no database): the ceiling any Hub route can reach here.
  const floorResult = await runLoad({
    url: `${hubUrl}/healthz`,
    durationMs: seconds * 1000,
    concurrency,
    headers: [{}],
  });
  const format = (r) =>
    `${r.throughput.toFixed(0).padStart(6)} tokens/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  errors ${r.errors}`;
  console.log(`Access-token issuance — concurrency ${concurrency}, ${seconds}s each, this machine`);
  console.log(`  Hub    ${format(hubResult)}`);
  console.log(`  bare   ${format(bareResult)}`);
  console.log(`  Hub GET /healthz (its stack, no work) ${format(floorResult).replace('tokens/s', 'req/s')}`);
  console.log(
    `  Hub / bare: ${((100 * hubResult.throughput) / bareResult.throughput).toFixed(1)}%, ` +
      `ratio 1 : ${(bareResult.throughput / hubResult.throughput).toFixed(1)} (target ≥ 5,000 tokens/s)`,
  );
} finally {
  process.on('uncaughtException', (error) => {
    if (error?.code !== '57P01') throw error;
  });
  await hub.close();
  await bare.close();
  await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
}
