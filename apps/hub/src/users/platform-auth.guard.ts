import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainException, IS_PUBLIC, routeMetadata } from '@switchboard/server';
import type { FastifyRequest } from 'fastify';

import type { PlatformPrincipal } from '../auth/platform-principal.js';
import { PersonalAccessTokensService } from './personal-access-tokens.service.js';

/**
 * Global guard: every HTTP route requires a platform user token unless it is
 * marked `@Public()`. NATS handlers are not HTTP routes; they are reached only
 * by peers on the NATS cluster, whose own credentials guard it. Who may call
 * the route is decided after this, by AccessGuard from the route's `@Access`.
 */
@Injectable()
export class PlatformAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: PersonalAccessTokensService,
  ) {}

  /**
   * `true` at once for NATS, `@Public()` routes and a token this replica
   * looked up within the last second (the principal is cached; nothing to
   * await); otherwise the promise of the lookup.
   * @throws DomainException 401 (no bearer token, or what authentication refuses).
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() === 'rpc') return true;
    const isPublic = routeMetadata<boolean>(this.reflector, IS_PUBLIC, context);
    if (isPublic === true) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: PlatformPrincipal }>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    const token = match?.[1];
    if (!token) {
      throw DomainException.unauthenticated('Send a platform user token as "Authorization: Bearer <token>".');
    }
    const known = this.tokens.authenticateCached(token);
    if (known) {
      request.principal = known;
      return true;
    }
    return this.tokens.authenticate(token).then((principal) => {
      request.principal = principal;
      return true;
    });
  }
}
