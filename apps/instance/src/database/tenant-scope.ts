import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PreparedStatement } from '@switchboard/persistence';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * What a piece of work may see. Row-level security policies on every
 * tenant-level table compare rows with these settings: a workspace scope
 * (admin) sees every tenant of its workspace, a tenant scope sees only its
 * own tenant (and, for connections only, its parent's shared ones), and no
 * scope sees nothing.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuid(value: string): string {
  if (!UUID.test(value)) throw new Error(`scope ids must be UUIDs, got ${JSON.stringify(value)}`);
  return value;
}

export interface Scope {
  workspaceId: string;
  /** Null for a workspace-admin scope. */
  tenantId: string | null;
  /**
   * The tenant's parent (API.md, Linked tenants), whose `shared` connections
   * the connections policy also shows to this scope; null or absent: none.
   * Meaningless without `tenantId`.
   */
  parentTenantId?: string | null;
}

/**
 * The statement that sets `scope` for the rest of its transaction, as
 * TenantScope.run's first statement does, with the ids as parameters (cast to
 * uuid, so that anything else is refused): for a read sent in the same round
 * trip and transaction after it (queryPreparedAfter), which row-level
 * security then filters by these settings. The settings are
 * transaction-local (`set_config(…, true)`): they end with that transaction.
 * @throws Error when an id is not a UUID (before anything is sent).
 */
export function scopeStatement(scope: Scope): PreparedStatement {
  const tenantId = scope.tenantId === null ? null : uuid(scope.tenantId);
  const parent = tenantId === null || !scope.parentTenantId ? null : uuid(scope.parentTenantId);
  return {
    name: 'set_scope',
    text:
      "SELECT set_config('app.workspace_id', $1::uuid::text, true), " +
      "set_config('app.tenant_id', COALESCE($2::uuid::text, ''), true), " +
      "set_config('app.parent_tenant_id', COALESCE($3::uuid::text, ''), true)",
    values: [uuid(scope.workspaceId), tenantId, parent],
  };
}

/**
 * Runs work in a transaction whose first statement sets the scope with
 * transaction-local `set_config(…, true)`: the settings end with the
 * transaction, so a pooled connection never carries one request's tenant
 * into the next.
 */
@Injectable()
export class TenantScope {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async run<T>(scope: Scope, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      // BEGIN and the scope in one round trip: a simple-protocol batch, so the
      // ids are inlined — only after checking that they are UUIDs.
      const parent = scope.tenantId === null || !scope.parentTenantId ? '' : uuid(scope.parentTenantId);
      await runner.query(
        `BEGIN; SELECT set_config('app.workspace_id', '${uuid(scope.workspaceId)}', true), ` +
          `set_config('app.tenant_id', '${scope.tenantId === null ? '' : uuid(scope.tenantId)}', true), ` +
          `set_config('app.parent_tenant_id', '${parent}', true)`,
      );
      try {
        const result = await work(runner.manager);
        await runner.query('COMMIT');
        return result;
      } catch (error) {
        await runner.query('ROLLBACK');
        throw error;
      }
    } finally {
      await runner.release();
    }
  }
}
