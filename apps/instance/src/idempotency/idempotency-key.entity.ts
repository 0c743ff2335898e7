import {
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
import { Workspace } from '../workspaces/workspace.entity.js';

/**
 * A mutating POST made with an `Idempotency-Key`, per principal: per tenant of
 * a workspace, or (`tenant_id` null) per workspace admin. Holds the hash of the
 * request and, once it succeeded, its response — sealed with the keyring,
 * since responses can carry credentials. Under row-level security like every
 * table with a workspace.
 */
@Entity('idempotency_keys')
// Unique on (workspace_id, tenant_id, key) NULLS NOT DISTINCT, as admin keys have no tenant: TypeORM
// cannot declare that, so the migration creates it and TypeORM leaves it alone.
@Index('idempotency_keys_owner_key', { synchronize: false })
@Index('idempotency_keys_workspace_time', ['workspaceId', 'createdAt'])
export class IdempotencyKey {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @ManyToOne(() => Workspace, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: Relation<Workspace>;
  /** Null for a workspace admin's key. */
  @Column({ name: 'tenant_id', type: 'uuid', nullable: true }) tenantId!: string | null;
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
    { name: 'tenant_id', referencedColumnName: 'id' },
  ])
  tenant?: Relation<Tenant>;
  @Column({ type: 'text' }) key!: string;
  @Column({ name: 'request_hash', type: 'text' }) requestHash!: string;
  /** Null while the first request is in progress. */
  @Column({ name: 'status_code', type: 'integer', nullable: true }) statusCode!: number | null;
  @Column({ name: 'sealed_response', type: 'text', nullable: true }) sealedResponse!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
