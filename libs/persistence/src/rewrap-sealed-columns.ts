import type { Keyring } from '@switchboard/crypto';
import type pg from 'pg';

import { ident } from './database-urls.js';

/**
 * A column of keyring-sealed values, and the columns that identify its rows.
 * With `jsonField`, the column is a `jsonb` array of objects whose
 * `jsonField` property holds a sealed value (e.g. previous secrets, each with
 * its expiry): every element is re-sealed, the rest of it kept as it is.
 */
export interface SealedColumn {
  table: string;
  column: string;
  key: string[];
  jsonField?: string;
}

/**
 * Where row-level security hides rows from a connection with no scope (FORCE
 * binds the owner role too), the re-seal runs once per scope, and every batch
 * transaction enters its scope first: a transaction-local setting ends with
 * the batch, so each batch must set it again.
 */
export type RewrapOptions = { batchSize?: number } & (
  | { scopes?: undefined; enterScope?: undefined }
  | {
      /** The scopes to re-seal one after another (e.g. workspace ids). */
      scopes: readonly string[];
      /** Runs first in every batch transaction of a scope. */
      enterScope: (client: pg.ClientBase, scope: string) => Promise<void>;
    }
);

const BATCH_SIZE = 500;

/**
 * Re-seals every stored value that is not sealed with the keyring's current
 * (first) key, in batches of one transaction each. Each row is locked while it
 * is re-sealed and written only if it still holds the value that was read, so
 * a concurrent change (a rotation) is never overwritten. Safe to run again and
 * while the service runs. Returns how many values each column re-sealed (over
 * every scope); never prints a value.
 */
export async function rewrapSealedColumns(
  client: pg.ClientBase,
  keyring: Keyring,
  columns: SealedColumn[],
  options: RewrapOptions = {},
): Promise<Record<string, number>> {
  const batchSize = options.batchSize ?? BATCH_SIZE;
  const passes: ((() => Promise<void>) | undefined)[] =
    options.scopes === undefined ? [undefined] : options.scopes.map((scope) => () => options.enterScope(client, scope));
  const counts: Record<string, number> = Object.fromEntries(
    columns.map(({ table, column }) => [`${table}.${column}`, 0]),
  );
  for (const enterScope of passes) {
    for (const sealed of columns) {
      const name = `${sealed.table}.${sealed.column}`;
      counts[name] = (counts[name] ?? 0) + (await rewrapColumn(client, keyring, sealed, batchSize, enterScope));
    }
  }
  return counts;
}

async function rewrapColumn(
  client: pg.ClientBase,
  keyring: Keyring,
  { table, column, key, jsonField }: SealedColumn,
  batchSize: number,
  enterScope: (() => Promise<void>) | undefined,
): Promise<number> {
  const prefix = `${keyring.currentVersion}:`;
  const keys = key.map(ident).join(', ');
  // A stale row: its value (or, in a JSON array, any element's field) is not sealed with the current key.
  const stale =
    jsonField === undefined
      ? `${ident(column)} IS NOT NULL AND left(${ident(column)}, $1) <> $2`
      : `EXISTS (SELECT 1 FROM jsonb_array_elements(${ident(column)}) AS e WHERE left(e ->> $4::text, $1) <> $2)`;
  let count = 0;
  for (;;) {
    await client.query('BEGIN');
    try {
      await enterScope?.();
      const { rows } = await client.query<Record<string, unknown>>(
        `SELECT ${keys}, ${ident(column)} AS sealed FROM ${ident(table)}
         WHERE ${stale} ORDER BY ${keys} LIMIT $3 FOR UPDATE`,
        jsonField === undefined ? [prefix.length, prefix, batchSize] : [prefix.length, prefix, batchSize, jsonField],
      );
      let resealedValues = 0;
      for (const row of rows) {
        const reseal = (sealed: string): string => {
          try {
            return keyring.rewrap(sealed);
          } catch {
            throw new Error(
              `${table}.${column} (${key.map((k) => `${k}=${String(row[k])}`).join(', ')}) is sealed with a key that ` +
                'ENCRYPTION_KEYS does not hold; add that key (after the new one) and run again.',
            );
          }
        };
        let resealed: unknown;
        if (jsonField === undefined) {
          resealed = reseal(row['sealed'] as string);
          resealedValues++;
        } else {
          resealed = (row['sealed'] as Record<string, unknown>[]).map((element) => {
            const sealed = element[jsonField];
            if (typeof sealed !== 'string' || !keyring.isStale(sealed)) return element;
            resealedValues++;
            return { ...element, [jsonField]: reseal(sealed) };
          });
        }
        const where = key.map((k, i) => `${ident(k)} = $${i + 3}`).join(' AND ');
        // Compare-and-set: a value changed since it was read (a rotation) is left alone.
        const same = jsonField === undefined ? `${ident(column)} = $2` : `${ident(column)} = $2::jsonb`;
        await client.query(`UPDATE ${ident(table)} SET ${ident(column)} = $1 WHERE ${same} AND ${where}`, [
          jsonField === undefined ? resealed : JSON.stringify(resealed),
          jsonField === undefined ? row['sealed'] : JSON.stringify(row['sealed']),
          ...key.map((k) => row[k]),
        ]);
      }
      await client.query('COMMIT');
      count += resealedValues;
      if (rows.length < batchSize) return count;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  }
}

/**
 * Every column of the current schema whose name says it holds sealed values
 * (`sealed_…`, `previous_sealed_…`, JSON arrays of sealed values included), so that a test can fail when a command's
 * list of sealed columns misses one. Read it as a role that sees every table.
 */
export async function sealedColumnsInCatalog(client: pg.ClientBase): Promise<{ table: string; column: string }[]> {
  const { rows } = await client.query<{ table: string; column: string }>(
    `SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
     WHERE table_schema = current_schema() AND (column_name LIKE 'sealed%' OR column_name LIKE '%\\_sealed%')
     ORDER BY table_name, column_name`,
  );
  return rows;
}
