import { DomainException } from '@switchboard/server';

import type { WorkspacePrincipal } from './workspace-principal.js';

export function requireAdmin(principal: WorkspacePrincipal, action = 'This'): void {
  if (!principal.isAdmin) throw DomainException.forbidden(`${action} needs a workspace-admin token.`);
}

/** The tenant a tenant token acts as; an admin token has none. */
export function requireTenant(principal: WorkspacePrincipal): NonNullable<WorkspacePrincipal['tenant']> {
  if (!principal.tenant) throw DomainException.forbidden('This needs a tenant token (one that names a tenant).');
  return principal.tenant;
}

/**
 * The tenant a request names with `tenantId`, as its caller may: a tenant
 * token only its own (naming it changes nothing; naming another is 403,
 * whether that tenant exists or not), an admin token any tenant or none.
 */
export function namedTenant(principal: WorkspacePrincipal, named: string | undefined): string | null {
  if (principal.tenant) {
    if (named !== undefined && named !== principal.tenant.id) {
      throw DomainException.forbidden('A tenant token acts for its own tenant only: leave tenantId out.');
    }
    return principal.tenant.id;
  }
  return named ?? null;
}

/** As namedTenant, for an action on one tenant: an admin token must name it. */
export function actedOnTenant(principal: WorkspacePrincipal, named: string | undefined): string {
  const tenantId = namedTenant(principal, named);
  if (tenantId === null) {
    throw DomainException.validation('An admin token must name the tenant: tenantId.', [
      { field: 'tenantId', message: 'is required with an admin token' },
    ]);
  }
  return tenantId;
}
