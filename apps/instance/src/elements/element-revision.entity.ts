import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';

import { ElementTemplate } from './element-template.entity.js';
import type { JsonObject } from './json-value.js';

/** Every name and definition an element has had, numbered from 1; a rollback copies one into a new revision. */
@Entity('element_revisions')
export class ElementRevision {
  @PrimaryColumn({ name: 'element_id', type: 'uuid' }) elementId!: string;
  @PrimaryColumn({ type: 'integer' }) revision!: number;
  @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @ManyToOne(() => ElementTemplate, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
    { name: 'element_id', referencedColumnName: 'id' },
  ])
  element?: Relation<ElementTemplate>;
  /** The owning tenant when the element is a tenant's own (as on the element), for row-level security. */
  @Column({ name: 'tenant_id', type: 'uuid', nullable: true }) tenantId!: string | null;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'jsonb' }) definition!: JsonObject;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
