import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, Table } from '@switchboard/persistence';
import type { CursorPosition } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import { ActivityLog } from './activity-log.entity.js';

/** What a list selects beside the columns: `created_at` at full (microsecond) precision, for the cursor. */
const LIST_EXTRA = { position: 'string' } as const;

/**
 * The reading side of `activity_logs` (entries are written by the journal's
 * ActivityLogJournalRepository), in the caller's scoped transaction:
 * row-level security limits a tenant scope to its own entries. Rows come back
 * as `Columns<ActivityLog>`, decoded and checked against the entity.
 */
@Injectable()
export class ActivityLogsRepository {
  private readonly logs: Table<ActivityLog>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.logs = Table.of(dataSource, ActivityLog);
  }

  /**
   * One page, newest first, before the cursor position `after` (exclusive):
   * `limit` rows at most, each with its `position` for the next cursor.
   * @param tenantId one tenant's entries, or null for every entry the scope sees.
   */
  async listPage(
    manager: EntityManager,
    tenantId: string | null,
    after: CursorPosition | null,
    limit: number,
  ): Promise<(Columns<ActivityLog> & { position: string })[]> {
    return this.logs.query(
      manager,
      `SELECT ${this.logs.columns}, to_json(created_at) #>> '{}' AS position
       FROM activity_logs
       WHERE ($1::uuid IS NULL OR tenant_id = $1)
         AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
       ORDER BY created_at DESC, id DESC
       LIMIT $4`,
      [tenantId, after?.at ?? null, after?.id ?? null, limit],
      LIST_EXTRA,
    );
  }
}
