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

/**
 * AI credits a tenant used; the rolling 30-day sums come from here. The id is
 * a uuid, unique across instances: a move copies rows with their ids
 * (migration 1766900000000).
 */
@Entity('usage_records')
@Index('usage_records_tenant_time', ['workspaceId', 'tenantId', 'createdAt'])
export class UsageRecord {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
    { name: 'tenant_id', referencedColumnName: 'id' },
  ])
  tenant?: Relation<Tenant>;
  @Column({ type: 'integer' }) credits!: number;
  @Column({ type: 'text', nullable: true }) kind!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
