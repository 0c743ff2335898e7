import type { MixedList } from 'typeorm';

import { redactUrl } from './database-urls.js';
import { setupDatabase } from './setup-database.js';

/** The database variables every service's configuration carries. */
export interface ServiceDatabaseConfig {
  DATABASE_URL: string;
  DATABASE_MIGRATION_URL?: string;
  DATABASE_ADMIN_URL?: string;
}

/**
 * The `db:setup` step of a service: creates its roles and database if missing,
 * then runs its migrations as the owner role. A configuration that is missing
 * or wrong exits non-zero with sentences naming it, never with a stack trace.
 */
export async function setupServiceDatabase(
  service: string,
  readConfig: () => ServiceDatabaseConfig,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>,
): Promise<void> {
  try {
    const config = readConfig();
    if (!config.DATABASE_MIGRATION_URL || !config.DATABASE_ADMIN_URL) {
      throw new Error(
        'DATABASE_MIGRATION_URL (the owner role) and DATABASE_ADMIN_URL (a superuser) are required to set up the database.',
      );
    }
    await setupDatabase({
      adminUrl: config.DATABASE_ADMIN_URL,
      migrationUrl: config.DATABASE_MIGRATION_URL,
      appUrl: config.DATABASE_URL,
      migrations,
    });
    console.log(`${service} database ready: ${redactUrl(config.DATABASE_URL)}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
