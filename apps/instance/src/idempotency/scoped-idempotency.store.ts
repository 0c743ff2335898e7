import { Injectable } from '@nestjs/common';
import { Keyring } from '@switchboard/crypto';
import {
  IDEMPOTENCY_ABANDONED_AFTER_SECONDS,
  IDEMPOTENCY_TTL_HOURS,
  idempotencyKeyInProgress,
  idempotencyKeyReused,
  type IdempotencyOutcome,
  IdempotencyStore,
} from '@switchboard/server';

import { type Scope, TenantScope } from '../database/tenant-scope.js';

interface Row {
  request_hash: string;
  status_code: number | null;
  sealed_response: string | null;
}

/**
 * Keys per principal, the principal's scope being the owner: a tenant's keys,
 * or a workspace admin's. Every statement runs in that scope, so row-level
 * security keeps one tenant's keys and responses from every other principal.
 */
@Injectable()
export class ScopedIdempotencyStore extends IdempotencyStore<Scope> {
  constructor(
    private readonly scope: TenantScope,
    private readonly keyring: Keyring,
  ) {
    super();
  }

  async begin(owner: Scope, key: string, requestHash: string): Promise<IdempotencyOutcome> {
    const row = await this.scope.run(owner, async (manager) => {
      // Expiry is lazy: each claim sweeps what its scope can see (an admin the whole workspace). SKIP LOCKED
      // lets concurrent sweeps share the work instead of waiting on (or deadlocking over) the same rows.
      await manager.query(
        `DELETE FROM idempotency_keys WHERE id IN (
           SELECT id FROM idempotency_keys
           WHERE workspace_id = $1 AND (created_at < now() - make_interval(hours => $3)
              OR (${ownRows(owner)} AND key = $4 AND status_code IS NULL
                  AND created_at < now() - make_interval(secs => $5)))
           FOR UPDATE SKIP LOCKED)`,
        [owner.workspaceId, owner.tenantId, IDEMPOTENCY_TTL_HOURS, key, IDEMPOTENCY_ABANDONED_AFTER_SECONDS],
      );
      const claimed = await manager.query<unknown[]>(
        `INSERT INTO idempotency_keys (workspace_id, tenant_id, key, request_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT (workspace_id, tenant_id, key) DO NOTHING RETURNING 1`,
        [owner.workspaceId, owner.tenantId, key, requestHash],
      );
      if (claimed.length > 0) return null;
      const [found] = await manager.query<Row[]>(
        `SELECT request_hash, status_code, sealed_response FROM idempotency_keys WHERE ${ownRows(owner)} AND key = $3`,
        [owner.workspaceId, owner.tenantId, key],
      );
      // Gone between the two statements (released after a failure): the caller may simply retry.
      if (!found) throw idempotencyKeyInProgress();
      return found;
    });
    if (row === null) return { kind: 'proceed' };
    if (row.request_hash !== requestHash) throw idempotencyKeyReused();
    if (row.status_code === null || row.sealed_response === null) throw idempotencyKeyInProgress();
    return { kind: 'replay', statusCode: row.status_code, body: this.keyring.decryptJson(row.sealed_response) };
  }

  async complete(owner: Scope, key: string, statusCode: number, body: unknown): Promise<void> {
    const sealed = this.keyring.encryptJson(body ?? null);
    await this.scope.run(owner, (manager) =>
      manager.query(
        `UPDATE idempotency_keys SET status_code = $4, sealed_response = $5 WHERE ${ownRows(owner)} AND key = $3`,
        [owner.workspaceId, owner.tenantId, key, statusCode, sealed],
      ),
    );
  }

  async release(owner: Scope, key: string): Promise<void> {
    await this.scope.run(owner, (manager) =>
      manager.query(`DELETE FROM idempotency_keys WHERE ${ownRows(owner)} AND key = $3 AND status_code IS NULL`, [
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
