import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, execute, queryRow, Table } from '@switchboard/persistence';
import { DataSource, type EntityManager } from 'typeorm';

import { type Scope, TenantScope } from '../database/tenant-scope.js';
import { IdempotencyKey } from './idempotency-key.entity.js';

/**
 * Every statement on `idempotency_keys`. A key belongs to its owner, the
 * principal's scope (a tenant, or a workspace admin: `tenantId` null); every
 * statement runs in that scope, so row-level security keeps one tenant's keys
 * and responses from every other principal. A method takes the owner first:
 * as the `EntityManager` of a transaction opened in its scope (for the
 * statements of one claim), or as the `Scope` itself.
 */
@Injectable()
export class IdempotencyRepository {
  private readonly keys: Table<IdempotencyKey>;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly scope: TenantScope,
  ) {
    this.keys = Table.of(dataSource, IdempotencyKey);
  }

  /**
   * Deletes what the owner's scope can see (an admin the whole workspace) of
   * keys older than `ttlHours`, and the owner's own `key` when its first
   * request was abandoned (no response after `abandonedAfterSeconds`). SKIP
   * LOCKED lets concurrent sweeps share the work instead of waiting on (or
   * deadlocking over) the same rows.
   */
  async sweepExpired(
    manager: EntityManager,
    owner: Scope,
    key: string,
    ttlHours: number,
    abandonedAfterSeconds: number,
  ): Promise<void> {
    await execute(
      manager,
      `DELETE FROM idempotency_keys WHERE id IN (
         SELECT id FROM idempotency_keys
         WHERE workspace_id = $1 AND (created_at < now() - make_interval(hours => $3)
            OR (${ownRows(owner)} AND key = $4 AND status_code IS NULL
                AND created_at < now() - make_interval(secs => $5)))
         FOR UPDATE SKIP LOCKED)`,
      [owner.workspaceId, owner.tenantId, ttlHours, key, abandonedAfterSeconds],
    );
  }

  /**
   * Claims `key` for the owner's request with hash `requestHash`; a
   * concurrent claim of the same key waits for this one's commit and fails.
   * @returns whether this call claimed it (false: the owner already holds it).
   */
  async claim(manager: EntityManager, owner: Scope, key: string, requestHash: string): Promise<boolean> {
    const claimed = await queryRow(
      manager,
      `INSERT INTO idempotency_keys (workspace_id, tenant_id, key, request_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT (workspace_id, tenant_id, key) DO NOTHING RETURNING 1 AS claimed`,
      [owner.workspaceId, owner.tenantId, key, requestHash],
      { claimed: 'number' },
    );
    return claimed !== null;
  }

  /** The owner's record of `key`, or null. */
  async findOwn(manager: EntityManager, owner: Scope, key: string): Promise<Columns<IdempotencyKey> | null> {
    return this.keys.queryOne(
      manager,
      `SELECT ${this.keys.columns} FROM idempotency_keys WHERE ${ownRows(owner)} AND key = $3`,
      [owner.workspaceId, owner.tenantId, key],
    );
  }

  /** Stores the response of the owner's request with `key`, sealed. */
  async complete(owner: Scope, key: string, statusCode: number, sealedResponse: string): Promise<void> {
    await this.scope.run(owner, (manager) =>
      execute(
        manager,
        `UPDATE idempotency_keys SET status_code = $4, sealed_response = $5 WHERE ${ownRows(owner)} AND key = $3`,
        [owner.workspaceId, owner.tenantId, key, statusCode, sealedResponse],
      ),
    );
  }

  /** Gives up the owner's claim of `key` while it has no response, so that the request may be retried. */
  async release(owner: Scope, key: string): Promise<void> {
    await this.scope.run(owner, (manager) =>
      execute(manager, `DELETE FROM idempotency_keys WHERE ${ownRows(owner)} AND key = $3 AND status_code IS NULL`, [
        owner.workspaceId,
        owner.tenantId,
        key,
      ]),
    );
  }
}

/**
 * The owner's rows, from its workspace and tenant ids as $1 and $2. An admin's
 * are matched with `IS NULL` rather than `IS NOT DISTINCT FROM`, which no
 * index serves; `$2` still appears, so that every statement takes the same parameters.
 */
function ownRows(owner: Scope): string {
  return owner.tenantId === null
    ? 'workspace_id = $1 AND tenant_id IS NULL AND $2::uuid IS NULL'
    : 'workspace_id = $1 AND tenant_id = $2';
}
