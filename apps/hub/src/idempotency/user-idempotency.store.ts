import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Keyring } from '@switchboard/crypto';
import {
  IDEMPOTENCY_ABANDONED_AFTER_SECONDS,
  IDEMPOTENCY_TTL_HOURS,
  idempotencyKeyInProgress,
  idempotencyKeyReused,
  type IdempotencyOutcome,
  IdempotencyStore,
} from '@switchboard/server';
import { DataSource } from 'typeorm';

import type { PlatformPrincipal } from '../auth/platform-principal.js';

/** Hub keys belong to the calling user, whichever of their tokens they use. */
export interface UserKeyOwner {
  userId: string;
}

export const userKeyOwner = (principal: PlatformPrincipal): UserKeyOwner => ({ userId: principal.user.id });

interface Row {
  request_hash: string;
  status_code: number | null;
  sealed_response: string | null;
}

@Injectable()
export class UserIdempotencyStore extends IdempotencyStore<UserKeyOwner> {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keyring: Keyring,
  ) {
    super();
  }

  async begin({ userId }: UserKeyOwner, key: string, requestHash: string): Promise<IdempotencyOutcome> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys
       WHERE user_id = $1 AND (created_at < now() - make_interval(hours => $2)
          OR (key = $3 AND status_code IS NULL AND created_at < now() - make_interval(secs => $4)))`,
      [userId, IDEMPOTENCY_TTL_HOURS, key, IDEMPOTENCY_ABANDONED_AFTER_SECONDS],
    );
    const claimed = await this.dataSource.query<unknown[]>(
      `INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, key) DO NOTHING RETURNING 1`,
      [userId, key, requestHash],
    );
    if (claimed.length > 0) return { kind: 'proceed' };
    const [row] = await this.dataSource.query<Row[]>(
      'SELECT request_hash, status_code, sealed_response FROM idempotency_keys WHERE user_id = $1 AND key = $2',
      [userId, key],
    );
    // Gone between the two statements (released after a failure): the caller may simply retry.
    if (!row) throw idempotencyKeyInProgress();
    if (row.request_hash !== requestHash) throw idempotencyKeyReused();
    if (row.status_code === null || row.sealed_response === null) throw idempotencyKeyInProgress();
    return { kind: 'replay', statusCode: row.status_code, body: this.keyring.decryptJson(row.sealed_response) };
  }

  async complete({ userId }: UserKeyOwner, key: string, statusCode: number, body: unknown): Promise<void> {
    await this.dataSource.query(
      'UPDATE idempotency_keys SET status_code = $3, sealed_response = $4 WHERE user_id = $1 AND key = $2',
      [userId, key, statusCode, this.keyring.encryptJson(body ?? null)],
    );
  }

  async release({ userId }: UserKeyOwner, key: string): Promise<void> {
    await this.dataSource.query(
      'DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status_code IS NULL',
      [userId, key],
    );
  }
}
