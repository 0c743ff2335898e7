import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, execute, queryPrepared, queryRows, Table } from '@switchboard/persistence';
import type { CursorPosition } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import { type Scope, scopeStatement, TenantScope } from '../database/tenant-scope.js';
import { ACTIVE_WITHIN_DAYS, Tenant } from './tenant.entity.js';

/** What a tenant list selects beside the columns: `created_at` at full (microsecond) precision, for the cursor. */
const LIST_EXTRA = { position: 'string' } as const;

/** The filters of GET /tenants, already validated (`search` is an ILIKE pattern with its wildcards escaped). */
export interface TenantFilter {
  internalId: string | null;
  search: string | null;
  includeArchived: boolean;
  /** null: either. */
  isTest: boolean | null;
  /** Active within ACTIVE_WITHIN_DAYS (true) or not (false); null: either. */
  isActive: boolean | null;
}

/** A tenant's writable columns, as they are to be stored (`fields` already checked, credentials already sealed). */
export interface TenantValues {
  internalId: string;
  name: string;
  fields: Record<string, unknown>;
  sealedCredentials: string | null;
  aiCreditsRolling30DayLimit: number | null;
  isTest: boolean;
}

/**
 * Every statement on `tenants`. Rows come back as `Columns<Tenant>`, decoded
 * and checked against the entity (see Table). A method takes the scope first:
 * a `Scope` when it is one statement of its own (it opens the scoped
 * transaction, or uses a function that sets the scope itself), or the
 * `EntityManager` of the scoped transaction a service opened when several
 * statements must commit together (a tenant, its activity log and its event).
 * Row-level security decides what exists: another workspace's tenants, and
 * for a tenant scope every other tenant, are never found.
 */
