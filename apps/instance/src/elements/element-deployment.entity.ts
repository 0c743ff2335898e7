import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  type Relation,
  UpdateDateColumn,
} from 'typeorm';

import { Tenant } from '../tenants/tenant.entity.js';
import { ElementTemplate } from './element-template.entity.js';

/**
 * A canary: the revision of a workspace template one tenant sees instead of
 * the template's `published_revision`. Written by `POST …/publish` with
 * `tenantIds` (admin only), dropped for every tenant when a revision is
 * published to all. Tenant-level for reading (a tenant sees its own pins, so
 * its view can be resolved in its scope); only an admin scope writes.
 */
@Entity('element_deployments')
export class ElementDeployment {
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
  @Column({ type: 'integer' }) revision!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
