import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { WorkspaceTokenClaims } from '@switchboard/contracts';
import { DomainException, ErrorCode } from '@switchboard/server';
import { ExtractJwt, Strategy } from 'passport-jwt';

import { InstanceConfig } from '../config.js';
import { actingAs } from '../journal/acting-user.js';
import { TenantResolver } from '../tenants/tenant-resolver.js';
import type { Workspace } from '../workspaces/workspace.entity.js';
import { WorkspaceCache } from '../workspaces/workspace-cache.js';
import type { TenantRef, WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { WorkspaceTokenVerifier } from './workspace-token.verifier.js';

export const WORKSPACE_JWT = 'workspace-jwt';

/** Leeway for a Hub clock ahead of ours when it issues a token of the longest lifetime (RFC 7519 §4.1.4). */
const CLOCK_SKEW_SECONDS = 60;

const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

/**
 * The passport strategy (passport-jwt, registered as `workspace-jwt`) that
 * WorkspaceAuthGuard runs: it takes the bearer token from the request, has
 * WorkspaceTokenVerifier check it — the only signature check on the instance
 * — and turns the claims into a WorkspacePrincipal.
 *
 * `authenticate` is overridden because passport-jwt's own verifies the token
 * with jsonwebtoken after the key provider, which would check a signature the
 * verifier has already checked (and passport-jwt offers no hook to hand it
 * verified claims; its `JwtVerifier` is process-wide and meant for tests). The
 * rest of passport-jwt — extraction, the strategy registry, passport's
 * success/error protocol that @nestjs/passport's AuthGuard reads — stays.
 *
 * Every error reaches passport's `error`, hence the guard and the problem+json
 * filter; nothing escapes as an unhandled rejection.
 */
@Injectable()
export class WorkspaceJwtStrategy extends PassportStrategy(Strategy, WORKSPACE_JWT) {
  constructor(
    private readonly verifier: WorkspaceTokenVerifier,
    private readonly workspaces: WorkspaceCache,
    private readonly tenants: TenantResolver,
    private readonly config: InstanceConfig,
  ) {
    super({
      jwtFromRequest: bearerToken,
      secretOrKeyProvider: (_request: unknown, _rawJwt: unknown, done: (error: Error) => void) =>
        done(new Error('WorkspaceJwtStrategy verifies tokens in authenticate(); no key is provided to passport-jwt.')),
    });
  }

  /**
   * Passport's entry point: ends in `success(principal)` or `error(problem)`,
   * exactly once. A token seen before whose workspace and tenant are cached —
   * nearly every request — is decided here and now, without a promise (see
   * `fromMemory`); any other goes the asynchronous way, with the same rules.
   */
  override authenticate(request: unknown): void {
    const token = bearerToken(request);
    if (!token) {
      this.error(DomainException.unauthenticated('Send a workspace token as "Authorization: Bearer <token>".'));
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
   * `validate` for a token verified before, decided from the caches alone:
   * the principal, or `undefined` when a cache has no live answer (then the
   * asynchronous way decides). Same rules, same errors, in the same order.
   */
  private fromMemory(token: string): WorkspacePrincipal | undefined {
    const claims = this.verifier.verifiedBefore(token);
    if (claims === undefined) return undefined;
    checkLifetime(claims, this.config.INSTANCE_MAX_TOKEN_LIFETIME_SECONDS);
    const workspaceKey = claims.iss ?? claims.workspaceKey;
    const cached = workspaceKey === undefined ? null : this.workspaces.cached(workspaceKey);
    if (cached === undefined) return undefined;
    const workspace = usableWorkspace(cached);
    const tenant = this.tenants.resolveCached(workspace, claims);
    return tenant === undefined ? undefined : principalOf(workspace, tenant, claims);
  }
}

/**
 * A token must expire, and not later than this instance accepts.
 * @throws DomainException 401 `token_missing_expiry`, `token_lifetime_too_long`.
 */
function checkLifetime(claims: WorkspaceTokenClaims, maxLifetime: number): void {
  if (typeof claims.exp !== 'number') {
    throw DomainException.unauthenticated('The token has no exp claim; it must expire.', ErrorCode.TokenMissingExpiry);
  }
  if (claims.exp - Date.now() / 1000 > maxLifetime + CLOCK_SKEW_SECONDS) {
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

function principalOf(workspace: Workspace, tenant: TenantRef | null, claims: WorkspaceTokenClaims): WorkspacePrincipal {
  return { workspace, isAdmin: claims.isAdmin === true && tenant === null, tenant, claims };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
