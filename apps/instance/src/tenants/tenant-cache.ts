import { Controller, Injectable, Logger } from '@nestjs/common';
import { TenantChanged, tenantChangedContract } from '@switchboard/contracts';
import { BoundedCache, HandlesContract, NatsClient } from '@switchboard/server';

import { InstanceConfig } from '../config.js';

export interface CachedTenant {
  id: string;
  internalId: string;
  fields: Record<string, unknown>;
  tokensRevokedBefore: Date | null;
  parentId: string | null;
}

/** A backstop only: changes reach every replica at once over NATS (see TenantCacheInvalidation). */
const TTL_MS = 30_000;
const LIMIT = 100_000;

/**
 * What a token's tenant key resolved to, so that a token seen again skips the
 * database. When a tenant changes in a way a token could notice (archived,
 * restored, its internalId changed) the replica that changed it tells every
 * replica of the instance to forget it.
 */
@Injectable()
export class TenantCache {
  private readonly logger = new Logger(TenantCache.name);
  private readonly entries = new BoundedCache<string, CachedTenant>({ max: LIMIT, ttlMs: TTL_MS });

  constructor(
    private readonly nats: NatsClient,
    private readonly config: InstanceConfig,
  ) {}

  get(workspaceId: string, internalId: string): CachedTenant | undefined {
    return this.entries.get(`${workspaceId}:${internalId}`);
  }

  set(workspaceId: string, tenant: CachedTenant): void {
    this.entries.set(`${workspaceId}:${tenant.internalId}`, tenant);
  }

  /** Forgets here and on every other replica of this instance. */
  forget(workspaceId: string, internalId: string): void {
    this.forgetLocally(workspaceId, internalId);
    this.nats
      .emit(tenantChangedContract, { workspaceId, internalId }, this.config.INSTANCE_ID)
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, 'could not broadcast a tenant change; caches expire'),
      );
  }

  forgetLocally(workspaceId: string, internalId: string): void {
    this.entries.delete(`${workspaceId}:${internalId}`);
  }
}

/** Every replica hears every change (`everyReplica`: a queue group of its own). */
@Controller()
export class TenantCacheInvalidation {
  constructor(private readonly cache: TenantCache) {}

  @HandlesContract(tenantChangedContract, { everyReplica: true })
  forget(change: TenantChanged): void {
    this.cache.forgetLocally(change.workspaceId, change.internalId);
  }
}
