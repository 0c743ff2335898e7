import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@switchboard/server';
import { Counter } from 'prom-client';

/**
 * `switchboard_rate_limited_total`: requests refused with 429 by the tenant
 * rate limit (`limits.tenantRequestsPerSecond`, RateLimitGuard). No labels:
 * workspaces and tenants are unbounded; the logs name them.
 */
@Injectable()
export class RateLimitMetrics {
  readonly rateLimited: Counter;

  constructor(registry: MetricsRegistry) {
    this.rateLimited = new Counter({
      name: 'switchboard_rate_limited_total',
      help: 'Requests refused with 429 by the per-tenant rate limit.',
      registers: [registry],
    });
  }
}
