import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, queryPrepared, queryPreparedAfter, queryRows, Table } from '@switchboard/persistence';
import { DataSource, type EntityManager } from 'typeorm';

import { scopeStatement } from '../database/tenant-scope.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { TenantApiKey } from './tenant-api-key.entity.js';

/** The key's columns beside its tenant's row, as authenticating with a key not yet known to this replica reads them. */
const KEY_COLUMNS = {
  key_id: 'string',
  key_role: 'string',
  key_user_id: 'string?',
  key_expires_at: 'date?',
  key_revoked_at: 'date?',
} as const;

/** What a key known to this replica still needs read on every request: whether it was revoked (null: no such key). */
const REVOCATION_COLUMNS = { key_revoked: 'boolean?' } as const;

/** A key found by its hash, with its tenant's whole row (read in the same statement). */
export interface KeyForAuthentication {
  id: string;
  role: string;
  userId: string | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  tenant: Columns<Tenant>;
}

/** What may change about a key after its creation, with its tenant's whole row: see `findRevocation`. */
export interface KeyRevocation {
  revoked: boolean;
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
  /** The authentication reads' texts, built once: one of them runs on every request made with a key. */
  private readonly authenticationSql: string;
  private readonly revocationSql: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.keys = Table.of(dataSource, TenantApiKey);
    this.tenants = Table.of(dataSource, Tenant);
    this.authenticationSql = `SELECT k.key_id, k.key_role, k.key_user_id, k.key_expires_at, k.key_revoked_at,
              ${this.tenants.columnsOf('t')}
       FROM scoped_api_key_with_tenant($1, $2) k, LATERAL (SELECT (k.tenant).*) t`;
    // Run after the scope's own statement, in its transaction (queryPreparedAfter): row-level security shows
    // the tenant and its key only within that scope (with none set, nothing: refused, not leaked).
    this.revocationSql = `SELECT ${this.tenants.columnsOf('t')},
              (SELECT k.revoked_at IS NOT NULL FROM tenant_api_keys k WHERE k.id = $2 AND k.tenant_id = t.id) AS key_revoked
       FROM tenants t WHERE t.id = $1`;
  }

  /**
   * The key with this SHA-256 (`digest`: 64 hex characters, apiKeyDigest)
   * in the workspace, revoked or not, with its tenant's row, or null: one
   * statement, one round trip, through a named prepared statement. The
   * tenant's row comes along so that the request need not read it again
   * (GET /self answers from it: see TenantPreloads).
   * @returns a promise that rejects with RowShapeError for a row of another
   *   shape (a bug of ours), or with whatever Postgres raises.
   */
  findForAuthentication(workspaceId: string, digest: string): Promise<KeyForAuthentication | null> {
    // One `then`, not an async function and an await.
    return queryPrepared(this.dataSource, 'scoped_api_key_with_tenant', this.authenticationSql, [
      workspaceId,
      `\\x${digest}`,
    ]).then(([raw]) => (raw === undefined ? null : this.keyOf(raw)));
  }

  /**
   * For a key whose other columns the caller already holds (they never
   * change after creation): its tenant's row, read as GET /self reads it with
   * a token (the tenant's own scope set by scopeStatement, then the row by id
   * in the same round trip and transaction: queryPreparedAfter), and in the
   * same statement whether the key `keyId` of that tenant was revoked; null
   * when the scope sees no such tenant, `revoked` null when it sees no such
   * key of it. Named prepared statements: this runs on every request made
   * with a key known to the replica, so a revocation counts at once on every
   * replica. Cheaper for Postgres than the key by its hash and then the
   * tenant (`scoped_api_key_with_tenant`), and than a plpgsql function.
   * @returns a promise that rejects as `findForAuthentication`'s; throws
   *   Error (before anything is sent) when an id is not a UUID.
   */
  findRevocation(workspaceId: string, tenantId: string, keyId: string): Promise<KeyRevocation | null> {
    return queryPreparedAfter(this.dataSource, scopeStatement({ workspaceId, tenantId }), {
      name: 'api_key_revocation',
      text: this.revocationSql,
      values: [tenantId, keyId],
    }).then(([raw]) => (raw === undefined ? null : this.revocationOf(raw)));
  }

  /** A row of `scoped_api_key_with_tenant`, checked: the key's columns and its tenant's row, each as its own object. */
  private keyOf(raw: unknown): KeyForAuthentication {
    const { row: tenant, extra: key } = this.tenants.decodeBeside(raw, KEY_COLUMNS);
    return {
      id: key.key_id,
      role: key.key_role,
      userId: key.key_user_id,
      expiresAt: key.key_expires_at,
      revokedAt: key.key_revoked_at,
      tenant,
    };
  }

  /** A row of the revocation read, checked: the tenant's row and whether its key was revoked (null: no such key). */
  private revocationOf(raw: unknown): KeyRevocation | null {
    const { row: tenant, extra } = this.tenants.decodeBeside(raw, REVOCATION_COLUMNS);
    return extra.key_revoked === null ? null : { revoked: extra.key_revoked, tenant };
  }

  /** Sets `last_used_at` to now unless it moved within the last minute (the function checks; no write then). */
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
