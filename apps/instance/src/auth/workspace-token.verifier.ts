import type { KeyObject } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { claimsProblem, MAX_WORKSPACE_TOKEN_LENGTH, type WorkspaceTokenClaims } from '@switchboard/contracts';
import { KeyringError } from '@switchboard/crypto';
import { DomainException, ErrorCode } from '@switchboard/server';
import jwt from 'jsonwebtoken';

import type { Workspace } from '../workspaces/workspace.entity.js';
import { WorkspaceCache } from '../workspaces/workspace-cache.js';
import { WORKSPACE_ALGORITHMS, type WorkspaceAlgorithm, WorkspaceKeys } from '../workspaces/workspace-keys.js';
import { VerifiedTokens } from './verified-tokens.js';

/**
 * Checks a workspace JWT's signature — the one place it is checked on the
 * instance. The key comes from this instance's copy of the workspace named by
 * `iss` or `workspaceKey`: its current secret, a previous secret within its
 * grace period, or one of its public keys (RS256, ES256). With several
 * candidates (no `kid` tells them apart) each is tried once, and the one
 * verification that succeeds is the result; nothing verifies it again. A token
 * verified before is reused while VerifiedTokens allows.
 *
 * Refused before any key is looked up (`401`): a token that is not a readable
 * JWT, one whose protected header has `crit` (RFC 7515 §4.1.11: an extension
 * that is not understood must be refused; we implement none), an algorithm
 * other than HS256/384/512, RS256, ES256 (`token_algorithm_refused`; `none`
 * among them), no signature, a non-numeric `exp` or `nbf` (RFC 7519 §4.1.4-5),
 * a claim string Postgres cannot store (`invalid_token`), no workspace named.
 *
 * Failures are mapped by the type of what jsonwebtoken throws:
 * `TokenExpiredError` → `token_expired`, `NotBeforeError` →
 * `token_not_yet_valid` (both raised only after the signature matched); any
 * other error of a candidate means that key did not verify it, and when none
 * did, `invalid_signature`.
 */
@Injectable()
export class WorkspaceTokenVerifier {
  constructor(
    private readonly workspaces: WorkspaceCache,
    private readonly keys: WorkspaceKeys,
    private readonly verified: VerifiedTokens,
  ) {}

  /**
   * The verified claims of `rawJwt` (the compact JWS, without "Bearer ").
   * @throws DomainException 401 (codes above), 503 `workspace_keys_unavailable`
   *   when a workspace secret cannot be decrypted with this instance's
   *   ENCRYPTION_KEYS (the server's fault, not the caller's); database errors as they come.
   */
  async verify(rawJwt: string): Promise<WorkspaceTokenClaims> {
    const known = this.verified.lookup(rawJwt);
    if (known) {
      const workspace = await this.workspaces.byKey(known.workspaceKey);
      // The signature was checked against this very key material.
      if (workspace?.configVersion === known.configVersion) return known.claims;
      this.verified.forget(rawJwt);
    }
    const { claims, workspace } = await this.verifySignature(rawJwt);
    this.verified.remember(rawJwt, claims, workspace);
    return claims;
  }

  /**
   * The claims of a token verified before, with the cached workspace they
   * were verified against, when that can be decided from memory alone
   * (VerifiedTokens and a cached workspace whose configuration is the version
   * the signature was checked against); `undefined` when `verify` must decide.
   * The same rule as `verify`'s reuse, without a promise.
   */
  verifiedBefore(rawJwt: string): { claims: WorkspaceTokenClaims; workspace: Workspace } | undefined {
    const known = this.verified.lookup(rawJwt);
    if (!known) return undefined;
    const workspace = this.workspaces.cached(known.workspaceKey);
    if (workspace === undefined) return undefined;
    if (workspace?.configVersion === known.configVersion) return { claims: known.claims, workspace };
    this.verified.forget(rawJwt);
    return undefined;
  }

  private async verifySignature(rawJwt: string): Promise<{ claims: WorkspaceTokenClaims; workspace: Workspace }> {
    const { claims, algorithm } = readableToken(rawJwt);
    const workspaceKey = claims.iss ?? claims.workspaceKey;
    if (typeof workspaceKey !== 'string' || workspaceKey.length === 0) {
      throw DomainException.unauthenticated(
        'The token names no workspace (iss or workspaceKey).',
        ErrorCode.InvalidToken,
      );
    }
    const workspace = await this.workspaces.byKey(workspaceKey);
    if (!workspace) {
      throw DomainException.unauthenticated('The token names an unknown workspace.', ErrorCode.UnknownWorkspace);
    }
    const candidates = this.candidates(workspace, algorithm);
    if (candidates.length === 0) {
      throw DomainException.unauthenticated(
        `The workspace has no key for ${algorithm} tokens.`,
        ErrorCode.TokenAlgorithmRefused,
      );
    }
    for (const key of candidates) {
      const payload = verifyWith(rawJwt, key, algorithm);
      // A string payload is impossible here: readableToken refused a non-object one.
      if (payload !== undefined && typeof payload === 'object') return { claims: payload, workspace };
    }
    throw DomainException.unauthenticated('The token signature does not match.', ErrorCode.InvalidSignature);
  }

