import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@switchboard/server';
import { Counter, Gauge } from 'prom-client';

import { RoutingRepository } from './routing.repository.js';

/**
 * What operators watch of routing, per instance: its sync lag — undelivered
 * outbox rows (`switchboard_routing_outbox_depth`) and the age of the oldest
 * (`switchboard_routing_outbox_oldest_pending_seconds`) — and deliveries and
 * failures. An instance in sync has no series of the two gauges.
 */
@Injectable()
export class RoutingMetrics {
  readonly deliveries: Counter<'instance'>;
  readonly failures: Counter<'instance'>;

  constructor(registry: MetricsRegistry, routing: RoutingRepository) {
    this.deliveries = new Counter({
      name: 'switchboard_routing_deliveries_total',
      help: 'Workspace snapshots an instance confirmed applying (or already holding).',
      labelNames: ['instance'],
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'switchboard_routing_failures_total',
      help: 'Deliveries that failed (timeout, no responder, error reply) and will be retried.',
      labelNames: ['instance'],
      registers: [registry],
    });
    // Read at scrape time, so that every Hub replica reports the shared outbox truthfully. The
    // registry collects every metric at once: both gauges share the read in flight.
    let reading: ReturnType<RoutingRepository['pendingByInstance']> | undefined;
    const pending = () =>
      (reading ??= routing.pendingByInstance().finally(() => (reading = undefined))).catch(() => undefined);
    new Gauge({
      name: 'switchboard_routing_outbox_depth',
      help: 'Outbox rows not yet delivered, per instance (absent when none).',
      labelNames: ['instance'],
      registers: [registry],
      async collect() {
        const rows = await pending();
        // Without the database the last values stand; /metrics must still answer.
        if (!rows) return;
        this.reset();
        for (const row of rows) this.set({ instance: row.instanceId }, row.depth);
      },
    });
    new Gauge({
      name: 'switchboard_routing_outbox_oldest_pending_seconds',
      help: "Per instance, the age of its oldest undelivered outbox row: how far behind the Hub's configuration it is (absent when none).",
      labelNames: ['instance'],
      registers: [registry],
      async collect() {
        const rows = await pending();
        if (!rows) return;
        this.reset();
        for (const row of rows) this.set({ instance: row.instanceId }, row.oldestAgeSeconds);
      },
    });
  }
}
