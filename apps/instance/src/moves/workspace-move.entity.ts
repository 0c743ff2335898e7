import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What a source instance's move of a workspace is at (API.md, "Moving a
 * workspace to another instance"): `copying` (writes go on and are recorded in
 * `workspace_move_changes`), `frozen` (the cutover: writes are refused by the
 * capture trigger and held by the HTTP gate), `moved` (the Hub placed the
 * workspace on the target: requests are answered `307` to `redirect_url`).
 * No foreign key to `workspaces`: the row outlives the purge of the copy only
 * as long as the purge's own transaction. Not under row-level security (like
 * `workspaces`): the gate reads it before any scope exists.
 */
@Entity('workspace_move_sources')
export class WorkspaceMoveSource {
  @PrimaryColumn({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @Column({ name: 'move_id', type: 'uuid' }) moveId!: string;
  @Column({ type: 'text' }) state!: string;
  /** The target's API URL, once `moved`: the base of every `307` Location. */
  @Column({ name: 'redirect_url', type: 'text', nullable: true }) redirectUrl!: string | null;
  @CreateDateColumn({ name: 'started_at', type: 'timestamptz' }) startedAt!: Date;
  @Column({ name: 'frozen_at', type: 'timestamptz', nullable: true }) frozenAt!: Date | null;
  @Column({ name: 'moved_at', type: 'timestamptz', nullable: true }) movedAt!: Date | null;
}

/**
 * A workspace this instance is receiving: until the Hub activates it, the
 * instance does not serve it (its key is unknown to token verification) and
 * delivers none of its events, so the copy cannot diverge from the source.
 */
@Entity('workspace_move_targets')
export class WorkspaceMoveTarget {
  @PrimaryColumn({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @Column({ name: 'move_id', type: 'uuid' }) moveId!: string;
  @CreateDateColumn({ name: 'started_at', type: 'timestamptz' }) startedAt!: Date;
}

/**
 * The change log of a workspace being moved away: one row per row written
 * (table and primary key, as JSON), appended by the trigger
 * `workspace_move_capture` in the writer's own transaction, replayed in `id`
 * order by the catch-up (which reads the row as it is then, or its absence).
 */
@Entity('workspace_move_changes')
@Index('workspace_move_changes_workspace', ['workspaceId', 'id'])
export class WorkspaceMoveChange {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' }) id!: string;
  @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @Column({ name: 'table_name', type: 'text' }) tableName!: string;
  @Column({ type: 'jsonb' }) pk!: Record<string, unknown>;
}
