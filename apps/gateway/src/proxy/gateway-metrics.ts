import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { PlacementTable } from '../placements/placement-table.js';

/** What the gateway holds of request bodies now: bytes held, and clients holding something (client-shares.ts). */
export interface HeldNow {
  bytes: number;
  clients: number;
}

/**
 * The gateway's Prometheus metrics (its own registry): requests and their
 * duration per upstream instance and status (`instance` is `none` for what the
 * gateway answered itself: 401, 404, 429, 503), requests sent again after a
 * move's answer, the placement table's size, and the request bodies held now.
 */
export class GatewayMetrics extends Registry {
  /** Read when the metrics are: the server that holds the bodies sets it (watchHeld). */
  private heldNow: () => HeldNow = () => ({ bytes: 0, clients: 0 });

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
    const heldNow = () => this.heldNow();
    new Gauge({
      name: 'switchboard_gateway_held_body_bytes',
      help: 'Bytes of request bodies the gateway holds now (read before sending, or being streamed), all clients together.',
      registers: [this],
      collect() {
        this.set(heldNow().bytes);
      },
    });
    new Gauge({
      name: 'switchboard_gateway_held_body_clients',
      help: 'Client addresses (IPv4, or IPv6 /64) holding a request body in the gateway now.',
      registers: [this],
      collect() {
        this.set(heldNow().clients);
      },
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

  /** Has the held-body gauges read `read` from now on (the gateway server, which owns the budgets). */
  watchHeld(read: () => HeldNow): void {
    this.heldNow = read;
  }
}
