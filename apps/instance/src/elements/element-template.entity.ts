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

import { Workspace } from '../workspaces/workspace.entity.js';
import type { ElementType } from './element-type.js';
import type { JsonObject } from './json-value.js';

/**
 * A workspace's element (action, flow, field mapping or data source), as
 * every tenant starts from it. Workspace-level: row-level security binds it
 * to its workspace only. `definition` and `name` are those of the latest
 * revision; `(workspace_id, id)` is unique so that revisions and
 * customisations can hold composite foreign keys that stay in the workspace.
 */
@Entity('element_templates')
@Unique('element_templates_workspace_type_key', ['workspaceId', 'elementType', 'key'])
@Unique('element_templates_workspace_id_id', ['workspaceId', 'id'])
@Index('element_templates_list', ['workspaceId', 'elementType', 'createdAt', 'id'])
@Check('element_templates_element_type', `"element_type" IN ('action', 'flow', 'field-mapping', 'data-source')`)
@Check('element_templates_revision', `"revision" >= 1`)
export class ElementTemplate {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @ManyToOne(() => Workspace, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: Relation<Workspace>;
  @Column({ name: 'element_type', type: 'text' }) elementType!: ElementType;
  @Column({ type: 'text' }) key!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'jsonb' }) definition!: JsonObject;
  @Column({ type: 'integer' }) revision!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true }) archivedAt!: Date | null;
}
