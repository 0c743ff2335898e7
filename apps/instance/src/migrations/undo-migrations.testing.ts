import type { TestDatabase } from '@switchboard/testing';
import { DataSource } from 'typeorm';

import { INSTANCE_MIGRATIONS } from './index.js';

/**
 * For a test of one migration on rows written before it: a DataSource on the
 * test database as the owner runs migrations, with the last `count` instance
 * migrations undone (each in its own transaction, as `down` runs them), so
 * that the caller can seed rows in the older schema and then
 * `runMigrations()`.
 * @returns the initialized DataSource; the caller destroys it.
 */
export async function undoLastMigrations(database: TestDatabase, count: number): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: database.migrationUrl,
    migrations: INSTANCE_MIGRATIONS,
    migrationsTableName: 'migrations',
    logging: ['error'],
  });
  await dataSource.initialize();
  for (let i = 0; i < count; i++) await dataSource.undoLastMigration({ transaction: 'all' });
  return dataSource;
}
