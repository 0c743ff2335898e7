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
  Unique,
  UpdateDateColumn,
} from 'typeorm';

import { Tenant } from '../tenants/tenant.entity.js';
import { Workspace } from '../workspaces/workspace.entity.js';
import type { ElementType } from './element-type.js';
import type { JsonObject } from './json-value.js';

/**
 * A workspace's element (connector, action, flow, field mapping or data
 * source): a workspace template every tenant starts from (`tenant_id` null),
 * or a tenant's own element (`tenant_id` set, level "tenant"). Row-level
 * security binds a row to its workspace, shows a tenant's own rows to that
 * tenant (and admins) only, and lets a tenant scope write its own rows only.
 *
 * `definition` and `name` are those of the latest revision (`revision`);
 * tenants see `published_revision` unless pinned to another one
 * (`element_deployments`). `parent_key` names a universe element of the same
 * type that the definition is laid over (see ElementsService). Keys are
 * unique per workspace and type among templates, and per tenant and type
 * among a tenant's own; a tenant's key may not be a template's key and the
 * other way round (the service checks it under an advisory lock).
 * `(workspace_id, id)` is unique so that revisions, customisations and
 * deployments can hold composite foreign keys that stay in the workspace.
 */
@Entity('element_templates')
@Index('element_templates_workspace_type_key', ['workspaceId', 'elementType', 'key'], {
  unique: true,
  where: '"tenant_id" IS NULL',
})
@Index('element_templates_tenant_type_key', ['tenantId', 'elementType', 'key'], {
  unique: true,
  where: '"tenant_id" IS NOT NULL',
})
@Unique('element_templates_workspace_id_id', ['workspaceId', 'id'])
@Index('element_templates_list', ['workspaceId', 'elementType', 'createdAt', 'id'])
@Check(
  'element_templates_element_type',
  `"element_type" IN ('connector', 'action', 'flow', 'field-mapping', 'data-source')`,
)
@Check('element_templates_revision', `"revision" >= 1`)
@Check('element_templates_published_revision', `"published_revision" >= 1 AND "published_revision" <= "revision"`)
export class ElementTemplate {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @ManyToOne(() => Workspace, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: Relation<Workspace>;
  /** The owning tenant of a tenant-level element; null for a workspace template. */
  @Column({ name: 'tenant_id', type: 'uuid', nullable: true }) tenantId!: string | null;
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
    { name: 'tenant_id', referencedColumnName: 'id' },
  ])
  tenant?: Relation<Tenant>;
  @Column({ name: 'element_type', type: 'text' }) elementType!: ElementType;
  @Column({ type: 'text' }) key!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'jsonb' }) definition!: JsonObject;
  /** The key of a universe element of the same type this definition is laid over; null: none. */
  @Column({ name: 'parent_key', type: 'text', nullable: true }) parentKey!: string | null;
  @Column({ type: 'integer' }) revision!: number;
  /** The revision every tenant not pinned elsewhere sees; the latest unless a draft was saved after it. */
  @Column({ name: 'published_revision', type: 'integer' }) publishedRevision!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true }) archivedAt!: Date | null;
}
