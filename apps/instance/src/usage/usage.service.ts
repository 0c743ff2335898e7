import { Injectable } from '@nestjs/common';
import { DomainException, ErrorCode } from '@switchboard/server';

import { TenantScope } from '../database/tenant-scope.js';
import { ActivityLogService } from '../journal/activity-log.service.js';
import { actedOnTenant } from '../workspaces/require-admin.js';
import { activityActorOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { BalanceRepository } from './balance.repository.js';
import type { RecordUsageDto, UsageDto } from './usage.dto.js';
import { UsageRepository } from './usage.repository.js';
import { workspaceLimit } from './workspace-limits.js';

/** Why spending was refused: a rolling 30-day limit, or a prepaid balance too small. */
type Refusal = { limit: 'tenant' | 'workspace'; used: number; max: number } | { limit: 'balance'; balance: number };

/**
 * AI-credit usage over a rolling 30-day window, against the tenant's own
 * limit and the workspace's shared one. Spending in one workspace is
 * serialised by a transaction-scoped advisory lock, so concurrent requests
 * can never together pass a limit; a refusal records nothing but the refusal.
 * A prepaid tenant's balance (BalanceRepository) is debited in the same
 * transaction as its usage is recorded: both or neither (API.md, "Prepaid
 * balance"), `402 balance_exhausted` when it holds too few credits.
 */
@Injectable()
export class UsageService {
  constructor(
    private readonly scope: TenantScope,
    private readonly activity: ActivityLogService,
    private readonly repository: UsageRepository,
    private readonly balances: BalanceRepository,
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
      let reason: Refusal | null =
        use.limit !== null && tenantUsed + dto.credits > use.limit
          ? { limit: 'tenant', used: tenantUsed, max: use.limit }
          : sharedLimit !== null && workspaceUsed + dto.credits > sharedLimit
            ? { limit: 'workspace', used: workspaceUsed, max: sharedLimit }
            : null;
      // A prepaid tenant pays first: a refusal leaves no usage record and no ledger row.
      const debit = reason ? null : await this.balances.debit(manager, tenantId, dto.credits);
      if (debit?.kind === 'exhausted') reason = { limit: 'balance', balance: debit.balance };
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
      const usageRecordId = await this.repository.insert(manager, {
        workspaceId,
        tenantId,
        credits: dto.credits,
        kind: dto.kind ?? null,
      });
      if (debit?.kind === 'debited') {
        await this.balances.recordDebit(manager, {
          workspaceId,
          tenantId,
          credits: dto.credits,
          balanceAfter: debit.balance,
          usageRecordId,
        });
      }
      return null;
    });
    if (refusal?.limit === 'balance') {
      throw new DomainException(
        402,
        ErrorCode.BalanceExhausted,
        'Balance exhausted',
        `Recording ${dto.credits} credits would take the tenant's prepaid balance of ${refusal.balance} below zero. Nothing was recorded.`,
      );
    }
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
