import { randomUUID } from 'node:crypto';

import { postgresOptions, withClient } from '@switchboard/persistence';
import { createTestDatabase, type TestDatabase } from '@switchboard/testing';
import { DataSource } from 'typeorm';

import { TenantScope } from '../database/tenant-scope.js';
import { INSTANCE_ENTITIES } from '../instance.entities.js';
import { MOVED_TABLES } from './moved-tables.js';
import { MovesRepository, type Tally } from './moves.repository.js';

/**
 * MovesRepository's copy and tally on two real databases, a source and a
 * copy made the way a move makes it (rows out as `to_jsonb`, in through
 * `jsonb_populate_recordset`). The copy's chunks walk every row once, in
 * order, linked tenants' parents first. The cutover's tally is equal for
 * equal rows whatever the session's time zone; a row missing, or one column
 * of one row differing, shows in that table's tally and no other.
 */
describe('a move’s copy and tally, on the source and its copy', () => {
  const workspaceId = randomUUID();
  const sides: { database: TestDatabase; dataSource: DataSource; repository: MovesRepository }[] = [];

  const admin = async <T>(side: number, sql: string, params: unknown[] = []): Promise<T[]> =>
    withClient(sides[side]!.database.adminUrl, async (client) => (await client.query(sql, params)).rows as T[]);
  const tally = (side: number, timeZone = 'UTC'): Promise<Tally[]> => {
    const { dataSource, repository } = sides[side]!;
    return new TenantScope(dataSource).run({ workspaceId, tenantId: null }, async (manager) => {
      await manager.query(`SELECT set_config('TimeZone', $1, true)`, [timeZone]);
      return repository.tallies(manager, workspaceId, MOVED_TABLES);
    });
  };
  const differing = (a: Tally[], b: Tally[]): string[] =>
    a.filter((tally, index) => JSON.stringify(tally) !== JSON.stringify(b[index])).map((tally) => tally.table);

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const database = await createTestDatabase('instance');
      const dataSource = new DataSource(
        postgresOptions({ url: database.appUrl, entities: INSTANCE_ENTITIES, poolSize: 2, applicationName: 'tally' }),
      );
      await dataSource.initialize();
      sides.push({ database, dataSource, repository: new MovesRepository(dataSource) });
    }
    await admin(
      0,
      `INSERT INTO workspaces (id, org_id, key, name, sealed_secret, config_version)
       VALUES ($1, $2, 'tally', 'Tally', 'v1:sealed', 1)`,
      [workspaceId, randomUUID()],
    );
    await admin(
      0,
      `INSERT INTO tenants (workspace_id, internal_id, name, fields)
       SELECT $1, 't-' || g, 'Tenant ' || g, jsonb_build_object('n', g) FROM generate_series(1, 50) g`,
      [workspaceId],
    );
    await admin(
      0,
      `INSERT INTO integrations (workspace_id, key, name, auth_type) VALUES ($1, 'crm', 'CRM', 'api-key')`,
      [workspaceId],
    );
    await admin(
      0,
      `INSERT INTO connections (workspace_id, tenant_id, integration_id, name, input, sealed_credentials)
       SELECT $1, t.id, i.id, 'CRM', jsonb_build_object('region', 'eu'), 'v1:' || md5(t.id::text)
       FROM tenants t CROSS JOIN integrations i WHERE t.workspace_id = $1 AND i.workspace_id = $1`,
      [workspaceId],
    );
    // The copy, as a move writes it (every moved table, parents first).
    for (const table of MOVED_TABLES) {
      const rows = await admin<{ row: unknown }>(
        0,
        `SELECT to_jsonb(t) AS row FROM ${table.name} t WHERE t.${table.workspaceColumn} = $1`,
        [workspaceId],
      );
      if (rows.length === 0) continue;
      await admin(
        1,
        `INSERT INTO ${table.name} OVERRIDING SYSTEM VALUE
         SELECT * FROM jsonb_populate_recordset(NULL::${table.name}, $1::jsonb)`,
        [JSON.stringify(rows.map((row) => row.row))],
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const side of sides) {
      await side.dataSource.destroy();
      await side.database.drop();
    }
  });

  it('exports a table in chunks that hold each row once, in primary key order, parents before linked tenants', async () => {
    const { dataSource, repository } = sides[0]!;
    // A linked tenant whose id sorts before its parent's: the first tenant, linked to the last.
    const ordered = await admin<{ id: string }>(0, 'SELECT id FROM tenants WHERE workspace_id = $1 ORDER BY id', [
      workspaceId,
    ]);
    const [first, last] = [ordered[0], ordered.at(-1)];
    await admin(0, 'UPDATE tenants SET parent_id = $1 WHERE id = $2', [last!.id, first!.id]);
    const exportAll = async (name: string): Promise<Record<string, unknown>[]> => {
      const table = repository.tableNamed(name);
      const rows: Record<string, unknown>[] = [];
      let after: Record<string, unknown> | undefined;
      for (;;) {
        const chunk = await new TenantScope(dataSource).run({ workspaceId, tenantId: null }, (manager) =>
          repository.exportChunk(manager, workspaceId, table, after, 7),
        );
        rows.push(...chunk);
        const end = chunk.at(-1);
        if (chunk.length < 7 || !end) return rows;
        after = Object.fromEntries(
          [...(table.parentColumn ? [table.parentColumn] : []), ...table.primaryKey].map((column) => [
            column,
            end[column],
          ]),
        );
      }
    };
    try {
      const connections = (await exportAll('connections')).map((row) => String(row['id']));
      const expected = await admin<{ id: string }>(0, 'SELECT id FROM connections WHERE workspace_id = $1', [
        workspaceId,
      ]);
      expect(connections).toEqual(expected.map((row) => row.id).sort());
      const tenants = await exportAll('tenants');
      expect(tenants).toHaveLength(50);
      expect(new Set(tenants.map((row) => row['id'])).size).toBe(50);
      expect(tenants.at(-1)?.['id']).toBe(first!.id);
      expect(tenants.findIndex((row) => row['id'] === last!.id)).toBeLessThan(49);
    } finally {
      await admin(0, 'UPDATE tenants SET parent_id = NULL WHERE id = $1', [first!.id]);
    }
  });

  it('is equal on the source and its copy, every table in MOVED_TABLES order, whatever the time zone', async () => {
    const source = await tally(0);
    expect(source.map((entry) => entry.table)).toEqual(MOVED_TABLES.map((table) => table.name));
    expect(source.find((entry) => entry.table === 'connections')?.count).toBe(50);
    expect(source.every((entry) => /^[0-9a-f]{32}$/.test(entry.checksum))).toBe(true);
    expect(await tally(1, 'Pacific/Chatham')).toEqual(source);
  });

  it('tells a column of one row that differs, by one microsecond or one character, in its table only', async () => {
    const source = await tally(0);
    const [connection] = await admin<{ id: string }>(1, 'SELECT id FROM connections ORDER BY id LIMIT 1');
    await admin(1, `UPDATE connections SET updated_at = updated_at + interval '1 microsecond' WHERE id = $1`, [
      connection!.id,
    ]);
    expect(differing(source, await tally(1))).toEqual(['connections']);
    await admin(1, `UPDATE connections SET updated_at = updated_at - interval '1 microsecond' WHERE id = $1`, [
      connection!.id,
    ]);
    expect(await tally(1)).toEqual(source);

    await admin(1, `UPDATE tenants SET fields = jsonb_build_object('n', 0) WHERE internal_id = 't-7'`);
    expect(differing(source, await tally(1))).toEqual(['tenants']);
    await admin(1, `UPDATE tenants SET fields = jsonb_build_object('n', 7) WHERE internal_id = 't-7'`);
    expect(await tally(1)).toEqual(source);
  });

  it('tells a row missing from the copy by its count', async () => {
    const source = await tally(0);
    await admin(1, 'DELETE FROM connections WHERE id = (SELECT id FROM connections ORDER BY id DESC LIMIT 1)');
    const copy = await tally(1);
    expect(differing(source, copy)).toEqual(['connections']);
    expect(copy.find((entry) => entry.table === 'connections')?.count).toBe(49);
  });
});
