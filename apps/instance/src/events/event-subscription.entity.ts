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

/** A tenant's own webhook for one event type; it receives only that tenant's events. */
@Entity('event_subscriptions')
@Unique('event_subscriptions_tenant_id_id', ['tenantId', 'id'])
@Index('event_subscriptions_scope_time', ['workspaceId', 'tenantId', 'createdAt'])
export class EventSubscription {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
    { name: 'tenant_id', referencedColumnName: 'id' },
  ])
  tenant?: Relation<Tenant>;
  @Column({ name: 'event_type', type: 'text' }) eventType!: string;
  @Column({ name: 'webhook_uri', type: 'text' }) webhookUri!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  /** Deleting archives: pending deliveries are dropped, the row stays for the record. */
  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true }) archivedAt!: Date | null;
}
