import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Columns, type ExtraRow, queryPrepared, Table } from '@switchboard/persistence';
import type { CursorPosition } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import { AuditLogEntry } from './audit-log-entry.entity.js';

/** An entry to append: the entity's columns the caller decides. */
export type NewAuditLogEntry = Pick<
  Columns<AuditLogEntry>,
  'orgId' | 'actorUserId' | 'action' | 'targetType' | 'targetId' | 'changes'
>;

const POSITION = { position: 'string' } as const;

/** An entry as a page lists it: its columns and its cursor position (`created_at` as JSON text). */
export type AuditLogPageRow = Columns<AuditLogEntry> & ExtraRow<typeof POSITION>;

/** All SQL of the audit log (table `audit_log`, append-only), scoped by org. */
@Injectable()
export class AuditLogRepository {
  private readonly entries: Table<AuditLogEntry>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.entries = Table.of(dataSource, AuditLogEntry);
  }

  /** Appends `entry` in the caller's transaction (the change it records commits with it). */
  async insert(manager: EntityManager, entry: NewAuditLogEntry): Promise<void> {
    await manager.query(
      `INSERT INTO audit_log (org_id, actor_user_id, action, target_type, target_id, changes)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [entry.orgId, entry.actorUserId, entry.action, entry.targetType, entry.targetId, JSON.stringify(entry.changes)],
    );
  }

  /**
   * Appends `entries` in one statement, outside any caller's transaction (see
   * AuditLogService.recordBatched). One shape for any number of entries (the
   * batch as one JSON array, read by `jsonb_to_recordset`), so it is a named
   * prepared statement: parsed and planned once per pooled connection, not
   * once per batch. One JSON text rather than an array per column: the driver
   * then escapes no array elements, which cost the access-token route about a
   * fifth more per entry.
   */
  async insertMany(entries: readonly NewAuditLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await queryPrepared(
      this.dataSource,
      'audit_log_insert_batch',
      `INSERT INTO audit_log (org_id, actor_user_id, action, target_type, target_id, changes)
       SELECT "orgId", "actorUserId", action, "targetType", "targetId", changes
       FROM jsonb_to_recordset($1::jsonb)
         AS entry("orgId" uuid, "actorUserId" uuid, action text, "targetType" text, "targetId" text, changes jsonb)`,
      // Keys the column list does not name are ignored; NewAuditLogEntry names only these.
      [JSON.stringify(entries)],
    );
  }

  /**
   * Up to `limit` of the org's entries, newest first, after the cursor position `after`.
   * @throws RowShapeError when a row does not match the entity.
   */
  async listPage(
    manager: EntityManager,
    orgId: string,
    after: CursorPosition | null,
    limit: number,
  ): Promise<AuditLogPageRow[]> {
    return this.entries.query(
      manager,
      `SELECT ${this.entries.columns}, to_json(created_at) #>> '{}' AS position
       FROM audit_log
       WHERE org_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
       ORDER BY created_at DESC, id DESC LIMIT $4`,
      [orgId, after?.at ?? null, after?.id ?? null, limit],
      POSITION,
    );
  }
}
