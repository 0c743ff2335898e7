import { isDeepStrictEqual } from 'node:util';

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { WorkspaceTokenClaims } from '@switchboard/contracts';
import { DomainException, ErrorCode } from '@switchboard/server';
import { DataSource } from 'typeorm';

import { ActivityLogService } from '../activity-logs/activity-log.service.js';
import type { TenantRef } from '../auth/workspace-principal.js';
import { TenantScope } from '../database/tenant-scope.js';
import type { Workspace } from '../workspaces/workspace.entity.js';
import { TenantCache } from './tenant-cache.js';
import { TenantFieldsValidator } from './tenant-fields.validator.js';
import { TenantsService } from './tenants.service.js';

interface ResolvedRow {
  id: string;
  internal_id: string;
  fields: Record<string, unknown>;
  archived_at: Date | null;
  created: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Turns a token's tenant claims into a tenant: `tenantId` names an existing
 * one; `tenantKey` (or `id`, or `sub`) is its internalId, and a new one
 * creates it with the token's `name` and `fields`. A changed `fields` claim
 * replaces the stored fields. Race-safe: concurrent first requests with one
 * key make one tenant (the unique key and `ON CONFLICT DO NOTHING`).
 */
@Injectable()
export class TenantResolver {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: TenantScope,
    private readonly cache: TenantCache,
    private readonly fieldsValidator: TenantFieldsValidator,
    private readonly activity: ActivityLogService,
    private readonly tenants: TenantsService,
  ) {}

  /**
   * The tenant the claims name, or null for an admin token without one.
   * @throws DomainException 401 `invalid_token` (bad tenant claims, unknown
   *   tenantId), 403 `tenant_archived`, 422 when new fields break the schema.
   */
  async resolve(workspace: Workspace, claims: WorkspaceTokenClaims): Promise<TenantRef | null> {
    if (claims.tenantId !== undefined) return this.byId(workspace, claims.tenantId);
    const key = checkedTenantKey(claims);
    if (key === null) return null;
    return this.cachedByKey(workspace, key, claims.fields) ?? this.byKey(workspace, key, claims.name, claims.fields);
  }

  /**
   * What `resolve` answers when memory alone decides it, without a promise:
   * null for an admin token naming no tenant, the cached tenant of a key
   * whose fields claim did not change; `undefined` when the database must be
   * asked (then call `resolve`).
   * @throws DomainException 401 `invalid_token` for tenant claims `resolve` refuses.
   */
  resolveCached(workspace: Workspace, claims: WorkspaceTokenClaims): TenantRef | null | undefined {
    if (claims.tenantId !== undefined) return undefined;
    const key = checkedTenantKey(claims);
    if (key === null) return null;
    return this.cachedByKey(workspace, key, claims.fields);
  }

  private cachedByKey(
    workspace: Workspace,
    key: string,
    fields: Record<string, unknown> | undefined,
  ): TenantRef | undefined {
    const cached = this.cache.get(workspace.id, key);
    if (cached && (fields === undefined || isDeepStrictEqual(cached.fields, fields))) {
      return { id: cached.id, internalId: cached.internalId };
    }
    return undefined;
  }

  private async byId(workspace: Workspace, tenantId: unknown): Promise<TenantRef> {
    if (typeof tenantId !== 'string' || !UUID.test(tenantId)) {
      throw DomainException.unauthenticated('The tenantId claim must be a UUID.', ErrorCode.InvalidToken);
    }
    const [row] = await this.scope.run({ workspaceId: workspace.id, tenantId: null }, (manager) =>
      manager.query<ResolvedRow[]>('SELECT id, internal_id, fields, archived_at FROM tenants WHERE id = $1', [
        tenantId,
      ]),
    );
    if (!row) throw DomainException.unauthenticated('The token names an unknown tenant.', ErrorCode.InvalidToken);
    if (row.archived_at) throw tenantArchived();
    return { id: row.id, internalId: row.internal_id };
  }

