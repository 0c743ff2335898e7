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
import { IdempotencyRepository } from './idempotency.repository.js';

/**
 * Keys per principal, the principal's scope being the owner: a tenant's keys,
 * or a workspace admin's. Every statement runs in that scope, so row-level
 * security keeps one tenant's keys and responses from every other principal.
 */
@Injectable()
export class ScopedIdempotencyStore extends IdempotencyStore<Scope> {
  constructor(
    private readonly scope: TenantScope,
    private readonly repository: IdempotencyRepository,
    private readonly keyring: Keyring,
  ) {
    super();
  }

  async begin(owner: Scope, key: string, requestHash: string): Promise<IdempotencyOutcome> {
    const row = await this.scope.run(owner, async (manager) => {
      // Expiry is lazy: each claim sweeps what its scope can see.
      await this.repository.sweepExpired(
        manager,
        owner,
        key,
        IDEMPOTENCY_TTL_HOURS,
        IDEMPOTENCY_ABANDONED_AFTER_SECONDS,
      );
      if (await this.repository.claim(manager, owner, key, requestHash)) return null;
      const found = await this.repository.findOwn(manager, owner, key);
      // Gone between the two statements (released after a failure): the caller may simply retry.
      if (!found) throw idempotencyKeyInProgress();
      return found;
    });
    if (row === null) return { kind: 'proceed' };
    if (row.requestHash !== requestHash) throw idempotencyKeyReused();
    if (row.statusCode === null || row.sealedResponse === null) throw idempotencyKeyInProgress();
    return { kind: 'replay', statusCode: row.statusCode, body: this.keyring.decryptJson(row.sealedResponse) };
  }

  async complete(owner: Scope, key: string, statusCode: number, body: unknown): Promise<void> {
    await this.repository.complete(owner, key, statusCode, this.keyring.encryptJson(body ?? null));
  }

  async release(owner: Scope, key: string): Promise<void> {
    await this.repository.release(owner, key);
  }
}
