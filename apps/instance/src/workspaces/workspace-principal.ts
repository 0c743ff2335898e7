import type { WorkspaceTokenClaims } from '@switchboard/contracts';

import type { Scope } from '../database/tenant-scope.js';
import type { Workspace } from './workspace.entity.js';

/** The tenant a token acts as (resolved, and created on first sight, from its claims). */
export interface TenantRef {
  id: string;
  internalId: string;
}

/** Who is calling an instance: a workspace JWT, verified, with the workspace and tenant it names. */
export interface WorkspacePrincipal {
  workspace: Workspace;
  /** A workspace-admin token: acts on the whole workspace. */
  isAdmin: boolean;
  /** The tenant a tenant token acts as; null for an admin token. */
  tenant: TenantRef | null;
  claims: WorkspaceTokenClaims;
}

/** The database scope of a principal: tenant ids come only from here, never from a body or path. */
export function scopeOf(principal: WorkspacePrincipal): Scope {
  return { workspaceId: principal.workspace.id, tenantId: principal.tenant?.id ?? null };
}
