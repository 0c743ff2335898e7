import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';

import { Tenant } from '../tenants/tenant.entity.js';
import { EventRecord } from './event.entity.js';
import { EventSubscription } from './event-subscription.entity.js';

/**
 * One event to one target: the workspace's webhook (no subscription) or a
 * tenant subscription. A target receives a tenant's events in `event_seq`
 * order: only the oldest undelivered row of a (tenant, target) is ever sent.
 */
@Entity('event_deliveries')
@Index('event_deliveries_pending', ['workspaceId', 'tenantId', 'subscriptionId', 'eventSeq'], {
  where: '"delivered_at" IS NULL',
})
/** Finds what is old enough to prune. */
@Index('event_deliveries_delivered', ['workspaceId', 'deliveredAt'], { where: '"delivered_at" IS NOT NULL' })
/** Backs the foreign key to `events`: deleting an event looks its deliveries up by it. */
@Index('event_deliveries_event', ['eventId'])
export class EventDelivery {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
    { name: 'tenant_id', referencedColumnName: 'id' },
  ])
  tenant?: Relation<Tenant>;
  @Column({ name: 'event_id', type: 'uuid' }) eventId!: string;
  @ManyToOne(() => EventRecord, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId' },
    { name: 'event_id', referencedColumnName: 'id' },
  ])
  event?: Relation<EventRecord>;
  /** The event's `seq`, copied so that a stream's head is found from this table's index alone. */
  @Column({ name: 'event_seq', type: 'bigint' }) eventSeq!: string;
  /** Null: the workspace's webhookUri, as it is when the delivery is sent. */
  @Column({ name: 'subscription_id', type: 'uuid', nullable: true }) subscriptionId!: string | null;
  @ManyToOne(() => EventSubscription, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'tenant_id', referencedColumnName: 'tenantId' },
    { name: 'subscription_id', referencedColumnName: 'id' },
  ])
  subscription?: Relation<EventSubscription>;
  @Column({ type: 'integer', default: 0 }) attempts!: number;
  /** Also the lease while a replica has the request in flight. */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' }) nextAttemptAt!: Date;
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true }) deliveredAt!: Date | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
}
