import { ConfigError, loadConfig } from '@switchboard/config';
import { redactUrl, setupDatabase } from '@switchboard/persistence';

import { InstanceConfig } from './config.js';
import { INSTANCE_MIGRATIONS } from './migrations/index.js';

/** Creates an instance's roles and database if missing, then runs its migrations as the owner role. */
async function main(): Promise<void> {
  const config = loadConfig(InstanceConfig);
  if (!config.DATABASE_MIGRATION_URL || !config.DATABASE_ADMIN_URL) {
    throw new ConfigError([
      'DATABASE_MIGRATION_URL (the owner role) and DATABASE_ADMIN_URL (a superuser) are required to set up the database.',
    ]);
  }
  await setupDatabase({
    adminUrl: config.DATABASE_ADMIN_URL,
    migrationUrl: config.DATABASE_MIGRATION_URL,
    appUrl: config.DATABASE_URL,
    migrations: INSTANCE_MIGRATIONS,
  });
  console.log(`instance database ready: ${redactUrl(config.DATABASE_URL)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
