// The access-token route's own CPU cost, free of the machine's load: requests
// go through the Hub's whole stack in process (Fastify's inject: no sockets, no
// load generator), 32 at a time, and the main thread's CPU time
// (process.threadCpuUsage, not wall time) is divided by their number; GET
// /healthz, measured the same way, is the stack with no work. Five rounds of
// 20,000 each; the minimum is the least disturbed. Throughput on a shared
// machine swings by 2x; this number by about 15 %.
//
//   npm run build --silent && node bench/access-token/cpu.mjs
import { randomBytes } from 'node:crypto';

import { HubConfig } from '../../apps/hub/dist/config.js';
import { HubModule } from '../../apps/hub/dist/hub.module.js';
import { HUB_MIGRATIONS } from '../../apps/hub/dist/migrations/index.js';
import { loadConfig } from '../../libs/config/dist/index.js';
import { generateSigningKeyPair, Keyring } from '../../libs/crypto/dist/index.js';
import { setupDatabase, withClient, withDatabase } from '../../libs/persistence/dist/index.js';
import { createService } from '../../libs/server/dist/index.js';

const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
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

const body = JSON.stringify({ tenantKey: 'tenant-1' });
try {
  const fastify = hub.getHttpAdapter().getInstance();
  const path = `/org-workspaces/${workspace.id}/access-token`;
  const one = () =>
    fastify.inject({
      method: 'POST',
      url: path,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      payload: body,
    });
  const health = () => fastify.inject({ method: 'GET', url: '/healthz' });
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
  await run(one, 30000);
  await run(health, 20000);
  const res = { token: [], healthz: [] };
  for (let round = 0; round < 5; round++) {
    res.token.push(await run(one, 20000));
    res.healthz.push(await run(health, 20000));
  }
  const f = (a) => a.map((x) => x.toFixed(1)).join(' ');
  console.log(
    `inject CPU µs/request  token: ${f(res.token)} (min ${Math.min(...res.token).toFixed(1)})  healthz: ${f(res.healthz)} (min ${Math.min(...res.healthz).toFixed(1)})`,
  );
} finally {
  process.on('uncaughtException', (error) => {
    if (error?.code !== '57P01') throw error;
  });
  await hub.close();
  await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
}
