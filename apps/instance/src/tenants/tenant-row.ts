import type { TenantDto } from './tenants.dto.js';

/** A tenants row as raw SQL returns it. */
export interface TenantRow {
  id: string;
  workspace_id: string;
  internal_id: string;
  name: string;
  fields: Record<string, unknown>;
  sealed_credentials: string | null;
  ai_credits_rolling_30_day_limit: number | null;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
  /** created_at at full precision, for cursors (only in list queries). */
  position?: string;
}

export const TENANT_COLUMNS = `id, workspace_id, internal_id, name, fields, sealed_credentials,
  ai_credits_rolling_30_day_limit, created_at, updated_at, archived_at`;

export function toTenantDto(row: TenantRow): TenantDto {
  return {
    id: row.id,
    internalId: row.internal_id,
    name: row.name,
    fields: row.fields,
    hasCredentials: row.sealed_credentials !== null,
    aiCreditsRolling30DayLimit: row.ai_credits_rolling_30_day_limit,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    archivedAt: row.archived_at?.toISOString() ?? null,
  };
}
