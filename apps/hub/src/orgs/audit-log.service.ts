import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { decodeCursor, type Page, pageLimit, type PageQueryDto, toPage } from '@switchboard/server';
import type { EntityManager } from 'typeorm';

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

interface Row {
  id: string;
  actor_user_id: string;
  action: string;
  target_type: string;
  target_id: string;
  changes: Record<string, unknown>;
  created_at: Date;
  position: string;
}

/** Written in the same transaction as the change it records, so neither exists without the other. */
@Injectable()
export class AuditLogService {
  async record(manager: EntityManager, event: AuditEvent): Promise<void> {
    await manager.query(
      `INSERT INTO audit_log (org_id, actor_user_id, action, target_type, target_id, changes)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        event.orgId,
        event.actorUserId,
        event.action,
        event.targetType,
        event.targetId,
        JSON.stringify(event.changes ?? {}),
      ],
    );
  }

  async list(manager: EntityManager, orgId: string, query: PageQueryDto): Promise<Page<AuditLogEntryDto>> {
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const rows = await manager.query<Row[]>(
      `SELECT id, actor_user_id, action, target_type, target_id, changes, created_at,
              to_json(created_at) #>> '{}' AS position
       FROM audit_log
       WHERE org_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
       ORDER BY created_at DESC, id DESC LIMIT $4`,
      [orgId, after?.at ?? null, after?.id ?? null, limit + 1],
    );
    return toPage(
      rows,
      limit,
      (row) => ({ at: row.position, id: row.id }),
      (row) => ({
        id: row.id,
        actorUserId: row.actor_user_id,
        action: row.action,
        targetType: row.target_type,
        targetId: row.target_id,
        changes: row.changes,
        createdAt: row.created_at.toISOString(),
      }),
    );
  }
}
