import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { PlacementTable } from '../placements/placement-table.js';

/**
 * The gateway's Prometheus metrics (its own registry): requests and their
 * duration per upstream instance and status (`instance` is `none` for what the
 * gateway answered itself: 401, 404), requests sent again after a move's
 * answer, and the placement table's size.
 */
export class GatewayMetrics extends Registry {
  readonly requests: Counter<'instance' | 'status'>;
  readonly duration: Histogram<'instance'>;
  /** Requests sent again because their workspace was moving (move-follow.ts), by what the instance answered. */
  readonly moveHops: Counter<'reason'>;

  constructor(table: PlacementTable) {
    super();
    collectDefaultMetrics({ register: this });
    this.requests = new Counter({
      name: 'switchboard_gateway_requests_total',
      help: 'Requests through the gateway by upstream instance and response status.',
      labelNames: ['instance', 'status'],
      registers: [this],
    });
    this.duration = new Histogram({
      name: 'switchboard_gateway_request_duration_seconds',
      help: 'Time from request to response headers through the gateway, by upstream instance.',
      labelNames: ['instance'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [this],
    });
    this.moveHops = new Counter({
      name: 'switchboard_gateway_move_hops_total',
      help: 'Requests sent again because their workspace was moving: after a 307 (redirected) or a 503 workspace_moving (moving).',
      labelNames: ['reason'],
      registers: [this],
    });
    new Gauge({
      name: 'switchboard_gateway_placements',
      help: 'Workspaces in the placement table, by instance.',
      labelNames: ['instance'],
      registers: [this],
      collect() {
        this.reset();
        for (const [instance, count] of table.countsByInstance()) this.set({ instance }, count);
      },
    });
  }
}
