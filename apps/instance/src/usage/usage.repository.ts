import { Injectable } from '@nestjs/common';
import { execute, queryRow, queryRows } from '@switchboard/persistence';
import type { EntityManager } from 'typeorm';

import { type Scope, TenantScope } from '../database/tenant-scope.js';

/** A tenant's own limit and what was used in the last 30 days, in credits. */
export interface CreditUse {
  /** The tenant's rolling 30-day limit; null: unlimited. */
  limit: number | null;
  tenantUsed: number;
  /** Every tenant of the workspace together; 0 unless asked for. */
  workspaceUsed: number;
}

/** A tenant's request count in the current one-second window. */
export interface WindowCount {
  count: number;
  /** Seconds until the window ends. */
  retryAfter: number;
}

/**
 * Every statement on `usage_records` and `rate_limit_windows`. Sums are
 * `bigint` in Postgres, so strings from the driver: they are decoded here and
 * returned as numbers (credits are integers far below 2^53). A method takes
 * the scope first: the `EntityManager` of the caller's scoped transaction, or
 * a `Scope` for one statement of its own.
 */
@Injectable()
export class UsageRepository {
  constructor(private readonly scope: TenantScope) {}

  /**
   * Serialises spending in one workspace until `manager`'s transaction ends
   * (a transaction-scoped advisory lock), so concurrent requests can never
   * together pass a limit.
   */
  async lockWorkspaceSpending(manager: EntityManager, workspaceId: string): Promise<void> {
    await execute(manager, 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`usage:${workspaceId}`]);
  }

  /**
   * The tenant's limit and 30-day use, and (when `withWorkspace`) the whole
   * workspace's use, as `manager`'s scope sees them.
   * @returns null when the scope sees no such tenant, or it is archived.
   */
  async creditUse(manager: EntityManager, tenantId: string, withWorkspace: boolean): Promise<CreditUse | null> {
    const row = await queryRow(
      manager,
      `SELECT t.ai_credits_rolling_30_day_limit AS "limit",
         (SELECT COALESCE(SUM(credits), 0) FROM usage_records
            WHERE tenant_id = t.id AND created_at > now() - interval '30 days') AS tenant_used,
         (SELECT COALESCE(SUM(credits), 0) FROM usage_records
            WHERE $2::boolean AND created_at > now() - interval '30 days') AS workspace_used
       FROM tenants t WHERE t.id = $1 AND t.archived_at IS NULL`,
      [tenantId, withWorkspace],
      { limit: 'number?', tenant_used: 'string', workspace_used: 'string' },
    );
    if (!row) return null;
    return { limit: row.limit, tenantUsed: Number(row.tenant_used), workspaceUsed: Number(row.workspace_used) };
  }

  /**
   * The tenant's rolling 30-day limit, archived or not.
   * @returns `{ limit }` (null: unlimited), or null when `manager`'s scope sees no such tenant.
   */
  async tenantLimit(manager: EntityManager, tenantId: string): Promise<{ limit: number | null } | null> {
    return queryRow(
      manager,
      'SELECT ai_credits_rolling_30_day_limit AS "limit" FROM tenants WHERE id = $1',
      [tenantId],
      { limit: 'number?' },
    );
  }

  /**
   * Records credits a tenant used.
   * @returns the record's id (a uuid).
   */
  async insert(
    manager: EntityManager,
    record: { workspaceId: string; tenantId: string; credits: number; kind: string | null },
  ): Promise<string> {
    const row = await queryRow(
      manager,
      'INSERT INTO usage_records (workspace_id, tenant_id, credits, kind) VALUES ($1, $2, $3, $4) RETURNING id',
      [record.workspaceId, record.tenantId, record.credits, record.kind],
      { id: 'string' },
    );
    if (!row) throw new Error('the usage insert returned no row');
    return row.id;
  }

  /** A tenant's credits per UTC day (`YYYY-MM-DD`) over the last 30 days, oldest first; days without use left out. */
  async dailyUse(manager: EntityManager, tenantId: string): Promise<{ day: string; credits: number }[]> {
    const rows = await queryRows(
      manager,
      `SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, SUM(credits) AS credits
       FROM usage_records WHERE tenant_id = $1 AND created_at > now() - interval '30 days'
       GROUP BY 1 ORDER BY 1`,
      [tenantId],
      { day: 'string', credits: 'string' },
    );
    return rows.map((row) => ({ day: row.day, credits: Number(row.credits) }));
  }

  /**
   * Counts one request of the scope's tenant in the current one-second
   * window (shared by every replica), dropping its windows older than ten
   * seconds, in one statement.
   */
  async countRequest(scope: Scope & { tenantId: string }): Promise<WindowCount> {
    const row = await this.scope.run(scope, (manager) =>
      queryRow(
        manager,
        `WITH window_start AS (SELECT date_trunc('second', clock_timestamp()) AS at),
         cleanup AS (
           DELETE FROM rate_limit_windows
           WHERE tenant_id = $2 AND window_start < (SELECT at FROM window_start) - interval '10 seconds')
         INSERT INTO rate_limit_windows (workspace_id, tenant_id, window_start, count)
         SELECT $1, $2, at, 1 FROM window_start
         ON CONFLICT (workspace_id, tenant_id, window_start)
           DO UPDATE SET count = rate_limit_windows.count + 1
         RETURNING count,
           EXTRACT(EPOCH FROM (window_start + interval '1 second' - clock_timestamp()))::float8 AS retry_after`,
        [scope.workspaceId, scope.tenantId],
        // float8, not EXTRACT's own type: numeric (a string from the driver) since Postgres 14, a double before.
        { count: 'number', retry_after: 'number' },
      ),
    );
    if (!row) throw new Error('the rate-limit upsert returned no row');
    return { count: row.count, retryAfter: row.retry_after };
  }
}
