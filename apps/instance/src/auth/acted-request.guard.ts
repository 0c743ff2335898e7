import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { TenantScope } from '../database/tenant-scope.js';
import { actForRequest, actingAs } from '../journal/acting-user.js';
import { ActivityLogService } from '../journal/activity-log.service.js';
import { scopeOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';

/** The activity log entry every request made with a Switch Account token leaves. */
export const ACTED_REQUEST_ACTIVITY = 'switch_account.request';

/**
 * Global guard, the last one (after authentication, the role and the rate
 * limit have let the request through): for a request made with a token
 * carrying `act` (a Switch Account token, API.md), writes an activity log
 * entry `switch_account.request` {method, route} in the principal's scope
 * before the handler runs (the entry's `data.act` names the acting Hub user),
 * and sets `act` for the rest of the request (actForRequest), so every entry
 * the handler writes records the actor too. Requests without `act` pass at
 * once (no promise, no write); NATS handlers and public routes too.
 *
 * A guard rather than an interceptor: a global interceptor puts every
 * request, with `act` or not, through an Observable chain.
 * @throws whatever the activity log write throws (then the handler does not run).
 */
@Injectable()
export class ActedRequestGuard implements CanActivate {
  constructor(
    private readonly scopes: TenantScope,
    private readonly activity: ActivityLogService,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: WorkspacePrincipal }>();
    const principal = request.principal;
    const act = principal?.claims.act;
    if (!principal || !act) return true;
    actForRequest(act);
    const entry = {
      workspaceId: principal.workspace.id,
      tenantId: principal.tenant?.id ?? null,
      type: ACTED_REQUEST_ACTIVITY,
      actor: principal.isAdmin ? ('admin' as const) : ('tenant' as const),
      data: { method: request.method, route: request.routeOptions.url ?? request.url },
    };
    return actingAs(act, () =>
      this.scopes.run(scopeOf(principal), (manager) => this.activity.record(manager, entry)),
    ).then(() => true);
  }
}
