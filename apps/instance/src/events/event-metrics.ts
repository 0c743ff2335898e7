import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@switchboard/server';
import { Counter, Gauge } from 'prom-client';

import { EventsRepository } from './events.repository.js';

/**
 * What operators watch of the event outbox (not the Hub's routing outbox):
 * - `switchboard_event_outbox_depth`: undelivered deliveries, all workspaces;
 * - `switchboard_event_outbox_oldest_pending_seconds`: age of the event behind
 *   the oldest undelivered delivery (0 when none) — a receiver down shows here;
 * - `switchboard_event_delivery_failures_total`: attempts that failed (non-2xx,
 *   network error, timeout, refused address) and will be retried.
 * The gauges are read from Postgres at scrape time (one statement for both, see
 * EventsRepository.outboxStats), so every replica reports the shared outbox;
 * without the database the last values stand and /metrics still answers.
 */
@Injectable()
export class EventMetrics {
  readonly deliveryFailures: Counter;

  constructor(registry: MetricsRegistry, events: EventsRepository) {
    this.deliveryFailures = new Counter({
      name: 'switchboard_event_delivery_failures_total',
      help: 'Event delivery attempts that failed (non-2xx, network error, timeout) and will be retried.',
      registers: [registry],
    });
    // The registry collects every metric at once: both gauges share the read in flight.
    let reading: Promise<{ pending: number; oldestPendingSeconds: number } | undefined> | undefined;
    const stats = () =>
      (reading ??= events
        .outboxStats()
        .catch(() => undefined)
        .finally(() => (reading = undefined)));
    new Gauge({
      name: 'switchboard_event_outbox_depth',
      help: 'Event deliveries not yet delivered, over every workspace.',
      registers: [registry],
      async collect() {
        const read = await stats();
        if (read) this.set(read.pending);
      },
    });
    new Gauge({
      name: 'switchboard_event_outbox_oldest_pending_seconds',
      help: 'Age of the event behind the oldest undelivered delivery, in seconds (0 when none).',
      registers: [registry],
      async collect() {
        const read = await stats();
        if (read) this.set(read.oldestPendingSeconds);
      },
    });
  }
}
