import { Injectable, Logger } from '@nestjs/common';
import { BoundedCache } from '@switchboard/server';

import { TenantsRepository } from './tenants.repository.js';

/** A tenant's `last_active_at` moves at most once a minute; the database applies the same minute across replicas. */
const TOUCH_EVERY_MS = 60_000;
const LIMIT = 100_000;

/**
 * Keeps `tenants.last_active_at` (Membrane's `lastActiveAt`, and `isActive`
 * derived from it) without a write per request: `seen` is called for every
 * authenticated tenant request, and only the first in a minute per tenant on
 * this replica sends an UPDATE, which is not awaited (the request never waits
 * for it; a failure is logged and retried a minute later). The UPDATE is
 * conditional (`touch_tenant_activity`), so other replicas' touches within
 * the minute write no row either.
 */
@Injectable()
export class TenantActivity {
  private readonly logger = new Logger(TenantActivity.name);
  private readonly touched = new BoundedCache<string, true>({ max: LIMIT, ttlMs: TOUCH_EVERY_MS });

  constructor(private readonly repository: TenantsRepository) {}

  /** Records that the tenant made a request now; synchronous, cheap, never throws. */
  seen(workspaceId: string, tenantId: string): void {
    if (this.touched.get(tenantId) !== undefined) return;
    this.touched.set(tenantId, true);
    this.repository
      .touchActivity(workspaceId, tenantId)
      .catch((error: unknown) => this.logger.warn({ err: error, tenantId }, 'could not record tenant activity'));
  }
}
