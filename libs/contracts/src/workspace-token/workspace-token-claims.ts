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
  /**
   * RFC 8693 §4.1: who acts on behalf of the subject — the Hub user who
   * issued the token through Switch Account (API.md). Instances record it on
   * every request made with the token. Shape checked by `claimsProblem`.
   */
  act?: TokenActor;
  /** The tenant role the token acts with: `owner` (the default), `member` or `viewer`. */
  role?: string;
  /** The user (of the workspace owner's system) the token is for, recorded as the actor in activity logs. */
  userId?: string;
  jti?: string;
}

/** An `act` claim: the acting party's `sub` and, for a chain of delegations, the one before it (RFC 8693 §4.1). */
export interface TokenActor {
  sub: string;
  act?: TokenActor;
}

/** The longest `sub` an `act` claim may carry, in characters. */
export const MAX_TOKEN_ACTOR_SUB_LENGTH = 200;
/** How many `act` claims may nest (RFC 8693 §4.1 chains); instances refuse deeper ones. */
export const MAX_TOKEN_ACTOR_DEPTH = 4;

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
  const unstorable = findUnstorable(claims, '', MAX_WORKSPACE_TOKEN_CLAIMS_DEPTH);
  if (unstorable !== undefined || !Object.hasOwn(claims, 'act')) return unstorable;
  return actorProblem((claims as { act?: unknown }).act, 'act', 1);
}

/**
 * Why an `act` claim is refused, or `undefined`: it must be an object with a
 * non-empty string `sub` of at most MAX_TOKEN_ACTOR_SUB_LENGTH characters and
 * nothing but an optional nested `act`, at most MAX_TOKEN_ACTOR_DEPTH deep.
 * (RFC 8693 §4.1 allows other claims in `act`; we accept none, so that what
 * instances log stays small and known.)
 */
function actorProblem(act: unknown, field: string, depth: number): UnstorableField | undefined {
  if (depth > MAX_TOKEN_ACTOR_DEPTH) return { field, message: `nests deeper than ${MAX_TOKEN_ACTOR_DEPTH} act claims` };
  if (typeof act !== 'object' || act === null || Array.isArray(act)) return { field, message: 'must be an object' };
  const extra = Object.keys(act).find((key) => key !== 'sub' && key !== 'act');
  if (extra !== undefined) return { field: `${field}.${extra}`, message: 'is not allowed (only sub and act)' };
  const { sub, act: inner } = act as { sub?: unknown; act?: unknown };
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_TOKEN_ACTOR_SUB_LENGTH) {
    return { field: `${field}.sub`, message: `must be a string of 1 to ${MAX_TOKEN_ACTOR_SUB_LENGTH} characters` };
  }
  return inner === undefined ? undefined : actorProblem(inner, `${field}.act`, depth + 1);
}
