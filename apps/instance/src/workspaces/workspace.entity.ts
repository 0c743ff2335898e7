import type { PreviousSecret } from '@switchboard/contracts';
import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * This instance's copy of a workspace, as the Hub last sent it. Written only
 * by applying snapshots (never by the HTTP API, except `tenantFieldSchema`,
 * which the instance owns). Workspace-level, so not under row-level security:
 * token verification must find a workspace by key before any context exists.
 */
@Entity('workspaces')
export class Workspace {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ name: 'org_id', type: 'uuid' }) orgId!: string;
  @Column({ type: 'text', unique: true }) key!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'jsonb', default: () => "'{}'" }) settings!: Record<string, unknown>;
  @Column({ name: 'webhook_uri', type: 'text', nullable: true }) webhookUri!: string | null;
  @Column({ name: 'public_keys', type: 'jsonb', default: () => "'[]'" }) publicKeys!: string[];
  @Column({ name: 'sealed_secret', type: 'text' }) sealedSecret!: string;
  /** Secrets replaced by rotations, newest first, each accepted until its own `expiresAt` (ISO 8601), as the Hub sent them. */
  @Column({ name: 'previous_sealed_secrets', type: 'jsonb', default: () => "'[]'" })
  previousSealedSecrets!: PreviousSecret[];
  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true }) archivedAt!: Date | null;
  @Column({ name: 'config_version', type: 'integer' }) configVersion!: number;
  /**
   * SHA-256 of the canonical snapshot this row holds: set when a snapshot is
   * applied, and set again to what the row holds when reconciliation finds
   * the row changed behind the Hub's back (so the next snapshot heals it).
   */
  @Column({ name: 'snapshot_digest', type: 'text', nullable: true }) snapshotDigest!: string | null;
  /** JSON Schema that tenant `fields` must satisfy; owned by the instance, not by the Hub. */
  @Column({ name: 'tenant_field_schema', type: 'jsonb', nullable: true }) tenantFieldSchema!: Record<
    string,
    unknown
  > | null;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
