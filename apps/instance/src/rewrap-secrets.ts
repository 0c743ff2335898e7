import { pathToFileURL } from 'node:url';

import { loadConfig } from '@switchboard/config';
import { Keyring } from '@switchboard/crypto';
import { redactUrl, rewrapSealedColumns, RowShapeError, type SealedColumn, withClient } from '@switchboard/persistence';
import type pg from 'pg';

import { InstanceConfig } from './config.js';

/**
 * This instance's copies of the Hub's workspace secrets. The instance re-seals
 * them itself rather than waiting for the Hub's next snapshot, because none
 * may come: the Hub's `secrets:rewrap` changes no config version and writes no
 * outbox row, and reconciliation compares versions only, so an unchanged
 * workspace would keep its old-key copy here until its next configuration
 * change, and removing the old key would break its tokens and webhook
 * signatures. Re-sealing them here is harmless: the plaintext and
 * `config_version` stay as they are, a newer snapshot still overwrites the row
 * (the row lock makes one applied during a batch wait for it, and the
 * compare-and-set never overwrites one applied before), and token keys are
 * cached by sealed value, so a new ciphertext is merely a new cache entry.
 * The table has no row-level security: these are re-sealed without a scope.
 */
export const WORKSPACE_SEALED_COLUMNS: SealedColumn[] = [
  { table: 'workspaces', column: 'sealed_secret', key: ['id'] },
  { table: 'workspaces', column: 'previous_sealed_secrets', key: ['id'], jsonField: 'sealedSecret' },
];

/**
 * Tables under forced row-level security: re-sealed workspace by workspace,
 * each batch in that workspace's admin scope (an empty tenant), which every
 * policy lets read and write the workspace's rows — integrations' stricter
 * WITH CHECK (no tenant scope) included. `workspace_id` leads each key so that
 * a failure names the workspace as well as the row.
 */
export const SCOPED_SEALED_COLUMNS: SealedColumn[] = [
  { table: 'tenants', column: 'sealed_credentials', key: ['workspace_id', 'id'] },
  { table: 'integrations', column: 'sealed_client_secret', key: ['workspace_id', 'id'] },
  { table: 'connections', column: 'sealed_credentials', key: ['workspace_id', 'id'] },
  { table: 'idempotency_keys', column: 'sealed_response', key: ['workspace_id', 'id'] },
];

/** Every value an instance stores sealed with `ENCRYPTION_KEYS`. */
export const INSTANCE_SEALED_COLUMNS: SealedColumn[] = [...WORKSPACE_SEALED_COLUMNS, ...SCOPED_SEALED_COLUMNS];

/**
 * Re-seals every value the instance stores under the keyring's current key:
 * the workspace secrets, then the tenant-level tables of each workspace in
 * its own scope. Returns how many values each column re-sealed.
 */
export async function rewrapInstanceSecrets(
  client: pg.ClientBase,
  keyring: Keyring,
  options: { batchSize?: number } = {},
): Promise<Record<string, number>> {
  const workspaces = await rewrapSealedColumns(client, keyring, WORKSPACE_SEALED_COLUMNS, options);
  // Listed once: a workspace that arrives later is sealed by the services,
  // which already run with the new key first.
  const { rows } = await client.query('SELECT id FROM workspaces ORDER BY id');
  const scoped = await rewrapSealedColumns(client, keyring, SCOPED_SEALED_COLUMNS, {
    ...options,
    scopes: rows.map(({ id }: { id?: unknown }) => {
      if (typeof id !== 'string') throw new RowShapeError('workspaces', 'id', 'string', id);
      return id;
    }),
    enterScope: async (scopeClient, workspaceId) => {
      await scopeClient.query(
        "SELECT set_config('app.workspace_id', $1, true), set_config('app.tenant_id', '', true)",
        [workspaceId],
      );
    },
  });
  return { ...workspaces, ...scoped };
}

/**
 * `npm run secrets:rewrap:instance`: the instance's side of a key rotation.
 * With the new key first in ENCRYPTION_KEYS on the Hub and on every replica
 * (the old ones after it), run the Hub's `secrets:rewrap`, then this on each
 * instance; then the old key can be removed.
 *
 * It connects as the application role (DATABASE_URL), as the Hub's command
 * does: that role may read and update every one of these tables within a
 * workspace's scope, and row-level security is forced, so the owner role
 * (DATABASE_MIGRATION_URL) would see no more rows — it would only add DDL
 * rights this command has no use for, and only `db:setup` is given it.
 */
async function main(): Promise<void> {
  const config = loadConfig(InstanceConfig);
  const keyring = Keyring.parse(config.ENCRYPTION_KEYS);
  const counts = await withClient(config.DATABASE_URL, (client) => rewrapInstanceSecrets(client, keyring));
  for (const [column, count] of Object.entries(counts)) console.log(`${column}: re-sealed ${count}`);
  console.log(
    `every secret of instance ${config.INSTANCE_ID} in ${redactUrl(config.DATABASE_URL)} is sealed with key ${keyring.currentVersion}`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
