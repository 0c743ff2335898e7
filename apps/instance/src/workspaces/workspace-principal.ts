import type { WorkspaceTokenClaims } from '@switchboard/contracts';

import type { Scope } from '../database/tenant-scope.js';
import type { TenantRole } from './tenant-role.js';
import type { Workspace } from './workspace.entity.js';

/** The tenant a token acts as (resolved, and created on first sight, from its claims). */
export interface TenantRef {
  id: string;
  internalId: string;
  /** Workspace JWTs issued (`iat`) in or before this moment are refused; null when none were revoked. */
  tokensRevokedBefore?: Date | null;
  /**
   * Its parent tenant (API.md, Linked tenants), resolved with it so that the
   * scope can carry it without another read; null or absent: not linked.
   */
  parentId?: string | null;
}

/** Who is calling an instance: a workspace JWT, verified, with the workspace and tenant it names. */
export interface WorkspacePrincipal {
  workspace: Workspace;
  /** A workspace-admin token: acts on the whole workspace. */
  isAdmin: boolean;
  /** The tenant a tenant token acts as; null for an admin token. */
  tenant: TenantRef | null;
  /** The verified token's claims; empty for an API key. */
  claims: WorkspaceTokenClaims;
  /** What a tenant caller may do (`owner` for admin tokens, which are not limited by tenant roles). */
  role: TenantRole;
  /** Who acts, for activity logs: a workspace JWT or an API key (its id), and the user it names, if any. */
  actor: PrincipalActor;
}

/** Who made a request, as activity logs record it (`actor: {type, id, userId?}`). */
export interface PrincipalActor {
  type: 'token' | 'api_key';
  /** The API key's id; for a token, its `jti` when it has one, else null. */
  id: string | null;
  userId?: string;
}

/**
 * The activity-log actor of a principal: an admin token, a tenant's API key
 * (its id), or a tenant's token (the tenant's id), with the user either names.
 */
export function activityActorOf(principal: WorkspacePrincipal): {
  actor: 'admin' | 'tenant' | 'api_key';
  by: { id: string | null; userId?: string };
} {
  const userId = principal.actor.userId === undefined ? {} : { userId: principal.actor.userId };
  if (principal.isAdmin || !principal.tenant) return { actor: 'admin', by: { id: principal.actor.id, ...userId } };
  if (principal.actor.type === 'api_key') return { actor: 'api_key', by: { id: principal.actor.id, ...userId } };
  return { actor: 'tenant', by: { id: principal.tenant.id, ...userId } };
}

/** The database scope of a principal: tenant ids come only from here, never from a body or path. */
export function scopeOf(principal: WorkspacePrincipal): Scope {
  return {
    workspaceId: principal.workspace.id,
    tenantId: principal.tenant?.id ?? null,
    parentTenantId: principal.tenant?.parentId ?? null,
  };
}
