import {
  Check,
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
import type { ElementType } from './element-type.js';
import type { JsonObject } from './json-value.js';

/**
 * One tenant's overlay on the element it reads at `(element_type, key)`,
 * kept as the tenant wrote it and merged at read time.
 *
 * It targets a type and key, not a row: whatever the key resolves to for the
 * tenant below its customisation (its own element, a workspace template over
 * its universe parent, or a universe element) gets the overlay. So a tenant
 * customises a universe element exactly as it customises a template, with no
 * copy of the universe element materialised in the workspace (which would
 * stop following the universe's revisions), and the overlay outlives every
 * revision, rollback, archive and even a template replaced by the universe
 * element of the same key. Tenant-level: row-level security shows a tenant
 * scope only its own rows, and the composite foreign key keeps the row inside
 * its workspace.
 */
@Entity('element_customizations')
@Index('element_customizations_tenant', ['workspaceId', 'tenantId'])
@Check(
  'element_customizations_element_type',
  `"element_type" IN ('connector', 'action', 'flow', 'field-mapping', 'data-source')`,
)
export class ElementCustomization {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @PrimaryColumn({ name: 'element_type', type: 'text' }) elementType!: ElementType;
  @PrimaryColumn({ type: 'text' }) key!: string;
  @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
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
