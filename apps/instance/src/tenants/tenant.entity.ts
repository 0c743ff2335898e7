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

/**
 * A tenant is active (Membrane's `isActive`) when one of its tokens made a
 * request within this many days: the same rolling window as the AI-credit limit.
 */
export const ACTIVE_WITHIN_DAYS = 30;

/**
 * A tenant of a workspace: under row-level security, visible only within its
 * workspace, and to a tenant scope only itself. `(workspace_id, id)` is unique
 * so that tenant-level tables can hold composite foreign keys that cannot
 * point into another workspace.
 */
@Entity('tenants')
@Unique('tenants_workspace_internal_id', ['workspaceId', 'internalId'])
@Unique('tenants_workspace_id_id', ['workspaceId', 'id'])
/** A parent's children (GET /self/children, the one-level checks). */
@Index('tenants_parent', ['workspaceId', 'parentId'])
@Check('tenants_not_own_parent', '"parent_id" <> "id"')
export class Tenant {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'workspace_id', type: 'uuid' }) workspaceId!: string;
  @ManyToOne(() => Workspace, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: Relation<Workspace>;
  @Column({ name: 'internal_id', type: 'text' }) internalId!: string;
  @Index('tenants_name') @Column({ type: 'text' }) name!: string;
  @Column({ type: 'jsonb', default: () => "'{}'" }) fields!: Record<string, unknown>;
  @Column({ name: 'sealed_credentials', type: 'text', nullable: true }) sealedCredentials!: string | null;
  @Column({ name: 'ai_credits_rolling_30_day_limit', type: 'integer', nullable: true })
  aiCreditsRolling30DayLimit!: number | null;
  /** A test tenant (Membrane's `isTest`): set by an admin, only ever a filter and a label. */
  @Column({ name: 'is_test', type: 'boolean', default: false }) isTest!: boolean;
  /** The last authenticated request of one of its tokens, to the minute (see TenantActivity); null: never. */
  @Column({ name: 'last_active_at', type: 'timestamptz', nullable: true }) lastActiveAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true }) archivedAt!: Date | null;
  /** Workspace JWTs for this tenant issued (`iat`) in or before this second are refused (POST /tenants/{id}/revoke-tokens). */
  @Column({ name: 'tokens_revoked_before', type: 'timestamptz', nullable: true }) tokensRevokedBefore!: Date | null;
  /**
   * The tenant's parent (API.md, Linked tenants): one level only, within the
   * workspace — the foreign key is composite with `workspace_id`, so it
   * cannot point into another workspace. Null: not linked.
   */
  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId!: string | null;
  @ManyToOne(() => Tenant, { onDelete: 'NO ACTION' })
  @JoinColumn([
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
    { name: 'parent_id', referencedColumnName: 'id' },
  ])
  parent?: Relation<Tenant>;
}
