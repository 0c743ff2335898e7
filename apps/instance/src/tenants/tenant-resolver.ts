import { isDeepStrictEqual } from 'node:util';

import { Injectable } from '@nestjs/common';
import type { WorkspaceTokenClaims } from '@switchboard/contracts';
import type { Columns } from '@switchboard/persistence';
import { DomainException, ErrorCode } from '@switchboard/server';

import { TenantScope } from '../database/tenant-scope.js';
import { ActivityLogService } from '../journal/activity-log.service.js';
import { TenantFieldsValidator } from '../workspaces/tenant-fields.validator.js';
import type { Workspace } from '../workspaces/workspace.entity.js';
import type { TenantRef } from '../workspaces/workspace-principal.js';
import type { Tenant } from './tenant.entity.js';
import { TenantCache } from './tenant-cache.js';
import { TenantsRepository } from './tenants.repository.js';
import { TenantsService } from './tenants.service.js';

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
    private readonly repository: TenantsRepository,
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
      return {
        id: cached.id,
        internalId: cached.internalId,
        tokensRevokedBefore: cached.tokensRevokedBefore,
        parentId: cached.parentId,
      };
    }
    return undefined;
  }

  private async byId(workspace: Workspace, tenantId: unknown): Promise<TenantRef> {
    if (typeof tenantId !== 'string' || !UUID.test(tenantId)) {
      throw DomainException.unauthenticated('The tenantId claim must be a UUID.', ErrorCode.InvalidToken);
    }
    const row = await this.scope.run({ workspaceId: workspace.id, tenantId: null }, (manager) =>
      this.repository.findById(manager, tenantId),
    );
    if (!row) throw DomainException.unauthenticated('The token names an unknown tenant.', ErrorCode.InvalidToken);
    if (row.archivedAt) throw tenantArchived();
    return {
      id: row.id,
      internalId: row.internalId,
      tokensRevokedBefore: row.tokensRevokedBefore,
      parentId: row.parentId,
    };
  }

  private async byKey(
    workspace: Workspace,
    key: string,
    name: unknown,
    fields: Record<string, unknown> | undefined,
  ): Promise<TenantRef> {
    // The common case, an existing tenant whose fields did not change, in one round trip.
    const known = await this.repository.findInWorkspaceByInternalId(workspace.id, key);
    if (known && !known.archivedAt && (fields === undefined || isDeepStrictEqual(known.fields, fields))) {
      const tokensRevokedBefore = known.tokensRevokedBefore;
      this.cache.set(workspace.id, {
        id: known.id,
        internalId: known.internalId,
        fields: known.fields,
        tokensRevokedBefore,
        parentId: known.parentId,
      });
      return { id: known.id, internalId: known.internalId, tokensRevokedBefore, parentId: known.parentId };
    }
    if (known?.archivedAt) throw tenantArchived();
    const tenant = await this.scope.run({ workspaceId: workspace.id, tenantId: null }, async (manager) => {
      let row: Columns<Tenant> | null = await this.repository.findByInternalId(manager, key);
      let created = false;
      if (!row) {
        row = await this.tenants.insertTenant(
          manager,
          workspace,
          {
            internalId: key,
            name: typeof name === 'string' && name.length > 0 ? name.slice(0, 200) : key,
            fields: fields ?? {},
            sealedCredentials: null,
            aiCreditsRolling30DayLimit: null,
            isTest: false,
          },
          'token',
        );
        created = row !== null;
        // Lost the race to a concurrent first request: the winner's row is committed now.
        row ??= await this.repository.findByInternalId(manager, key);
      }
      if (!row) throw new Error(`tenant ${key} neither inserted nor found`);
      if (row.archivedAt) throw tenantArchived();
      if (!created && fields !== undefined && !isDeepStrictEqual(row.fields, fields)) {
        this.fieldsValidator.assertFields(workspace.tenantFieldSchema, fields);
        await this.repository.replaceFields(manager, row.id, fields);
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
    const tokensRevokedBefore = tenant.tokensRevokedBefore;
    this.cache.set(workspace.id, {
      id: tenant.id,
      internalId: tenant.internalId,
      fields: tenant.fields,
      tokensRevokedBefore,
      parentId: tenant.parentId,
    });
    return { id: tenant.id, internalId: tenant.internalId, tokensRevokedBefore, parentId: tenant.parentId };
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
