import { Injectable, Logger } from '@nestjs/common';
import { generateToken, sha256Hex } from '@switchboard/crypto';
import type { Columns } from '@switchboard/persistence';
import { BoundedCache, DomainException, ErrorCode } from '@switchboard/server';
import type { EntityManager } from 'typeorm';

import type { PlatformPrincipal } from '../auth/platform-principal.js';
import type { PersonalAccessToken } from './personal-access-token.entity.js';
import { type TokenUser, UsersRepository } from './users.repository.js';

/** Recognisable in logs and secret scanners: `sbp_` + 256 random bits. */
export const TOKEN_PREFIX = 'sbp_';
const PREFIX_SHOWN = TOKEN_PREFIX.length + 6;
/** `lastUsedAt` is written at most this often per token, to keep reads off the write path. */
const LAST_USED_RESOLUTION_MS = 60_000;
/**
 * How long this replica trusts a token it looked up, without asking Postgres
 * again. A revocation takes effect at once on the replica that revoked (it
 * drops its entry) and within this long on the others; expiry is checked on
 * every request. One second keeps Postgres off the hot path of a busy client
 * (thousands of requests a second) and revocation practically immediate.
 */
export const PRINCIPAL_CACHE_MS = 1000;
const PRINCIPAL_CACHE_LIMIT = 10_000;
const RECORDED_USE_LIMIT = 10_000;

interface CachedPrincipal {
  principal: PlatformPrincipal;
  tokenExpiresAt: number;
}

export interface IssuedToken {
  record: Columns<PersonalAccessToken>;
  /** The token itself; it exists only here, never stored. */
  token: string;
}

@Injectable()
export class PersonalAccessTokensService {
  private readonly logger = new Logger(PersonalAccessTokensService.name);
  /** Token ids whose lastUsedAt this replica wrote within LAST_USED_RESOLUTION_MS. */
  private readonly recentlyRecorded = new BoundedCache<string, true>({
    max: RECORDED_USE_LIMIT,
    ttlMs: LAST_USED_RESOLUTION_MS,
  });
  /** SHA-256 of a token → who it authenticates; see PRINCIPAL_CACHE_MS. */
  private readonly principals = new BoundedCache<string, CachedPrincipal>({
    max: PRINCIPAL_CACHE_LIMIT,
    ttlMs: PRINCIPAL_CACHE_MS,
  });

  /**
   * Reads of a token in flight, by hash: the requests that find its entry
   * expired (every PRINCIPAL_CACHE_MS) share one read instead of each making
   * one, with the count of revocations made here when it started.
   */
  private readonly reading = new Map<string, { row: Promise<TokenUser | null>; revocations: number }>();
  /** Revocations made on this replica so far: a read older than one is not cached. */
  private revocations = 0;

  constructor(private readonly users: UsersRepository) {}

  async issue(
    manager: EntityManager,
    userId: string,
    name: string,
    expiresAt: Date | null,
    token = generateToken(TOKEN_PREFIX),
  ): Promise<IssuedToken> {
    const record = await this.users.insertToken(manager, {
      userId,
      name,
      prefix: token.slice(0, PREFIX_SHOWN),
      tokenHash: sha256Hex(token),
      expiresAt,
    });
    return { record, token };
  }

  /**
   * Who `token` authenticates when this replica looked it up less than
   * PRINCIPAL_CACHE_MS ago, without a promise; `undefined` when it did not
   * (then call `authenticate`). Expiry is checked here too, on every call.
   * @throws DomainException 401 `token_expired`.
   */
  authenticateCached(token: string): PlatformPrincipal | undefined {
    return this.cachedPrincipal(sha256Hex(token), Date.now());
  }

  /**
   * The token's row joined with its user: one round trip, at most once a second per token and replica.
   * @throws DomainException 401 `invalid_token`, `token_revoked`, `token_expired`.
   */
  async authenticate(token: string): Promise<PlatformPrincipal> {
    const hash = sha256Hex(token);
    const now = Date.now();
    const cached = this.cachedPrincipal(hash, now);
    if (cached) return cached;
    const read = this.reading.get(hash) ?? this.read(hash);
    const row = await read.row;
    if (!row) throw DomainException.unauthenticated('The token is not valid.', ErrorCode.InvalidToken);
    if (row.revoked_at) throw DomainException.unauthenticated('The token was revoked.', ErrorCode.TokenRevoked);
    if (row.expires_at && row.expires_at.getTime() <= now) {
      throw DomainException.unauthenticated('The token has expired.', ErrorCode.TokenExpired);
    }
    if (this.shouldRecordUse(row.token_id, row.last_used_at, now)) {
      this.users
        .touchLastUsed(row.token_id, new Date(now))
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not record lastUsedAt'));
    }
    const user = {
      id: row.id,
      email: row.email,
      name: row.name,
      isPlatformAdmin: row.isPlatformAdmin,
      permissions: row.permissions,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
    const principal = { user, tokenId: row.token_id };
    // A read that a revocation here overtook answers its own requests but is not remembered.
    if (read.revocations === this.revocations) {
      this.principals.set(hash, { principal, tokenExpiresAt: row.expires_at?.getTime() ?? Infinity });
    }
    return principal;
  }

  /** Starts the one read of the token with this hash that concurrent requests share. */
  private read(hash: string): { row: Promise<TokenUser | null>; revocations: number } {
    const read = {
      row: this.users.findByTokenHash(hash).finally(() => {
        if (this.reading.get(hash) === read) this.reading.delete(hash);
      }),
      revocations: this.revocations,
    };
    this.reading.set(hash, read);
    return read;
  }

  private cachedPrincipal(hash: string, now: number): PlatformPrincipal | undefined {
    const cached = this.principals.get(hash);
    if (!cached) return undefined;
    if (cached.tokenExpiresAt <= now) {
      throw DomainException.unauthenticated('The token has expired.', ErrorCode.TokenExpired);
    }
    return cached.principal;
  }

  /** Revokes one of the user's active tokens; it stops working at once on this replica. */
  async revoke(userId: string, tokenId: string): Promise<boolean> {
    const revoked = await this.users.revokeToken(userId, tokenId, new Date());
    // Any read started before this point may have seen the token unrevoked.
    this.revocations += 1;
    // The cache is keyed by the token's hash, which the revoked row names.
    for (const hash of revoked) {
      this.principals.delete(hash);
      this.reading.delete(hash);
    }
    return revoked.length > 0;
  }

  /** At most one lastUsedAt write per token per LAST_USED_RESOLUTION_MS from this replica. */
  private shouldRecordUse(tokenId: string, lastUsedAt: Date | null, now: number): boolean {
    if (lastUsedAt && now - lastUsedAt.getTime() <= LAST_USED_RESOLUTION_MS) return false;
    if (this.recentlyRecorded.get(tokenId)) return false;
    this.recentlyRecorded.set(tokenId, true);
    return true;
  }
}
