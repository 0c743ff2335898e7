import { randomBytes } from 'node:crypto';

import type { MigrationInterface, QueryRunner } from 'typeorm';

import { withDatabase } from './database-urls.js';
import { setupDatabase, withClient } from './setup-database.js';

class CreateWidgets1700000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE widgets (id int PRIMARY KEY, name text NOT NULL)');
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE widgets');
  }
}

// Set by the jest global setup (test/global-setup.mjs); read directly because a data lib may not import the testing lib.
const adminUrl = () => process.env['SWITCHBOARD_TEST_ADMIN_URL']!;
const testRunPrefix = () => `sbt_${process.env['SWITCHBOARD_TEST_RUN']!}`;

describe('setupDatabase', () => {
  const suffix = randomBytes(4).toString('hex');
  const name = `${testRunPrefix()}_setup_${suffix}`;
  const owner = { user: `sbt_owner_${suffix}`, password: 'owner-pw' };
  const app = { user: `sbt_app_${suffix}`, password: 'app-pw' };
  const options = () => ({
    adminUrl: adminUrl(),
    migrationUrl: withDatabase(adminUrl(), name, owner),
    appUrl: withDatabase(adminUrl(), name, app),
    migrations: [CreateWidgets1700000000000],
  });

  afterAll(async () => {
    await withClient(adminUrl(), async (client) => {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.query(`DROP ROLE IF EXISTS "${owner.user}"`);
      await client.query(`DROP ROLE IF EXISTS "${app.user}"`);
    });
  });

  it('creates roles and database, migrates as the owner, and can run again', async () => {
    await setupDatabase(options());
    await setupDatabase(options());

    await withClient(withDatabase(adminUrl(), name), async (client) => {
      const roles = await client.query<{ rolname: string; rolbypassrls: boolean; rolsuper: boolean }>(
        'SELECT rolname, rolbypassrls, rolsuper FROM pg_roles WHERE rolname = ANY($1)',
        [[owner.user, app.user]],
      );
      expect(roles.rows).toHaveLength(2);
      expect(roles.rows.every((role) => !role.rolbypassrls && !role.rolsuper)).toBe(true);
      const tables = await client.query<{ tableowner: string }>(
        "SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'widgets'",
      );
      expect(tables.rows).toEqual([{ tableowner: owner.user }]);
      const migrations = await client.query('SELECT name FROM migrations');
      expect(migrations.rows).toEqual([{ name: 'CreateWidgets1700000000000' }]);
    });
  });

  it('takes turns when several replicas run it at once (each pod runs it before it starts)', async () => {
    const concurrent = {
      ...options(),
      migrationUrl: withDatabase(adminUrl(), `${name}_c`, owner),
      appUrl: withDatabase(adminUrl(), `${name}_c`, app),
    };
    try {
      await Promise.all([1, 2, 3, 4].map(() => setupDatabase(concurrent)));
      await withClient(concurrent.migrationUrl, async (client) => {
        expect((await client.query('SELECT name FROM migrations')).rows).toEqual([
          { name: 'CreateWidgets1700000000000' },
        ]);
      });
    } finally {
      await withClient(adminUrl(), (client) => client.query(`DROP DATABASE IF EXISTS "${name}_c" WITH (FORCE)`));
    }
  });

  it('lets the application role use data but not change the schema', async () => {
    await withClient(options().appUrl, async (client) => {
      await client.query("INSERT INTO widgets VALUES (1, 'a')");
      expect((await client.query('SELECT name FROM widgets')).rows).toEqual([{ name: 'a' }]);
      await expect(client.query('DROP TABLE widgets')).rejects.toThrow(/must be owner/);
      await expect(client.query('CREATE TABLE intruder (id int)')).rejects.toThrow(/permission denied/);
    });
  });

  it('refuses one role for both the owner and the application', async () => {
    await expect(setupDatabase({ ...options(), appUrl: options().migrationUrl })).rejects.toThrow(/different roles/);
  });
});
