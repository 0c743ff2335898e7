import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export const EVENT_TYPES = [
  'tenant.created',
  'tenant.archived',
  'connection.created',
  'connection.disconnected',
  'connection.archived',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface OutboxEvent {
  workspaceId: string;
  tenantId: string;
  type: EventType;
  data: Record<string, unknown>;
}

/** Postgres channel the outbox notifies on commit; the payload is the workspace id. */
export const EVENTS_CHANNEL = 'switchboard_events';

/**
 * Writes events in the caller's transaction, so an event exists if and only
 * if the change it describes committed, and the delivery worker (not the
 * request) sends it.
 */
@Injectable()
export class EventOutbox {
  async enqueue(manager: EntityManager, event: OutboxEvent): Promise<void> {
    // The transaction-scoped lock serializes a tenant's event writers until
    // commit, so per-tenant sequence order is also commit order: the worker
    // never sees event n+1 while event n may still appear. It needs its own
    // statement: the next one must read MAX(seq) after the lock is held.
    // NOTIFY rides along; it is sent only on commit, and not at all on rollback.
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('events:' || $1, 0)), pg_notify($2, $3)`, [
      event.tenantId,
      EVENTS_CHANNEL,
      event.workspaceId,
    ]);
    await manager.query(
      `WITH event AS (
         INSERT INTO events (workspace_id, tenant_id, seq, type, data)
         SELECT $1::uuid, $2::uuid, COALESCE(MAX(seq), 0) + 1, $3::text, $4::jsonb FROM events WHERE tenant_id = $2
         RETURNING id, workspace_id, tenant_id, seq
       )
       INSERT INTO event_deliveries (workspace_id, tenant_id, event_id, event_seq, subscription_id)
       SELECT event.workspace_id, event.tenant_id, event.id, event.seq, NULL
         FROM event JOIN workspaces w ON w.id = event.workspace_id
        WHERE w.webhook_uri IS NOT NULL
       UNION ALL
       SELECT event.workspace_id, event.tenant_id, event.id, event.seq, s.id
         FROM event JOIN event_subscriptions s ON s.tenant_id = event.tenant_id
        WHERE s.event_type = $3 AND s.archived_at IS NULL`,
      // The tenant always travels in the payload: receivers have no other way to tell.
      [event.workspaceId, event.tenantId, event.type, JSON.stringify({ ...event.data, tenantId: event.tenantId })],
    );
  }
}
