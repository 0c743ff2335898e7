import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { currentActingUser } from './acting-user.js';
import { ActivityLogJournalRepository } from './activity-log-journal.repository.js';

export type ActivityActor = 'admin' | 'tenant' | 'token' | 'system';

export interface ActivityEntry {
  workspaceId: string;
  tenantId: string | null;
  type: string;
  actor: ActivityActor;
  data?: Record<string, unknown>;
}

/**
 * Writes activity log entries inside the caller's scoped transaction, so an
 * entry exists if and only if the change it records committed. Reading them
 * is the activity-logs feature's (ActivityLogsService).
 */
@Injectable()
export class ActivityLogService {
  constructor(private readonly repository: ActivityLogJournalRepository) {}

  /**
   * Appends `entry` in the caller's transaction. Inside a request made with a
   * Switch Account token (see actingAs) the acting Hub user is added as
   * `data.act: {sub}` (API.md, Switch Account).
   */
  async record(manager: EntityManager, entry: ActivityEntry): Promise<void> {
    const act = currentActingUser();
    const data = entry.data ?? {};
    await this.repository.insert(manager, { ...entry, data: act ? { ...data, act } : data });
  }
}
