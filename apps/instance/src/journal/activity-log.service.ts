import { Injectable } from '@nestjs/common';
import { decodeCursor, type Page, pageLimit, type PageQueryDto, toPage } from '@switchboard/server';
import type { EntityManager } from 'typeorm';

export type ActivityActor = 'admin' | 'tenant' | 'token' | 'system';

export interface ActivityEntry {
  workspaceId: string;
  tenantId: string | null;
  type: string;
  actor: ActivityActor;
  data?: Record<string, unknown>;
}

export interface ActivityLogDto {
  id: string;
  tenantId: string | null;
  type: string;
  actor: string;
  data: Record<string, unknown>;
  createdAt: string;
}

interface ActivityRow {
  id: string;
  tenant_id: string | null;
  type: string;
  actor: string;
  data: Record<string, unknown>;
  created_at: Date;
  /** created_at at full (microsecond) precision, for the cursor. */
  position: string;
}

/** Writes and reads activity logs, always inside the caller's scoped transaction. */
@Injectable()
export class ActivityLogService {
  async record(manager: EntityManager, entry: ActivityEntry): Promise<void> {
    await manager.query(
      'INSERT INTO activity_logs (workspace_id, tenant_id, type, actor, data) VALUES ($1, $2, $3, $4, $5)',
      [entry.workspaceId, entry.tenantId, entry.type, entry.actor, JSON.stringify(entry.data ?? {})],
    );
  }

  /** Newest first. Row-level security limits a tenant scope to its own entries. */
  async list(manager: EntityManager, query: PageQueryDto, tenantId: string | null): Promise<Page<ActivityLogDto>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const rows = await manager.query<ActivityRow[]>(
      `SELECT id, tenant_id, type, actor, data, created_at, to_json(created_at) #>> '{}' AS position
       FROM activity_logs
       WHERE ($1::uuid IS NULL OR tenant_id = $1)
         AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
       ORDER BY created_at DESC, id DESC
       LIMIT $4`,
      [tenantId, after?.at ?? null, after?.id ?? null, limit + 1],
    );
    return toPage(
      rows,
      limit,
      (row) => ({ at: row.position, id: row.id }),
      (row) => ({
        id: row.id,
        tenantId: row.tenant_id,
        type: row.type,
        actor: row.actor,
        data: row.data,
        createdAt: row.created_at.toISOString(),
      }),
    );
  }
}
