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

/**
 * A tenant's API key (`sbk_<workspace key>_<43 base64url chars>`): only its
 * SHA-256 (`key_hash`, 32 bytes) is stored, with the first characters of the
 * key (`prefix`) so that a user can tell keys apart. Tenant-level: row-level
 * security as on every tenant table. A revoked key keeps its row
 * (`revoked_at`) and never authenticates again.
 */
@Entity('tenant_api_keys')
@Index('tenant_api_keys_tenant', ['workspaceId', 'tenantId', 'createdAt'])
export class TenantApiKey {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @Column({ name: 'tenant_id', type: 'uuid' }) tenantId!: string;
  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
    { name: 'tenant_id', referencedColumnName: 'id' },
  ])
  tenant?: Relation<Tenant>;
  @Column({ type: 'text' }) name!: string;
  /** `owner`, `member` or `viewer`. */
  @Column({ type: 'text' }) role!: string;
  @Column({ name: 'user_id', type: 'text', nullable: true }) userId!: string | null;
  @Column({ type: 'text' }) prefix!: string;
  @Index('tenant_api_keys_hash', { unique: true })
  @Column({ name: 'key_hash', type: 'bytea' })
  keyHash!: Buffer;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt!: Date | null;
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true }) lastUsedAt!: Date | null;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
