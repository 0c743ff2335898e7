import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { DomainException, ErrorCode, IS_PUBLIC } from '@switchboard/server';
import type { FastifyRequest } from 'fastify';

import { WorkspaceCache } from '../workspaces/workspace-cache.js';
import { VerifiedTokens } from './verified-tokens.js';
import { WORKSPACE_JWT, WorkspaceJwtStrategy } from './workspace-jwt.strategy.js';
import type { WorkspacePrincipal } from './workspace-principal.js';

/**
 * Global guard: every HTTP route requires a workspace JWT unless it is marked
 * `@Public()`. NATS handlers are reached only by peers on the NATS cluster.
 * A token verified before is not verified again while that may be reused
 * (see VerifiedTokens).
 */
@Injectable()
export class WorkspaceAuthGuard extends AuthGuard(WORKSPACE_JWT) {
  constructor(
    private readonly reflector: Reflector,
    private readonly verified: VerifiedTokens,
    private readonly workspaces: WorkspaceCache,
    private readonly strategy: WorkspaceJwtStrategy,
  ) {
    super({ property: 'principal' });
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() === 'rpc') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic === true) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: WorkspacePrincipal }>();
    const token = bearerToken(request.headers.authorization);
    const known = token ? this.verified.lookup(token) : undefined;
    if (token && known) {
      const workspace = await this.workspaces.byKey(known.workspaceKey);
      if (workspace?.configVersion === known.configVersion) {
        // The signature was checked against this very key material; the rest is decided afresh.
        request.principal = await this.strategy.validate(known.claims);
        return true;
      }
      this.verified.forget(token);
    }
    const allowed = (await super.canActivate(context)) as boolean;
    if (allowed && token && request.principal) {
      this.verified.remember(token, request.principal.claims, request.principal.workspace);
    }
    return allowed;
  }

  override handleRequest<T = WorkspacePrincipal>(error: unknown, principal: T | false, info: unknown): T {
    if (error) throw error instanceof Error ? error : toAuthError(error);
    if (principal) return principal;
    throw toAuthError(info);
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** jsonwebtoken's and passport-jwt's reasons, as precise codes. */
function toAuthError(info: unknown): DomainException {
  if (info instanceof DomainException) return info;
  const name = info instanceof Error ? info.name : undefined;
  const message = info instanceof Error ? info.message : '';
  if (name === 'TokenExpiredError')
    return DomainException.unauthenticated('The token has expired.', ErrorCode.TokenExpired);
  if (name === 'NotBeforeError') {
    return DomainException.unauthenticated('The token is not valid yet (nbf).', ErrorCode.TokenNotYetValid);
  }
  if (message === 'No auth token') {
    return DomainException.unauthenticated('Send a workspace token as "Authorization: Bearer <token>".');
  }
  if (message === 'invalid signature') {
    return DomainException.unauthenticated('The token signature does not match.', ErrorCode.InvalidSignature);
  }
  if (message === 'jwt signature is required' || message === 'invalid algorithm') {
    return DomainException.unauthenticated('The token algorithm is refused.', ErrorCode.TokenAlgorithmRefused);
  }
  return DomainException.unauthenticated(`The token is not valid: ${message || 'unreadable'}.`, ErrorCode.InvalidToken);
}
