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

import { Tenant } from '../tenants/tenant.entity.js';

/** What happened to a tenant (or, with no tenant, to the workspace). Never holds a secret. */
@Entity('activity_logs')
@Index('activity_logs_scope_time', ['workspaceId', 'tenantId', 'createdAt'])
export class ActivityLog {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @Column({ name: 'tenant_id', type: 'uuid', nullable: true }) tenantId!: string | null;
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
    { name: 'tenant_id', referencedColumnName: 'id' },
  ])
  tenant?: Relation<Tenant>;
  @Column({ type: 'text' }) type!: string;
  /** `admin`, `tenant`, `api_key`, `token` or `system`: what kind of caller caused it. */
  @Column({ type: 'text' }) actor!: string;
  /** Which caller: an API key's id, a tenant's id, a token's `jti`. */
  @Column({ name: 'actor_id', type: 'text', nullable: true }) actorId!: string | null;
  /** The user an API key or token names. */
  @Column({ name: 'actor_user_id', type: 'text', nullable: true }) actorUserId!: string | null;
  @Column({ type: 'jsonb', default: () => "'{}'" }) data!: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
