import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { currentActingUser } from './acting-user.js';
import { ActivityLogJournalRepository } from './activity-log-journal.repository.js';

/** What kind of caller: an admin token, a tenant's token, a tenant's API key, a token on first sight, the system. */
export type ActivityActor = 'admin' | 'tenant' | 'api_key' | 'token' | 'system';

/** Which caller of that kind: an API key's id, a tenant's id, a token's `jti`; the user a key or token names. */
export interface ActorIdentity {
  id: string | null;
  userId?: string;
}

export interface ActivityEntry {
  workspaceId: string;
  tenantId: string | null;
  type: string;
  actor: ActivityActor;
  /** Which caller (`actor: {type, id, userId?}` in the API); none for `system` and first-sight entries. */
  by?: ActorIdentity;
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
    await this.repository.insert(manager, {
      workspaceId: entry.workspaceId,
      tenantId: entry.tenantId,
      type: entry.type,
      actor: entry.actor,
      actorId: entry.by?.id ?? null,
      actorUserId: entry.by?.userId ?? null,
      data: act ? { ...data, act } : data,
    });
  }
}
