import { Injectable } from '@nestjs/common';
import { DomainException } from '@switchboard/server';
import type { EntityManager } from 'typeorm';

import { TenantScope } from '../database/tenant-scope.js';
import { ActivityLogService } from '../journal/activity-log.service.js';
import { TenantCache } from '../tenants/tenant-cache.js';
import { assertTenantRole } from '../workspaces/tenant-role.js';
import { activityActorOf, scopeOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { generateApiKey } from './api-key-format.js';
import {
  type ApiKeyDto,
  type CreateApiKeyDto,
  type CreatedApiKeyDto,
  type RevokedTokensDto,
  toApiKeyDto,
} from './api-keys.dto.js';
import { ApiKeysRepository } from './api-keys.repository.js';

/** Live keys one tenant may hold at once: a leak of many keys is a bug somewhere, not a use case. */
export const MAX_ACTIVE_KEYS = 100;

/**
 * Tenant API keys: created (the key shown once), listed, revoked; and a
 * tenant's workspace JWTs revoked. Who may: a workspace admin for any tenant
 * of its workspace, a tenant `owner` for its own (another tenant is 404, as
 * everywhere). Row-level security scopes every statement to the caller.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly scope: TenantScope,
    private readonly activity: ActivityLogService,
    private readonly tenantCache: TenantCache,
  ) {}

  /**
   * @throws DomainException 403 (a tenant below `owner`, or a Switch Account token: one carrying `act`, RFC 8693
   *   §4.1, which the Hub issues for at most an hour and which must not mint a credential that outlives it),
   *   404 (no such tenant for the caller), 400 (`expiresAt` not in the future), 409 (too many live keys).
   */
  async create(principal: WorkspacePrincipal, tenantId: string, dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    this.mayManage(principal, tenantId);
    if (principal.claims.act) {
      throw DomainException.forbidden(
        'A token issued through Switch Account (act) may not create API keys: a key would outlive the hour such a ' +
          "token lasts. The tenant's owner, or the workspace's admin, creates them with a token of their own.",
      );
    }
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw DomainException.validation('expiresAt must lie in the future.', [
        { field: 'expiresAt', message: 'must lie in the future' },
      ]);
    }
    const generated = generateApiKey(principal.workspace.key);
    const row = await this.scope.run(scopeOf(principal), async (manager) => {
      await this.assertTenant(manager, tenantId);
      if ((await this.repository.countActive(manager, tenantId)) >= MAX_ACTIVE_KEYS) {
        throw DomainException.conflict(`A tenant holds at most ${MAX_ACTIVE_KEYS} live API keys; revoke one first.`);
      }
      const created = await this.repository.insert(manager, principal.workspace.id, {
        tenantId,
        name: dto.name,
        role: dto.role ?? 'member',
        userId: dto.userId ?? null,
        prefix: generated.prefix,
        keyHash: generated.hash,
        expiresAt,
      });
      await this.activity.record(manager, {
        workspaceId: principal.workspace.id,
        tenantId,
        type: 'api_key.created',
        ...activityActorOf(principal),
        data: { keyId: created.id, name: created.name, role: created.role },
      });
      return created;
    });
    return { ...toApiKeyDto(row), key: generated.key };
  }

  /** The tenant's live keys, never their values. @throws DomainException 403, 404 as `create`. */
  async list(principal: WorkspacePrincipal, tenantId: string): Promise<ApiKeyDto[]> {
    this.mayManage(principal, tenantId);
    return this.scope.run(scopeOf(principal), async (manager) => {
      await this.assertTenant(manager, tenantId);
      return (await this.repository.listActive(manager, tenantId)).map(toApiKeyDto);
    });
  }

  /**
   * Revokes a key: the next request with it, on any replica, is 401 (a key's
   * `revoked_at` is read from the database on every request; a replica
   * remembers only what never changes about a key).
   * @throws DomainException 403 as `create`; 404 for no such live key.
   */
  async revoke(principal: WorkspacePrincipal, tenantId: string, keyId: string): Promise<void> {
    this.mayManage(principal, tenantId);
    await this.scope.run(scopeOf(principal), async (manager) => {
      const revoked = await this.repository.revoke(manager, tenantId, keyId);
      if (!revoked) throw DomainException.notFound('The API key');
      await this.activity.record(manager, {
        workspaceId: principal.workspace.id,
        tenantId,
        type: 'api_key.revoked',
        ...activityActorOf(principal),
        data: { keyId, name: revoked.name },
      });
    });
  }

  /**
   * Refuses every workspace JWT for the tenant issued (`iat`) in or before the
   * current second (`401 token_revoked`); a token without `iat` is refused
   * from then on too, as nothing shows when it was issued. Every replica
   * forgets the tenant's cached resolution (over NATS, as for an archive).
   * @throws DomainException 403 (not an admin token), 404 (no such tenant).
   */
  async revokeTokens(principal: WorkspacePrincipal, tenantId: string): Promise<RevokedTokensDto> {
    if (!principal.isAdmin) throw DomainException.forbidden('Revoking tokens needs a workspace-admin token.');
    const revoked = await this.scope.run(scopeOf(principal), async (manager) => {
      const result = await this.repository.revokeTokens(manager, tenantId);
      if (!result) throw DomainException.notFound('The tenant');
      await this.activity.record(manager, {
        workspaceId: principal.workspace.id,
        tenantId,
        type: 'tenant.tokens_revoked',
        ...activityActorOf(principal),
        data: { revokedBefore: result.before.toISOString() },
      });
      return result;
    });
    this.tenantCache.forget(principal.workspace.id, revoked.internalId);
    return { revokedBefore: revoked.before.toISOString() };
  }

  /** An admin may manage any tenant's keys (existence is checked in scope); a tenant only its own, as owner. */
  private mayManage(principal: WorkspacePrincipal, tenantId: string): void {
    if (principal.isAdmin) return;
    if (!principal.tenant || principal.tenant.id !== tenantId) throw DomainException.notFound('The tenant');
    assertTenantRole(principal.role, 'owner', 'Managing API keys');
  }

  private async assertTenant(manager: EntityManager, tenantId: string): Promise<void> {
    if (!(await this.repository.tenantExists(manager, tenantId))) throw DomainException.notFound('The tenant');
  }
}
