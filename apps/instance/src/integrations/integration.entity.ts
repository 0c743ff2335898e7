import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
  Unique,
  UpdateDateColumn,
} from 'typeorm';

import { Workspace } from '../workspaces/workspace.entity.js';

/**
 * An external app the workspace's tenants can connect to. Workspace-level:
 * row-level security limits it to its workspace, and only an admin scope may
 * write it. `(workspace_id, id)` is unique so that connections can hold a
 * composite foreign key that cannot point into another workspace.
 */
@Entity('integrations')
@Unique('integrations_workspace_key', ['workspaceId', 'key'])
@Unique('integrations_workspace_id_id', ['workspaceId', 'id'])
export class Integration {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @ManyToOne(() => Workspace, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: Relation<Workspace>;
  @Column({ type: 'text' }) key!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'auth_type', type: 'text' }) authType!: string;
  @Column({ name: 'client_id', type: 'text', nullable: true }) clientId!: string | null;
  @Column({ name: 'sealed_client_secret', type: 'text', nullable: true }) sealedClientSecret!: string | null;
  @Column({ type: 'jsonb', default: () => "'{}'" }) settings!: Record<string, unknown>;
  /** The key of the connector (element type `connector`, workspace or universe level) it builds on; null: none. */
  @Column({ name: 'connector_key', type: 'text', nullable: true }) connectorKey!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true }) archivedAt!: Date | null;
}
