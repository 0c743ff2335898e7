import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainException, IS_PUBLIC } from '@switchboard/server';
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

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() === 'rpc') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic === true) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: PlatformPrincipal }>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) {
      throw DomainException.unauthenticated('Send a platform user token as "Authorization: Bearer <token>".');
    }
    request.principal = await this.tokens.authenticate(match[1]);
    return true;
  }
}
