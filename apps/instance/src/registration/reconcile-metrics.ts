import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@switchboard/server';
import { Gauge } from 'prom-client';

/**
 * How current this instance is with the Hub:
 * - `switchboard_reconcile_lag_seconds`: seconds since the last successful
 *   reconciliation (HubLinkService.reconcile), or since the process started
 *   when none has succeeded yet — it grows while the Hub or NATS is away;
 *   alert when it exceeds a few INSTANCE_RECONCILE_INTERVAL_MS;
 * - `switchboard_reconcile_last_success_timestamp_seconds`: when that was
 *   (Unix seconds; 0 before the first).
 * Both are computed at scrape time from one timestamp held in memory.
 */
@Injectable()
export class ReconcileMetrics {
  private readonly startedAt = Date.now();
  private lastSuccessAt: number | undefined;

  constructor(registry: MetricsRegistry) {
    const lagSeconds = () => (Date.now() - (this.lastSuccessAt ?? this.startedAt)) / 1000;
    const lastSuccess = () => (this.lastSuccessAt ?? 0) / 1000;
    new Gauge({
      name: 'switchboard_reconcile_lag_seconds',
      help: 'Seconds since the last successful reconciliation with the Hub (since start when none yet).',
      registers: [registry],
      collect() {
        this.set(lagSeconds());
      },
    });
    new Gauge({
      name: 'switchboard_reconcile_last_success_timestamp_seconds',
      help: 'Unix time of the last successful reconciliation with the Hub (0 before the first).',
      registers: [registry],
      collect() {
        this.set(lastSuccess());
      },
    });
  }

  /** Records a reconciliation that completed (whatever it applied). */
  succeeded(at = Date.now()): void {
    this.lastSuccessAt = at;
  }
}
