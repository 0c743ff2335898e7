import type { ConnectionDto } from './connections.dto.js';

/** A connections row with its integration's key, as raw SQL returns it. */
export interface ConnectionRow {
  id: string;
  workspace_id: string;
  tenant_id: string;
  integration_id: string;
  integration_key: string;
  integration_name: string;
  name: string;
  input: Record<string, unknown>;
  sealed_credentials: string | null;
  disconnected: boolean;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
  /** created_at at full precision, for cursors (only in list queries). */
  position?: string;
}

/** Columns of `c` (connections) joined with `i` (its integration). */
export const CONNECTION_COLUMNS = `c.id, c.workspace_id, c.tenant_id, c.integration_id, i.key AS integration_key, i.name AS integration_name,
  c.name, c.input, c.sealed_credentials, c.disconnected, c.created_at, c.updated_at, c.archived_at`;

export function toConnectionDto(row: ConnectionRow): ConnectionDto {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.tenant_id,
    integrationId: row.integration_id,
    integrationKey: row.integration_key,
    name: row.name,
    input: row.input,
    disconnected: row.disconnected,
    hasCredentials: row.sealed_credentials !== null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    archivedAt: row.archived_at?.toISOString() ?? null,
  };
}
