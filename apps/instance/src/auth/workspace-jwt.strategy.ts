import type { KeyObject } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { WorkspaceTokenClaims } from '@switchboard/contracts';
import { KeyringError } from '@switchboard/crypto';
import { DomainException, ErrorCode } from '@switchboard/server';
import jwt from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';

import { InstanceConfig } from '../config.js';
import { TenantResolver } from '../tenants/tenant-resolver.js';
import { WorkspaceCache } from '../workspaces/workspace-cache.js';
import { unstorableClaim } from './storable-claims.js';
import { WORKSPACE_ALGORITHMS, WorkspaceKeys } from './workspace-keys.js';
import type { WorkspacePrincipal } from './workspace-principal.js';

export const WORKSPACE_JWT = 'workspace-jwt';

/** Leeway for a Hub clock ahead of ours when it issues a token of the longest lifetime (RFC 7519 §4.1.4). */
const CLOCK_SKEW_SECONDS = 60;

type Done = (error: unknown, key?: string | Buffer) => void;

/**
 * Verifies workspace JWTs with passport-jwt. The key is looked up per token
 * from this instance's copy of the workspace named by `iss` or
 * `workspaceKey`: its current secret, its previous secret within the grace
 * period, or its public keys (RS256, ES256). `alg: none` is never accepted.
 *
 * Before any lookup a token is refused (`401 invalid_token`) when its
 * protected header has a `crit` parameter — we understand no JWS extension,
 * and RFC 7515 §4.1.11 requires refusing one that is not understood — or when
 * a claim holds a string Postgres cannot store. After verification, a token
 * whose `exp` lies more than `INSTANCE_MAX_TOKEN_LIFETIME_SECONDS` ahead is
 * refused (`401 token_lifetime_too_long`).
 *
 * Nothing thrown on this path escapes as an unhandled rejection: every error
 * reaches passport's `done`, hence the guard and the problem+json filter. A
 * workspace secret this instance's keyring cannot decrypt is the server's
 * fault, not the caller's: `503 workspace_keys_unavailable`.
 */
@Injectable()
export class WorkspaceJwtStrategy extends PassportStrategy(Strategy, WORKSPACE_JWT) {
  constructor(
    private readonly workspaces: WorkspaceCache,
    private readonly tenants: TenantResolver,
    keys: WorkspaceKeys,
    private readonly config: InstanceConfig,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      algorithms: WORKSPACE_ALGORITHMS,
      passReqToCallback: false,
      secretOrKeyProvider: (_request: unknown, rawJwt: string, done: Done) => {
        // jsonwebtoken verifies with a KeyObject directly; passport-jwt's types predate that.
        signingKey(rawJwt, workspaces, keys).then(
          (key) => done(null, key as unknown as Buffer),
          (error: unknown) => done(authPathError(error)),
        );
      },
    });
  }

  /**
   * Turns verified claims into a principal; also called for a token verified
   * before (VerifiedTokens), so every rule that does not depend on the
   * signature lives here.
   * @throws DomainException 401 (no/too long `exp`, unknown workspace, bad
   *   tenant claims), 403 (archived workspace), or whatever tenant resolution throws.
   */
  async validate(claims: WorkspaceTokenClaims): Promise<WorkspacePrincipal> {
    if (typeof claims.exp !== 'number') {
      throw DomainException.unauthenticated(
        'The token has no exp claim; it must expire.',
        ErrorCode.TokenMissingExpiry,
      );
    }
    const maxLifetime = this.config.INSTANCE_MAX_TOKEN_LIFETIME_SECONDS;
    if (claims.exp - Date.now() / 1000 > maxLifetime + CLOCK_SKEW_SECONDS) {
      throw DomainException.unauthenticated(
        `The token expires more than ${maxLifetime} seconds from now; ask for a shorter-lived token.`,
        ErrorCode.TokenLifetimeTooLong,
      );
    }
    const workspace = await this.workspaces.byKey((claims.iss ?? claims.workspaceKey)!);
    if (!workspace)
      throw DomainException.unauthenticated('The token names an unknown workspace.', ErrorCode.UnknownWorkspace);
    if (workspace.archivedAt) {
      throw new DomainException(403, ErrorCode.WorkspaceArchived, 'Forbidden', 'The workspace is archived.');
    }
    const tenant = await this.tenants.resolve(workspace, claims);
    return { workspace, isAdmin: claims.isAdmin === true && tenant === null, tenant, claims };
  }
}

