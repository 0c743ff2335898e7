import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, queryRow, queryRows, RowShapeError, Table } from '@switchboard/persistence';
import { DataSource, type EntityManager } from 'typeorm';

import { type MoveState, WorkspaceMove } from './workspace-move.entity.js';

/** What a step of the worker records of a move it holds. */
export interface MoveProgress {
  state?: MoveState;
  copyTable?: number;
  copyAfter?: Record<string, unknown> | null;
  changeCursor?: string;
  rowsCopiedAdd?: number;
  writePauseMs?: number | null;
  error?: string | null;
  cleanupPending?: boolean;
  purgeAfterSeconds?: number;
  purged?: boolean;
  finished?: boolean;
}

/** Draining an instance, as `GET /instances` shows it. */
export interface DrainProgress {
  instanceId: string;
  running: number;
  failed: number;
  remaining: number;
}

/** All SQL of workspace moves (table `workspace_moves`). */
@Injectable()
export class MovesRepository {
  private readonly moves: Table<WorkspaceMove>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.moves = Table.of(dataSource, WorkspaceMove);
  }

  /**
   * A new running move, in the caller's transaction.
   * @throws the unique violation of `workspace_moves_running` when one runs already (409 by the error filter).
   */
  async insert(
    manager: EntityManager,
    move: { orgWorkspaceId: string; fromInstanceId: string; toInstanceId: string; drain: boolean },
  ): Promise<Columns<WorkspaceMove>> {
    const row = await this.moves.queryOne(
      manager,
      `INSERT INTO workspace_moves (org_workspace_id, from_instance_id, to_instance_id, state, drain)
       VALUES ($1, $2, $3, 'copying', $4) RETURNING ${this.moves.columns}`,
      [move.orgWorkspaceId, move.fromInstanceId, move.toInstanceId, move.drain],
    );
    if (!row) throw new RowShapeError('workspace_moves', '*', 'the inserted row', undefined);
    return row;
  }

  /** The workspace's latest move, or null. */
  async latest(orgWorkspaceId: string): Promise<Columns<WorkspaceMove> | null> {
    return this.moves.queryOne(
      this.dataSource,
      `SELECT ${this.moves.columns} FROM workspace_moves WHERE org_workspace_id = $1
       ORDER BY started_at DESC, id DESC LIMIT 1`,
      [orgWorkspaceId],
    );
  }

  /** The move, or null. */
  async findById(id: string): Promise<Columns<WorkspaceMove> | null> {
    return this.moves.queryOne(this.dataSource, `SELECT ${this.moves.columns} FROM workspace_moves WHERE id = $1`, [
      id,
    ]);
  }

  /**
   * Aborts the workspace's running move if it is before the cutover: `aborted`,
   * with the discarding of the target's copy (and the source's change log)
   * left to the worker; the row as it is now, or null when no move before
   * its cutover was running. The worker holding it notices at its next save.
   */
  async abort(orgWorkspaceId: string): Promise<Columns<WorkspaceMove> | null> {
    return this.moves.queryOne(
      this.dataSource,
      `UPDATE workspace_moves SET state = 'aborted', cleanup_pending = true, finished_at = now(), next_attempt_at = now()
       WHERE org_workspace_id = $1 AND state IN ('copying', 'catching_up')
       RETURNING ${this.moves.columns}`,
      [orgWorkspaceId],
    );
  }

  /**
   * Claims one move with work due for `owner` until `leaseSeconds` from now
   * (`FOR UPDATE SKIP LOCKED`: several Hub replicas claim different moves):
   * running, or with a cleanup pending, or done and due for the purge of
   * its source copy. Moves in `skip` (this process works them already) are
   * left alone.
   */
  async claim(owner: string, leaseSeconds: number, skip: string[]): Promise<Columns<WorkspaceMove> | null> {
    return this.moves.queryOne(
      this.dataSource,
      `UPDATE workspace_moves SET lease_owner = $1, lease_until = now() + make_interval(secs => $2)
       WHERE id = (
         SELECT id FROM workspace_moves
         WHERE (state IN ('copying', 'catching_up', 'cutover') OR cleanup_pending
                OR (state = 'done' AND purged_at IS NULL AND purge_after <= now()))
           AND (lease_until IS NULL OR lease_until < now())
           AND next_attempt_at <= now()
           AND NOT (id = ANY($3::uuid[]))
         ORDER BY next_attempt_at
         LIMIT 1
         FOR UPDATE SKIP LOCKED)
       RETURNING ${this.moves.columns}`,
      [owner, leaseSeconds, skip],
    );
  }

  /**
   * Records progress of a move `owner` holds in state `expected`, and renews
   * the lease; the row as it is now, or null when the move is no longer
   * this owner's or no longer in that state (aborted meanwhile, or taken
   * over after the lease ran out): the worker then stops.
   */
  async save(
    id: string,
    owner: string,
    expected: MoveState,
    progress: MoveProgress,
    leaseSeconds: number,
  ): Promise<Columns<WorkspaceMove> | null> {
    return this.moves.queryOne(
      this.dataSource,
      `UPDATE workspace_moves SET
         state = COALESCE($4, state),
         copy_table = COALESCE($5, copy_table),
         copy_after = CASE WHEN $6::boolean THEN $7::jsonb ELSE copy_after END,
         change_cursor = COALESCE($8::bigint, change_cursor),
         rows_copied = rows_copied + $9,
         write_pause_ms = CASE WHEN $10::boolean THEN $11::int ELSE write_pause_ms END,
         error = CASE WHEN $12::boolean THEN $13 ELSE error END,
         cleanup_pending = COALESCE($14, cleanup_pending),
         purge_after = CASE WHEN $15::int IS NULL THEN purge_after ELSE now() + make_interval(secs => $15::int) END,
         purged_at = CASE WHEN $16 THEN now() ELSE purged_at END,
         finished_at = CASE WHEN $17 THEN COALESCE(finished_at, now()) ELSE finished_at END,
         attempts = 0,
         lease_until = now() + make_interval(secs => $18)
       WHERE id = $1 AND lease_owner = $2 AND state = $3
       RETURNING ${this.moves.columns}`,
      [
        id,
        owner,
        expected,
        progress.state ?? null,
        progress.copyTable ?? null,
        'copyAfter' in progress,
        progress.copyAfter === undefined || progress.copyAfter === null ? null : JSON.stringify(progress.copyAfter),
        progress.changeCursor ?? null,
        progress.rowsCopiedAdd ?? 0,
        'writePauseMs' in progress,
        progress.writePauseMs ?? null,
        'error' in progress,
        progress.error ?? null,
        progress.cleanupPending ?? null,
        progress.purgeAfterSeconds ?? null,
        progress.purged === true,
        progress.finished === true,
        leaseSeconds,
      ],
    );
  }

  /** Gives the move back: lease released, the step retried after `retryInMs` (with `error` recorded, if given). */
  async release(id: string, owner: string, retryInMs: number, error?: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE workspace_moves SET lease_owner = NULL, lease_until = NULL,
         next_attempt_at = now() + make_interval(secs => $3::float8 / 1000),
         attempts = CASE WHEN $4::text IS NULL THEN attempts ELSE attempts + 1 END,
         error = COALESCE($4, error)
       WHERE id = $1 AND lease_owner = $2`,
      [id, owner, retryInMs, error ?? null],
    );
  }

  /**
   * Places the workspace on `toInstanceId` in the caller's transaction if it
   * is still on `fromInstanceId` (the row locked): its `configVersion` bumped.
   * The workspace row as it is now, or null when it was placed already.
   */
  async place(
    manager: EntityManager,
    orgWorkspaceId: string,
    fromInstanceId: string,
    toInstanceId: string,
  ): Promise<{ id: string; instanceId: string; configVersion: number; orgId: string } | null> {
    const row = await queryRow(
      manager,
      `UPDATE org_workspaces SET instance_id = $3, config_version = config_version + 1, updated_at = now()
       WHERE id = $1 AND instance_id = $2
       RETURNING id, instance_id, config_version, org_id`,
      [orgWorkspaceId, fromInstanceId, toInstanceId],
      { id: 'string', instance_id: 'string', config_version: 'number', org_id: 'string' },
    );
    return row && { id: row.id, instanceId: row.instance_id, configVersion: row.config_version, orgId: row.org_id };
  }

  /** The instance the workspace is placed on now, or null when the workspace is gone. */
  async placement(orgWorkspaceId: string): Promise<string | null> {
    const row = await queryRow(
      this.dataSource,
      'SELECT instance_id FROM org_workspaces WHERE id = $1',
      [orgWorkspaceId],
      {
        instance_id: 'string',
      },
    );
    return row?.instance_id ?? null;
  }

  /** Ids of the workspaces placed on the instance, with no move running. */
  async workspacesToDrain(instanceId: string): Promise<string[]> {
    const rows = await queryRows(
      this.dataSource,
      `SELECT w.id FROM org_workspaces w
       WHERE w.instance_id = $1
         AND NOT EXISTS (SELECT 1 FROM workspace_moves m WHERE m.org_workspace_id = w.id
                         AND m.state IN ('copying', 'catching_up', 'cutover'))
       ORDER BY w.created_at, w.id`,
      [instanceId],
      { id: 'string' },
    );
    return rows.map((row) => row.id);
  }

  /** How many moves onto `instanceId` are running (copying, catching up or at their cutover). */
  async runningMovesInto(instanceId: string): Promise<number> {
    const row = await queryRow(
      this.dataSource,
      `SELECT count(*)::int AS n FROM workspace_moves
       WHERE to_instance_id = $1 AND state IN ('copying', 'catching_up', 'cutover')`,
      [instanceId],
      { n: 'number' },
    );
    return row?.n ?? 0;
  }

  /** Per instance being drained (a drain move of it exists): moves running and failed, workspaces still placed there. */
  async drainProgress(instanceIds: string[]): Promise<DrainProgress[]> {
    const rows = await queryRows(
      this.dataSource,
      `SELECT i.id AS instance_id,
              (SELECT count(*)::int FROM workspace_moves m WHERE m.from_instance_id = i.id AND m.drain
                 AND m.state IN ('copying', 'catching_up', 'cutover')) AS running,
              (SELECT count(*)::int FROM workspace_moves m WHERE m.from_instance_id = i.id AND m.drain
                 AND m.state IN ('failed', 'aborted')
                 AND EXISTS (SELECT 1 FROM org_workspaces w WHERE w.id = m.org_workspace_id AND w.instance_id = i.id)) AS failed,
              (SELECT count(*)::int FROM org_workspaces w WHERE w.instance_id = i.id) AS remaining
       FROM instances i
       WHERE i.id = ANY($1::text[])
         AND EXISTS (SELECT 1 FROM workspace_moves m WHERE m.from_instance_id = i.id AND m.drain)`,
      [instanceIds],
      { instance_id: 'string', running: 'number', failed: 'number', remaining: 'number' },
    );
    return rows.map((row) => ({
      instanceId: row.instance_id,
      running: row.running,
      failed: row.failed,
      remaining: row.remaining,
    }));
  }
}
