import { Injectable } from '@nestjs/common';
import { execute } from '@switchboard/persistence';
import type { EntityManager } from 'typeorm';

/** Postgres channel the outbox notifies on commit; the payload is the workspace id. */
export const EVENTS_CHANNEL = 'switchboard_events';

/** An event as the outbox writes it. */
export interface NewEvent {
  workspaceId: string;
  tenantId: string;
  type: string;
  /** Stored as given: the caller puts the tenant id in. */
  data: Record<string, unknown>;
}

/**
 * The writing side of the instance's event outbox (`events`,
 * `event_deliveries`): in the journal, below every feature, because every
 * feature that changes a tenant writes its events here; the events feature
 * reads and delivers them (EventsRepository, EventOutboxDelivery).
 */
@Injectable()
export class EventOutboxRepository {
  /**
   * Writes the event and one delivery per target (the workspace's webhook if
   * it has one, each live subscription of the tenant to its type) in the
   * caller's transaction, numbered after the tenant's latest event. When the
   * tenant has a parent with live subscriptions to the type, the parent's
   * stream gets a copy (its own id and sequence, the same `data`, so the
   * child's `tenantId`) with a delivery to each of them; the workspace's
   * webhook gets the child's event once.
   */
  async enqueue(manager: EntityManager, event: NewEvent): Promise<void> {
    // The transaction-scoped lock serializes a tenant's event writers until
    // commit, so per-tenant sequence order is also commit order: the worker
    // never sees event n+1 while event n may still appear. It needs its own
    // statement: the next one must read MAX(seq) after the lock is held.
    // NOTIFY rides along; it is sent only on commit, and not at all on rollback.
    await execute(manager, `SELECT pg_advisory_xact_lock(hashtextextended('events:' || $1, 0)), pg_notify($2, $3)`, [
      event.tenantId,
      EVENTS_CHANNEL,
      event.workspaceId,
    ]);
    await execute(
      manager,
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
      [event.workspaceId, event.tenantId, event.type, JSON.stringify(event.data)],
    );
    // A child's event also goes to its parent's subscriptions (API.md, Linked tenants), as a copy in the parent's
    // own stream; after the child's lock, so every writer takes the two in one order (migration 1764500000000).
    await execute(manager, 'SELECT copy_event_to_parent($1, $2, $3)', [
      event.tenantId,
      event.type,
      JSON.stringify(event.data),
    ]);
  }
}
