import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
} from 'typeorm';

import { OrgWorkspace } from '../routing/org-workspace.entity.js';

/** Where a move is (API.md, "Moving a workspace to another instance"). */
export type MoveState = 'copying' | 'catching_up' | 'cutover' | 'done' | 'failed' | 'aborted';

/** The states a move runs in; at most one move of a workspace is in one of them (index `workspace_moves_running`). */
export const RUNNING_MOVE_STATES: readonly MoveState[] = ['copying', 'catching_up', 'cutover'];

/**
 * A move of a workspace to another instance, the durable state machine the
 * MoveWorker drives (and resumes after any restart): `copying` (table
 * `copy_table` of the contract's MOVED_TABLE_NAMES, after the primary key
 * `copy_after`) → `catching_up` (the source's change log after
 * `change_cursor`) → `cutover` → `done`; or `failed` / `aborted`, with
 * `cleanup_pending` until both instances discarded what the move left. A
 * worker holds a move through `lease_owner` until `lease_until`, claimed
 * with `FOR UPDATE SKIP LOCKED` as the outbox drainers do; a failed step is
 * retried at `next_attempt_at`. A `done` move's source copy is purged after
 * `purge_after`.
 */
@Entity('workspace_moves')
// One running move per workspace: a partial unique index TypeORM cannot declare (the migration creates it).
@Index('workspace_moves_running', { synchronize: false })
@Index('workspace_moves_due', ['nextAttemptAt'])
export class WorkspaceMove {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Index() @Column({ name: 'org_workspace_id', type: 'uuid' }) orgWorkspaceId!: string;
  @ManyToOne(() => OrgWorkspace, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'org_workspace_id' })
  orgWorkspace?: Relation<OrgWorkspace>;
  @Column({ name: 'from_instance_id', type: 'text' }) fromInstanceId!: string;
  @Column({ name: 'to_instance_id', type: 'text' }) toInstanceId!: string;
  @Column({ type: 'text' }) state!: MoveState;
  @Column({ name: 'copy_table', type: 'integer', default: 0 }) copyTable!: number;
  @Column({ name: 'copy_after', type: 'jsonb', nullable: true }) copyAfter!: Record<string, unknown> | null;
  @Column({ name: 'change_cursor', type: 'bigint', default: 0 }) changeCursor!: string;
  @Column({ name: 'rows_copied', type: 'bigint', default: 0 }) rowsCopied!: string;
  @Column({ name: 'write_pause_ms', type: 'integer', nullable: true }) writePauseMs!: number | null;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  @Column({ name: 'cleanup_pending', type: 'boolean', default: false }) cleanupPending!: boolean;
  @Column({ name: 'purge_after', type: 'timestamptz', nullable: true }) purgeAfter!: Date | null;
  @Column({ name: 'purged_at', type: 'timestamptz', nullable: true }) purgedAt!: Date | null;
  @Column({ name: 'lease_owner', type: 'text', nullable: true }) leaseOwner!: string | null;
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true }) leaseUntil!: Date | null;
  @Column({ type: 'integer', default: 0 }) attempts!: number;
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' }) nextAttemptAt!: Date;
  /** Set when the move comes from draining `from_instance_id` (POST /instances/{id}/drain). */
  @Column({ name: 'drain', type: 'boolean', default: false }) drain!: boolean;
  @CreateDateColumn({ name: 'started_at', type: 'timestamptz' }) startedAt!: Date;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
}