/**
 * The key that verifies this token, from the workspace it names.
 * @throws DomainException 401 for a token that cannot be checked (unreadable,
 *   refused algorithm, `crit`, unstorable claims, unknown workspace, no key);
 *   KeyringError when the workspace secret cannot be decrypted here; database errors as they come.
 */
async function signingKey(rawJwt: string, workspaces: WorkspaceCache, keys: WorkspaceKeys): Promise<KeyObject> {
  const decoded = jwt.decode(rawJwt, { complete: true, json: true });
  const claims = decoded?.payload as WorkspaceTokenClaims | undefined;
  if (!decoded || typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw DomainException.unauthenticated('The token is not a readable JWT.', ErrorCode.InvalidToken);
  }
  const header = decoded.header as jwt.JwtHeader & { crit?: unknown };
  if (Object.hasOwn(header, 'crit')) {
    // RFC 7515 §4.1.11: extensions listed in crit must be understood; this verifier implements none.
    throw DomainException.unauthenticated(
      `The token header marks extensions as critical (crit: ${JSON.stringify(header.crit)}); none is supported.`,
      ErrorCode.InvalidToken,
    );
  }
  const algorithm = header.alg ?? '';
  if (!(WORKSPACE_ALGORITHMS as string[]).includes(algorithm)) {
    throw DomainException.unauthenticated(
      `Tokens signed with ${algorithm || 'no algorithm'} are refused; use ${WORKSPACE_ALGORITHMS.join(', ')}.`,
      ErrorCode.TokenAlgorithmRefused,
    );
  }
  const unstorable = unstorableClaim(claims);
  if (unstorable !== undefined) {
    throw DomainException.unauthenticated(
      `The token claim ${JSON.stringify(unstorable)} holds a NUL character or a lone surrogate, which cannot be stored.`,
      ErrorCode.InvalidToken,
    );
  }
  const workspaceKey = claims.iss ?? claims.workspaceKey;
  if (typeof workspaceKey !== 'string' || workspaceKey.length === 0) {
    throw DomainException.unauthenticated(
      'The token names no workspace (iss or workspaceKey).',
      ErrorCode.InvalidToken,
    );
  }
  const workspace = await workspaces.byKey(workspaceKey);
  if (!workspace) {
    throw DomainException.unauthenticated('The token names an unknown workspace.', ErrorCode.UnknownWorkspace);
  }
  const candidates = keys.candidates(workspace, algorithm);
  if (candidates.length === 0) {
    throw DomainException.unauthenticated(
      `The workspace has no key for ${algorithm} tokens.`,
      ErrorCode.TokenAlgorithmRefused,
    );
  }
  return pickKey(rawJwt, algorithm, candidates);
}

/** An error on the key lookup, as the problem it is: the caller's (kept) or the server's. */
function authPathError(error: unknown): unknown {
  if (error instanceof KeyringError) {
    return new DomainException(
      503,
      ErrorCode.WorkspaceKeysUnavailable,
      'Service Unavailable',
      "This instance cannot decrypt the workspace's secret with its encryption keys (ENCRYPTION_KEYS); the operator must add the key the Hub uses.",
      { cause: error },
    );
  }
  return error;
}

/**
 * With several candidate keys (a secret in its grace period, several public
 * keys) the one whose signature matches; passport-jwt then verifies with it.
 */
function pickKey(rawJwt: string, algorithm: string, candidates: KeyObject[]): KeyObject {
  if (candidates.length === 1) return candidates[0];
  for (const key of candidates) {
    try {
      jwt.verify(rawJwt, key, {
        algorithms: [algorithm as jwt.Algorithm],
        ignoreExpiration: true,
        ignoreNotBefore: true,
      });
      return key;
    } catch {
      // try the next key
    }
  }
  return candidates[0];
}
