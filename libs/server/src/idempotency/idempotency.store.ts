import { DomainException } from '../errors/domain.exception.js';
import { ErrorCode } from '../errors/error-code.js';

/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_HOURS = 24;
/** A first request that has not finished after this long is taken to have died with its process. */
export const IDEMPOTENCY_ABANDONED_AFTER_SECONDS = 300;

export type IdempotencyOutcome = { kind: 'proceed' } | { kind: 'replay'; statusCode: number; body: unknown };

/**
 * Where an app keeps its keys. `Owner` is whoever a key belongs to (a user,
 * a tenant of a workspace, …): the same key of two owners is two requests.
 * Provided under this class as its token, so the interceptor stays ignorant
 * of tables and scopes.
 */
export abstract class IdempotencyStore<Owner = unknown> {
  /**
   * Claims the key for this request (`proceed`), or says what to answer
   * instead: the first response (`replay`), or it throws
   * `idempotencyKeyReused()` / `idempotencyKeyInProgress()`.
   */
  abstract begin(owner: Owner, key: string, requestHash: string): Promise<IdempotencyOutcome>;
  /** Remembers the response of a claimed key. */
  abstract complete(owner: Owner, key: string, statusCode: number, body: unknown): Promise<void>;
  /** Forgets a claimed key whose request failed, so that it can be fixed and retried with the same key. */
  abstract release(owner: Owner, key: string): Promise<void>;
}

export function idempotencyKeyReused(): DomainException {
  return new DomainException(
    422,
    ErrorCode.IdempotencyKeyReused,
    'Idempotency key reused',
    'This Idempotency-Key was used with another request (method, path or body); use a new key.',
  );
}

export function idempotencyKeyInProgress(): DomainException {
  return DomainException.conflict('A request with this Idempotency-Key is still in progress; retry shortly.');
}
