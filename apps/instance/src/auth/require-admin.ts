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
