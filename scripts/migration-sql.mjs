// Prints the SQL that would make a freshly migrated database match the
// entities: the body of the next migration (review it, then paste it into a
// new file in apps/<app>/src/migrations/ and list it in index.ts).
// Usage: npm run build && node scripts/migration-sql.mjs hub|instance [admin URL]
import { randomBytes } from 'node:crypto';

import pg from 'pg';
import { DataSource } from 'typeorm';

const app = process.argv[2];
const adminUrl = process.argv[3] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
if (app !== 'hub' && app !== 'instance') {
  console.error('usage: node scripts/migration-sql.mjs hub|instance [admin URL]');
  process.exit(2);
}
const { [`${app.toUpperCase()}_ENTITIES`]: entities } = await import(`../apps/${app}/dist/${app}.entities.js`);
const { [`${app.toUpperCase()}_MIGRATIONS`]: migrations } = await import(`../apps/${app}/dist/migrations/index.js`);

const name = `sb_migration_sql_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const dataSource = new DataSource({
  type: 'postgres',
  url: url.toString(),
  uuidExtension: 'pgcrypto',
  entities,
  migrations,
});
try {
  await dataSource.initialize();
  await dataSource.runMigrations();
  const sql = await dataSource.driver.createSchemaBuilder().log();
  console.log(sql.upQueries.map((query) => `${query.query};`).join('\n') || '-- entities and migrations agree');
} finally {
  if (dataSource.isInitialized) await dataSource.destroy();
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  await admin.end();
}
