import { Injectable } from '@nestjs/common';
import {
  assertOutboundUrl,
  decodeCursor,
  DomainException,
  OutboundPolicy,
  type Page,
  pageLimit,
  toPage,
} from '@switchboard/server';
import type { EntityManager } from 'typeorm';

import { TenantScope } from '../database/tenant-scope.js';
import { ActivityLogService } from '../journal/activity-log.service.js';
import type { EventType } from '../journal/event-outbox.js';
import { actedOnTenant, namedTenant } from '../workspaces/require-admin.js';
import { scopeOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import type {
  CreateEventSubscriptionDto,
  EventSubscriptionDto,
  EventSubscriptionQueryDto,
} from './event-subscriptions.dto.js';

/** Every subscription gets each matching event delivered: uncapped, one tenant could multiply the deliveries without end. */
export const MAX_SUBSCRIPTIONS_PER_TENANT = 100;

interface SubscriptionRow {
  id: string;
  tenant_id: string;
  event_type: EventType;
  webhook_uri: string;
  created_at: Date;
  /** created_at at full (microsecond) precision, for the cursor. */
  position?: string;
}

const COLUMNS = 'id, tenant_id, event_type, webhook_uri, created_at';

/**
 * Tenants' own webhooks. Every query runs in the caller's scope, so row-level
 * security decides what exists: another tenant's subscription is not found.
 * Deleted subscriptions are archived, and read as gone.
 */
@Injectable()
export class EventSubscriptionsService {
  constructor(
    private readonly scope: TenantScope,
    private readonly activity: ActivityLogService,
    private readonly outbound: OutboundPolicy,
  ) {}

  /**
   * Subscribes the tenant. `webhookUri` must be a public http(s) target
   * (`400 outbound_url_refused` otherwise, nothing stored); the address it
   * resolves to is judged again at each delivery.
   */
  async create(principal: WorkspacePrincipal, dto: CreateEventSubscriptionDto): Promise<EventSubscriptionDto> {
    const tenantId = actedOnTenant(principal, dto.tenantId);
    assertOutboundUrl(dto.webhookUri, this.outbound, 'webhookUri');
    return this.scope.run(scopeOf(principal), async (manager) => {
      const [tenant] = await manager.query<{ id: string }[]>('SELECT id FROM tenants WHERE id = $1', [tenantId]);
      if (!tenant) throw DomainException.notFound('The tenant');
      // One creation at a time per tenant, so that concurrent ones cannot pass the cap together.
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))', [tenantId]);
      const [{ live }] = await manager.query<{ live: number }[]>(
        'SELECT count(*)::int AS live FROM event_subscriptions WHERE tenant_id = $1 AND archived_at IS NULL',
        [tenantId],
      );
      if (live >= MAX_SUBSCRIPTIONS_PER_TENANT) {
        throw DomainException.conflict(
          `The tenant has ${MAX_SUBSCRIPTIONS_PER_TENANT} event subscriptions, the most it may have; delete one first.`,
        );
      }
      const [row] = await manager.query<SubscriptionRow[]>(
        `INSERT INTO event_subscriptions (workspace_id, tenant_id, event_type, webhook_uri)
         VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [principal.workspace.id, tenantId, dto.eventType, dto.webhookUri],
      );
      // Not the URI: it may carry a token of the receiver's.
      await this.activity.record(manager, {
        workspaceId: principal.workspace.id,
        tenantId,
        type: 'event_subscription.created',
        actor: principal.isAdmin ? 'admin' : 'tenant',
        data: { subscriptionId: row.id, eventType: row.event_type },
      });
      return toDto(row);
    });
  }

  /** Oldest first. A tenant sees its own; an admin all of the workspace, or one tenant's with `tenantId`. */
  async list(principal: WorkspacePrincipal, query: EventSubscriptionQueryDto): Promise<Page<EventSubscriptionDto>> {
    const tenantId = namedTenant(principal, query.tenantId);
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const rows = await this.scope.run(scopeOf(principal), (manager) =>
      manager.query<SubscriptionRow[]>(
        `SELECT ${COLUMNS}, to_json(created_at) #>> '{}' AS position FROM event_subscriptions
         WHERE archived_at IS NULL
           AND ($1::uuid IS NULL OR tenant_id = $1)
           AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
         ORDER BY created_at, id
         LIMIT $4`,
        [tenantId, after?.at ?? null, after?.id ?? null, limit + 1],
      ),
    );
    return toPage(rows, limit, (row) => ({ at: row.position!, id: row.id }), toDto);
  }

  async get(principal: WorkspacePrincipal, id: string): Promise<EventSubscriptionDto> {
    return this.scope.run(scopeOf(principal), async (manager) => toDto(await this.find(manager, id)));
  }

  /** Archives it and drops what was still queued for it: a deleted webhook receives nothing more. */
  async remove(principal: WorkspacePrincipal, id: string): Promise<void> {
    await this.scope.run(scopeOf(principal), async (manager) => {
      const row = await this.find(manager, id);
      await manager.query('UPDATE event_subscriptions SET archived_at = now() WHERE id = $1', [id]);
      await manager.query('DELETE FROM event_deliveries WHERE subscription_id = $1 AND delivered_at IS NULL', [id]);
      await this.activity.record(manager, {
        workspaceId: principal.workspace.id,
        tenantId: row.tenant_id,
        type: 'event_subscription.deleted',
        actor: principal.isAdmin ? 'admin' : 'tenant',
        data: { subscriptionId: id, eventType: row.event_type },
      });
    });
  }

  /** Locks the row, so that a concurrent delete of the same subscription waits and then finds it gone. */
  private async find(manager: EntityManager, id: string): Promise<SubscriptionRow> {
    const [row] = await manager.query<SubscriptionRow[]>(
      `SELECT ${COLUMNS} FROM event_subscriptions WHERE id = $1 AND archived_at IS NULL FOR UPDATE`,
      [id],
    );
    if (!row) throw DomainException.notFound('The event subscription');
    return row;
  }
}

function toDto(row: SubscriptionRow): EventSubscriptionDto {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    eventType: row.event_type,
    webhookUri: row.webhook_uri,
    createdAt: row.created_at.toISOString(),
  };
}
