import { findUnstorable, type UnstorableField } from '../storable/storable-value.js';

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
  /** The tenant role the token acts with: `owner` (the default), `member` or `viewer`. */
  role?: string;
  /** The user (of the workspace owner's system) the token is for, recorded as the actor in activity logs. */
  userId?: string;
  jti?: string;
}

/**
 * The longest lifetime a workspace token may have: the Hub issues none longer
 * (`expiresIn`), and it is the default of an instance's
 * `INSTANCE_MAX_TOKEN_LIFETIME_SECONDS`, beyond which it refuses a token. 30 days.
 */
export const MAX_WORKSPACE_TOKEN_LIFETIME_SECONDS = 2_592_000;

/**
 * How deeply a workspace token's claims may nest (the claims object is level
 * 1, `fields` level 2): instances refuse deeper claims, and the Hub issues none.
 */
export const MAX_WORKSPACE_TOKEN_CLAIMS_DEPTH = 32;

/**
 * The longest workspace token, in characters: instances refuse longer ones,
 * and the Hub issues none. Well under Node's 16 KiB limit on all request
 * headers together (`--max-http-header-size`), so such a token still leaves
 * room for the rest of a request.
 */
export const MAX_WORKSPACE_TOKEN_LENGTH = 8192;

/**
 * Why an instance would refuse these claims before looking at their signature,
 * or `undefined`: a string Postgres cannot store, a non-finite number, or
 * nesting deeper than `MAX_WORKSPACE_TOKEN_CLAIMS_DEPTH` (see
 * `findUnstorable`). The Hub refuses to sign what this names (API.md, Trust
 * boundaries: "The Hub refuses to sign a claim its instance would refuse").
 */
export function claimsProblem(claims: object): UnstorableField | undefined {
  return findUnstorable(claims, '', MAX_WORKSPACE_TOKEN_CLAIMS_DEPTH);
}
