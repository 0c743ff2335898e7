import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { EventOutboxRepository } from './event-outbox.repository.js';

export const EVENT_TYPES = [
  'tenant.created',
  'tenant.archived',
  'connection.created',
  'connection.disconnected',
  'connection.archived',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** Whether a stored `type`/`event_type` is one this code knows (they are only ever written from EVENT_TYPES). */
export function isEventType(value: string): value is EventType {
  return EVENT_TYPES.some((type) => type === value);
}

export interface OutboxEvent {
  workspaceId: string;
  tenantId: string;
  type: EventType;
  data: Record<string, unknown>;
}

/**
 * Writes events in the caller's transaction, so an event exists if and only
 * if the change it describes committed, and the delivery worker (not the
 * request) sends it.
 */
@Injectable()
export class EventOutbox {
  constructor(private readonly events: EventOutboxRepository) {}

  /**
   * Enqueues the event, with a delivery to each of its targets, in the
   * transaction of `manager` (a scope that sees the tenant).
   */
  async enqueue(manager: EntityManager, event: OutboxEvent): Promise<void> {
    // The tenant always travels in the payload: receivers have no other way to tell.
    await this.events.enqueue(manager, { ...event, data: { ...event.data, tenantId: event.tenantId } });
  }
}
