import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { decodeCursor, type Page, pageLimit, type PageQueryDto, toPage } from '@switchboard/server';
import type { EntityManager } from 'typeorm';

import { AuditLogRepository } from './audit-log.repository.js';

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

/** Written in the same transaction as the change it records, so neither exists without the other. */
@Injectable()
export class AuditLogService {
  constructor(private readonly entries: AuditLogRepository) {}

  async record(manager: EntityManager, event: AuditEvent): Promise<void> {
    await this.entries.insert(manager, { ...event, changes: event.changes ?? {} });
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
