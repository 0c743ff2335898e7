import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One Prometheus registry per service (not prom-client's global one), so that
 * several services can run in one process, as they do in tests.
 */
@Injectable()
export class MetricsRegistry extends Registry {
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor() {
    super();
    collectDefaultMetrics({ register: this });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this],
    });
  }

  /**
   * `switchboard_db_pool_connections{state}`: the Postgres pool at scrape
   * time, `total` (open), `idle` and `waiting` (queries waiting for a
   * connection: above 0 for long, the pool is too small). `pool` is node-postgres's Pool.
   */
  observePool(pool: { totalCount: number; idleCount: number; waitingCount: number }): void {
    new Gauge({
      name: 'switchboard_db_pool_connections',
      help: 'Postgres pool connections by state (total, idle) and queries waiting for one (waiting).',
      labelNames: ['state'],
      registers: [this],
      collect() {
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
  }

  /**
   * `switchboard_nats_connected`: 1 when NATS answers a ping (within 500 ms)
   * at scrape time, else 0. Called once, with the service's NATS client.
   */
  observeNats(nats: { ping(timeoutMs: number): Promise<number> }): void {
    new Gauge({
      name: 'switchboard_nats_connected',
      help: 'Whether NATS answered a ping at scrape time (1) or not (0).',
      registers: [this],
      async collect() {
        this.set(
          await nats.ping(500).then(
            () => 1,
            () => 0,
          ),
        );
      },
    });
  }
}
