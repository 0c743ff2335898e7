import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, type Observable, switchMap } from 'rxjs';

import { TenantScope } from '../database/tenant-scope.js';
import { actingAs } from '../journal/acting-user.js';
import { ActivityLogService } from '../journal/activity-log.service.js';
import { scopeOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';

/** The activity log entry every request made with a Switch Account token leaves. */
export const ACTED_REQUEST_ACTIVITY = 'switch_account.request';

/**
 * Global interceptor for requests made with a token carrying `act` (a Switch
 * Account token, API.md): before the handler runs, writes an activity log
 * entry `switch_account.request` {method, route} in the principal's scope
 * (the entry's `data.act` names the acting Hub user), then runs the handler
 * inside actingAs, so every entry it writes records the actor too. Requests
 * without `act` pass through untouched (no promise, no write).
 */
@Injectable()
export class ActingUserInterceptor implements NestInterceptor {
  constructor(
    private readonly scopes: TenantScope,
    private readonly activity: ActivityLogService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: WorkspacePrincipal }>();
    const principal = request.principal;
    const act = principal?.claims.act;
    if (!principal || !act) return next.handle();
    const entry = {
      workspaceId: principal.workspace.id,
      tenantId: principal.tenant?.id ?? null,
      type: ACTED_REQUEST_ACTIVITY,
      actor: principal.isAdmin ? ('admin' as const) : ('tenant' as const),
      data: { method: request.method, route: request.routeOptions.url ?? request.url },
    };
    const recorded = actingAs(act, () =>
      this.scopes.run(scopeOf(principal), (manager) => this.activity.record(manager, entry)),
    );
    // next.handle() binds the handler to the async context it is called in: inside actingAs, it runs in it.
    return from(recorded).pipe(switchMap(() => actingAs(act, () => next.handle())));
  }
}
