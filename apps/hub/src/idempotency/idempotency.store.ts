import { createHash } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Keyring } from '@switchboard/crypto';
import { DomainException, ErrorCode } from '@switchboard/server';
import { DataSource } from 'typeorm';

/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_HOURS = 24;
/** A first request that has not finished after this long is taken to have died with its process. */
const ABANDONED_AFTER_SECONDS = 300;

export type IdempotencyOutcome = { kind: 'proceed' } | { kind: 'replay'; statusCode: number; body: unknown };

interface Row {
  request_hash: string;
  status_code: number | null;
  sealed_response: string | null;
}

@Injectable()
export class IdempotencyStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keyring: Keyring,
  ) {}

  /** Claims the key for this request, or says what to answer instead. */
  async begin(userId: string, key: string, requestHash: string): Promise<IdempotencyOutcome> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys
       WHERE user_id = $1 AND (created_at < now() - make_interval(hours => $2)
          OR (key = $3 AND status_code IS NULL AND created_at < now() - make_interval(secs => $4)))`,
      [userId, IDEMPOTENCY_TTL_HOURS, key, ABANDONED_AFTER_SECONDS],
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
    if (!row) throw inProgress();
    if (row.request_hash !== requestHash) {
      throw new DomainException(
        422,
        ErrorCode.IdempotencyKeyReused,
        'Idempotency key reused',
        'This Idempotency-Key was used with another request (method, path or body); use a new key.',
      );
    }
    if (row.status_code === null || row.sealed_response === null) throw inProgress();
    return { kind: 'replay', statusCode: row.status_code, body: this.keyring.decryptJson(row.sealed_response) };
  }

  async complete(userId: string, key: string, statusCode: number, body: unknown): Promise<void> {
    await this.dataSource.query(
      'UPDATE idempotency_keys SET status_code = $3, sealed_response = $4 WHERE user_id = $1 AND key = $2',
      [userId, key, statusCode, this.keyring.encryptJson(body ?? null)],
    );
  }

  /** A failed request leaves nothing behind: the client may fix it and retry with the same key. */
  async release(userId: string, key: string): Promise<void> {
    await this.dataSource.query(
      'DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status_code IS NULL',
      [userId, key],
    );
  }
}

export function requestHash(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${url}\n${stableJson(body)}`)
    .digest('hex');
}

/** JSON with object keys sorted, so that the same body in another key order is the same request. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function inProgress(): DomainException {
  return DomainException.conflict('A request with this Idempotency-Key is still in progress; retry shortly.');
}
