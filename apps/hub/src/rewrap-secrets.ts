import { pathToFileURL } from 'node:url';

import { loadConfig } from '@switchboard/config';
import { Keyring } from '@switchboard/crypto';
import { redactUrl, rewrapSealedColumns, type SealedColumn, withClient } from '@switchboard/persistence';

import { HubConfig } from './config.js';

/** Every value the Hub stores sealed with `ENCRYPTION_KEYS`. */
export const HUB_SEALED_COLUMNS: SealedColumn[] = [
  { table: 'org_workspaces', column: 'sealed_secret', key: ['id'] },
  { table: 'org_workspaces', column: 'previous_sealed_secrets', key: ['id'], jsonField: 'sealedSecret' },
  { table: 'idempotency_keys', column: 'sealed_response', key: ['user_id', 'key'] },
];

/**
 * `npm run secrets:rewrap`: after a new key is put first in ENCRYPTION_KEYS
 * (keeping the old ones after it), re-seals every Hub secret under it, so the
 * old keys can then be removed. Instances hold their own sealed values and
 * share the keyring: give them the same ENCRYPTION_KEYS, and run
 * `npm run secrets:rewrap:instance` on each after this command (snapshots
 * carry the Hub's sealed values, so one sent before it would bring old-key
 * copies back) before removing a key.
 */
async function main(): Promise<void> {
  const config = loadConfig(HubConfig);
  const keyring = Keyring.parse(config.ENCRYPTION_KEYS);
  const counts = await withClient(config.DATABASE_URL, (client) =>
    rewrapSealedColumns(client, keyring, HUB_SEALED_COLUMNS),
  );
  for (const [column, count] of Object.entries(counts)) console.log(`${column}: re-sealed ${count}`);
  console.log(`every Hub secret in ${redactUrl(config.DATABASE_URL)} is sealed with key ${keyring.currentVersion}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
