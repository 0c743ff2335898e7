import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation, UpdateDateColumn } from 'typeorm';

import { Tenant } from '../tenants/tenant.entity.js';

/**
 * A prepaid tenant's balance, in credits (API.md, "Prepaid balance"). A
 * tenant without a row is not prepaid; its first top-up creates the row. The
 * balance never goes below zero (checked here as well as by the conditional
 * debit), and always equals the sum of the tenant's `balance_entries`.
 * `bigint`, so a string from the driver.
 */
@Entity('tenant_balances')
@Check('tenant_balances_not_negative', '"balance" >= 0')
export class TenantBalance {
  @PrimaryColumn({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
    { name: 'tenant_id', referencedColumnName: 'id' },
  ])
  tenant?: Relation<Tenant>;
  @Column({ type: 'bigint' }) balance!: string;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
