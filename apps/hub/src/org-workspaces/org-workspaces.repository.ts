import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, type ExtraRow, RowShapeError, Table } from '@switchboard/persistence';
import type { CursorPosition } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import { type OrgRole, parseOrgRole } from '../auth/org-role.js';
import { OrgWorkspace } from '../routing/org-workspace.entity.js';

const API_URL = { api_url: 'string' } as const;
const LISTED = { ...API_URL, position: 'string' } as const;

/** A workspace with the API URL of the instance it is placed on. */
export type PlacedOrgWorkspace = Columns<OrgWorkspace> & ExtraRow<typeof API_URL>;
/** As listed: with its cursor position too. */
export type ListedOrgWorkspace = Columns<OrgWorkspace> & ExtraRow<typeof LISTED>;
/** A new workspace: every column but the generated id and timestamps. */
export type NewOrgWorkspace = Omit<Columns<OrgWorkspace>, 'id' | 'createdAt' | 'updatedAt'>;
/** What a configuration change may set. */
export type OrgWorkspaceConfiguration = Pick<
  Columns<OrgWorkspace>,
  | 'name'
  | 'settings'
  | 'webhookUri'
  | 'publicKeys'
  | 'sealedSecret'
  | 'previousSealedSecrets'
  | 'archivedAt'
  | 'configVersion'
>;

/** All SQL of org workspaces (table `org_workspaces`), scoped by org or by workspace id. */
@Injectable()
export class OrgWorkspacesRepository {
  private readonly workspaces: Table<OrgWorkspace>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.workspaces = Table.of(dataSource, OrgWorkspace);
  }

  /** A new workspace in the caller's transaction, as stored. */
  async insert(manager: EntityManager, workspace: NewOrgWorkspace): Promise<Columns<OrgWorkspace>> {
    const row = await this.workspaces.queryOne(
      manager,
      `INSERT INTO org_workspaces (org_id, name, key, instance_id, settings, webhook_uri, public_keys, sealed_secret,
         previous_sealed_secrets, archived_at, config_version, applied_version, applied_digest, last_sync_error,
         sync_error_code)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       RETURNING ${this.workspaces.columns}`,
      [
        workspace.orgId,
        workspace.name,
        workspace.key,
        workspace.instanceId,
        JSON.stringify(workspace.settings),
        workspace.webhookUri,
        JSON.stringify(workspace.publicKeys),
        workspace.sealedSecret,
        JSON.stringify(workspace.previousSealedSecrets),
        workspace.archivedAt,
        workspace.configVersion,
        workspace.appliedVersion,
        workspace.appliedDigest,
        workspace.lastSyncError,
        workspace.syncErrorCode,
      ],
    );
    if (!row) throw new RowShapeError('org_workspaces', '*', 'the inserted row', undefined);
    return row;
  }

  /** The workspace, or null. */
  async findById(id: string): Promise<Columns<OrgWorkspace> | null> {
    return this.workspaces.queryOne(
      this.dataSource,
      `SELECT ${this.workspaces.columns} FROM org_workspaces WHERE id = $1`,
      [id],
    );
  }

  /** The workspace with its instance's API URL, or null; locked for the caller's transaction when `manager` is given. */
  async findPlaced(id: string, lockIn?: EntityManager): Promise<PlacedOrgWorkspace | null> {
    return this.workspaces.queryOne(
      lockIn ?? this.dataSource,
      `SELECT ${this.workspaces.columnsOf('w')}, i.api_url
       FROM org_workspaces w JOIN instances i ON i.id = w.instance_id
       WHERE w.id = $1${lockIn ? ' FOR UPDATE OF w' : ''}`,
      [id],
      API_URL,
    );
  }

  /** Stores a configuration change (the caller holds the row lock); the row as it is now. */
  async updateConfiguration(
    manager: EntityManager,
    id: string,
    change: OrgWorkspaceConfiguration,
  ): Promise<Columns<OrgWorkspace>> {
    const row = await this.workspaces.queryOne(
      manager,
      `UPDATE org_workspaces
       SET name = $2, settings = $3, webhook_uri = $4, public_keys = $5, sealed_secret = $6,
           previous_sealed_secrets = $7, archived_at = $8, config_version = $9, updated_at = now()
       WHERE id = $1
       RETURNING ${this.workspaces.columns}`,
      [
        id,
        change.name,
        JSON.stringify(change.settings),
        change.webhookUri,
        JSON.stringify(change.publicKeys),
        change.sealedSecret,
        JSON.stringify(change.previousSealedSecrets),
        change.archivedAt,
        change.configVersion,
      ],
    );
    if (!row) throw new RowShapeError('org_workspaces', '*', 'the updated row', undefined);
    return row;
  }

  /** Up to `limit` of the org's workspaces (archived ones too if asked) in creation order, after the cursor position `after`. */
  async listPage(
    orgId: string,
    includeArchived: boolean,
    after: CursorPosition | null,
    limit: number,
  ): Promise<ListedOrgWorkspace[]> {
    return this.workspaces.query(
      this.dataSource,
      `SELECT ${this.workspaces.columnsOf('w')}, i.api_url, to_json(w.created_at) #>> '{}' AS position
       FROM org_workspaces w JOIN instances i ON i.id = w.instance_id
       WHERE w.org_id = $1 AND ($2 OR w.archived_at IS NULL)
         AND ($3::timestamptz IS NULL OR (w.created_at, w.id) > ($3::timestamptz, $4::uuid))
       ORDER BY w.created_at ASC, w.id ASC
       LIMIT $5`,
      [orgId, includeArchived, after?.at ?? null, after?.id ?? null, limit],
      LISTED,
    );
  }

  /**
   * The workspace (with its instance's API URL) and the user's role in its org (null: not a member), in one
   * round trip (AccessGuard and token issuance: the Hub's hottest read); null
   * when there is no such workspace.
   */
  async findWithRole(
    userId: string,
    id: string,
  ): Promise<{ workspace: PlacedOrgWorkspace; callerRole: OrgRole | null } | null> {
    const row = await this.workspaces.queryOne(
      this.dataSource,
      `SELECT ${this.workspaces.columnsOf('w')}, i.api_url, m.role AS caller_role
       FROM org_workspaces w JOIN instances i ON i.id = w.instance_id
         LEFT JOIN org_members m ON m.org_id = w.org_id AND m.user_id = $2
       WHERE w.id = $1`,
      [id, userId],
      { ...API_URL, caller_role: 'string?' },
    );
    if (!row) return null;
    const { caller_role: role, ...workspace } = row;
    if (role === null) return { workspace, callerRole: null };
    const callerRole = parseOrgRole(role);
    if (!callerRole) throw new RowShapeError('org_members', 'role', 'an org role', role);
    return { workspace, callerRole };
  }
}
