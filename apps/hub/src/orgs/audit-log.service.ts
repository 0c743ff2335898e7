import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { decodeCursor, type Page, pageLimit, type PageQueryDto, toPage } from '@switchboard/server';
import type { EntityManager } from 'typeorm';

import { AuditLogRepository, type NewAuditLogEntry } from './audit-log.repository.js';

export interface AuditEvent {
  orgId: string;
  actorUserId: string;
  action: string;
  targetType: 'org' | 'member' | 'org-workspace';
  targetId: string;
  /** What changed; never a secret value. */
  changes?: Record<string, unknown>;
}

export class AuditLogEntryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'The user who did it.' }) actorUserId!: string;
  @ApiProperty({ example: 'org_workspace.secret_rotated' }) action!: string;
  @ApiProperty({ enum: ['org', 'member', 'org-workspace'] }) targetType!: string;
  @ApiProperty() targetId!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What changed; never a secret value.' })
  changes!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/** The most entries one batched INSERT carries; more wait for the next. */
const MAX_BATCH = 500;

/**
 * Written in the same transaction as the change it records, so neither
 * exists without the other (`record`); or, for acts that change nothing in
 * the database (issuing a token), committed before the act is answered
 * (`recordBatched`).
 */
@Injectable()
export class AuditLogService {
  private queued: { entry: NewAuditLogEntry; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing = false;

  constructor(private readonly entries: AuditLogRepository) {}

  async record(manager: EntityManager, event: AuditEvent): Promise<void> {
    await this.entries.insert(manager, { ...event, changes: event.changes ?? {} });
  }

  /**
   * Appends `event` on its own, resolving once it is committed (group
   * commit): while one INSERT runs, the entries recorded meanwhile queue and
   * go in the next, one statement for up to MAX_BATCH. An idle log writes at
   * once, so a lone caller waits one round trip, and many concurrent callers
   * (access-token issuance, the Hub's hottest route) share round trips.
   * @throws what the INSERT throws, to every caller whose entry it carried.
   */
  recordBatched(event: AuditEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ entry: { ...event, changes: event.changes ?? {} }, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queued.length > 0) {
      const batch = this.queued.slice(0, MAX_BATCH);
      this.queued = this.queued.slice(batch.length);
      try {
        await this.entries.insertMany(batch.map((queued) => queued.entry));
        for (const queued of batch) queued.resolve();
      } catch (error) {
        for (const queued of batch) queued.reject(error);
      }
    }
    this.flushing = false;
  }

  async list(manager: EntityManager, orgId: string, query: PageQueryDto): Promise<Page<AuditLogEntryDto>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const rows = await this.entries.listPage(manager, orgId, after, limit + 1);
    return toPage(
      rows,
      limit,
      (row) => ({ at: row.position, id: row.id }),
      (row) => ({
        id: row.id,
        actorUserId: row.actorUserId,
        action: row.action,
        targetType: row.targetType,
        targetId: row.targetId,
        changes: row.changes,
        createdAt: row.createdAt.toISOString(),
      }),
    );
  }
}
