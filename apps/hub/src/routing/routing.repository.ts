import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { execute, queryRow, queryRows, RowShapeError, Table } from '@switchboard/persistence';
import { DataSource, type EntityManager } from 'typeorm';

import { OrgWorkspace } from './org-workspace.entity.js';
import { SNAPSHOT_PROPERTIES, type WorkspaceSnapshotRow } from './workspace-snapshot.mapper.js';

/** Postgres channel the routing outbox relay listens on; the payload is a `RoutingOutboxNotice`. */
export const ROUTING_OUTBOX_CHANNEL = 'switchboard_routing_outbox';

/**
 * What a NOTIFY on the routing outbox channel says: a new row (with its workspace and
 * version), or rows of an instance made due again. Informative only: the
 * relay drains whatever is due.
 */
export interface RoutingOutboxNotice {
  instanceId: string;
  workspaceId?: string;
  version?: number;
}

/** A workspace as the relay sends it: its snapshot columns and the instance it is placed on. */
export type RelayedWorkspace = WorkspaceSnapshotRow & { instanceId: string };

/** One workspace's claimed rows (ids are `bigint`, as strings), with the workspace as it was when they were claimed (null if it is gone). */
export interface ClaimedWorkspace {
  workspaceId: string;
  ids: string[];
  workspace: RelayedWorkspace | null;
}

/** A workspace placed on an instance, with what the Hub last recorded of its sync. */
export type PlacedWorkspace = WorkspaceSnapshotRow &
  Pick<OrgWorkspace, 'appliedVersion' | 'appliedDigest' | 'lastSyncError' | 'syncErrorCode'>;

/** What one reconciliation records about one workspace. */
export interface SyncRecord {
  id: string;
  configVersion: number;
  appliedVersion: number;
  appliedDigest: string | null;
  lastError: string | null;
  errorCode: string | null;
}

/**
 * All SQL of routing: the Hub's routing outbox (table `routing_outbox`; not
 * the instance's event outbox) and the sync columns of `org_workspaces` that
 * delivery and reconciliation record. The Hub has no row-level security:
 * methods outside a caller's transaction run on the data source; those that
 * must share one take its EntityManager first.
 */
