import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { routeMetadata } from '@switchboard/server';

import { assertTenantRole, defaultRoleFor, REQUIRED_TENANT_ROLE, type TenantRole } from '../workspaces/tenant-role.js';
import type { WorkspacePrincipal } from '../workspaces/workspace-principal.js';

/**
 * Global guard, after WorkspaceAuthGuard: a tenant caller needs the role the
 * route declares with `@RequiresTenantRole`, else `viewer` for a read and
 * `member` for anything that may change something — so a viewer's write is
 * 403 on every route, including routes written later. Admin tokens, public
 * routes (no principal) and NATS handlers pass.
 * @throws DomainException 403 `forbidden`.
 */
@Injectable()
export class TenantRoleGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() === 'rpc') return true;
    const request = context.switchToHttp().getRequest<{ method: string; principal?: WorkspacePrincipal }>();
    const principal = request.principal;
    if (!principal || principal.isAdmin || !principal.tenant) return true;
    const needed =
      routeMetadata<TenantRole>(this.reflector, REQUIRED_TENANT_ROLE, context) ?? defaultRoleFor(request.method);
    assertTenantRole(principal.role, needed);
    return true;
  }
}
