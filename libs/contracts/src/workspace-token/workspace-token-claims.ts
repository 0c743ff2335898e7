/**
 * Claims of a workspace JWT as Membrane issues them (DESIGN.md, Auth). The Hub
 * signs them; instances verify them.
 */
export interface WorkspaceTokenClaims {
  /** The workspace key. */
  iss?: string;
  workspaceKey?: string;
  /** The tenant's internalId; `id` and `sub` are accepted aliases. */
  tenantKey?: string;
  id?: string;
  sub?: string;
  /** The tenant's own id (UUID). */
  tenantId?: string;
  isAdmin?: boolean;
  name?: string;
  fields?: Record<string, unknown>;
  exp?: number;
  nbf?: number;
  iat?: number;
}
