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

import type { PlatformPrincipal } from '../auth/platform-principal.js';
import { IdempotencyRepository } from './idempotency.repository.js';

/** Hub keys belong to the calling user, whichever of their tokens they use. */
export interface UserKeyOwner {
  userId: string;
}

export const userKeyOwner = (principal: PlatformPrincipal): UserKeyOwner => ({ userId: principal.user.id });

@Injectable()
export class UserIdempotencyStore extends IdempotencyStore<UserKeyOwner> {
  constructor(
    private readonly keys: IdempotencyRepository,
    private readonly keyring: Keyring,
  ) {
    super();
  }

  async begin({ userId }: UserKeyOwner, key: string, requestHash: string): Promise<IdempotencyOutcome> {
    await this.keys.purgeStale(userId, key, IDEMPOTENCY_TTL_HOURS, IDEMPOTENCY_ABANDONED_AFTER_SECONDS);
    if (await this.keys.claim(userId, key, requestHash)) return { kind: 'proceed' };
    const row = await this.keys.find(userId, key);
    // Gone between the two statements (released after a failure): the caller may simply retry.
    if (!row) throw idempotencyKeyInProgress();
    if (row.requestHash !== requestHash) throw idempotencyKeyReused();
    if (row.statusCode === null || row.sealedResponse === null) throw idempotencyKeyInProgress();
    return { kind: 'replay', statusCode: row.statusCode, body: this.keyring.decryptJson(row.sealedResponse) };
  }

  async complete({ userId }: UserKeyOwner, key: string, statusCode: number, body: unknown): Promise<void> {
    await this.keys.complete(userId, key, statusCode, this.keyring.encryptJson(body ?? null));
  }

  async release({ userId }: UserKeyOwner, key: string): Promise<void> {
    await this.keys.release(userId, key);
  }
}
