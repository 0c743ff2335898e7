import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { DomainException, ErrorCode } from '@switchboard/server';

import type { WorkspacePrincipal } from '../auth/workspace-principal.js';
import { TenantScope } from '../database/tenant-scope.js';
import { workspaceLimit } from './workspace-limits.js';

/**
 * `limits.tenantRequestsPerSecond`: a per-tenant counter per one-second
 * window, kept in Postgres so that every replica of the instance counts
 * against the same limit. One round trip per request of a limited tenant.
 * Runs after WorkspaceAuthGuard, which finds the tenant (see AuthModule).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(private readonly scope: TenantScope) {}

  /**
   * `true` at once (no promise, which Nest's guard chain then need not await)
   * when there is nothing to count: not HTTP, no tenant, or no limit set.
   * @throws DomainException 429 `rate_limited` (from the promise) past the limit.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const principal = context.switchToHttp().getRequest<{ principal?: WorkspacePrincipal }>().principal;
    const limit = principal?.tenant ? workspaceLimit(principal.workspace, 'tenantRequestsPerSecond') : null;
    if (!principal?.tenant || limit === null) return true;
    return this.withinLimit(principal, limit);
  }

  private async withinLimit(principal: WorkspacePrincipal, limit: number): Promise<boolean> {
    const { count, retryAfter } = await this.count(principal);
    if (count > limit) {
      throw new DomainException(
        429,
        ErrorCode.RateLimited,
        'Too Many Requests',
        `This tenant may make ${limit} requests per second.`,
        { retryAfterSeconds: retryAfter },
      );
    }
    return true;
  }

  private async count(principal: WorkspacePrincipal): Promise<{ count: number; retryAfter: number }> {
    const tenantId = principal.tenant!.id;
    const [row] = await this.scope.run({ workspaceId: principal.workspace.id, tenantId }, (manager) =>
      manager.query<{ count: number; retry_after: number }[]>(
        `WITH window_start AS (SELECT date_trunc('second', clock_timestamp()) AS at),
         cleanup AS (
           DELETE FROM rate_limit_windows
           WHERE tenant_id = $2 AND window_start < (SELECT at FROM window_start) - interval '10 seconds')
         INSERT INTO rate_limit_windows (workspace_id, tenant_id, window_start, count)
         SELECT $1, $2, at, 1 FROM window_start
         ON CONFLICT (workspace_id, tenant_id, window_start)
           DO UPDATE SET count = rate_limit_windows.count + 1
         RETURNING count, EXTRACT(EPOCH FROM (window_start + interval '1 second' - clock_timestamp())) AS retry_after`,
        [principal.workspace.id, tenantId],
      ),
    );
    return { count: row.count, retryAfter: Number(row.retry_after) };
  }
}
