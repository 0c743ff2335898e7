import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { DomainException, ErrorCode } from '@switchboard/server';

import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { RateLimitMetrics } from './rate-limit-metrics.js';
import { UsageRepository } from './usage.repository.js';
import { workspaceLimit } from './workspace-limits.js';

/**
 * `limits.tenantRequestsPerSecond`: a per-tenant counter per one-second
 * window, kept in Postgres so that every replica of the instance counts
 * against the same limit. One round trip per request of a limited tenant.
 * Runs after WorkspaceAuthGuard, which finds the tenant (see AuthModule).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly usage: UsageRepository,
    private readonly metrics: RateLimitMetrics,
  ) {}

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
    return this.withinLimit(principal.workspace.id, principal.tenant.id, limit);
  }

  private async withinLimit(workspaceId: string, tenantId: string, limit: number): Promise<boolean> {
    const { count, retryAfter } = await this.usage.countRequest({ workspaceId, tenantId });
    if (count > limit) {
      this.metrics.rateLimited.inc();
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
}