@Injectable()
export class TenantsRepository {
  private readonly tenants: Table<Tenant>;
  private readonly tenantByIdSql: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: TenantScope,
  ) {
    this.tenants = Table.of(dataSource, Tenant);
    this.tenantByIdSql = `SELECT ${this.tenants.columns} FROM tenants WHERE id = $1`;
  }

  /**
   * One tenant the scope may see, or null. One round trip, the hottest read
   * of the instance (GET /self): the scope's settings (scopeStatement), then
   * the row by id under row-level security, two named prepared statements in
   * one transaction (queryPreparedAfter). Postgres spends about as much on
   * the pair as on the bare read, a third less than on `scoped_tenant_by_id`
   * (a plpgsql function that set the scope and read inside it).
   */
  async findVisible(scope: Scope, id: string): Promise<Columns<Tenant> | null> {
    const [row] = await this.tenants.queryPreparedAfter(this.dataSource, scopeStatement(scope), {
      name: 'tenant_by_id',
      text: this.tenantByIdSql,
      values: [id],
    });
    return row ?? null;
  }

  /**
   * A workspace's tenant by internalId, or null, in one round trip
   * (`scoped_tenant_by_internal_id` sets the workspace's admin scope inside the
   * statement): a token's tenant key on a cache miss.
   */
  async findInWorkspaceByInternalId(workspaceId: string, internalId: string): Promise<Columns<Tenant> | null> {
    return this.tenants.queryOne(
      this.dataSource.manager,
      `SELECT ${this.tenants.columns} FROM scoped_tenant_by_internal_id($1, $2)`,
      [workspaceId, internalId],
    );
  }

  /** The id of the tenant with `internalId` that the scope may see, or null. */
  async findIdByInternalId(scope: Scope, internalId: string): Promise<string | null> {
    const row = await this.scope.run(scope, (manager) => this.findByInternalId(manager, internalId));
    return row?.id ?? null;
  }

  /**
   * One page of the scope's tenants in creation order, after the cursor
   * position `after` (exclusive): `limit` rows at most, each with its
   * `position` for the next cursor.
   */
  async listPage(
    scope: Scope,
    filter: TenantFilter,
    after: CursorPosition | null,
    limit: number,
  ): Promise<(Columns<Tenant> & { position: string })[]> {
    return this.scope.run(scope, (manager) =>
      this.tenants.query(
        manager,
        `SELECT ${this.tenants.columns}, to_json(created_at) #>> '{}' AS position FROM tenants
         WHERE ($1::text IS NULL OR internal_id = $1)
           AND ($2::text IS NULL OR name ILIKE $2 OR internal_id ILIKE $2)
           AND ($3 OR archived_at IS NULL)
           AND ($4::timestamptz IS NULL OR (created_at, id) > ($4::timestamptz, $5::uuid))
           AND ($7::boolean IS NULL OR is_test = $7)
           AND ($8::boolean IS NULL OR COALESCE(last_active_at >= now() - make_interval(days => $9), false) = $8)
         ORDER BY created_at, id
         LIMIT $6`,
        [
          filter.internalId,
          filter.search,
          filter.includeArchived,
          after?.at ?? null,
          after?.id ?? null,
          limit,
          filter.isTest,
          filter.isActive,
          ACTIVE_WITHIN_DAYS,
        ],
        LIST_EXTRA,
      ),
    );
  }

  /** One tenant visible in `manager`'s scope, or null. */
  async findById(manager: EntityManager, id: string): Promise<Columns<Tenant> | null> {
    return this.tenants.queryOne(manager, `SELECT ${this.tenants.columns} FROM tenants WHERE id = $1`, [id]);
  }

  /** The tenant with `internalId` visible in `manager`'s scope, or null. */
  async findByInternalId(manager: EntityManager, internalId: string): Promise<Columns<Tenant> | null> {
    return this.tenants.queryOne(manager, `SELECT ${this.tenants.columns} FROM tenants WHERE internal_id = $1`, [
      internalId,
    ]);
  }

  /**
   * Inserts a tenant of `workspaceId`, or nothing when the workspace already
   * has one with its internalId: with `ON CONFLICT (workspace_id, internal_id)
   * DO NOTHING` (PostgreSQL manual, INSERT, "ON CONFLICT Clause") concurrent
   * inserts of one internalId make one row, and the others wait for its
   * commit and insert nothing.
   * @returns the new row, or null when the internalId is taken.
   */
  async insert(manager: EntityManager, workspaceId: string, tenant: TenantValues): Promise<Columns<Tenant> | null> {
    return this.tenants.queryOne(
      manager,
      `INSERT INTO tenants (workspace_id, internal_id, name, fields, sealed_credentials, ai_credits_rolling_30_day_limit,
         is_test)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (workspace_id, internal_id) DO NOTHING
       RETURNING ${this.tenants.columns}`,
      [
        workspaceId,
        tenant.internalId,
        tenant.name,
        JSON.stringify(tenant.fields),
        tenant.sealedCredentials,
        tenant.aiCreditsRolling30DayLimit,
        tenant.isTest,
      ],
    );
  }

  /**
   * Replaces every writable column of a tenant.
   * @returns the updated row, or null when `manager`'s scope sees no such tenant.
   * @throws the driver's unique violation (code 23505) when another tenant of the workspace has `values.internalId`.
   */
  async update(manager: EntityManager, id: string, values: TenantValues): Promise<Columns<Tenant> | null> {
    return this.tenants.queryOne(
      manager,
      `UPDATE tenants SET internal_id = $2, name = $3, fields = $4, sealed_credentials = $5,
         ai_credits_rolling_30_day_limit = $6, is_test = $7, updated_at = now()
       WHERE id = $1 RETURNING ${this.tenants.columns}`,
      [
        id,
        values.internalId,
        values.name,
        JSON.stringify(values.fields),
        values.sealedCredentials,
        values.aiCreditsRolling30DayLimit,
        values.isTest,
      ],
    );
  }

  /**
   * What a tenant may change of itself: name, fields and credentials.
   * @returns the updated row, or null when `manager`'s scope sees no such tenant.
   */
  async updateOwn(
    manager: EntityManager,
    id: string,
    values: Pick<TenantValues, 'name' | 'fields' | 'sealedCredentials'>,
  ): Promise<Columns<Tenant> | null> {
    return this.tenants.queryOne(
      manager,
      `UPDATE tenants SET name = $2, fields = $3, sealed_credentials = $4, updated_at = now()
       WHERE id = $1 RETURNING ${this.tenants.columns}`,
      [id, values.name, JSON.stringify(values.fields), values.sealedCredentials],
    );
  }

  /**
   * Locks the rows of `ids` (FOR UPDATE, in id order so that two links never
   * wait on each other in opposite orders) and returns those the scope sees
   * with their parent and whether they have children, read after the locks:
   * two concurrent links that would make two levels serialize on the tenant
   * they share, and the second sees the first's commit.
   */
  async lockForLinking(
    manager: EntityManager,
    ids: string[],
  ): Promise<{ id: string; parent_id: string | null; has_children: boolean }[]> {
    const locked = await queryRows(
      manager,
      'SELECT id FROM tenants WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
      [ids],
      { id: 'string' },
    );
    if (locked.length === 0) return [];
    return queryRows(
      manager,
      `SELECT t.id, t.parent_id, EXISTS (SELECT 1 FROM tenants c WHERE c.parent_id = t.id) AS has_children
       FROM tenants t WHERE t.id = ANY($1::uuid[])`,
      [locked.map((row) => row.id)],
      { id: 'string', parent_id: 'string?', has_children: 'boolean' },
    );
  }

  /**
   * Sets (or with null clears) a tenant's parent.
   * @returns the updated row, or null when `manager`'s scope sees no such tenant.
   */
  async setParent(manager: EntityManager, id: string, parentId: string | null): Promise<Columns<Tenant> | null> {
    return this.tenants.queryOne(
      manager,
      `UPDATE tenants SET parent_id = $2, updated_at = now() WHERE id = $1 RETURNING ${this.tenants.columns}`,
      [id, parentId],
    );
  }

  /**
   * The children of `parentId`, oldest first: only their id, internalId and
   * name. `manager` must be the workspace's scope: a tenant's own scope sees
   * no other tenant, its children included.
   */
  async listChildren(
    manager: EntityManager,
    parentId: string,
  ): Promise<{ id: string; internal_id: string; name: string; archived_at: Date | null }[]> {
    return queryRows(
      manager,
      'SELECT id, internal_id, name, archived_at FROM tenants WHERE parent_id = $1 ORDER BY created_at, id',
      [parentId],
      { id: 'string', internal_id: 'string', name: 'string', archived_at: 'date?' },
    );
  }

  /**
   * Moves the tenant's `last_active_at` to now unless it is less than a
   * minute old, in one round trip that sets the tenant scope itself
   * (`touch_tenant_activity`, prepared once per pooled connection): a
   * conditional UPDATE that matches nothing writes nothing. `updated_at`
   * stays: activity is not a change of the tenant.
   */
  async touchActivity(workspaceId: string, tenantId: string): Promise<void> {
    await queryPrepared(this.dataSource, 'touch_tenant_activity', 'SELECT touch_tenant_activity($1, $2)', [
      workspaceId,
      tenantId,
    ]);
  }

  /** Replaces only `fields` (a token's changed `fields` claim). */
  async replaceFields(manager: EntityManager, id: string, fields: Record<string, unknown>): Promise<void> {
    await execute(manager, 'UPDATE tenants SET fields = $2, updated_at = now() WHERE id = $1', [
      id,
      JSON.stringify(fields),
    ]);
  }

  /**
   * Archives (keeping the first archive time) or restores a tenant.
   * @returns the updated row, or null when `manager`'s scope sees no such tenant.
   */
  async setArchived(manager: EntityManager, id: string, archived: boolean): Promise<Columns<Tenant> | null> {
    return this.tenants.queryOne(
      manager,
      `UPDATE tenants SET archived_at = CASE WHEN $2 THEN COALESCE(archived_at, now()) END, updated_at = now()
       WHERE id = $1 RETURNING ${this.tenants.columns}`,
      [id, archived],
    );
  }
}
