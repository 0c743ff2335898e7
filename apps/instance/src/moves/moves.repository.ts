import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, queryRow, queryRows, Table } from '@switchboard/persistence';
import { DataSource, type EntityManager } from 'typeorm';

import { type MovedTable, movedTable } from './moved-tables.js';
import { WorkspaceMoveSource, WorkspaceMoveTarget } from './workspace-move.entity.js';

/** A row to write (`row`) or delete (no `row`) on a target, by table and primary key. */
export interface MovedRowChange {
  table: string;
  pk: Record<string, unknown>;
  row?: Record<string, unknown>;
  /** The recorded changes this row covers (catch-up only). */
  changeIds?: string[];
}

/** A recorded change: which row of which table changed, in the order of `id`. */
export interface RecordedChange {
  id: string;
  table: string;
  pk: Record<string, unknown>;
}

/** A table's rows of one workspace: how many, and a checksum independent of their order. */
export interface Tally {
  table: string;
  count: number;
  checksum: string;
}

/** A workspace this instance holds at the cutover or after it, as the HTTP gate needs it. */
export interface GatedWorkspace {
  key: string;
  state: string;
  redirectUrl: string | null;
}

/**
 * All SQL of workspace moves. The copy's statements are generic over
 * MOVED_TABLES: rows leave as `to_jsonb(row)` and arrive through
 * `jsonb_populate_recordset(NULL::<table>, …)`, so every column (bytea,
 * timestamptz with its microseconds, jsonb) round-trips with the target's own
 * column types, and a cursor is compared as a row of the table. Table names
 * only ever come from MOVED_TABLES (`movedTable` refuses any other), never from
 * a message as such. Row work runs in the caller's transaction, whose scope
 * (the workspace, no tenant) row-level security applies to.
 */
