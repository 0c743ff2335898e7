import { Injectable } from '@nestjs/common';
import { decodeCursor, type Page, pageLimit, type PageQueryDto, toPage } from '@switchboard/server';
import type { EntityManager } from 'typeorm';

import { ActivityLogsRepository } from './activity-logs.repository.js';

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

/** Writes and reads activity logs, always inside the caller's scoped transaction. */
@Injectable()
export class ActivityLogService {
  constructor(private readonly repository: ActivityLogsRepository) {}

  async record(manager: EntityManager, entry: ActivityEntry): Promise<void> {
    await this.repository.insert(manager, { ...entry, data: entry.data ?? {} });
  }

  /** Newest first. Row-level security limits a tenant scope to its own entries. */
  async list(manager: EntityManager, query: PageQueryDto, tenantId: string | null): Promise<Page<ActivityLogDto>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const rows = await this.repository.listPage(manager, tenantId, after, limit + 1);
    return toPage(
      rows,
      limit,
      (row) => ({ at: row.position, id: row.id }),
      (row) => ({
        id: row.id,
        tenantId: row.tenantId,
        type: row.type,
        actor: row.actor,
        data: row.data,
        createdAt: row.createdAt.toISOString(),
      }),
    );
  }
}