@Injectable()
export class RoutingRepository {
  private readonly relayed: Table<RelayedWorkspace>;
  private readonly placed: Table<PlacedWorkspace>;
  /** The relayed workspace as one JSON object of its columns (`'id', w.id, …`), so the claim stays one statement. */
  private readonly relayedJson: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    const workspaces = Table.of(dataSource, OrgWorkspace);
    this.relayed = workspaces.pick(...SNAPSHOT_PROPERTIES, 'instanceId');
    this.placed = workspaces.pick(
      ...SNAPSHOT_PROPERTIES,
      'appliedVersion',
      'appliedDigest',
      'lastSyncError',
      'syncErrorCode',
    );
    this.relayedJson = this.relayed.columns
      .split(', ')
      .map((column) => `'${column}', w.${column}`)
      .join(', ');
  }

  /** Records, in the caller's transaction, that `workspaceId` changed to `version` on `instanceId`. */
  async insert(manager: EntityManager, workspaceId: string, instanceId: string, version: number): Promise<void> {
    await manager.query(`INSERT INTO routing_outbox (workspace_id, instance_id, version) VALUES ($1, $2, $3)`, [
      workspaceId,
      instanceId,
      version,
    ]);
  }

  /** NOTIFY on ROUTING_OUTBOX_CHANNEL; inside a transaction it is delivered only on commit. */
  async notify(manager: Pick<EntityManager, 'query'>, notice: RoutingOutboxNotice): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [ROUTING_OUTBOX_CHANNEL, JSON.stringify(notice)]);
  }

  /**
   * Claims due rows and reads their workspaces in one statement. One statement
   * sees one snapshot of the database, and a row commits together with the
   * version it names, so the workspace read is at least as new as every row
   * claimed for it: marking those rows delivered on reply loses nothing.
   * Claimed rows are hidden for `leaseSeconds`; workspaces in `skip` are left.
   * @throws RowShapeError when a row is not what the statement selects.
   */
  async claimDue(leaseSeconds: number, batchSize: number, skip: string[]): Promise<ClaimedWorkspace[]> {
    const rows = await queryRows(
      this.dataSource,
      `WITH due AS (
         SELECT id FROM routing_outbox
         WHERE delivered_at IS NULL AND next_attempt_at <= now() AND NOT (workspace_id = ANY($3::uuid[]))
         ORDER BY id LIMIT $2
         FOR UPDATE SKIP LOCKED),
       claimed AS (
         UPDATE routing_outbox o SET next_attempt_at = now() + make_interval(secs => $1)
         FROM due WHERE o.id = due.id
         RETURNING o.id, o.workspace_id)
       SELECT c.workspace_id, array_agg(c.id) AS ids,
              CASE WHEN w.id IS NULL THEN NULL ELSE json_build_object(${this.relayedJson}) END AS workspace
       FROM claimed c LEFT JOIN org_workspaces w ON w.id = c.workspace_id
       GROUP BY c.workspace_id, w.id`,
      [leaseSeconds, batchSize, skip],
      { workspace_id: 'string', ids: 'json', workspace: 'json' },
    );
    return rows.map((row) => ({
      workspaceId: row.workspace_id,
      ids: bigintIds(row.ids),
      workspace: row.workspace === null ? null : this.relayed.decode(reviveArchivedAt(row.workspace)),
    }));
  }

  /**
   * One statement: every row the snapshot of `version` covers is delivered
   * (claimed or not, by this replica or another), and the workspace records
   * what the instance holds — version and digest, the version never beyond
   * what the Hub decided — unless a newer reply was recorded already.
   *
   * The rows are found by `workspace_id` (its index), never through the
   * partial index of undelivered rows: `(delivered_at IS NULL) IS TRUE` is
   * the same test, but Postgres does not match it to that index's predicate.
   * Right after many rows are queued at once (a change to every workspace),
   * the statistics still say almost nothing is undelivered, and the planner
   * chose that index, scanning every undelivered row for each reply: about
   * 100 replies/s with 100,000 queued (bench/hub-scale).
   */
  async markDelivered(workspaceId: string, version: number, appliedVersion: number, digest: string): Promise<void> {
    await this.dataSource.query(
      `WITH delivered AS (
         UPDATE routing_outbox SET delivered_at = now(), last_error = NULL
         WHERE workspace_id = $1 AND version <= $2 AND (delivered_at IS NULL) IS TRUE)
       UPDATE org_workspaces
       SET applied_version = LEAST(config_version, GREATEST(applied_version, $3)),
           applied_digest = CASE WHEN $3 >= applied_version THEN $4 ELSE applied_digest END,
           last_sync_error = NULL, sync_error_code = NULL
       WHERE id = $1`,
      [workspaceId, version, appliedVersion, digest],
    );
  }

  /** The most attempts among the undelivered rows a failed snapshot of `version` covered (0 when none). */
  async undeliveredAttempts(
    manager: EntityManager,
    workspaceId: string,
    version: number,
    ids: string[],
  ): Promise<number> {
    const row = await queryRow(
      manager,
      `SELECT coalesce(max(attempts), 0)::int AS attempts FROM routing_outbox
       WHERE workspace_id = $1 AND delivered_at IS NULL AND (version <= $2 OR id = ANY($3::bigint[]))`,
      [workspaceId, version, ids],
      { attempts: 'number' },
    );
    // An aggregate without GROUP BY always yields its one row.
    return row?.attempts ?? 0;
  }

  /** Those same rows: `attempts` and `message` recorded, next tried after `delaySeconds`. */
  async backOff(
    manager: EntityManager,
    workspaceId: string,
    version: number,
    ids: string[],
    attempts: number,
    message: string,
    delaySeconds: number,
  ): Promise<void> {
    await manager.query(
      `UPDATE routing_outbox
       SET attempts = $4, last_error = $5, next_attempt_at = now() + make_interval(secs => $6)
       WHERE workspace_id = $1 AND delivered_at IS NULL AND (version <= $2 OR id = ANY($3::bigint[]))`,
      [workspaceId, version, ids, attempts, message, delaySeconds],
    );
  }

  /** The workspace's last sync error; `code` (a refusal) marks the sync failed, null leaves it pending. */
  async recordSyncError(
    manager: EntityManager,
    workspaceId: string,
    message: string,
    code: string | null,
  ): Promise<void> {
    await manager.query('UPDATE org_workspaces SET last_sync_error = $2, sync_error_code = $3 WHERE id = $1', [
      workspaceId,
      message,
      code,
    ]);
  }

  /** Deletes rows delivered more than `retentionSeconds` ago, a bounded batch at a time. */
  async prune(retentionSeconds: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM routing_outbox WHERE id IN (
         SELECT id FROM routing_outbox WHERE delivered_at < now() - make_interval(secs => $1) LIMIT 10000)`,
      [retentionSeconds],
    );
  }

  /**
   * Up to `limit` workspaces placed on `instanceId` whose id is after `after`
   * and not after `upTo` (either null: unbounded), in id order.
   * @throws RowShapeError as Table.query.
   */
  async placedOn(
    instanceId: string,
    after: string | null,
    upTo: string | null,
    limit: number,
  ): Promise<PlacedWorkspace[]> {
    return this.placed.query(
      this.dataSource,
      `SELECT ${this.placed.columnsOf('w')}
       FROM org_workspaces w
       WHERE w.instance_id = $1 AND ($2::uuid IS NULL OR w.id > $2) AND ($3::uuid IS NULL OR w.id <= $3)
       ORDER BY w.id LIMIT $4`,
      [instanceId, after, upTo, limit],
    );
  }

  /** One statement for every workspace whose record changed, skipping any whose configuration changed meanwhile. */
  async recordSync(changed: SyncRecord[]): Promise<void> {
    if (changed.length === 0) return;
    await this.dataSource.query(
      `UPDATE org_workspaces w
       SET applied_version = LEAST(w.config_version, GREATEST(w.applied_version, u.applied_version)),
           applied_digest = u.applied_digest, last_sync_error = u.last_error, sync_error_code = u.error_code
       FROM unnest($1::uuid[], $2::int[], $3::int[], $4::text[], $5::text[], $6::text[])
         AS u(id, config_version, applied_version, applied_digest, last_error, error_code)
       WHERE w.id = u.id AND w.config_version = u.config_version`,
      [
        changed.map((record) => record.id),
        changed.map((record) => record.configVersion),
        changed.map((record) => record.appliedVersion),
        changed.map((record) => record.appliedDigest),
        changed.map((record) => record.lastError),
        changed.map((record) => record.errorCode),
      ],
    );
  }

  /** Makes `instanceId`'s backed-off rows due now and, if there were any, tells the relays (NOTIFY). */
  async retryBackedOff(instanceId: string): Promise<void> {
    const retried = await execute(
      this.dataSource,
      `UPDATE routing_outbox SET next_attempt_at = now()
       WHERE instance_id = $1 AND delivered_at IS NULL AND attempts > 0 AND next_attempt_at > now()`,
      [instanceId],
    );
    if (retried > 0) await this.notify(this.dataSource, { instanceId });
  }

  /**
   * Each instance's sync lag, for the gauges: its undelivered rows and the
   * age in seconds of the oldest of them. Instances with none are absent.
   * One statement (the partial index of undelivered rows keeps it small).
   */
  async pendingByInstance(): Promise<{ instanceId: string; depth: number; oldestAgeSeconds: number }[]> {
    const rows = await queryRows(
      this.dataSource,
      `SELECT instance_id, count(*)::int AS depth, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS age
       FROM routing_outbox WHERE delivered_at IS NULL GROUP BY instance_id`,
      [],
      { instance_id: 'string', depth: 'number', age: 'number' },
    );
    return rows.map((row) => ({ instanceId: row.instance_id, depth: row.depth, oldestAgeSeconds: row.age }));
  }
}

/** `array_agg` of `bigint` ids: node-postgres gives strings (they can exceed 2^53). */
function bigintIds(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((id): id is string => typeof id === 'string')) {
    throw new RowShapeError('routing_outbox', 'ids', 'an array of strings', value);
  }
  return value;
}

/** json_build_object gives timestamps as strings; the entity's `archivedAt` is a Date. */
function reviveArchivedAt(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || !('archived_at' in raw) || typeof raw.archived_at !== 'string') {
    return raw;
  }
  return { ...raw, archived_at: new Date(raw.archived_at) };
}
