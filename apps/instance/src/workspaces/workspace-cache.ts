import { Injectable } from '@nestjs/common';
import { BoundedCache } from '@switchboard/server';

import type { Workspace } from './workspace.entity.js';
import { WorkspacesRepository } from './workspaces.repository.js';

const TTL_MS = 5_000;
const LIMIT = 10_000;

/**
 * Workspaces by key, for token verification on every request. Invalidated
 * when this replica applies a snapshot; the short TTL bounds staleness on the
 * other replicas of the instance.
 */
@Injectable()
export class WorkspaceCache {
  /** A key this instance does not hold is remembered too (null), so unknown issuers cost no query each. */
  private readonly entries = new BoundedCache<string, Workspace | null>({ max: LIMIT, ttlMs: TTL_MS });

  constructor(private readonly repository: WorkspacesRepository) {}

  /**
   * What the cache holds for `key` without going to the database: the
   * workspace, `null` for a key known not to exist, `undefined` when nothing
   * live is cached (then ask `byKey`). For the per-request path, which then
   * needs no promise.
   */
  cached(key: string): Workspace | null | undefined {
    return this.entries.get(key);
  }

  async byKey(key: string): Promise<Workspace | null> {
    const cached = this.entries.get(key);
    if (cached !== undefined) return cached;
    const workspace = await this.repository.findByKey(key);
    this.entries.set(key, workspace);
    return workspace;
  }

  invalidate(key: string): void {
    this.entries.delete(key);
  }
}
