import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { DomainException, ErrorCode, IS_PUBLIC } from '@switchboard/server';

import { WORKSPACE_JWT } from './workspace-jwt.strategy.js';
import type { WorkspacePrincipal } from './workspace-principal.js';

/**
 * Global guard: every HTTP route requires a workspace JWT unless it is marked
 * `@Public()`. NATS handlers are reached only by peers on the NATS cluster.
 */
@Injectable()
export class WorkspaceAuthGuard extends AuthGuard(WORKSPACE_JWT) {
  constructor(private readonly reflector: Reflector) {
    super({ property: 'principal' });
  }

  override canActivate(context: ExecutionContext) {
    if (context.getType() === 'rpc') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic === true) return true;
    return super.canActivate(context);
  }

  override handleRequest<T = WorkspacePrincipal>(error: unknown, principal: T | false, info: unknown): T {
    if (error) throw error instanceof Error ? error : toAuthError(error);
    if (principal) return principal;
    throw toAuthError(info);
  }
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
