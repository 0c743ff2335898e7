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

import { OrgWorkspace } from './org-workspace.entity.js';

/**
 * A configuration change still to deliver. Rows name a workspace and the
 * version that made them; the relay always sends the workspace's current
 * snapshot, so rows for one workspace coalesce.
 */
@Entity('routing_outbox')
@Index('routing_outbox_pending', ['nextAttemptAt'], { where: 'delivered_at IS NULL' })
export class OutboxEntry {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' }) id!: string;
  @Index() @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @ManyToOne(() => OrgWorkspace, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: Relation<OrgWorkspace>;
  @Column({ name: 'instance_id', type: 'text' }) instanceId!: string;
  @Column({ type: 'integer' }) version!: number;
  @Column({ type: 'integer', default: 0 }) attempts!: number;
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' }) nextAttemptAt!: Date;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true }) deliveredAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
