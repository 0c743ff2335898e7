import { Injectable } from '@nestjs/common';
import { DomainException } from '@switchboard/server';

import { TenantScope } from '../database/tenant-scope.js';
import { ActivityLogService } from '../journal/activity-log.service.js';
import { requireAdmin } from '../workspaces/require-admin.js';
import { scopeOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import type { BalanceDto, TopUpBalanceDto, TopUpDto } from './balance.dto.js';
import { BalanceRepository } from './balance.repository.js';

/**
 * Prepaid balances (API.md, "Prepaid balance"): reading one (an admin, or the
 * tenant itself) and topping one up (admins), idempotent by reference. Debits
 * are UsageService's, in the transaction that records the usage.
 */
@Injectable()
export class BalanceService {
  constructor(
    private readonly scope: TenantScope,
    private readonly activity: ActivityLogService,
    private readonly repository: BalanceRepository,
  ) {}

  /**
   * The tenant's balance, `balance: null` when it is not prepaid.
   * @throws DomainException 404 when the caller may not see the tenant (another tenant, another workspace).
   */
  async get(principal: WorkspacePrincipal, tenantId: string): Promise<BalanceDto> {
    if (!principal.isAdmin && principal.tenant?.id !== tenantId) throw DomainException.notFound('The tenant');
    const state = await this.scope.run(scopeOf(principal), (manager) => this.repository.balance(manager, tenantId));
    if (!state) throw DomainException.notFound('The tenant');
    return state;
  }

  /**
   * Adds `credits` to the tenant's balance (making it prepaid on its first
   * top-up) unless a top-up with `reference` was already applied, in which
   * case nothing is added and that top-up's answer is returned again. Top-ups
   * and debits of one tenant are serialised by the balance's row lock.
   * @throws DomainException 403 for a tenant token; 404 when the workspace has
   *   no such tenant; 409 when `reference` was used with other credits.
   */
  async topUp(principal: WorkspacePrincipal, tenantId: string, dto: TopUpBalanceDto): Promise<TopUpDto> {
    requireAdmin(principal, 'A top-up');
    const workspaceId = principal.workspace.id;
    const entry = await this.scope.run({ workspaceId, tenantId: null }, async (manager) => {
      if (!(await this.repository.lockForTopUp(manager, tenantId))) throw DomainException.notFound('The tenant');
      const earlier = await this.repository.topUpByReference(manager, tenantId, dto.reference);
      if (earlier) {
        if (earlier.credits !== dto.credits) {
          throw DomainException.conflict(
            `The top-up with reference ${JSON.stringify(dto.reference)} added ${earlier.credits} credits, not ${dto.credits}; a reference names one top-up.`,
          );
        }
        return earlier;
      }
      const added = await this.repository.topUp(manager, tenantId, dto.credits, dto.reference);
      await this.activity.record(manager, {
        workspaceId,
        tenantId,
        type: 'balance.topped_up',
        actor: 'admin',
        data: { credits: dto.credits, reference: dto.reference, balance: added.balance },
      });
      return added;
    });
    return { reference: dto.reference, credits: entry.credits, balance: entry.balance, updatedAt: entry.createdAt };
  }
}
