// One real instance for a bench, in this process: its own database (migrated, with the app role),
// its own NATS namespace, and one workspace applied as the Hub would apply it (signed snapshot).
import { randomBytes, randomUUID } from 'node:crypto';

import { InstanceConfig } from '../../apps/instance/dist/config.js';
import { InstanceModule } from '../../apps/instance/dist/instance.module.js';
import { INSTANCE_MIGRATIONS } from '../../apps/instance/dist/migrations/index.js';
import { loadConfig } from '../../libs/config/dist/index.js';
import { applyWorkspaceSnapshotContract } from '../../libs/contracts/dist/index.js';
import { generateSigningKeyPair, Keyring, SnapshotSigner } from '../../libs/crypto/dist/index.js';
import { setupDatabase, withClient, withDatabase } from '../../libs/persistence/dist/index.js';
import { createService, NatsClient } from '../../libs/server/dist/index.js';

export const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * Starts the instance and applies one workspace.
 * @param {{ poolSize: number }} options the app role's pool size (the baseline should use the same)
 * @returns the Nest app, its URL, its database name, the workspace's id, key and secret (HS256, for
 *   signing tenant tokens), the owner's and the app role's URLs of its database, and `close()`, which
 *   stops the app and drops the database.
 */
export async function startBenchInstance({ poolSize }) {
  const database = `sb_bench_${randomBytes(4).toString('hex')}`;
  // Not npm start's published database password, which services refuse outside development.
  const owner = { user: 'switchboard_owner', password: 'switchboard-bench' };
  const app = { user: 'switchboard_app', password: 'switchboard-bench' };
  const keys = Keyring.generateKeySpec('bench');
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
  const url = (await instance.getUrl()).replace('[::1]', '127.0.0.1');

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
    sealedSecret: Keyring.parse(keys).encrypt(secret),
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

  return {
    instance,
    url,
    database,
    ownerUrl: withDatabase(adminUrl, database),
    // The instance's own role (row-level security applies to it), for a baseline that reads as the instance does.
    appUrl: withDatabase(adminUrl, database, app),
    workspaceId,
    workspaceKey,
    secret,
    async close() {
      // Dropping the database ends any connection still open; that is the point, not an error.
      process.on('uncaughtException', (error) => {
        if (error?.code !== '57P01') throw error;
      });
      await instance.close();
      await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    },
  };
}
