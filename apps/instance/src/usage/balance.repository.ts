import { Injectable } from '@nestjs/common';
import { execute, queryRow } from '@switchboard/persistence';
import type { EntityManager } from 'typeorm';

/** A prepaid balance as a caller sees it; `balance` null: the tenant is not prepaid. */
export interface BalanceState {
  balance: number | null;
  updatedAt: Date | null;
}

/** One top-up as the ledger holds it: `balance` is the balance right after it. */
export interface TopUpEntry {
  credits: number;
  balance: number;
  createdAt: Date;
}

/** What a debit did: nothing (the tenant is not prepaid), or took the credits, or refused (too few left). */
export type DebitOutcome =
  { kind: 'not_prepaid' } | { kind: 'debited'; balance: number } | { kind: 'exhausted'; balance: number };

/**
 * Every statement on `tenant_balances` and `balance_entries`. Each method runs
 * in the caller's scoped transaction (`manager`), whose row-level security
 * decides which tenants it sees; nothing here filters by workspace itself.
 * Balances and ledger amounts are `bigint` (strings from the driver), returned
 * as numbers: credits stay far below 2^53.
 */
@Injectable()
export class BalanceRepository {
  /**
   * The tenant's balance.
   * @returns null when the scope sees no such tenant; `balance: null` when it is not prepaid.
   */
  async balance(manager: EntityManager, tenantId: string): Promise<BalanceState | null> {
    const row = await queryRow(
      manager,
      `SELECT b.balance, b.updated_at FROM tenants t
       LEFT JOIN tenant_balances b ON b.workspace_id = t.workspace_id AND b.tenant_id = t.id
       WHERE t.id = $1`,
      [tenantId],
      { balance: 'string?', updated_at: 'date?' },
    );
    if (!row) return null;
    return { balance: row.balance === null ? null : Number(row.balance), updatedAt: row.updated_at };
  }

  /**
   * Makes the tenant prepaid (a zero balance) unless it is, then locks its
   * balance row until `manager`'s transaction ends: top-ups and debits of one
   * tenant wait for each other, on every replica.
   * @returns false when the scope sees no such tenant.
   */
  async lockForTopUp(manager: EntityManager, tenantId: string): Promise<boolean> {
    await execute(
      manager,
      `INSERT INTO tenant_balances (workspace_id, tenant_id, balance)
       SELECT workspace_id, id, 0 FROM tenants WHERE id = $1
       ON CONFLICT (workspace_id, tenant_id) DO NOTHING`,
      [tenantId],
    );
    const row = await queryRow(
      manager,
      'SELECT 1 AS locked FROM tenant_balances WHERE tenant_id = $1 FOR UPDATE',
      [tenantId],
      { locked: 'number' },
    );
    return row !== null;
  }

  /** The top-up recorded with `reference` for the tenant, or null. */
  async topUpByReference(manager: EntityManager, tenantId: string, reference: string): Promise<TopUpEntry | null> {
    const row = await queryRow(
      manager,
      `SELECT credits, balance_after, created_at FROM balance_entries
       WHERE tenant_id = $1 AND reference = $2 AND credits > 0`,
      [tenantId, reference],
      { credits: 'string', balance_after: 'string', created_at: 'date' },
    );
    return row && { credits: Number(row.credits), balance: Number(row.balance_after), createdAt: row.created_at };
  }

  /**
   * Adds `credits` to the tenant's balance and writes the ledger row, in one
   * statement; the caller holds the row lock (`lockForTopUp`).
   * @throws Error when the tenant has no balance row (the caller did not lock it).
   */
  async topUp(manager: EntityManager, tenantId: string, credits: number, reference: string): Promise<TopUpEntry> {
    const row = await queryRow(
      manager,
      `WITH topped AS (
         UPDATE tenant_balances SET balance = balance + $2, updated_at = now()
         WHERE tenant_id = $1 RETURNING workspace_id, tenant_id, balance, updated_at)
       INSERT INTO balance_entries (workspace_id, tenant_id, credits, balance_after, reference, created_at)
       SELECT workspace_id, tenant_id, $2, balance, $3, updated_at FROM topped
       RETURNING credits, balance_after, created_at`,
      [tenantId, credits, reference],
      { credits: 'string', balance_after: 'string', created_at: 'date' },
    );
    if (!row) throw new Error('a top-up found no balance row to add to');
    return { credits: Number(row.credits), balance: Number(row.balance_after), createdAt: row.created_at };
  }

  /**
   * Takes `credits` from a prepaid tenant's balance if it has that many, in
   * one conditional UPDATE (`… WHERE balance >= $n`): Postgres re-checks the
   * condition against the newest row after any concurrent writer commits, so
   * no interleaving, on any replica, can take the balance below zero. A
   * tenant without a balance row is not prepaid and is left alone.
   */
  async debit(manager: EntityManager, tenantId: string, credits: number): Promise<DebitOutcome> {
    const row = await queryRow(
      manager,
      `WITH debited AS (
         UPDATE tenant_balances SET balance = balance - $2, updated_at = now()
         WHERE tenant_id = $1 AND balance >= $2 RETURNING balance)
       SELECT (SELECT balance FROM debited) AS after,
              (SELECT balance FROM tenant_balances WHERE tenant_id = $1) AS before`,
      [tenantId, credits],
      { after: 'string?', before: 'string?' },
    );
    if (!row) throw new Error('the debit statement returned no row');
    if (row.after !== null) return { kind: 'debited', balance: Number(row.after) };
    if (row.before !== null) return { kind: 'exhausted', balance: Number(row.before) };
    return { kind: 'not_prepaid' };
  }

  /** The ledger row of a debit (`credits` > 0 are taken), naming the usage record it paid for. */
  async recordDebit(
    manager: EntityManager,
    debit: { workspaceId: string; tenantId: string; credits: number; balanceAfter: number; usageRecordId: string },
  ): Promise<void> {
    await execute(
      manager,
      `INSERT INTO balance_entries (workspace_id, tenant_id, credits, balance_after, usage_record_id)
       VALUES ($1, $2, $3, $4, $5)`,
      [debit.workspaceId, debit.tenantId, -debit.credits, debit.balanceAfter, debit.usageRecordId],
    );
  }
}