@Injectable()
export class MovesRepository {
  private readonly sources: Table<WorkspaceMoveSource>;
  private readonly targets: Table<WorkspaceMoveTarget>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.sources = Table.of(dataSource, WorkspaceMoveSource);
    this.targets = Table.of(dataSource, WorkspaceMoveTarget);
  }

  /** The source row of the workspace, or null. */
  async findSource(workspaceId: string): Promise<Columns<WorkspaceMoveSource> | null> {
    return this.sources.queryOne(
      this.dataSource,
      `SELECT ${this.sources.columns} FROM workspace_move_sources WHERE workspace_id = $1`,
      [workspaceId],
    );
  }

  /** The target row of the workspace, or null. */
  async findTarget(workspaceId: string): Promise<Columns<WorkspaceMoveTarget> | null> {
    return this.targets.queryOne(
      this.dataSource,
      `SELECT ${this.targets.columns} FROM workspace_move_targets WHERE workspace_id = $1`,
      [workspaceId],
    );
  }

  /** Whether this instance holds a row of the workspace in `workspaces`. */
  async holdsWorkspace(workspaceId: string): Promise<boolean> {
    const row = await queryRow(
      this.dataSource,
      'SELECT count(*)::int AS n FROM workspaces WHERE id = $1',
      [workspaceId],
      {
        n: 'number',
      },
    );
    return (row?.n ?? 0) > 0;
  }

  /** Starts (or restarts, for another move) recording the workspace's changes; the row as it is now. */
  async startSource(workspaceId: string, moveId: string): Promise<Columns<WorkspaceMoveSource> | null> {
    return this.sources.queryOne(
      this.dataSource,
      `INSERT INTO workspace_move_sources (workspace_id, move_id, state) VALUES ($1, $2, 'copying')
       ON CONFLICT (workspace_id) DO UPDATE SET move_id = EXCLUDED.move_id, state = 'copying', frozen_at = NULL,
         started_at = now()
         WHERE workspace_move_sources.move_id <> EXCLUDED.move_id AND workspace_move_sources.state = 'copying'
       RETURNING ${this.sources.columns}`,
      [workspaceId, moveId],
    );
  }

  /** The transactions in progress now (Postgres `pg_current_snapshot()`), to wait for with `stillRunning`. */
  async currentSnapshot(): Promise<string> {
    const row = await queryRow(this.dataSource, 'SELECT pg_current_snapshot()::text AS snapshot', [], {
      snapshot: 'string',
    });
    return row?.snapshot ?? '';
  }

  /** How many of the transactions in progress at `snapshot` still are. */
  async stillRunning(snapshot: string): Promise<number> {
    const row = await queryRow(
      this.dataSource,
      `SELECT count(*)::int AS n FROM pg_snapshot_xip($1::pg_snapshot) AS x WHERE pg_xact_status(x) = 'in progress'`,
      [snapshot],
      { n: 'number' },
    );
    return row?.n ?? 0;
  }

  /**
   * `frozen`: from its commit on, the capture trigger refuses the workspace's
   * writes. The UPDATE waits for every writer holding the source row
   * `FOR SHARE` (all that wrote while `copying`). Idempotent; null when the
   * move is not this one or is past the cutover.
   */
  async freeze(workspaceId: string, moveId: string): Promise<Date | null> {
    const row = await queryRow(
      this.dataSource,
      `UPDATE workspace_move_sources SET state = 'frozen', frozen_at = COALESCE(frozen_at, clock_timestamp())
       WHERE workspace_id = $1 AND move_id = $2 AND state IN ('copying', 'frozen')
       RETURNING frozen_at`,
      [workspaceId, moveId],
      { frozen_at: 'date' },
    );
    return row?.frozen_at ?? null;
  }

  /** `moved`, redirecting to `redirectUrl`; the freeze and the first finish times, or null if not frozen by this move. */
  async finish(
    workspaceId: string,
    moveId: string,
    redirectUrl: string,
  ): Promise<{ frozenAt: Date; movedAt: Date } | null> {
    const row = await queryRow(
      this.dataSource,
      `UPDATE workspace_move_sources SET state = 'moved', redirect_url = $3, moved_at = COALESCE(moved_at, clock_timestamp())
       WHERE workspace_id = $1 AND move_id = $2 AND state IN ('frozen', 'moved') AND frozen_at IS NOT NULL
       RETURNING frozen_at, moved_at`,
      [workspaceId, moveId, redirectUrl],
      { frozen_at: 'date', moved_at: 'date' },
    );
    if (!row) return null;
    await this.dataSource.query('DELETE FROM workspace_move_changes WHERE workspace_id = $1', [workspaceId]);
    return { frozenAt: row.frozen_at, movedAt: row.moved_at };
  }

  /** Abandons the move on the source before it was placed elsewhere: the source row and its change log go. */
  async abortSource(workspaceId: string, moveId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const deleted = await queryRows(
        manager,
        `DELETE FROM workspace_move_sources WHERE workspace_id = $1 AND move_id = $2 AND state IN ('copying', 'frozen')
         RETURNING workspace_id`,
        [workspaceId, moveId],
        { workspace_id: 'string' },
      );
      if (deleted.length > 0) {
        await manager.query('DELETE FROM workspace_move_changes WHERE workspace_id = $1', [workspaceId]);
      }
    });
  }

  /**
   * Deletes this instance's copy of the workspace (every row cascades from
   * `workspaces`), its move rows and change log, in one transaction that the
   * capture trigger lets through (`app.move_purge`).
   *
   * With `only`, the purge happens only if this instance is, in the same
   * transaction, still the target of that move (`target`) or its source after
   * the cutover (`moved-source`): a discard of an older move that arrives late
   * (its Hub retried it after an instance restart) must not delete the copy a
   * newer move is writing. Checking first and purging after would let the
   * newer move's `prepareTarget` slip in between.
   * @returns whether it purged.
   */
  async purge(workspaceId: string, only?: { moveId: string; as: 'target' | 'moved-source' }): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      if (only) {
        const claimed = await queryRows(
          manager,
          only.as === 'target'
            ? 'DELETE FROM workspace_move_targets WHERE workspace_id = $1 AND move_id = $2 RETURNING workspace_id'
            : `DELETE FROM workspace_move_sources WHERE workspace_id = $1 AND move_id = $2 AND state = 'moved'
               RETURNING workspace_id`,
          [workspaceId, only.moveId],
          { workspace_id: 'string' },
        );
        if (claimed.length === 0) return false;
      }
      await manager.query(`SELECT set_config('app.move_purge', 'on', true)`);
      await manager.query('DELETE FROM workspaces WHERE id = $1', [workspaceId]);
      await manager.query('DELETE FROM workspace_move_changes WHERE workspace_id = $1', [workspaceId]);
      await manager.query('DELETE FROM workspace_move_sources WHERE workspace_id = $1', [workspaceId]);
      await manager.query('DELETE FROM workspace_move_targets WHERE workspace_id = $1', [workspaceId]);
      return true;
    });
  }

  /** Holds the workspace as a target of the move: not served until `activate`. */
  async startTarget(workspaceId: string, moveId: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO workspace_move_targets (workspace_id, move_id) VALUES ($1, $2)
       ON CONFLICT (workspace_id) DO UPDATE SET move_id = EXCLUDED.move_id`,
      [workspaceId, moveId],
    );
  }

  /** Serves the workspace: its target row goes. False when no target row of this move was left (done before). */
  async activate(workspaceId: string, moveId: string): Promise<boolean> {
    const rows = await queryRows(
      this.dataSource,
      'DELETE FROM workspace_move_targets WHERE workspace_id = $1 AND move_id = $2 RETURNING workspace_id',
      [workspaceId, moveId],
      { workspace_id: 'string' },
    );
    return rows.length > 0;
  }

  /** The workspace's key, or null when this instance holds no row of it. */
  async workspaceKey(workspaceId: string): Promise<string | null> {
    const row = await queryRow(this.dataSource, 'SELECT key FROM workspaces WHERE id = $1', [workspaceId], {
      key: 'string',
    });
    return row?.key ?? null;
  }

  /** Workspaces at or after their cutover here, with their keys (for the HTTP gate). */
  async gated(): Promise<GatedWorkspace[]> {
    const rows = await queryRows(
      this.dataSource,
      `SELECT w.key, s.state, s.redirect_url FROM workspace_move_sources s JOIN workspaces w ON w.id = s.workspace_id
       WHERE s.state IN ('frozen', 'moved')`,
      [],
      { key: 'string', state: 'string', redirect_url: 'string?' },
    );
    return rows.map((row) => ({ key: row.key, state: row.state, redirectUrl: row.redirect_url }));
  }

  /** The state of the move of the workspace with this key, when it has one here. */
  async gateOf(key: string): Promise<GatedWorkspace | null> {
    const row = await queryRow(
      this.dataSource,
      `SELECT w.key, s.state, s.redirect_url FROM workspace_move_sources s JOIN workspaces w ON w.id = s.workspace_id
       WHERE w.key = $1`,
      [key],
      { key: 'string', state: 'string', redirect_url: 'string?' },
    );
    return row && { key: row.key, state: row.state, redirectUrl: row.redirect_url };
  }

  /**
   * Up to `limit` rows of the table's rows of the workspace after the cursor
   * `after`, in primary key order; for a table with a `parentColumn`, roots
   * first: `(parent IS NOT NULL, primary key)` order, `after` then also
   * carrying the parent column (absent or null: a root). In the caller's
   * workspace-scope transaction.
   *
   * Each chunk must cost its own rows, not the rows after it: row-level
   * security's tenant clause makes the planner expect a few hundred of the
   * workspace's rows where there are 100,000, so it sorted them all (and
   * built every one's JSON) to return the first `limit` — 0.6 s a chunk of
   * 100,000 connections, the copy quadratic. Sorts are off for the
   * transaction (a primary key index scan stops after `limit` rows; a
   * `parentColumn` order still sorts), and so is JIT compilation, which the
   * cost of a sort that cannot be avoided would then trigger (0.4 s a chunk
   * of tenants); only the rows returned become JSON.
   */
  async exportChunk(
    manager: EntityManager,
    workspaceId: string,
    table: MovedTable,
    after: Record<string, unknown> | undefined,
    limit: number,
  ): Promise<Record<string, unknown>[]> {
    const roots = table.parentColumn ? [`t.${table.parentColumn} IS NOT NULL`] : [];
    const cursorRoots = table.parentColumn ? [`c.${table.parentColumn} IS NOT NULL`] : [];
    const key = [...roots, ...table.primaryKey.map((column) => `t.${column}`)].join(', ');
    const cursor = [...cursorRoots, ...table.primaryKey.map((column) => `c.${column}`)].join(', ');
    await manager.query(`SELECT set_config('enable_sort', 'off', true), set_config('jit', 'off', true)`);
    const rows = await queryRows(
      manager,
      `SELECT to_jsonb(t) AS row FROM (
         SELECT * FROM ${table.name} t
         WHERE t.${table.workspaceColumn} = $1
           AND ($2::jsonb IS NULL OR (${key}) > (SELECT ${cursor} FROM jsonb_populate_record(NULL::${table.name}, $2::jsonb) c))
         ORDER BY ${key}
         LIMIT $3
       ) t
       ORDER BY ${key}`,
      [workspaceId, after === undefined ? null : JSON.stringify(after), limit],
      { row: 'json' },
    );
    return rows.map((row) => row.row as Record<string, unknown>);
  }

  /** The rows of `table` with these primary keys, as they are now (absent ones were deleted). In the caller's transaction. */
  async currentRows(
    manager: EntityManager,
    table: MovedTable,
    keys: Record<string, unknown>[],
  ): Promise<Record<string, unknown>[]> {
    const key = table.primaryKey.map((column) => `t.${column}`).join(', ');
    const wanted = table.primaryKey.map((column) => `k.${column}`).join(', ');
    const rows = await queryRows(
      manager,
      `SELECT to_jsonb(t) AS row FROM ${table.name} t
       WHERE (${key}) IN (SELECT ${wanted} FROM jsonb_populate_recordset(NULL::${table.name}, $1::jsonb) k)`,
      [JSON.stringify(keys)],
      { row: 'json' },
    );
    return rows.map((row) => row.row as Record<string, unknown>);
  }

  /**
   * Deletes the changes `replayed` (written on the target) and reads the oldest `limit` changes left.
   * The order is the column's (`c.id`, a bigint), not the text the ids are read as: a bare `ORDER BY id`
   * would sort by the output column `id::text` (Postgres manual, SELECT, "ORDER BY": an output column's
   * name wins over an input column's), putting change 100 before change 25 and children before parents.
   */
  async nextChanges(workspaceId: string, replayed: string[], limit: number): Promise<RecordedChange[]> {
    if (replayed.length > 0) {
      await this.dataSource.query(
        'DELETE FROM workspace_move_changes WHERE workspace_id = $1 AND id = ANY($2::bigint[])',
        [workspaceId, replayed],
      );
    }
    const rows = await queryRows(
      this.dataSource,
      `SELECT c.id::text AS id, c.table_name, c.pk FROM workspace_move_changes c
       WHERE c.workspace_id = $1 ORDER BY c.id LIMIT $2`,
      [workspaceId, limit],
      { id: 'string', table_name: 'string', pk: 'json' },
    );
    return rows.map((row) => ({ id: row.id, table: row.table_name, pk: row.pk as Record<string, unknown> }));
  }

  /** How many changes are recorded for the workspace. */
  async changesRecorded(workspaceId: string): Promise<number> {
    const row = await queryRow(
      this.dataSource,
      'SELECT count(*)::int AS n FROM workspace_move_changes WHERE workspace_id = $1',
      [workspaceId],
      { n: 'number' },
    );
    return row?.n ?? 0;
  }

  /**
   * Writes the rows (insert, or update every column on a primary key
   * conflict) with their ids, in the caller's workspace-scope transaction.
   */
  async upsert(
    manager: EntityManager,
    table: MovedTable,
    columns: string[],
    rows: Record<string, unknown>[],
  ): Promise<void> {
    const updates = columns
      .filter((column) => !table.primaryKey.includes(column))
      .map((column) => `${column} = EXCLUDED.${column}`);
    await manager.query(
      `INSERT INTO ${table.name}
       SELECT * FROM jsonb_populate_recordset(NULL::${table.name}, $1::jsonb)
       ON CONFLICT (${table.primaryKey.join(', ')}) DO ${updates.length > 0 ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`,
      [JSON.stringify(rows)],
    );
  }

  /**
   * As `upsert`, leaving out the rows whose parent (by any of the table's
   * foreign keys, as TypeORM maps them) is not here yet: one statement, the
   * check made against the parent tables under the caller's scope. For a
   * table with a `parentColumn`, the rows left out are tried again while a
   * pass writes some (a parent and its child in one batch). The primary keys
   * of the rows written.
   */
  async upsertSkippingOrphans(
    manager: EntityManager,
    table: MovedTable,
    columns: string[],
    rows: Record<string, unknown>[],
  ): Promise<Record<string, unknown>[]> {
    const metadata = this.dataSource.entityMetadatas.find((entity) => entity.tableName === table.name);
    const parents = (metadata?.foreignKeys ?? []).map((key) => {
      const nullable = key.columnNames.map((column) => `r.${column} IS NULL`).join(' OR ');
      const match = key.columnNames
        .map((column, index) => `p.${key.referencedColumnNames[index] ?? 'id'} = r.${column}`)
        .join(' AND ');
      return `(${nullable} OR EXISTS (SELECT 1 FROM ${key.referencedTablePath} p WHERE ${match}))`;
    });
    const updates = columns
      .filter((column) => !table.primaryKey.includes(column))
      .map((column) => `${column} = EXCLUDED.${column}`);
    const keyOf = (row: Record<string, unknown>): string =>
      JSON.stringify(table.primaryKey.map((column) => row[column]));
    const written: Record<string, unknown>[] = [];
    let pending = rows;
    // A row whose parent is in the same table and the same statement is left out (the EXISTS does not see the
    // statement's own rows): passes go on while one writes some, for a table with a `parentColumn`.
    while (pending.length > 0) {
      const pass = await this.upsertPass(manager, table, parents, updates, pending);
      written.push(...pass);
      if (pass.length === 0 || !table.parentColumn) break;
      const done = new Set(pass.map(keyOf));
      pending = pending.filter((row) => !done.has(keyOf(row)));
    }
    return written;
  }

  /** One INSERT of `upsertSkippingOrphans`: the primary keys of the rows it wrote. */
  private async upsertPass(
    manager: EntityManager,
    table: MovedTable,
    parents: string[],
    updates: string[],
    rows: Record<string, unknown>[],
  ): Promise<Record<string, unknown>[]> {
    const written = await queryRows(
      manager,
      `INSERT INTO ${table.name}
       SELECT r.* FROM jsonb_populate_recordset(NULL::${table.name}, $1::jsonb) r
       ${parents.length > 0 ? `WHERE ${parents.join(' AND ')}` : ''}
       ON CONFLICT (${table.primaryKey.join(', ')}) DO ${updates.length > 0 ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}
       RETURNING jsonb_build_object(${table.primaryKey.map((column) => `'${column}', ${table.name}.${column}`).join(', ')}) AS pk`,
      [JSON.stringify(rows)],
      { pk: 'json' },
    );
    return written.map((row) => row.pk as Record<string, unknown>);
  }

  /** Deletes the rows with these primary keys, in the caller's workspace-scope transaction. */
  async delete(manager: EntityManager, table: MovedTable, keys: Record<string, unknown>[]): Promise<void> {
    const key = table.primaryKey.join(', ');
    await manager.query(
      `DELETE FROM ${table.name} WHERE (${key}) IN
         (SELECT ${key} FROM jsonb_populate_recordset(NULL::${table.name}, $1::jsonb))`,
      [JSON.stringify(keys)],
    );
  }

  /**
   * Per table, the count and an order-independent checksum of the
   * workspace's rows, in one statement (one round trip, one snapshot), in
   * the caller's workspace-scope transaction. The checksum is the MD5 of the
   * count and the XOR of each row's 64-bit `hash_record_extended` (PostgreSQL 14+) — every
   * column hashed by its type's own hash function (uuid, text, jsonb,
   * timestamptz as its value, not as text in a session's time zone), column
   * by column in the table's order — so both sides' schemas, built by the
   * same migrations, hash equal rows equally. Any column of a type without an
   * extended hash function (`json`, `xml`, `point`) makes it fail: the
   * migrated schema is checked for that (moved-tables.int-spec).
   */
  async tallies(manager: EntityManager, workspaceId: string, tables: readonly MovedTable[]): Promise<Tally[]> {
    const rows = await queryRows(
      manager,
      tables
        .map(
          (table, index) =>
            `SELECT ${index} AS position, count(*)::int AS count,
                    md5(count(*)::text || ':' || COALESCE(bit_xor(hash_record_extended(t, 0)), 0)::text) AS checksum
             FROM ${table.name} t WHERE t.${table.workspaceColumn} = $1`,
        )
        .join('\nUNION ALL\n'),
      [workspaceId],
      { position: 'number', count: 'number', checksum: 'string' },
    );
    return rows
      .sort((a, b) => a.position - b.position)
      .map((row) => ({ table: tables[row.position]?.name ?? '', count: row.count, checksum: row.checksum }));
  }

  /** The table's column names, from the entity TypeORM maps to it. */
  columnsOf(table: MovedTable): string[] {
    const metadata = this.dataSource.entityMetadatas.find((entity) => entity.tableName === table.name);
    if (!metadata) throw new Error(`no entity maps table ${table.name}`);
    return metadata.columns.map((column) => column.databaseName);
  }

  /** The moved table named `name`. @throws Error for a table a move does not copy. */
  tableNamed(name: string): MovedTable {
    const table = movedTable(name);
    if (!table) throw new Error(`${name} is not a table a move copies`);
    return table;
  }
}
