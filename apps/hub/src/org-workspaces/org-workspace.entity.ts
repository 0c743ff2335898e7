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
export class OrgWorkspace {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Index() @Column({ name: 'org_id', type: 'uuid' }) orgId!: string;
  @Column({ type: 'text' }) name!: string;
  /** Public, globally unique, URL-safe; the JWT issuer. */
  @Column({ type: 'text', unique: true }) key!: string;
  @Index() @Column({ name: 'instance_id', type: 'text' }) instanceId!: string;
  @ManyToOne(() => Org, { onDelete: 'RESTRICT' }) @JoinColumn({ name: 'org_id' }) org?: Relation<Org>;
  @ManyToOne(() => Instance, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'instance_id' })
  instance?: Relation<Instance>;
  @Column({ type: 'jsonb', default: () => "'{}'" }) settings!: Record<string, unknown>;
  @Column({ name: 'webhook_uri', type: 'text', nullable: true }) webhookUri!: string | null;
  @Column({ name: 'public_keys', type: 'jsonb', default: () => "'[]'" }) publicKeys!: string[];
  @Column({ name: 'sealed_secret', type: 'text' }) sealedSecret!: string;
  @Column({ name: 'previous_sealed_secret', type: 'text', nullable: true }) previousSealedSecret!: string | null;
  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt!: Date | null;
  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true }) archivedAt!: Date | null;
  @Column({ name: 'config_version', type: 'integer', default: 1 }) configVersion!: number;
  @Column({ name: 'applied_version', type: 'integer', default: 0 }) appliedVersion!: number;
  @Column({ name: 'last_sync_error', type: 'text', nullable: true }) lastSyncError!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
