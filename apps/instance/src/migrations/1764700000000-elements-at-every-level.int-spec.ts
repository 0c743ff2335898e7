import { randomUUID } from 'node:crypto';

import { withClient } from '@switchboard/persistence';
import { createTestDatabase, type TestDatabase } from '@switchboard/testing';
import type { DataSource } from 'typeorm';

import { INSTANCE_MIGRATIONS } from './index.js';
import { undoLastMigrations } from './undo-migrations.testing.js';

/** The migrations from 1764700000000 on: undone to reach the schema before it. */
const LATER = INSTANCE_MIGRATIONS.filter((migration) => Number(/\d{13}$/.exec(migration.name)?.[0]) >= 1764700000000);

/**
 * Migration 1764700000000 (elements at every level) on a database that holds
 * elements, as the owner runs it: under the owner's forced row-level security
 * its UPDATEs saw no row, so it failed on any such database
 * (`published_revision` NOT NULL over rows it had not filled). Every template
 * gets its published revision, every customisation its template's type and
 * key; undone, every customisation points at its template again.
 */
describe('migration 1764700000000 on a database holding elements', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const workspaceId = randomUUID();
  const templates = { action: randomUUID(), flow: randomUUID() };
  let tenantId: string;

  const sql = async <T>(text: string, params: unknown[] = []): Promise<T[]> =>
    withClient(database.adminUrl, async (client) => (await client.query(text, params)).rows as T[]);

  beforeAll(async () => {
    database = await createTestDatabase('instance');
    dataSource = await undoLastMigrations(database, LATER.length);

    await sql(
      `INSERT INTO workspaces (id, org_id, key, name, sealed_secret, config_version) VALUES ($1, $1, 'w', 'w', 'sealed', 1)`,
      [workspaceId],
    );
    tenantId = (
      await sql<{ id: string }>(
        `INSERT INTO tenants (workspace_id, internal_id, name) VALUES ($1, 't', 'T') RETURNING id`,
        [workspaceId],
      )
    )[0]!.id;
    for (const [type, id] of Object.entries(templates)) {
      await sql(
        `INSERT INTO element_templates (id, workspace_id, element_type, key, name, definition, revision)
         VALUES ($1, $2, $3, $3 || '-key', $3, '{"v": 3}', 3)`,
        [id, workspaceId, type],
      );
      await sql(
        `INSERT INTO element_customizations (element_id, tenant_id, workspace_id, definition) VALUES ($1, $2, $3, '{"mine": true}')`,
        [id, tenantId, workspaceId],
      );
    }
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('fills every template and customisation, and undone, links every customisation to its template again', async () => {
    await dataSource.runMigrations({ transaction: 'each' });
    expect(
      await sql(
        `SELECT element_type AS type, revision, published_revision AS published FROM element_templates ORDER BY 1`,
      ),
    ).toEqual([
      { type: 'action', revision: 3, published: 3 },
      { type: 'flow', revision: 3, published: 3 },
    ]);
    expect(
      await sql(`SELECT element_type AS type, key, tenant_id AS tenant FROM element_customizations ORDER BY 1`),
    ).toEqual([
      { type: 'action', key: 'action-key', tenant: tenantId },
      { type: 'flow', key: 'flow-key', tenant: tenantId },
    ]);
    const forced = async () =>
      sql<{ relname: string; forced: boolean }>(
        `SELECT relname, relforcerowsecurity AS forced FROM pg_class
         WHERE relname IN ('element_templates', 'element_customizations', 'element_revisions') ORDER BY 1`,
      );
    expect((await forced()).every((table) => table.forced)).toBe(true);

    for (let i = 0; i < LATER.length; i++) await dataSource.undoLastMigration({ transaction: 'all' });
    expect(await sql(`SELECT element_id AS element FROM element_customizations ORDER BY 1`)).toEqual(
      Object.values(templates)
        .sort()
        .map((element) => ({ element })),
    );
    expect((await forced()).every((table) => table.forced)).toBe(true);
  });
});
