import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
  UpdateDateColumn,
} from 'typeorm';

import { Integration } from '../integrations/integration.entity.js';
import { Tenant } from '../tenants/tenant.entity.js';

/**
 * A tenant's connection to an integration. Tenant-level, under row-level
 * security; both foreign keys are composite with `workspace_id`, so a
 * connection can point neither at another workspace's tenant nor at another
 * workspace's integration.
 */
@Entity('connections')
@Index('connections_scope_time', ['workspaceId', 'tenantId', 'createdAt'])
@Index('connections_integration', ['workspaceId', 'integrationId'])
export class Connection {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
    { name: 'tenant_id', referencedColumnName: 'id' },
  ])
  tenant?: Relation<Tenant>;
  @Column({ name: 'integration_id', type: 'uuid' }) integrationId!: string;
  @ManyToOne(() => Integration, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
    { name: 'integration_id', referencedColumnName: 'id' },
  ])
  integration?: Relation<Integration>;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'jsonb', default: () => "'{}'" }) input!: Record<string, unknown>;
  @Column({ name: 'sealed_credentials', type: 'text', nullable: true }) sealedCredentials!: string | null;
  @Column({ type: 'boolean', default: false }) disconnected!: boolean;
  /** Usable (never its credentials) by the owning tenant's children (API.md, Linked tenants). */
  @Column({ type: 'boolean', default: false }) shared!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true }) archivedAt!: Date | null;
}
