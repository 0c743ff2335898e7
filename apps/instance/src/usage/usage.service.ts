import { Injectable } from '@nestjs/common';
import { DomainException, ErrorCode } from '@switchboard/server';

import { TenantScope } from '../database/tenant-scope.js';
import { ActivityLogService } from '../journal/activity-log.service.js';
import { actedOnTenant } from '../workspaces/require-admin.js';
import { activityActorOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import type { RecordUsageDto, UsageDto } from './usage.dto.js';
import { UsageRepository } from './usage.repository.js';
import { workspaceLimit } from './workspace-limits.js';

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
    private readonly repository: UsageRepository,
  ) {}

  async record(principal: WorkspacePrincipal, dto: RecordUsageDto): Promise<UsageDto> {
    const tenantId = actedOnTenant(principal, dto.tenantId);
    const workspaceId = principal.workspace.id;
    const sharedLimit = workspaceLimit(principal.workspace, 'aiCreditsRolling30DayLimit');
    // The workspace scope: the shared limit sums every tenant's usage. The tenant
    // written to is the principal's own (or, for an admin, the one it named).
    const refusal = await this.scope.run({ workspaceId, tenantId: null }, async (manager) => {
      await this.repository.lockWorkspaceSpending(manager, workspaceId);
      const use = await this.repository.creditUse(manager, tenantId, sharedLimit !== null);
      if (!use) throw DomainException.notFound('The tenant');
      const { tenantUsed, workspaceUsed } = use;
      const reason =
        use.limit !== null && tenantUsed + dto.credits > use.limit
          ? { limit: 'tenant', used: tenantUsed, max: use.limit }
          : sharedLimit !== null && workspaceUsed + dto.credits > sharedLimit
            ? { limit: 'workspace', used: workspaceUsed, max: sharedLimit }
            : null;
      if (reason) {
        await this.activity.record(manager, {
          workspaceId,
          tenantId,
          type: 'usage.refused',
          ...activityActorOf(principal),
          data: { credits: dto.credits, kind: dto.kind ?? null, ...reason },
        });
        return reason;
      }
      await this.repository.insert(manager, { workspaceId, tenantId, credits: dto.credits, kind: dto.kind ?? null });
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
        const tenant = await this.repository.tenantLimit(manager, tenantId);
        if (!tenant) throw DomainException.notFound('The tenant');
        const byDay = await this.repository.dailyUse(manager, tenantId);
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
