import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, queryPrepared, queryRows, Table } from '@switchboard/persistence';
import { DataSource, type EntityManager } from 'typeorm';

import { Tenant } from '../tenants/tenant.entity.js';
import { TenantApiKey } from './tenant-api-key.entity.js';

/** The key's columns beside its tenant's row, as authenticating with a key reads them. */
const KEY_COLUMNS = {
  key_id: 'string',
  key_role: 'string',
  key_user_id: 'string?',
  key_expires_at: 'date?',
  key_last_used_at: 'date?',
  key_revoked_at: 'date?',
} as const;

/** A key found by its hash, with its tenant's whole row (read in the same statement). */
export interface KeyForAuthentication {
  id: string;
  role: string;
  userId: string | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  tenant: Columns<Tenant>;
}

/** A key's stored values at creation. */
export interface ApiKeyValues {
  tenantId: string;
  name: string;
  role: string;
  userId: string | null;
  prefix: string;
  keyHash: Buffer;
  expiresAt: Date | null;
}

/**
 * Every statement on `tenant_api_keys` (and the one on `tenants` that revokes
 * a tenant's JWTs). Writes take the scoped transaction's manager; the
 * authentication read and the last-used touch are one statement each, with
 * the scope set inside (see the migration's functions).
 */
@Injectable()
export class ApiKeysRepository {
  private readonly keys: Table<TenantApiKey>;
  private readonly tenants: Table<Tenant>;
  /** The authentication read's text, built once: it runs on every request made with a key. */
  private readonly authenticationSql: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.keys = Table.of(dataSource, TenantApiKey);
    this.tenants = Table.of(dataSource, Tenant);
    this.authenticationSql = `SELECT k.key_id, k.key_role, k.key_user_id, k.key_expires_at, k.key_last_used_at, k.key_revoked_at,
              ${this.tenants.columnsOf('t')}
       FROM scoped_api_key_with_tenant($1, $2) k, LATERAL (SELECT (k.tenant).*) t`;
  }

  /**
   * The key with this SHA-256 in the workspace, revoked or not, with its
   * tenant's row, or null: one statement, one round trip, through a named
   * prepared statement (it runs on every request made with a key). The
   * tenant's row comes along so that the request need not read it again
   * (GET /self answers from it: see TenantPreloads).
   * @returns a promise that rejects with RowShapeError for a row of another
   *   shape (a bug of ours), or with whatever Postgres raises.
   */
  findForAuthentication(workspaceId: string, keyHash: Buffer): Promise<KeyForAuthentication | null> {
    // One `then`, not an async function and an await: it runs on every request made with a key.
    return queryPrepared(this.dataSource, 'scoped_api_key_with_tenant', this.authenticationSql, [
      workspaceId,
      keyHash,
    ]).then(([raw]) => (raw === undefined ? null : this.keyOf(raw)));
  }

  /** A row of `scoped_api_key_with_tenant`, checked: the key's columns and its tenant's row, each as its own object. */
  private keyOf(raw: unknown): KeyForAuthentication {
    const { row: tenant, extra: key } = this.tenants.decodeBeside(raw, KEY_COLUMNS);
    return {
      id: key.key_id,
      role: key.key_role,
      userId: key.key_user_id,
      expiresAt: key.key_expires_at,
      lastUsedAt: key.key_last_used_at,
      revokedAt: key.key_revoked_at,
      tenant,
    };
  }

  /** Sets `last_used_at` to now unless it moved within the last minute. */
  async touch(workspaceId: string, id: string): Promise<void> {
    await this.dataSource.query('SELECT touch_api_key($1, $2)', [workspaceId, id]);
  }

  async insert(manager: EntityManager, workspaceId: string, values: ApiKeyValues): Promise<Columns<TenantApiKey>> {
    const row = await this.keys.queryOne(
      manager,
      `INSERT INTO tenant_api_keys (workspace_id, tenant_id, name, role, user_id, prefix, key_hash, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${this.keys.columns}`,
      [
        workspaceId,
        values.tenantId,
        values.name,
        values.role,
        values.userId,
        values.prefix,
        values.keyHash,
        values.expiresAt,
      ],
    );
    if (!row) throw new Error('INSERT … RETURNING returned no row');
    return row;
  }

  /** How many unrevoked keys the tenant has. */
  async countActive(manager: EntityManager, tenantId: string): Promise<number> {
    const [row] = await queryRows(
      manager,
      'SELECT count(*)::int AS n FROM tenant_api_keys WHERE tenant_id = $1 AND revoked_at IS NULL',
      [tenantId],
      { n: 'number' },
    );
    return row?.n ?? 0;
  }

  /** The tenant's unrevoked keys, oldest first. */
  async listActive(manager: EntityManager, tenantId: string): Promise<Columns<TenantApiKey>[]> {
    return this.keys.query(
      manager,
      `SELECT ${this.keys.columns} FROM tenant_api_keys WHERE tenant_id = $1 AND revoked_at IS NULL
       ORDER BY created_at, id`,
      [tenantId],
    );
  }

  /** Revokes one unrevoked key of the tenant; the key's row, or null when there is none to revoke. */
  async revoke(manager: EntityManager, tenantId: string, id: string): Promise<Columns<TenantApiKey> | null> {
    return this.keys.queryOne(
      manager,
      `UPDATE tenant_api_keys SET revoked_at = now() WHERE id = $1 AND tenant_id = $2 AND revoked_at IS NULL
       RETURNING ${this.keys.columns}`,
      [id, tenantId],
    );
  }

  /**
   * Refuses the tenant's workspace JWTs issued in or before the current second;
   * the tenant's internalId and the moment, or null when the scope sees no such tenant.
   */
  async revokeTokens(manager: EntityManager, tenantId: string): Promise<{ internalId: string; before: Date } | null> {
    const [row] = await queryRows(
      manager,
      `UPDATE tenants SET tokens_revoked_before = date_trunc('second', now()) WHERE id = $1
       RETURNING internal_id, tokens_revoked_before`,
      [tenantId],
      { internal_id: 'string', tokens_revoked_before: 'date' },
    );
    return row ? { internalId: row.internal_id, before: row.tokens_revoked_before } : null;
  }

  /** Whether the scope sees this tenant (archived or not). */
  async tenantExists(manager: EntityManager, tenantId: string): Promise<boolean> {
    const rows = await queryRows(manager, 'SELECT 1 AS one FROM tenants WHERE id = $1', [tenantId], {
      one: 'number',
    });
    return rows.length > 0;
  }
}
