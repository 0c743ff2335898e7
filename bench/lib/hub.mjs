// One real Hub for a bench, in this process: its own database (migrated, with the app role), its own
// NATS namespace, a bootstrap platform admin, a registered instance row, and one org with one workspace.
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

/**
 * Starts the Hub and creates an org and a workspace through its API.
 * @returns the Nest app, its URL, the admin's token (`sbp_…`), the workspace (`POST /org-workspaces`'s
 *   answer, with its `secret`), and `close()`, which stops the app and drops the database.
 */
export async function startBenchHub() {
  const database = `sb_bench_tokens_${randomBytes(4).toString('hex')}`;
  const adminToken = `sbp_${randomBytes(32).toString('base64url')}`;
  // Roles with a password of the bench's own: npm start's published one is refused outside development.
  const app = { user: 'switchboard_app', password: 'switchboard-bench' };
  await setupDatabase({
    adminUrl,
    migrationUrl: withDatabase(adminUrl, database, { user: 'switchboard_owner', password: 'switchboard-bench' }),
    appUrl: withDatabase(adminUrl, database, app),
    migrations: HUB_MIGRATIONS,
  });
  const config = loadConfig(HubConfig, {
    DATABASE_URL: withDatabase(adminUrl, database, app),
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
  const url = (await hub.getUrl()).replace('[::1]', '127.0.0.1');
  // A registered instance to place the workspace on (no instance process is needed to issue tokens).
  await withClient(withDatabase(adminUrl, database), (client) =>
    client.query(
      `INSERT INTO instances (id, name, api_url, last_seen_at) VALUES ('bench', 'bench', 'http://127.0.0.1:1', now())`,
    ),
  );
  const post = async (path, body) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return response.json();
  };
  const org = await post('/orgs', { name: 'bench' });
  const workspace = await post('/org-workspaces', { orgId: org.id, name: 'bench' });
  return {
    hub,
    url,
    adminToken,
    workspace,
    async close() {
      // Dropping the database ends any connection still open; that is the point, not an error.
      process.on('uncaughtException', (error) => {
        if (error?.code !== '57P01') throw error;
      });
      await hub.close();
      await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    },
  };
}
