import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, type ExtraRow, queryRow, queryRows, Table } from '@switchboard/persistence';
import type { CursorPosition } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import { Instance } from './instance.entity.js';

const LISTED = { workspace_count: 'number', position: 'string', drain_state: 'string?' } as const;

/**
 * Where draining the instance `i` is (POST /instances/{id}/drain starts moves marked `drain`): null when it
 * was never drained; `draining` while such moves run; null again once it takes new workspaces (an operator
 * opened it: the drain is over, and a workspace placed there later is not one the drain left); `drained`
 * once no workspace is placed on it; else `stalled` (a move failed or was aborted: drain again).
 */
const DRAIN_STATE = `(CASE
  WHEN NOT EXISTS (SELECT 1 FROM workspace_moves m WHERE m.from_instance_id = i.id AND m.drain) THEN NULL
  WHEN EXISTS (SELECT 1 FROM workspace_moves m WHERE m.from_instance_id = i.id AND m.drain
               AND m.state IN ('copying', 'catching_up', 'cutover')) THEN 'draining'
  WHEN i.accepts_new_workspaces THEN NULL
  WHEN NOT EXISTS (SELECT 1 FROM org_workspaces w WHERE w.instance_id = i.id) THEN 'drained'
  ELSE 'stalled' END)`;

/** An instance as the registry lists it: its columns, its number of workspaces and its cursor position. */
export type ListedInstance = Columns<Instance> & ExtraRow<typeof LISTED>;

/** All SQL of the instance registry (table `instances`). */
@Injectable()
export class InstancesRepository {
  private readonly instances: Table<Instance>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.instances = Table.of(dataSource, Instance);
  }

  /**
   * Inserts or updates an instance as it announced itself; `keyIds` are its keyring's versions, `schemaLevel`
   * its database's (null when it reported none: unknown from now on).
   */
  async upsertRegistered(
    id: string,
    name: string,
    apiUrl: string,
    keyIds: string[],
    schemaLevel: string | null,
  ): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO instances (id, name, api_url, key_ids, schema_level, last_seen_at) VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, api_url = EXCLUDED.api_url, key_ids = EXCLUDED.key_ids,
         schema_level = EXCLUDED.schema_level, last_seen_at = now()`,
      [id, name, apiUrl, JSON.stringify(keyIds), schemaLevel],
    );
  }

  /**
   * Records a heartbeat: seen now at `apiUrl`, with its schema level when it carried one (else the recorded
   * level stays); an unknown instance is inserted, named by its id.
   */
  async upsertHeartbeat(id: string, apiUrl: string, schemaLevel: string | null): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO instances (id, name, api_url, schema_level, last_seen_at) VALUES ($1, $1, $2, $3, now())
       ON CONFLICT (id) DO UPDATE SET api_url = EXCLUDED.api_url,
         schema_level = COALESCE(EXCLUDED.schema_level, instances.schema_level), last_seen_at = now()`,
      [id, apiUrl, schemaLevel],
    );
  }

  /** The instance `id`, or null; on `manager` when inside the caller's transaction. */
  async findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<Columns<Instance> | null> {
    return this.instances.queryOne(manager, `SELECT ${this.instances.columns} FROM instances WHERE id = $1`, [id]);
  }

  /**
   * Among instances accepting new workspaces, seen after `seenAfter` and whose labels contain every one of
   * `labels` (jsonb `@>`), the one with the fewest workspaces (ties: lowest id).
   */
  async leastLoaded(
    manager: EntityManager,
    seenAfter: Date,
    labels: Record<string, string> = {},
  ): Promise<Columns<Instance> | null> {
    return this.instances.queryOne(
      manager,
      `SELECT ${this.instances.columnsOf('i')} FROM instances i
       WHERE i.accepts_new_workspaces = true AND i.last_seen_at > $1 AND i.labels @> $2::jsonb
       ORDER BY (SELECT count(*) FROM org_workspaces w WHERE w.instance_id = i.id) ASC, i.id ASC
       LIMIT 1`,
      [seenAfter, JSON.stringify(labels)],
    );
  }

  /**
   * As leastLoaded, among the instances other than `exceptId` (where a drained instance's workspaces go); with
   * `schemaLevel` given, only among those at that schema level (null: any level, or none).
   */
  async leastLoadedOtherThan(
    exceptId: string,
    seenAfter: Date,
    schemaLevel: string | null = null,
  ): Promise<Columns<Instance> | null> {
    return this.instances.queryOne(
      this.dataSource,
      `SELECT ${this.instances.columnsOf('i')} FROM instances i
       WHERE i.accepts_new_workspaces = true AND i.last_seen_at > $1 AND i.id <> $2
         AND ($3::text IS NULL OR i.schema_level = $3)
       ORDER BY (SELECT count(*) FROM org_workspaces w WHERE w.instance_id = i.id) ASC, i.id ASC
       LIMIT 1`,
      [seenAfter, exceptId, schemaLevel],
    );
  }

  /** The schema levels of the two instances (null: unknown, or not registered), in one round trip. */
  async schemaLevels(a: string, b: string): Promise<Map<string, string | null>> {
    const rows = await queryRows(
      this.dataSource,
      'SELECT id, schema_level FROM instances WHERE id = ANY($1::text[])',
      [[a, b]],
      { id: 'string', schema_level: 'string?' },
    );
    return new Map(rows.map((row) => [row.id, row.schema_level]));
  }

  /** Up to `limit` instances in the order they registered, after the cursor position `after`. */
  async listPage(after: CursorPosition | null, limit: number): Promise<ListedInstance[]> {
    return this.instances.query(
      this.dataSource,
      `SELECT ${this.instances.columnsOf('i')},
              (SELECT count(*) FROM org_workspaces w WHERE w.instance_id = i.id)::int AS workspace_count,
              to_json(i.registered_at) #>> '{}' AS position,
              ${DRAIN_STATE} AS drain_state
       FROM instances i
       WHERE $1::timestamptz IS NULL OR (i.registered_at, i.id) > ($1::timestamptz, $2)
       ORDER BY i.registered_at ASC, i.id ASC
       LIMIT $3`,
      [after?.at ?? null, after?.id ?? null, limit],
      LISTED,
    );
  }

  /** Stores what an operator may change of an instance: whether it takes new workspaces, and its labels. */
  async updateSettings(id: string, acceptsNewWorkspaces: boolean, labels: Record<string, string>): Promise<void> {
    await this.dataSource.query('UPDATE instances SET accepts_new_workspaces = $2, labels = $3 WHERE id = $1', [
      id,
      acceptsNewWorkspaces,
      JSON.stringify(labels),
    ]);
  }

  /** Where draining the instance is (see DRAIN_STATE), null if it never was. */
  async drainState(id: string): Promise<string | null> {
    const row = await queryRow(
      this.dataSource,
      `SELECT ${DRAIN_STATE} AS drain_state FROM instances i WHERE i.id = $1`,
      [id],
      {
        drain_state: 'string?',
      },
    );
    return row?.drain_state ?? null;
  }

  /** How many workspaces are placed on the instance. */
  async workspaceCount(id: string): Promise<number> {
    const row = await queryRow(
      this.dataSource,
      'SELECT count(*)::int AS n FROM org_workspaces WHERE instance_id = $1',
      [id],
      { n: 'number' },
    );
    // count(*) without GROUP BY always yields its one row.
    return row?.n ?? 0;
  }
}