  private candidates(workspace: Workspace, algorithm: WorkspaceAlgorithm): KeyObject[] {
    try {
      return this.keys.candidates(workspace, algorithm);
    } catch (error) {
      if (error instanceof KeyringError) {
        throw new DomainException(
          503,
          ErrorCode.WorkspaceKeysUnavailable,
          'Service Unavailable',
          "This instance cannot decrypt the workspace's secret with its encryption keys (ENCRYPTION_KEYS); the operator must add the key the Hub uses.",
          { cause: error },
        );
      }
      throw error;
    }
  }
}

/**
 * The claims and algorithm of a token, before its signature is checked.
 * @throws DomainException 401 for everything refused before a key is looked up (see the class).
 */
function readableToken(rawJwt: string): { claims: WorkspaceTokenClaims; algorithm: WorkspaceAlgorithm } {
  if (rawJwt.length > MAX_WORKSPACE_TOKEN_LENGTH) {
    throw DomainException.unauthenticated(
      `The token is ${rawJwt.length} characters long; at most ${MAX_WORKSPACE_TOKEN_LENGTH} are accepted.`,
      ErrorCode.InvalidToken,
    );
  }
  const decoded = jwt.decode(rawJwt, { complete: true, json: true });
  const payload: unknown = decoded?.payload;
  if (!decoded || typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw DomainException.unauthenticated('The token is not a readable JWT.', ErrorCode.InvalidToken);
  }
  const claims: WorkspaceTokenClaims = payload;
  const header = decoded.header;
  if (Object.hasOwn(header, 'crit')) {
    const crit: unknown = Reflect.get(header, 'crit');
    throw DomainException.unauthenticated(
      `The token header marks extensions as critical (crit: ${JSON.stringify(crit)}); none is supported.`,
      ErrorCode.InvalidToken,
    );
  }
  const algorithm = WORKSPACE_ALGORITHMS.find((allowed) => allowed === header.alg);
  if (!algorithm || decoded.signature.length === 0) {
    throw DomainException.unauthenticated(
      `Tokens signed with ${header.alg || 'no algorithm'}${algorithm ? ' but no signature' : ''} are refused; use ${WORKSPACE_ALGORITHMS.join(', ')}.`,
      ErrorCode.TokenAlgorithmRefused,
    );
  }
  for (const claim of ['exp', 'nbf'] as const) {
    if (claims[claim] !== undefined && typeof claims[claim] !== 'number') {
      throw DomainException.unauthenticated(
        `The ${claim} claim must be a number of seconds since the epoch (RFC 7519 §2, NumericDate).`,
        ErrorCode.InvalidToken,
      );
    }
  }
  const problem = claimsProblem(claims);
  if (problem !== undefined) {
    throw DomainException.unauthenticated(
      `The token claim ${problem.field} ${problem.message}.`,
      ErrorCode.InvalidToken,
    );
  }
  return { claims, algorithm };
}

/**
 * jsonwebtoken's full verification (signature, then `nbf` and `exp`) with one
 * key: the payload, or `undefined` when this key did not verify the token.
 * @throws DomainException 401 `token_expired` / `token_not_yet_valid`: the
 *   signature matched, so no other key needs trying.
 */
function verifyWith(rawJwt: string, key: KeyObject, algorithm: WorkspaceAlgorithm): jwt.JwtPayload | undefined {
  try {
    const payload = jwt.verify(rawJwt, key, { algorithms: [algorithm] });
    return typeof payload === 'object' ? payload : undefined;
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) {
      throw DomainException.unauthenticated('The token has expired.', ErrorCode.TokenExpired);
    }
    if (error instanceof jwt.NotBeforeError) {
      throw DomainException.unauthenticated('The token is not valid yet (nbf).', ErrorCode.TokenNotYetValid);
    }
    // JsonWebTokenError (the signature does not match) or a key jsonwebtoken will not use for this algorithm.
    return undefined;
  }
}
