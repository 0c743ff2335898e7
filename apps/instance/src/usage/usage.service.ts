import { Injectable } from '@nestjs/common';
import { DomainException, ErrorCode } from '@switchboard/server';

import { TenantScope } from '../database/tenant-scope.js';
import { ActivityLogService } from '../journal/activity-log.service.js';
import { actedOnTenant } from '../workspaces/require-admin.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import type { RecordUsageDto, UsageDto } from './usage.dto.js';
import { workspaceLimit } from './workspace-limits.js';

interface LimitRow {
  limit: number | null;
  tenant_used: string;
  workspace_used: string;
}

/**
 * AI-credit usage over a rolling 30-day window, against the tenant's own
 * limit and the workspace's shared one. Spending in one workspace is
 * serialised by a transaction-scoped advisory lock, so concurrent requests
 * can never together pass a limit; a refusal records nothing but the refusal.
 */
@Injectable()
export class UsageService {
  constructor(
    private readonly scope: TenantScope,
    private readonly activity: ActivityLogService,
  ) {}

  async record(principal: WorkspacePrincipal, dto: RecordUsageDto): Promise<UsageDto> {
    const tenantId = actedOnTenant(principal, dto.tenantId);
    const workspaceId = principal.workspace.id;
    const sharedLimit = workspaceLimit(principal.workspace, 'aiCreditsRolling30DayLimit');
    // The workspace scope: the shared limit sums every tenant's usage. The tenant
    // written to is the principal's own (or, for an admin, the one it named).
    const refusal = await this.scope.run({ workspaceId, tenantId: null }, async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`usage:${workspaceId}`]);
      const [row] = await manager.query<LimitRow[]>(
        `SELECT t.ai_credits_rolling_30_day_limit AS "limit",
           (SELECT COALESCE(SUM(credits), 0) FROM usage_records
              WHERE tenant_id = t.id AND created_at > now() - interval '30 days') AS tenant_used,
           (SELECT COALESCE(SUM(credits), 0) FROM usage_records
              WHERE $2::boolean AND created_at > now() - interval '30 days') AS workspace_used
         FROM tenants t WHERE t.id = $1 AND t.archived_at IS NULL`,
        [tenantId, sharedLimit !== null],
      );
      if (!row) throw DomainException.notFound('The tenant');
      const tenantUsed = Number(row.tenant_used);
      const workspaceUsed = Number(row.workspace_used);
      const reason =
        row.limit !== null && tenantUsed + dto.credits > row.limit
          ? { limit: 'tenant', used: tenantUsed, max: row.limit }
          : sharedLimit !== null && workspaceUsed + dto.credits > sharedLimit
            ? { limit: 'workspace', used: workspaceUsed, max: sharedLimit }
            : null;
      if (reason) {
        await this.activity.record(manager, {
          workspaceId,
          tenantId,
          type: 'usage.refused',
          actor: principal.isAdmin ? 'admin' : 'tenant',
          data: { credits: dto.credits, kind: dto.kind ?? null, ...reason },
        });
        return reason;
      }
      await manager.query(
        'INSERT INTO usage_records (workspace_id, tenant_id, credits, kind) VALUES ($1, $2, $3, $4)',
        [workspaceId, tenantId, dto.credits, dto.kind ?? null],
      );
      return null;
    });
    if (refusal) {
      throw new DomainException(
        429,
        ErrorCode.CreditLimitExceeded,
        'Credit limit exceeded',
        `Recording ${dto.credits} credits would pass the ${refusal.limit}'s rolling 30-day limit of ${refusal.max} (used: ${refusal.used}). Nothing was recorded.`,
      );
    }
    return this.summary(principal, tenantId);
  }

  async summary(principal: WorkspacePrincipal, tenantId: string): Promise<UsageDto> {
    if (!principal.isAdmin && principal.tenant?.id !== tenantId) throw DomainException.notFound('The tenant');
    return this.scope.run(
      { workspaceId: principal.workspace.id, tenantId: principal.tenant?.id ?? null },
      async (manager) => {
        const [tenant] = await manager.query<{ limit: number | null }[]>(
          'SELECT ai_credits_rolling_30_day_limit AS "limit" FROM tenants WHERE id = $1',
          [tenantId],
        );
        if (!tenant) throw DomainException.notFound('The tenant');
        const days = await manager.query<{ day: string; credits: string }[]>(
          `SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, SUM(credits) AS credits
         FROM usage_records WHERE tenant_id = $1 AND created_at > now() - interval '30 days'
         GROUP BY 1 ORDER BY 1`,
          [tenantId],
        );
        const byDay = days.map((row) => ({ day: row.day, credits: Number(row.credits) }));
        const used30d = byDay.reduce((sum, day) => sum + day.credits, 0);
        return {
          used30d,
          limit: tenant.limit,
          remaining: tenant.limit === null ? null : Math.max(0, tenant.limit - used30d),
          byDay,
        };
      },
    );
  }
}
