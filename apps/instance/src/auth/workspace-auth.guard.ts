import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { addRequestLogFields, DomainException, ErrorCode, IS_PUBLIC, routeMetadata } from '@switchboard/server';
import type { Observable } from 'rxjs';

import { TenantActivity } from '../tenants/tenant-activity.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import { WorkspaceJwtStrategy } from './workspace-jwt.strategy.js';

/**
 * Global guard: every HTTP route requires a workspace JWT unless it is marked
 * `@Public()`; the principal lands on `request.principal`. NATS handlers are
 * reached only by peers on the NATS cluster. What a token may be refused for,
 * and with which code, is decided by WorkspaceJwtStrategy and
 * WorkspaceTokenVerifier, which throw DomainExceptions. A tenant's
 * successful authentication is its activity (TenantActivity: `lastActiveAt`,
 * at most one write a minute, off the request's path).
 *
 * Passport runs its app's own strategy, by the name that strategy registered
 * under (`WorkspaceJwtStrategy.passportName`, unique in the process): never
 * another app's of the same process.
 */
@Injectable()
export class WorkspaceAuthGuard extends AuthGuard() {
  constructor(
    private readonly reflector: Reflector,
    private readonly activity: TenantActivity,
    private readonly strategy: WorkspaceJwtStrategy,
  ) {
    super({ property: 'principal', defaultStrategy: strategy.passportName });
  }

  /**
   * `true` at once for NATS and `@Public()` routes, and for a token the
   * strategy decides from memory; an API key's principal straight from the
   * strategy (one read); both through `principalWithoutPassport`; otherwise
   * passport's answer. The same rules and errors either way, without
   * passport's per-request strategy object and promises on the first two.
   */
  override canActivate(context: ExecutionContext): boolean | Promise<boolean> | Observable<boolean> {
    if (context.getType() === 'rpc') return true;
    const isPublic = routeMetadata<boolean>(this.reflector, IS_PUBLIC, context);
    if (isPublic === true) return true;
    const request = context.switchToHttp().getRequest<{ principal?: WorkspacePrincipal }>();
    const decided = this.strategy.principalWithoutPassport(request);
    if (decided === undefined) return super.canActivate(context);
    if (decided instanceof Promise) {
      return decided.then((principal) => {
        request.principal = this.handleRequest(null, principal, undefined, context);
        return true;
      });
    }
    request.principal = this.handleRequest(null, decided, undefined, context);
    return true;
  }

  /**
   * Passport's verdict: the principal, or the error. A principal whose token
   * carries `act` (Switch Account) puts the acting user on the request's log line (`act`).
   */
  override handleRequest<T = WorkspacePrincipal>(
    error: unknown,
    principal: T | false,
    _info?: unknown,
    context?: ExecutionContext,
  ): T {
    if (error instanceof Error) throw error;
    if (principal) {
      const { workspace, tenant, claims } = principal as unknown as WorkspacePrincipal;
      if (claims.act && context) addRequestLogFields(context.switchToHttp().getRequest<object>(), { act: claims.act });
      if (tenant) this.activity.seen(workspace.id, tenant.id);
      return principal;
    }
    // The strategy ends in success or error only; this is passport failing some other way.
    throw DomainException.unauthenticated('The token is not valid.', ErrorCode.InvalidToken);
  }
}
