import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { DomainException, ErrorCode } from '@switchboard/server';
import { from, type Observable, switchMap } from 'rxjs';

import type { WorkspacePrincipal } from '../auth/workspace-principal.js';
import { TenantScope } from '../database/tenant-scope.js';
import { workspaceLimit } from './workspace-limits.js';

/**
 * `limits.tenantRequestsPerSecond`: a per-tenant counter per one-second
 * window, kept in Postgres so that every replica of the instance counts
 * against the same limit. One round trip per request of a limited tenant.
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  constructor(private readonly scope: TenantScope) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const principal = context.switchToHttp().getRequest<{ principal?: WorkspacePrincipal }>().principal;
    const limit = principal?.tenant ? workspaceLimit(principal.workspace, 'tenantRequestsPerSecond') : null;
    if (!principal?.tenant || limit === null) return next.handle();
    return from(this.count(principal)).pipe(
      switchMap(({ count, retryAfter }) => {
        if (count > limit) {
          throw new DomainException(
            429,
            ErrorCode.RateLimited,
            'Too Many Requests',
            `This tenant may make ${limit} requests per second.`,
            { retryAfterSeconds: retryAfter },
          );
        }
        return next.handle();
      }),
    );
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
