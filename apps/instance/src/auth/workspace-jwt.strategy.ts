import type { KeyObject } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { WorkspaceTokenClaims } from '@switchboard/contracts';
import { DomainException, ErrorCode } from '@switchboard/server';
import jwt from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';

import { TenantResolver } from '../tenants/tenant-resolver.js';
import { WorkspaceCache } from '../workspaces/workspace-cache.js';
import { WORKSPACE_ALGORITHMS, WorkspaceKeys } from './workspace-keys.js';
import type { WorkspacePrincipal } from './workspace-principal.js';

export const WORKSPACE_JWT = 'workspace-jwt';

type Done = (error: unknown, key?: string | Buffer) => void;

/**
 * Verifies workspace JWTs with passport-jwt. The key is looked up per token
 * from this instance's copy of the workspace named by `iss` or
 * `workspaceKey`: its current secret, its previous secret within the grace
 * period, or its public keys (RS256, ES256). `alg: none` is never accepted.
 */
@Injectable()
export class WorkspaceJwtStrategy extends PassportStrategy(Strategy, WORKSPACE_JWT) {
  constructor(
    private readonly workspaces: WorkspaceCache,
    private readonly tenants: TenantResolver,
    keys: WorkspaceKeys,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      algorithms: WORKSPACE_ALGORITHMS,
      passReqToCallback: false,
      secretOrKeyProvider: (_request: unknown, rawJwt: string, done: Done) => {
        const decoded = jwt.decode(rawJwt, { complete: true, json: true });
        const claims = decoded?.payload as WorkspaceTokenClaims | undefined;
        const algorithm = decoded?.header.alg ?? '';
        if (!decoded || typeof claims !== 'object') {
          done(DomainException.unauthenticated('The token is not a readable JWT.', ErrorCode.InvalidToken));
          return;
        }
        if (!(WORKSPACE_ALGORITHMS as string[]).includes(algorithm)) {
          done(
            DomainException.unauthenticated(
              `Tokens signed with ${algorithm || 'no algorithm'} are refused; use ${WORKSPACE_ALGORITHMS.join(', ')}.`,
              ErrorCode.TokenAlgorithmRefused,
            ),
          );
          return;
        }
        const workspaceKey = claims.iss ?? claims.workspaceKey;
        if (typeof workspaceKey !== 'string' || workspaceKey.length === 0) {
          done(
            DomainException.unauthenticated(
              'The token names no workspace (iss or workspaceKey).',
              ErrorCode.InvalidToken,
            ),
          );
          return;
        }
        workspaces.byKey(workspaceKey).then(
          (workspace) => {
            if (!workspace) {
              done(
                DomainException.unauthenticated('The token names an unknown workspace.', ErrorCode.UnknownWorkspace),
              );
              return;
            }
            const candidates = keys.candidates(workspace, algorithm);
            if (candidates.length === 0) {
              done(
                DomainException.unauthenticated(
                  `The workspace has no key for ${algorithm} tokens.`,
                  ErrorCode.TokenAlgorithmRefused,
                ),
              );
              return;
            }
            // jsonwebtoken verifies with a KeyObject directly; passport-jwt's types predate that.
            done(null, pickKey(rawJwt, algorithm, candidates) as unknown as Buffer);
          },
          (error: unknown) => done(error),
        );
      },
    });
  }

  async validate(claims: WorkspaceTokenClaims): Promise<WorkspacePrincipal> {
    if (typeof claims.exp !== 'number') {
      throw DomainException.unauthenticated(
        'The token has no exp claim; it must expire.',
        ErrorCode.TokenMissingExpiry,
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
