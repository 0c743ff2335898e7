import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

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

  async record(manager: EntityManager, entry: ActivityEntry): Promise<void> {
    await this.repository.insert(manager, { ...entry, data: entry.data ?? {} });
  }
}
