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

  /** Reads of a key in flight: the requests that find its entry expired at once share one read. */
  private readonly reading = new Map<string, Promise<Workspace | null>>();

  /**
   * The workspace with this key (`null`: none here), from the cache or read
   * once for all who ask while it is being read: without that, every request
   * in flight when the entry expired (every TTL_MS) read it again — 32 reads
   * at a time under the API-key bench's load.
   */
  byKey(key: string): Promise<Workspace | null> {
    const cached = this.entries.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    return this.reading.get(key) ?? this.read(key);
  }

  /** Drops the key's entry; a read of it in flight is then neither shared further nor cached. */
  invalidate(key: string): void {
    this.entries.delete(key);
    this.reading.delete(key);
  }

  private read(key: string): Promise<Workspace | null> {
    const reading: Promise<Workspace | null> = this.repository.findByKey(key).then(
      (workspace) => {
        if (this.reading.get(key) === reading) {
          this.reading.delete(key);
          this.entries.set(key, workspace);
        }
        return workspace;
      },
      (error: unknown) => {
        if (this.reading.get(key) === reading) this.reading.delete(key);
        throw error;
      },
    );
    this.reading.set(key, reading);
    return reading;
  }
}
