import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@switchboard/server';
import { Counter, Gauge } from 'prom-client';

import { RoutingRepository } from './routing.repository.js';

/** What operators watch of routing: outbox depth and age, deliveries and failures per instance. */
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
    // Read at scrape time, so that every Hub replica reports the shared outbox truthfully.
    new Gauge({
      name: 'switchboard_routing_outbox_depth',
      help: 'Outbox rows not yet delivered, per instance.',
      labelNames: ['instance'],
      registers: [registry],
      async collect() {
        const rows = await routing.pendingByInstance().catch(() => undefined);
        // Without the database the last values stand; /metrics must still answer.
        if (!rows) return;
        this.reset();
        for (const row of rows) this.set({ instance: row.instanceId }, row.depth);
      },
    });
    new Gauge({
      name: 'switchboard_routing_outbox_oldest_pending_seconds',
      help: 'Age of the oldest undelivered outbox row (0 when none).',
      registers: [registry],
      async collect() {
        const age = await routing.oldestPendingAgeSeconds().catch(() => undefined);
        if (age !== undefined) this.set(age ?? 0);
      },
    });
  }
}
