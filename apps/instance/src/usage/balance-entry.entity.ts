import {
  Check,
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
 * The ledger of a prepaid balance: one row per top-up (positive `credits`,
 * with the caller's `reference`, unique per tenant so a top-up is applied
 * once) and per debit (negative `credits`, with the usage record it paid
 * for). The sum of a tenant's rows is its balance; `balanceAfter` is the
 * balance right after the row, so a replayed top-up answers as the first one
 * did. `bigint`s are strings from the driver. Ids are uuids, unique across
 * instances: a move copies rows with their ids (migration 1766900000000).
 */
@Entity('balance_entries')
@Index('balance_entries_reference', ['workspaceId', 'tenantId', 'reference'], { unique: true })
@Check(
  'balance_entries_kind',
  '("credits" > 0 AND "reference" IS NOT NULL AND "usage_record_id" IS NULL) OR ("credits" < 0 AND "reference" IS NULL AND "usage_record_id" IS NOT NULL)',
)
export class BalanceEntry {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
    { name: 'tenant_id', referencedColumnName: 'id' },
  ])
  tenant?: Relation<Tenant>;
  /** Positive: a top-up; negative: a debit. */
  @Column({ type: 'bigint' }) credits!: string;
  @Column({ name: 'balance_after', type: 'bigint' }) balanceAfter!: string;
  /** The caller's top-up reference; null for a debit. */
  @Column({ type: 'text', nullable: true }) reference!: string | null;
  /** The usage record a debit paid for (`usage_records.id`); null for a top-up. */
  @Column({ name: 'usage_record_id', type: 'uuid', nullable: true }) usageRecordId!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