  private async byKey(
    workspace: Workspace,
    key: string,
    name: unknown,
    fields: Record<string, unknown> | undefined,
  ): Promise<TenantRef> {
    // The common case, an existing tenant whose fields did not change, in one round trip.
    const [known] = await this.dataSource.query<ResolvedRow[]>(
      'SELECT id, internal_id, fields, archived_at FROM scoped_tenant_by_internal_id($1, $2)',
      [workspace.id, key],
    );
    if (known && !known.archived_at && (fields === undefined || isDeepStrictEqual(known.fields, fields))) {
      this.cache.set(workspace.id, { id: known.id, internalId: known.internal_id, fields: known.fields });
      return { id: known.id, internalId: known.internal_id };
    }
    if (known?.archived_at) throw tenantArchived();
    const tenant = await this.scope.run({ workspaceId: workspace.id, tenantId: null }, async (manager) => {
      const [existing] = await manager.query<ResolvedRow[]>(
        'SELECT id, internal_id, fields, archived_at, false AS created FROM tenants WHERE internal_id = $1',
        [key],
      );
      let row = existing;
      if (!row) {
        const inserted = await this.tenants.insertTenant(
          manager,
          workspace,
          {
            internalId: key,
            name: typeof name === 'string' && name.length > 0 ? name.slice(0, 200) : key,
            fields: fields ?? {},
            sealedCredentials: null,
            aiCreditsRolling30DayLimit: null,
          },
          'token',
        );
        // Lost the race to a concurrent first request: the winner's row is committed now.
        row = inserted
          ? {
              id: inserted.id,
              internal_id: inserted.internal_id,
              fields: inserted.fields,
              archived_at: inserted.archived_at,
              created: true,
            }
          : (
              await manager.query<ResolvedRow[]>(
                'SELECT id, internal_id, fields, archived_at, false AS created FROM tenants WHERE internal_id = $1',
                [key],
              )
            )[0];
      }
      if (!row) throw new Error(`tenant ${key} neither inserted nor found`);
      if (row.archived_at) throw tenantArchived();
      if (!row.created && fields !== undefined && !isDeepStrictEqual(row.fields, fields)) {
        this.fieldsValidator.assertFields(workspace.tenantFieldSchema, fields);
        await manager.query('UPDATE tenants SET fields = $2, updated_at = now() WHERE id = $1', [
          row.id,
          JSON.stringify(fields),
        ]);
        await this.activity.record(manager, {
          workspaceId: workspace.id,
          tenantId: row.id,
          type: 'tenant.fields_changed',
          actor: 'token',
          data: { fields },
        });
        row = { ...row, fields };
      }
      return row;
    });
    this.cache.set(workspace.id, { id: tenant.id, internalId: tenant.internal_id, fields: tenant.fields });
    return { id: tenant.id, internalId: tenant.internal_id };
  }
}

/**
 * The tenant key a token names (`tenantKey`, else `id`, else `sub`), or null
 * for an admin token that names none, after checking the claims a new tenant
 * would be made of.
 * @throws DomainException 401 `invalid_token`: no key and not admin, a key
 *   that is not 1-200 characters, a `name` that is not, `fields` that are not an object.
 */
function checkedTenantKey(claims: WorkspaceTokenClaims): string | null {
  const key: unknown = claims.tenantKey ?? claims.id ?? claims.sub;
  if (key === undefined) {
    if (claims.isAdmin === true) return null;
    throw DomainException.unauthenticated(
      'The token names no tenant (tenantKey, id, sub or tenantId) and is not an admin token.',
      ErrorCode.InvalidToken,
    );
  }
  if (typeof key !== 'string' || key.length === 0 || key.length > 200) {
    throw DomainException.unauthenticated(
      'The tenant key in the token must be 1-200 characters.',
      ErrorCode.InvalidToken,
    );
  }
  // The same bounds as POST /tenants: a token creates no tenant the API itself would refuse.
  const name: unknown = claims.name;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > 200)) {
    throw DomainException.unauthenticated(
      'The name claim must be a string of 1-200 characters.',
      ErrorCode.InvalidToken,
    );
  }
  const fields: unknown = claims.fields;
  if (fields !== undefined && (typeof fields !== 'object' || fields === null || Array.isArray(fields))) {
    throw DomainException.unauthenticated('The fields claim must be an object.', ErrorCode.InvalidToken);
  }
  return key;
}

/** 403 with its own code, so that a client can tell an archived tenant from a missing permission. */
function tenantArchived(): DomainException {
  return new DomainException(403, ErrorCode.TenantArchived, 'Forbidden', 'The tenant is archived.');
}
