import { Injectable } from '@nestjs/common';
import { decodeCursor, type Page, pageLimit, type PageQueryDto, toPage } from '@switchboard/server';
import type { EntityManager } from 'typeorm';

import { ActivityLogsRepository } from './activity-logs.repository.js';

export interface ActivityLogDto {
  id: string;
  tenantId: string | null;
  type: string;
  /** Who: `type` (`admin`, `tenant`, `api_key`, `token`, `system`), `id` (key, tenant or token id), `userId`. */
  actor: { type: string; id: string | null; userId?: string };
  data: Record<string, unknown>;
  createdAt: string;
}

/** Reads activity logs (the journal's ActivityLogService writes them), inside the caller's scoped transaction. */
@Injectable()
export class ActivityLogsService {
  constructor(private readonly repository: ActivityLogsRepository) {}

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
        actor: {
          type: row.actor,
          id: row.actorId,
          ...(row.actorUserId === null ? {} : { userId: row.actorUserId }),
        },
        data: row.data,
        createdAt: row.createdAt.toISOString(),
      }),
    );
  }
}
