import type { PreviousSecret } from '@switchboard/contracts';
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

import { Instance } from '../instances/instance.entity.js';
import { Org } from '../orgs/org.entity.js';

/**
 * The Hub's desired configuration of a workspace. Every change bumps
 * `configVersion` and writes an outbox row in the same transaction; the
 * instance reports back `appliedVersion`.
 */
@Entity('org_workspaces')
/** `GET /org-workspaces`: an org's page in `(created_at, id)` order after a cursor (migration 1765100000000). */
@Index('org_workspaces_org_created', ['orgId', 'createdAt', 'id'])
/** Reconciliation: an instance's workspaces a range of ids at a time (migration 1765100000000). */
@Index('org_workspaces_instance', ['instanceId', 'id'])
export class OrgWorkspace {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'org_id', type: 'uuid' }) orgId!: string;
  @Column({ type: 'text' }) name!: string;
  /** Public, globally unique, URL-safe; the JWT issuer. */
  @Column({ type: 'text', unique: true }) key!: string;
  @Column({ name: 'instance_id', type: 'text' }) instanceId!: string;
  @ManyToOne(() => Org, { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'org_id' }) org?: Relation<Org>;
  @ManyToOne(() => Instance, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'instance_id' })
  instance?: Relation<Instance>;
  @Column({ type: 'jsonb', default: () => "'{}'" }) settings!: Record<string, unknown>;
  @Column({ name: 'webhook_uri', type: 'text', nullable: true }) webhookUri!: string | null;
  @Column({ name: 'public_keys', type: 'jsonb', default: () => "'[]'" }) publicKeys!: string[];
  @Column({ name: 'sealed_secret', type: 'text' }) sealedSecret!: string;
  /**
   * Secrets replaced by rotations and still promised: newest first, each valid
   * until its own `expiresAt` (ISO 8601), at most `MAX_PREVIOUS_SECRETS`.
   * Sent as they are in every snapshot, so a snapshot is a function of the row.
   */
  @Column({ name: 'previous_sealed_secrets', type: 'jsonb', default: () => "'[]'" })
  previousSealedSecrets!: PreviousSecret[];
  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true }) archivedAt!: Date | null;
  @Column({ name: 'config_version', type: 'integer', default: 1 }) configVersion!: number;
  @Column({ name: 'applied_version', type: 'integer', default: 0 }) appliedVersion!: number;
  /** The digest (SHA-256 of the canonical snapshot) of what the instance last reported holding. */
  @Column({ name: 'applied_digest', type: 'text', nullable: true }) appliedDigest!: string | null;
  @Column({ name: 'last_sync_error', type: 'text', nullable: true }) lastSyncError!: string | null;
  /** Set when the instance refused the snapshot (a `SnapshotRefusalCode`): the sync has `failed`, not merely lags. */
  @Column({ name: 'sync_error_code', type: 'text', nullable: true }) syncErrorCode!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
