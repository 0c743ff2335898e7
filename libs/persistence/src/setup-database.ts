import pg from 'pg';
import { DataSource, type MixedList } from 'typeorm';

import { ident, identityOf, literal, withDatabase } from './database-urls.js';

export interface DatabaseSetupOptions {
  /** A superuser (or CREATEROLE + CREATEDB) connection; its database is only used to connect. */
  adminUrl: string;
  /** The owner role: owns the schema and every table, runs migrations. */
  migrationUrl: string;
  /** The application role: owns nothing, has no BYPASSRLS; the service connects as it. */
  appUrl: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
}

/**
 * Creates the roles and the database if they are missing, makes the owner role
 * own the schema, grants the application role only data access, and runs the
 * migrations as the owner. Safe to run again: every step is idempotent.
 *
 * Safe to run concurrently too: each pod of a Deployment runs it in an
 * initContainer (k8s/), so several replicas start it at once on every
 * upgrade. A session advisory lock on the admin connection's database, keyed
 * on the target database's name, makes them take turns; the later ones find
 * everything done.
 */
export async function setupDatabase(options: DatabaseSetupOptions): Promise<void> {
  const owner = identityOf(options.migrationUrl);
  const app = identityOf(options.appUrl);
  if (owner.database !== app.database) {
    throw new Error('DATABASE_MIGRATION_URL and DATABASE_URL must name the same database.');
  }
  if (owner.user === app.user) {
    throw new Error('DATABASE_MIGRATION_URL and DATABASE_URL must use different roles: the app role must own nothing.');
  }
  await withClient(options.adminUrl, async (lock) => {
    await lock.query("SELECT pg_advisory_lock(hashtext('switchboard.setup-database'), hashtext($1))", [owner.database]);
    try {
      await setupDatabaseLocked(options, owner, app);
    } finally {
      await lock.query("SELECT pg_advisory_unlock(hashtext('switchboard.setup-database'), hashtext($1))", [
        owner.database,
      ]);
    }
  });
}

async function setupDatabaseLocked(
  options: DatabaseSetupOptions,
  owner: ReturnType<typeof identityOf>,
  app: ReturnType<typeof identityOf>,
): Promise<void> {
  await withClient(options.adminUrl, async (admin) => {
    await ensureRole(admin, owner.user, owner.password, 'LOGIN NOSUPERUSER NOBYPASSRLS');
    await ensureRole(admin, app.user, app.password, 'LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE');
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [owner.database]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${ident(owner.database)} OWNER ${ident(owner.user)}`).catch(ignoreDuplicate);
    }
  });

  await withClient(withDatabase(options.adminUrl, owner.database), async (admin) => {
    await admin.query(`
      REVOKE ALL ON DATABASE ${ident(owner.database)} FROM PUBLIC;
      GRANT CONNECT, TEMPORARY ON DATABASE ${ident(owner.database)} TO ${ident(app.user)};
      ALTER SCHEMA public OWNER TO ${ident(owner.user)};
      REVOKE ALL ON SCHEMA public FROM PUBLIC;
      GRANT USAGE ON SCHEMA public TO ${ident(app.user)};
      ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(owner.user)} IN SCHEMA public
        GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${ident(app.user)};
      ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(owner.user)} IN SCHEMA public
        GRANT USAGE, SELECT ON SEQUENCES TO ${ident(app.user)};
      ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(owner.user)} IN SCHEMA public
        GRANT EXECUTE ON FUNCTIONS TO ${ident(app.user)};
    `);
  });

  await runMigrations(options.migrationUrl, options.migrations);
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export async function runMigrations(migrationUrl: string, migrations: MixedList<Function>): Promise<void> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: migrationUrl,
    migrations,
    migrationsTableName: 'migrations',
    logging: ['error'],
  });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

async function ensureRole(client: pg.Client, name: string, password: string, attributes: string): Promise<void> {
  const passwordClause = password ? ` PASSWORD ${literal(password)}` : '';
  const found = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
  if (found.rowCount === 0) {
    await client.query(`CREATE ROLE ${ident(name)} ${attributes}${passwordClause}`).catch(ignoreDuplicate);
  }
  await client.query(`ALTER ROLE ${ident(name)} ${attributes}${passwordClause}`);
}

/** Two setups racing (replicas, parallel tests) both try to create; the loser's duplicate is fine. */
function ignoreDuplicate(error: unknown): void {
  const code = (error as { code?: string }).code;
  if (code !== '42710' && code !== '42P04' && code !== '23505') throw error;
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
