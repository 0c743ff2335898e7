import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { WorkspaceTokenClaims } from '@switchboard/contracts';
import { BoundedCache, DomainException, ErrorCode } from '@switchboard/server';
import passport from 'passport';
import { ExtractJwt, Strategy } from 'passport-jwt';

import { apiKeyDigest, looksLikeApiKey, workspaceKeyOf } from '../api-keys/api-key-format.js';
import { ApiKeysRepository, type KeyRevocation } from '../api-keys/api-keys.repository.js';
import { InstanceConfig } from '../config.js';
import { actingAs } from '../journal/acting-user.js';
import { TenantPreloads } from '../tenants/tenant-preloads.js';
import { TenantResolver } from '../tenants/tenant-resolver.js';
import { isTenantRole, type TenantRole } from '../workspaces/tenant-role.js';
import type { Workspace } from '../workspaces/workspace.entity.js';
import { WorkspaceCache } from '../workspaces/workspace-cache.js';
import type { PrincipalActor, TenantRef, WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { WorkspaceTokenVerifier } from './workspace-token.verifier.js';

/** The prefix of every WorkspaceJwtStrategy's name in passport's registry (`workspace-jwt#1`, `#2`, …). */
export const WORKSPACE_JWT = 'workspace-jwt';

/** Strategies registered in this process so far: each app's gets its own number. */
let registered = 0;

/** Leeway for a Hub clock ahead of ours when it issues a token of the longest lifetime (RFC 7519 §4.1.4). */
const CLOCK_SKEW_SECONDS = 60;

const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

/** `last_used_at` moves at most once a minute per key (API.md: no write per request). */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * What never changes about a tenant API key once it is created — its
 * workspace, id, tenant, role, user and expiry (only `revoked_at` and
 * `last_used_at` are ever written after the INSERT) — as this replica read
 * it, by the key's SHA-256 (hex). Lets a request made with a known key read
 * only what can change; revocation is never taken from here.
 */
interface KnownApiKey {
  readonly workspaceId: string;
  readonly id: string;
  readonly tenantId: string;
  readonly role: TenantRole;
  /** The principals' actor, one object for every request made with the key (nothing writes to an actor). */
  readonly actor: PrincipalActor;
  /** Epoch milliseconds; Infinity for a key that does not expire. */
  readonly expiresAt: number;
  /** When this replica last moved the key's `last_used_at` (epoch ms; 0: not yet, or the write failed). */
  touchedAt: number;
}

/** The API key a request carries: `X-API-Key`, else a bearer credential shaped like a key; undefined if none. */
function apiKeyOf(request: unknown, bearer: string | null): string | undefined {
  const header = (request as { headers?: Record<string, unknown> }).headers?.['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header;
  return bearer !== null && looksLikeApiKey(bearer) ? bearer : undefined;
}

/**
 * The passport strategy (passport-jwt) that WorkspaceAuthGuard runs: it
 * takes the bearer token from the request, has WorkspaceTokenVerifier check
 * it — the only signature check on the instance — and turns the claims into
 * a WorkspacePrincipal.
 *
 * Passport's strategy registry is process-wide, so each instance of this
 * strategy (one per app) registers under a name of its own, `passportName`
 * (`workspace-jwt#<n>`), which its app's WorkspaceAuthGuard names; and it
 * leaves the registry when its app closes. Two instance apps in one process
 * (tests) therefore check tokens each against its own workspaces and
 * database — under one shared name the app created last answered for all.
 * (@nestjs/passport's `PassportStrategy` mixin registers under one name per
 * class, hence the registration here.)
 *
 * `authenticate` is overridden because passport-jwt's own verifies the token
 * with jsonwebtoken after the key provider, which would check a signature the
 * verifier has already checked (and passport-jwt offers no hook to hand it
 * verified claims; its `JwtVerifier` is process-wide and meant for tests). The
 * rest of passport-jwt — extraction, passport's success/error protocol that
 * @nestjs/passport's AuthGuard reads — stays; its verify callback is never
 * called.
 *
 * Every error reaches passport's `error`, hence the guard and the problem+json
 * filter; nothing escapes as an unhandled rejection.
 */
@Injectable()
export class WorkspaceJwtStrategy extends Strategy implements OnModuleDestroy {
  /** This strategy's name in passport's registry, unique in the process. */
  readonly passportName: string;

  constructor(
    private readonly verifier: WorkspaceTokenVerifier,
    private readonly workspaces: WorkspaceCache,
    private readonly tenants: TenantResolver,
    private readonly config: InstanceConfig,
    private readonly apiKeys: ApiKeysRepository,
    private readonly preloads: TenantPreloads,
  ) {
    super(
      {
        jwtFromRequest: bearerToken,
        secretOrKeyProvider: (_request: unknown, _rawJwt: unknown, done: (error: Error) => void) =>
          done(
            new Error('WorkspaceJwtStrategy verifies tokens in authenticate(); no key is provided to passport-jwt.'),
          ),
      },
      (_payload: unknown, done: (error: Error) => void) =>
        done(new Error('WorkspaceJwtStrategy validates claims in authenticate(); passport-jwt never calls back.')),
    );
    registered += 1;
    this.passportName = `${WORKSPACE_JWT}#${registered}`;
    this.name = this.passportName;
    passport.use(this.passportName, this);
  }

  /** Leaves passport's registry with its app: a closed app's strategy answers for nothing. */
  onModuleDestroy(): void {
    passport.unuse(this.passportName);
  }

  /**
   * Passport's entry point: ends in `success(principal)` or `error(problem)`,
   * exactly once. A token seen before whose workspace and tenant are cached —
   * nearly every request — is decided here and now, without a promise (see
   * `fromMemory`); any other goes the asynchronous way, with the same rules.
   */
  override authenticate(request: unknown): void {
    const token = bearerToken(request);
    const apiKey = apiKeyOf(request, token);
    if (apiKey !== undefined) {
      this.fromApiKey(apiKey).then(
        (principal) => this.success(principal),
        (error: unknown) => this.error(asError(error)),
      );
      return;
    }
    if (!token) {
      this.error(
        DomainException.unauthenticated(
          'Send a workspace token as "Authorization: Bearer <token>", or an API key as "X-API-Key: <key>".',
        ),
      );
      return;
    }
    let principal: WorkspacePrincipal | undefined;
    try {
      principal = this.fromMemory(token);
    } catch (error) {
      this.error(asError(error));
      return;
    }
    if (principal) {
      this.success(principal);
      return;
    }
    this.verifier
      .verify(token)
      .then((claims) => this.validate(claims))
      .then(
        (verified) => this.success(verified),
        (error: unknown) => this.error(asError(error)),
      );
  }

  /**
   * Turns verified claims into a principal: every rule that does not depend
   * on the signature lives here and is decided on every request.
   * @throws DomainException 401 (no/too long `exp`, unknown workspace, bad
   *   tenant claims), 403 (archived workspace), or whatever tenant resolution throws.
   */
  async validate(claims: WorkspaceTokenClaims): Promise<WorkspacePrincipal> {
    checkLifetime(claims, this.config.INSTANCE_MAX_TOKEN_LIFETIME_SECONDS);
    const workspaceKey = claims.iss ?? claims.workspaceKey;
    const workspace = usableWorkspace(workspaceKey === undefined ? null : await this.workspaces.byKey(workspaceKey));
    // A tenant created or changed by a Switch Account token records its actor too (API.md, Switch Account).
    const act = claims.act;
    const tenant = await (act
      ? actingAs(act, () => this.tenants.resolve(workspace, claims))
      : this.tenants.resolve(workspace, claims));
    return principalOf(workspace, tenant, claims);
  }

  /**
   * The principal of the request when passport is not needed to decide it:
   * for an API key (`X-API-Key`, or a bearer credential shaped like a key),
   * a promise of it, read from the database as every API key is
   * (`fromApiKey`); for a bearer token verified before whose workspace and
   * tenant are cached — nearly every request — the principal itself
   * (`fromMemory`). `undefined` sends the request the passport way, which
   * decides everything else with the same rules. Lets WorkspaceAuthGuard skip
   * passport's per-request machinery (a strategy object, two promises) for
   * both, reading the request's credentials once.
   * @throws DomainException as `validate` does, for a remembered token that
   *   breaks a rule; the promise rejects with the DomainException `fromApiKey` throws.
   */
  principalWithoutPassport(request: unknown): WorkspacePrincipal | Promise<WorkspacePrincipal> | undefined {
    const token = bearerToken(request);
    const apiKey = apiKeyOf(request, token);
    if (apiKey !== undefined) return this.fromApiKey(apiKey);
    return token ? this.fromMemory(token) : undefined;
  }

  /**
   * `validate` for a token verified before, decided from the caches alone:
   * the principal, or `undefined` when a cache has no live answer (then the
   * asynchronous way decides). Same rules, same errors, in the same order.
   */
  private fromMemory(token: string): WorkspacePrincipal | undefined {
    const verified = this.verifier.verifiedBefore(token);
    if (verified === undefined) return undefined;
    const { claims } = verified;
    checkLifetime(claims, this.config.INSTANCE_MAX_TOKEN_LIFETIME_SECONDS);
    // The workspace the token names, as cached: the one its signature was checked against (same key).
    const workspace = usableWorkspace(verified.workspace);
    const tenant = this.tenants.resolveCached(workspace, claims);
    return tenant === undefined ? undefined : principalOf(workspace, tenant, claims);
  }

  /**
   * Keys this replica has authenticated, by SHA-256: their immutable facts
   * (KnownApiKey), never their revocation. Bounded; an entry that is gone
   * only costs the next request the longer read.
   */
  private readonly knownKeys = new BoundedCache<string, KnownApiKey>({ max: 100_000, ttlMs: 60 * 60_000 });

  /**
   * A tenant API key, read from the database on every request (one indexed
   * read in one round trip), so a revoked key is refused at once on every
   * replica. The workspace comes from the key's prefix. For a key this
   * replica has seen, only whether it was revoked and its tenant's row are
   * read (`findRevocation`, by the key's and the tenant's ids); its other
   * columns never change, and are taken from `knownKeys` — its expiry is
   * checked on every request as well.
   * @throws DomainException 401 `invalid_token` (malformed, unknown),
   *   `token_revoked`, `token_expired`; 401/403 as for a token's workspace;
   *   403 `tenant_archived`.
   */
  private async fromApiKey(key: string): Promise<WorkspacePrincipal> {
    const workspaceKey = workspaceKeyOf(key);
    if (workspaceKey === null) {
      throw DomainException.unauthenticated('The API key is not valid.', ErrorCode.InvalidToken);
    }
    const cached = this.workspaces.cached(workspaceKey);
    const workspace = usableWorkspace(cached === undefined ? await this.workspaces.byKey(workspaceKey) : cached);
    const digest = apiKeyDigest(key);
    const known = this.knownKeys.get(digest);
    if (known !== undefined && known.workspaceId === workspace.id) {
      const current = await this.apiKeys.findRevocation(workspace.id, known.tenantId, known.id);
      if (current !== null) return this.keyPrincipal(workspace, known, current);
      // Gone (with its tenant, or its workspace moved away): the next request reads it as a key not seen before.
      this.knownKeys.delete(digest);
      throw DomainException.unauthenticated('The API key is not valid.', ErrorCode.InvalidToken);
    }
    const row = await this.apiKeys.findForAuthentication(workspace.id, digest);
    if (!row) throw DomainException.unauthenticated('The API key is not valid.', ErrorCode.InvalidToken);
    const read: KnownApiKey = {
      workspaceId: workspace.id,
      id: row.id,
      tenantId: row.tenant.id,
      // A role the database holds is one this code wrote; anything else gets the least.
      role: isTenantRole(row.role) ? row.role : 'viewer',
      actor: { type: 'api_key', id: row.id, ...(row.userId === null ? {} : { userId: row.userId }) },
      expiresAt: row.expiresAt === null ? Infinity : row.expiresAt.getTime(),
      touchedAt: 0,
    };
    this.knownKeys.set(digest, read);
    return this.keyPrincipal(workspace, read, { revoked: row.revokedAt !== null, tenant: row.tenant });
  }

  /**
   * The principal of a key, from its immutable facts and what was just read
   * of it, after the checks in the order they always ran; moves its
   * `last_used_at` when this replica has not in the last minute (not awaited).
   * @throws DomainException 401 `token_revoked`, `token_expired`; 403 `tenant_archived`.
   */
  private keyPrincipal(workspace: Workspace, key: KnownApiKey, current: KeyRevocation): WorkspacePrincipal {
    if (current.revoked) throw DomainException.unauthenticated('The API key was revoked.', ErrorCode.TokenRevoked);
    const now = Date.now();
    if (key.expiresAt <= now) throw DomainException.unauthenticated('The API key has expired.', ErrorCode.TokenExpired);
    const tenant = current.tenant;
    if (tenant.archivedAt) throw tenantArchived();
    if (now - key.touchedAt >= TOUCH_INTERVAL_MS) {
      key.touchedAt = now;
      this.apiKeys.touch(workspace.id, key.id).catch((error: unknown) => {
        key.touchedAt = 0;
        this.logger.warn({ err: error }, 'could not record an API key use');
      });
    }
    const principal: WorkspacePrincipal = {
      workspace,
      isAdmin: false,
      tenant: { id: tenant.id, internalId: tenant.internalId, parentId: tenant.parentId },
      claims: {},
      role: key.role,
      actor: key.actor,
    };
    this.preloads.set(principal, tenant);
    return principal;
  }

  private readonly logger = new Logger(WorkspaceJwtStrategy.name);
}

/**
 * A token must expire, and not later than this instance accepts; and it must not say it was issued later
 * than now (RFC 7519 §4.1.6 `iat`, with CLOCK_SKEW_SECONDS for clocks that differ): a revocation refuses
 * the tenant's tokens issued until then by their `iat`, which one dated ahead would outlive.
 * @throws DomainException 401 `token_missing_expiry`, `token_lifetime_too_long`, `invalid_token` (`iat` ahead).
 */
function checkLifetime(claims: WorkspaceTokenClaims, maxLifetime: number): void {
  if (typeof claims.exp !== 'number') {
    throw DomainException.unauthenticated('The token has no exp claim; it must expire.', ErrorCode.TokenMissingExpiry);
  }
  const now = Date.now() / 1000;
  if (typeof claims.iat === 'number' && claims.iat - now > CLOCK_SKEW_SECONDS) {
    throw DomainException.unauthenticated(
      'The token says it was issued in the future (iat); issue it with the current time.',
      ErrorCode.InvalidToken,
    );
  }
  if (claims.exp - now > maxLifetime + CLOCK_SKEW_SECONDS) {
    throw DomainException.unauthenticated(
      `The token expires more than ${maxLifetime} seconds from now; ask for a shorter-lived token.`,
      ErrorCode.TokenLifetimeTooLong,
    );
  }
}

/**
 * The token's workspace, when it exists and is not archived.
 * @throws DomainException 401 `unknown_workspace`, 403 `workspace_archived`.
 */
function usableWorkspace(workspace: Workspace | null): Workspace {
  if (!workspace)
    throw DomainException.unauthenticated('The token names an unknown workspace.', ErrorCode.UnknownWorkspace);
  if (workspace.archivedAt) {
    throw new DomainException(403, ErrorCode.WorkspaceArchived, 'Forbidden', 'The workspace is archived.');
  }
  return workspace;
}

/**
 * The principal of a verified token, after the checks that depend on its tenant.
 * @throws DomainException 401 `token_revoked` (issued in or before the tenant's
 *   revocation, or without `iat` after one), `invalid_token` (a `role` or
 *   `userId` claim of the wrong shape).
 */
function principalOf(workspace: Workspace, tenant: TenantRef | null, claims: WorkspaceTokenClaims): WorkspacePrincipal {
  const revokedBefore = tenant?.tokensRevokedBefore;
  if (revokedBefore && (typeof claims.iat !== 'number' || claims.iat * 1000 <= revokedBefore.getTime())) {
    throw DomainException.unauthenticated("The tenant's tokens issued until now were revoked.", ErrorCode.TokenRevoked);
  }
  return {
    workspace,
    isAdmin: claims.isAdmin === true && tenant === null,
    tenant,
    claims,
    role: roleOf(claims),
    actor: actorOf(claims),
  };
}

/** The token's tenant role (`owner` unless it says otherwise). @throws DomainException 401 for an unknown role. */
function roleOf(claims: WorkspaceTokenClaims): TenantRole {
  if (claims.role === undefined) return 'owner';
  if (!isTenantRole(claims.role)) {
    throw DomainException.unauthenticated('The role claim must be owner, member or viewer.', ErrorCode.InvalidToken);
  }
  return claims.role;
}

/**
 * Who a token acts for: its `userId` claim, else `sub` when `tenantKey` or
 * `id` names the tenant (then `sub` is free to name the user).
 * @throws DomainException 401 for a `userId` that is not 1-200 characters.
 */
function actorOf(claims: WorkspaceTokenClaims): PrincipalActor {
  const userId: unknown = claims.userId ?? ((claims.tenantKey ?? claims.id) === undefined ? undefined : claims.sub);
  const id = typeof claims.jti === 'string' ? claims.jti : null;
  if (userId === undefined) return { type: 'token', id };
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > 200) {
    throw DomainException.unauthenticated('The userId claim must be 1-200 characters.', ErrorCode.InvalidToken);
  }
  return { type: 'token', id, userId };
}

/** 403 with its own code, as for a token of an archived tenant. */
function tenantArchived(): DomainException {
  return new DomainException(403, ErrorCode.TenantArchived, 'Forbidden', 'The tenant is archived.');
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
