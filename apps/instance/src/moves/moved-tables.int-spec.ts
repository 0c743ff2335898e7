import { withClient } from '@switchboard/persistence';
import { createTestDatabase, type TestDatabase } from '@switchboard/testing';

import { MOVED_TABLES } from './moved-tables.js';

/** The move's own tables: they name a workspace but are never copied (each instance keeps its own). */
const MOVE_TABLES = ['workspace_move_sources', 'workspace_move_targets', 'workspace_move_changes'];

/**
 * MOVED_TABLES against the migrated schema itself (information_schema and
 * pg_catalog of a database the migrations built): a table added later with a
 * `workspace_id` column that a move does not copy, a capture trigger missing,
 * or a primary key that differs would make moves lose rows in silence.
 */
describe('the tables a move copies, against the migrated schema', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('instance');
  });

  afterAll(async () => {
    await database?.drop();
  });

  const query = <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
    withClient(database.adminUrl, async (client) => (await client.query(sql, params)).rows as T[]);

  it('include every table with a workspace_id column (but the move tables)', async () => {
    const rows = await query<{ table_name: string }>(
      `SELECT c.table_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
       WHERE c.table_schema = 'public' AND c.column_name = 'workspace_id' AND t.table_type = 'BASE TABLE'
       ORDER BY c.table_name`,
    );
    const withWorkspace = rows.map((row) => row.table_name).filter((name) => !MOVE_TABLES.includes(name));
    expect(withWorkspace.length).toBeGreaterThan(10);
    const moved = new Set(MOVED_TABLES.map((table) => table.name));
    expect(withWorkspace.filter((name) => !moved.has(name))).toEqual([]);
  });

  it('exist, with the primary key and workspace column listed, and a capture trigger each', async () => {
    for (const table of MOVED_TABLES) {
      const key = await query<{ column: string }>(
        `SELECT a.attname AS column FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
         WHERE i.indrelid = $1::regclass AND i.indisprimary`,
        [`public.${table.name}`],
      );
      expect({ table: table.name, key: key.map((row) => row.column).sort() }).toEqual({
        table: table.name,
        key: [...table.primaryKey].sort(),
      });
      const columns = await query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
        [table.name],
      );
      const names = columns.map((row) => row.column_name);
      expect(names).toContain(table.workspaceColumn);
      if (table.parentColumn) expect(names).toContain(table.parentColumn);
      const triggers = await query<{ tgname: string }>(
        `SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal`,
        [`public.${table.name}`],
      );
      expect({
        table: table.name,
        trigger: triggers.some((row) => row.tgname === `${table.name}_move_capture`),
      }).toEqual({ table: table.name, trigger: true });
    }
  });

  it('number nothing per instance: no identity or sequence column (a copied row keeps its key on the target)', async () => {
    const numbered = await query<{ column: string }>(
      `SELECT table_name || '.' || column_name AS column FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = ANY($1::text[])
         AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')
       ORDER BY 1`,
      [MOVED_TABLES.map((table) => table.name)],
    );
    expect(numbered.map((row) => row.column)).toEqual([]);
  });

  it('have columns of types with an extended hash function only (the cutover tally hashes whole rows)', async () => {
    for (const table of MOVED_TABLES) {
      // An all-null row still needs each column's hash function, so a json, xml or point column fails here.
      const hashed = await query<{ hash: string }>(
        `SELECT hash_record_extended(jsonb_populate_record(NULL::${table.name}, '{}'), 0)::text AS hash`,
      ).catch((error: unknown) => `${table.name}: ${String(error)}`);
      expect(Array.isArray(hashed) ? table.name : hashed).toBe(table.name);
    }
  });
});
