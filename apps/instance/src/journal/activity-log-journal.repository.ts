import { Injectable } from '@nestjs/common';
import { execute } from '@switchboard/persistence';
import type { EntityManager } from 'typeorm';

/** One entry to write: who did what to which tenant (null: the workspace itself). */
export interface NewActivityLog {
  workspaceId: string;
  tenantId: string | null;
  type: string;
  actor: string;
  actorId: string | null;
  actorUserId: string | null;
  data: Record<string, unknown>;
}

/**
 * The writing side of `activity_logs`: in the journal, below every feature,
 * because every feature that changes a tenant records it here. Always in the
 * caller's scoped transaction (`manager`), so an entry commits with the
 * change it records. Reading is ActivityLogsRepository's, in activity-logs/.
 */
@Injectable()
export class ActivityLogJournalRepository {
  async insert(manager: EntityManager, entry: NewActivityLog): Promise<void> {
    await execute(
      manager,
      `INSERT INTO activity_logs (workspace_id, tenant_id, type, actor, actor_id, actor_user_id, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        entry.workspaceId,
        entry.tenantId,
        entry.type,
        entry.actor,
        entry.actorId,
        entry.actorUserId,
        JSON.stringify(entry.data),
      ],
    );
  }
}
