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
}

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

/** Roles that may change an org's workspaces, read its audit log and use admin tokens (the Hub's ORG_MANAGERS). */
export const isManager = (role: OrgRole | undefined): boolean => role === 'owner' || role === 'admin';
