import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  type Relation,
  UpdateDateColumn,
} from 'typeorm';

import { Tenant } from '../tenants/tenant.entity.js';
import { ElementTemplate } from './element-template.entity.js';
import type { JsonObject } from './json-value.js';

/**
 * One tenant's overlay on one template, kept as the tenant wrote it and
 * merged at read time, so it outlives every template change and rollback.
 * Tenant-level: row-level security shows a tenant scope only its own rows,
 * and both composite foreign keys keep the row inside its workspace.
 */
@Entity('element_customizations')
@Index('element_customizations_tenant', ['workspaceId', 'tenantId'])
export class ElementCustomization {
  @PrimaryColumn({ name: 'element_id', type: 'uuid' }) elementId!: string;
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @ManyToOne(() => ElementTemplate, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
    { name: 'element_id', referencedColumnName: 'id' },
  ])
  element?: Relation<ElementTemplate>;
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
    { name: 'tenant_id', referencedColumnName: 'id' },
  ])
  tenant?: Relation<Tenant>;
  @Column({ type: 'jsonb' }) definition!: JsonObject;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
