import { pathToFileURL } from 'node:url';

import { loadConfig } from '@switchboard/config';
import { Keyring } from '@switchboard/crypto';
import { ident, redactUrl, withClient } from '@switchboard/persistence';
import type pg from 'pg';

import { HubConfig } from './config.js';

/** A column of keyring-sealed values, and the columns that identify its rows. */
export interface SealedColumn {
  table: string;
  column: string;
  key: string[];
}

/** Every value the Hub stores sealed with `ENCRYPTION_KEYS`. */
export const HUB_SEALED_COLUMNS: SealedColumn[] = [
  { table: 'org_workspaces', column: 'sealed_secret', key: ['id'] },
  { table: 'org_workspaces', column: 'previous_sealed_secret', key: ['id'] },
  { table: 'idempotency_keys', column: 'sealed_response', key: ['user_id', 'key'] },
];

const BATCH_SIZE = 500;

/**
 * Re-seals every stored value that is not sealed with the keyring's current
 * (first) key, in batches of one transaction each. Each row is locked while it
 * is re-sealed and written only if it still holds the value that was read, so
 * a concurrent change (a rotation) is never overwritten. Safe to run again and
 * while the service runs. Returns how many values each column re-sealed;
 * never prints a value.
 */
export async function rewrapSealedColumns(
  client: pg.ClientBase,
  keyring: Keyring,
  columns: SealedColumn[],
): Promise<Record<string, number>> {
  const prefix = `${keyring.currentVersion}:`;
  const counts: Record<string, number> = {};
  for (const { table, column, key } of columns) {
    const keys = key.map(ident).join(', ');
    let count = 0;
    for (;;) {
      await client.query('BEGIN');
      try {
        const { rows } = await client.query<Record<string, string>>(
          `SELECT ${keys}, ${ident(column)} AS sealed FROM ${ident(table)}
           WHERE ${ident(column)} IS NOT NULL AND left(${ident(column)}, $1) <> $2
           ORDER BY ${keys} LIMIT $3 FOR UPDATE`,
          [prefix.length, prefix, BATCH_SIZE],
        );
        for (const row of rows) {
          let resealed: string;
          try {
            resealed = keyring.rewrap(row['sealed']);
          } catch {
            throw new Error(
              `${table}.${column} (${key.map((k) => `${k}=${row[k]}`).join(', ')}) is sealed with a key that ` +
                'ENCRYPTION_KEYS does not hold; add that key (after the new one) and run again.',
            );
          }
          const where = key.map((k, i) => `${ident(k)} = $${i + 3}`).join(' AND ');
          await client.query(
            `UPDATE ${ident(table)} SET ${ident(column)} = $1 WHERE ${ident(column)} = $2 AND ${where}`,
            [resealed, row['sealed'], ...key.map((k) => row[k])],
          );
        }
        await client.query('COMMIT');
        count += rows.length;
        if (rows.length < BATCH_SIZE) break;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
    counts[`${table}.${column}`] = count;
  }
  return counts;
}

/**
 * `npm run secrets:rewrap`: after a new key is put first in ENCRYPTION_KEYS
 * (keeping the old ones after it), re-seals every Hub secret under it, so the
 * old keys can then be removed. Instances hold their own sealed values and
 * share the keyring: give them the same ENCRYPTION_KEYS before removing a key.
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
