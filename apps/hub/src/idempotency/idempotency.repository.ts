import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, execute, Table } from '@switchboard/persistence';
import { DataSource } from 'typeorm';

import { IdempotencyKey } from './idempotency-key.entity.js';

/** All SQL of the Hub's idempotency keys (table `idempotency_keys`), scoped by the user who owns a key. */
@Injectable()
export class IdempotencyRepository {
  private readonly keys: Table<IdempotencyKey>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.keys = Table.of(dataSource, IdempotencyKey);
  }

  /** Deletes the user's keys older than `ttlHours`, and `key` itself when it was abandoned in progress for `abandonedAfterSeconds`. */
  async purgeStale(userId: string, key: string, ttlHours: number, abandonedAfterSeconds: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys
       WHERE user_id = $1 AND (created_at < now() - make_interval(hours => $2)
          OR (key = $3 AND status_code IS NULL AND created_at < now() - make_interval(secs => $4)))`,
      [userId, ttlHours, key, abandonedAfterSeconds],
    );
  }

  /** Claims `key` for a request with `requestHash`: true when this call inserted it, false when it exists. */
  async claim(userId: string, key: string, requestHash: string): Promise<boolean> {
    const claimed = await execute(
      this.dataSource,
      `INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, key) DO NOTHING RETURNING 1`,
      [userId, key, requestHash],
    );
    return claimed > 0;
  }

  /** The user's key, or null. @throws RowShapeError when the row does not match the entity. */
  async find(userId: string, key: string): Promise<Columns<IdempotencyKey> | null> {
    return this.keys.queryOne(
      this.dataSource,
      `SELECT ${this.keys.columns} FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
      [userId, key],
    );
  }

  /** Records the response of the request that claimed `key` (sealed by the caller). */
  async complete(userId: string, key: string, statusCode: number, sealedResponse: string): Promise<void> {
    await this.dataSource.query(
      'UPDATE idempotency_keys SET status_code = $3, sealed_response = $4 WHERE user_id = $1 AND key = $2',
      [userId, key, statusCode, sealedResponse],
    );
  }

  /** Deletes `key` while still in progress (its request failed), so that it may be retried. */
  async release(userId: string, key: string): Promise<void> {
    await this.dataSource.query(
      'DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status_code IS NULL',
      [userId, key],
    );
  }
}
