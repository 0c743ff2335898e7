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

/**
 * The longest lifetime a workspace token may have: the Hub issues none longer
 * (`expiresIn`), and it is the default of an instance's
 * `INSTANCE_MAX_TOKEN_LIFETIME_SECONDS`, beyond which it refuses a token. 30 days.
 */
export const MAX_WORKSPACE_TOKEN_LIFETIME_SECONDS = 2_592_000;
