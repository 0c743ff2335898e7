import type { IntegrationAuthType, IntegrationDto } from './integrations.dto.js';

/** An integrations row as raw SQL returns it. */
export interface IntegrationRow {
  id: string;
  workspace_id: string;
  key: string;
  name: string;
  auth_type: IntegrationAuthType;
  client_id: string | null;
  sealed_client_secret: string | null;
  settings: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
  /** created_at at full precision, for cursors (only in list queries). */
  position?: string;
}

export const INTEGRATION_COLUMNS = `id, workspace_id, key, name, auth_type, client_id, sealed_client_secret, settings,
  created_at, updated_at, archived_at`;

export function toIntegrationDto(row: IntegrationRow): IntegrationDto {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    authType: row.auth_type,
    clientId: row.client_id,
    hasClientSecret: row.sealed_client_secret !== null,
    settings: row.settings,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    archivedAt: row.archived_at?.toISOString() ?? null,
  };
}
