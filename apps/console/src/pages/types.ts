/** The Hub's and instances' shapes the console reads (see the services' /openapi.json). */
export type OrgRole = 'owner' | 'admin' | 'member';

export interface Org {
  id: string;
  name: string;
  role: OrgRole;
  createdAt: string;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: OrgRole;
  createdAt: string;
}

export interface SyncState {
  version: number;
  appliedVersion: number;
  state: 'pending' | 'synced' | 'failed' | 'drifted';
  lastError: string | null;
}

export interface OrgWorkspace {
  id: string;
  orgId: string;
  name: string;
  key: string;
  instanceId: string;
  apiUrl: string;
  settings: Record<string, unknown>;
  createdAt: string;
  archivedAt: string | null;
  sync: SyncState;
}

export interface AuditEntry {
  id: string;
  actorUserId: string;
  action: string;
  targetType: string;
  targetId: string;
  changes: Record<string, unknown>;
  createdAt: string;
}

export interface Instance {
  id: string;
  name: string;
  apiUrl: string;
  status: 'up' | 'down';
  lastSeenAt: string;
  workspaceCount: number;
  acceptsNewWorkspaces: boolean;
  labels: Record<string, string>;
  version?: string | null;
  /** The universe version the instance has applied (API.md, "Universe"). */
  universeVersion?: number;
  /** The latest migration applied to its database; null: not reported. A move needs the same on both sides. */
  schemaLevel?: string | null;
  /** Where draining it is (`POST /instances/{id}/drain`): workspaces `remaining` on it; null if never drained, or open to new workspaces again. */
  drain?: { state: 'draining' | 'drained' | 'stalled'; remaining: number } | null;
}

/** The states of a workspace move, in the order a move goes (API.md, "Moving a workspace to another instance"). */
export type MoveState = 'copying' | 'catching_up' | 'cutover' | 'done' | 'failed' | 'aborted';

/** A move of a workspace to another instance (`GET /org-workspaces/{id}/move`: the latest). */
export interface WorkspaceMove {
  id: string;
  fromInstanceId: string;
  toInstanceId: string;
  state: MoveState;
  startedAt: string;
  finishedAt: string | null;
  /** Rows written to the target by the copy and the catch-up. */
  rowsCopied: number;
  /** How long the workspace's writes were held at the cutover, in milliseconds; null before it. */
  writePauseMs: number | null;
  /** Why it failed, or the last error of a step being retried. */
  error: string | null;
}

/** Whether a move is still going (its state is not one it ends in). */
export const isMoveRunning = (move: WorkspaceMove | undefined): boolean =>
  move !== undefined && (move.state === 'copying' || move.state === 'catching_up' || move.state === 'cutover');

export interface Tenant {
  id: string;
  internalId: string;
  name: string;
  fields: Record<string, unknown>;
  hasCredentials: boolean;
  createdAt: string;
  archivedAt: string | null;
}

export interface Connection {
  id: string;
  name: string;
  integrationKey: string;
  disconnected: boolean;
  hasCredentials: boolean;
  createdAt: string;
}

export interface ActivityEntry {
  id: string;
  type: string;
  /** Who: `type` (`admin`, `tenant`, `api_key`, `token`, `system`), `id` (key, tenant or token id), `userId`. */
  actor: { type: string; id: string | null; userId?: string };
  data: Record<string, unknown>;
  createdAt: string;
}

/** Who may move a workspace (the Hub's `@Access('org owner or platform admin')` on `POST …/move` and `…/move/abort`). */
export const mayMove = (role: OrgRole | undefined, isPlatformAdmin: boolean | undefined): boolean =>
  isPlatformAdmin === true || role === 'owner';

/** Roles that may change an org's workspaces, read its audit log and use admin tokens (the Hub's ORG_MANAGERS). */
export const isManager = (role: OrgRole | undefined): boolean => role === 'owner' || role === 'admin';

/** A tenant's prepaid balance (`GET /tenants/{id}/balance`): `balance` null = not prepaid. */
export interface Balance {
  balance: number | null;
  updatedAt: string | null;
}

/** A tenant's API key as listed (`GET /tenants/{id}/api-keys`): never the key itself. */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  role: string;
  userId: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

/** A key just created: the only answer that carries `key`. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

/** An element template as an admin token reads it (`GET /{type}`). */
export interface ElementTemplate {
  id: string;
  key: string;
  name: string;
  definition: Record<string, unknown>;
  revision: number;
  /** Where it lives (instances with elements at every level): `universe` ones are read-only here. */
  level?: 'universe' | 'workspace' | 'tenant';
  /** The revision tenants see unless pinned by a canary (staged rollout); absent on instances without it. */
  publishedRevision?: number | null;
  /** The newest revision, drafts included. */
  latestRevision?: number;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

/** `GET /{type}/{key}/deployment`: what tenants see, per revision. */
export interface Deployment {
  publishedRevision: number;
  latestRevision: number;
  tenants: { revision: number; count: number }[];
}

/** One revision of a template (`GET /{type}/{key}/revisions`, newest first). */
export interface ElementRevision {
  revision: number;
  name: string;
  definition: Record<string, unknown>;
  createdAt: string;
}

/**
 * The element types the console shows, by the instance path that serves them (API.md, "Elements"), the one
 * list of them. `optional` ones are shown only when the instance serves them (it answers 404 where it does not:
 * `connectors` come with "Elements at every level").
 */
export const ELEMENT_TYPES: readonly { path: string; label: string; optional?: true }[] = [
  { path: 'actions', label: 'Actions' },
  { path: 'flows', label: 'Flows' },
  { path: 'field-mappings', label: 'Field mappings' },
  { path: 'data-sources', label: 'Data sources' },
  { path: 'connectors', label: 'Connectors', optional: true },
];

/**
 * The universe's element types by the Hub path that serves them (`/universe/{utype}`, API.md "Universe"), the
 * one list of them: a tab each on the Universe page.
 */
export const UNIVERSE_TYPES: readonly { path: string; label: string }[] = [
  { path: 'connectors', label: 'Connectors' },
  { path: 'external-apps', label: 'External apps' },
  { path: 'actions', label: 'Actions' },
  { path: 'flows', label: 'Flows' },
  { path: 'field-mappings', label: 'Field mappings' },
  { path: 'data-sources', label: 'Data sources' },
];

/** A universe element at its current revision (`GET /universe/{utype}/{key}` on the Hub). */
export interface UniverseElement {
  id: string;
  type: string;
  key: string;
  name: string;
  definition: Record<string, unknown>;
  revision: number;
  /** The universe version of this element's last change. */
  universeVersion: number;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

/** One revision of a universe element (`GET /universe/{utype}/{key}/revisions`, oldest first). */
export interface UniverseRevision {
  revision: number;
  name: string;
  definition: Record<string, unknown>;
  /** The platform admin who wrote it (a user id). */
  createdBy: string | null;
  createdAt: string;
}
