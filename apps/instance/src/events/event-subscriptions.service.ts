import { Injectable } from '@nestjs/common';
import type { Columns } from '@switchboard/persistence';
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
import { isEventType } from '../journal/event-outbox.js';
import { actedOnTenant, namedTenant } from '../workspaces/require-admin.js';
import { activityActorOf, scopeOf, type WorkspacePrincipal } from '../workspaces/workspace-principal.js';
import type { EventSubscription } from './event-subscription.entity.js';
import {
  type CreateEventSubscriptionDto,
  type EventSubscriptionDto,
  type EventSubscriptionQueryDto,
  MAX_SUBSCRIPTIONS_PER_TENANT,
} from './event-subscriptions.dto.js';
import { EventsRepository } from './events.repository.js';

/**
 * Tenants' own webhooks. Every query runs in the caller's scope, so row-level
 * security decides what exists: another tenant's subscription is not found.
 * Deleted subscriptions are archived, and read as gone.
 */
@Injectable()
export class EventSubscriptionsService {
  constructor(
    private readonly scope: TenantScope,
    private readonly events: EventsRepository,
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
      if (!(await this.events.tenantExists(manager, tenantId))) throw DomainException.notFound('The tenant');
      // One creation at a time per tenant, so that concurrent ones cannot pass the cap together.
      const live = await this.events.lockAndCountLive(manager, tenantId);
      if (live >= MAX_SUBSCRIPTIONS_PER_TENANT) {
        throw DomainException.conflict(
          `The tenant has ${MAX_SUBSCRIPTIONS_PER_TENANT} event subscriptions, the most it may have; delete one first.`,
        );
      }
      const row = await this.events.insertSubscription(manager, {
        workspaceId: principal.workspace.id,
        tenantId,
        eventType: dto.eventType,
        webhookUri: dto.webhookUri,
      });
      // Not the URI: it may carry a token of the receiver's.
      await this.activity.record(manager, {
        workspaceId: principal.workspace.id,
        tenantId,
        type: 'event_subscription.created',
        ...activityActorOf(principal),
        data: { subscriptionId: row.id, eventType: row.eventType },
      });
      return toDto(row);
    });
  }

  /** Oldest first. A tenant sees its own; an admin all of the workspace, or one tenant's with `tenantId`. */
  async list(principal: WorkspacePrincipal, query: EventSubscriptionQueryDto): Promise<Page<EventSubscriptionDto>> {
    const tenantId = namedTenant(principal, query.tenantId);
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const rows = await this.events.listPage(scopeOf(principal), { tenantId, after, limit: limit + 1 });
    return toPage(rows, limit, (row) => ({ at: row.position, id: row.id }), toDto);
  }

  async get(principal: WorkspacePrincipal, id: string): Promise<EventSubscriptionDto> {
    return this.scope.run(scopeOf(principal), async (manager) => toDto(await this.find(manager, id)));
  }

  /** Archives it and drops what was still queued for it: a deleted webhook receives nothing more. */
  async remove(principal: WorkspacePrincipal, id: string): Promise<void> {
    await this.scope.run(scopeOf(principal), async (manager) => {
      const row = await this.find(manager, id);
      await this.events.archiveSubscription(manager, id);
      await this.activity.record(manager, {
        workspaceId: principal.workspace.id,
        tenantId: row.tenantId,
        type: 'event_subscription.deleted',
        ...activityActorOf(principal),
        data: { subscriptionId: id, eventType: row.eventType },
      });
    });
  }

  /** Locks the row, so that a concurrent delete of the same subscription waits and then finds it gone. */
  private async find(manager: EntityManager, id: string): Promise<Columns<EventSubscription>> {
    const row = await this.events.findLiveForUpdate(manager, id);
    if (!row) throw DomainException.notFound('The event subscription');
    return row;
  }
}

/** @throws Error when the stored type is none of EVENT_TYPES: only those are ever written (a bug, not bad input). */
function toDto(row: Columns<EventSubscription>): EventSubscriptionDto {
  if (!isEventType(row.eventType)) throw new Error(`event subscription ${row.id} has an unknown type ${row.eventType}`);
  return {
    id: row.id,
    tenantId: row.tenantId,
    eventType: row.eventType,
    webhookUri: row.webhookUri,
    createdAt: row.createdAt.toISOString(),
  };
}
