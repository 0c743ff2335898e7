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

import { Org } from './org.entity.js';

/**
 * Who did what to an org and its workspaces. Append-only: a trigger refuses
 * every UPDATE and DELETE. Never holds a secret value.
 */
@Entity('audit_log')
@Index('audit_log_org_time', ['orgId', 'createdAt'])
export class AuditLogEntry {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'org_id', type: 'uuid' }) orgId!: string;
  @ManyToOne(() => Org, { onDelete: 'CASCADE' }) @JoinColumn({ name: 'org_id' }) org?: Relation<Org>;
  @Column({ name: 'actor_user_id', type: 'uuid' }) actorUserId!: string;
  @Column({ type: 'text' }) action!: string;
  @Column({ name: 'target_type', type: 'text' }) targetType!: string;
  @Column({ name: 'target_id', type: 'text' }) targetId!: string;
  @Column({ type: 'jsonb', default: () => "'{}'" }) changes!: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
