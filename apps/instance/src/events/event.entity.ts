import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
  Unique,
} from 'typeorm';

import { Tenant } from '../tenants/tenant.entity.js';

/**
 * Something that happened to a tenant, written by the outbox in the
 * transaction of the change itself. `seq` numbers a tenant's events in commit
 * order; deliveries go out in that order.
 */
@Entity('events')
@Unique('events_tenant_seq', ['tenantId', 'seq'])
@Unique('events_tenant_id_id', ['tenantId', 'id'])
/** Finds what is old enough to prune. */
@Index('events_workspace_time', ['workspaceId', 'createdAt'])
export class EventRecord {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
    { name: 'tenant_id', referencedColumnName: 'id' },
  ])
  tenant?: Relation<Tenant>;
  @Column({ type: 'bigint' }) seq!: string;
  @Column({ type: 'text' }) type!: string;
  @Column({ type: 'jsonb', default: () => "'{}'" }) data!: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
