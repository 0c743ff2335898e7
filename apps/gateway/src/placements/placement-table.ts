import type { WorkspacePlacement } from '@switchboard/contracts';

/**
 * The gateway's placement table: workspace key → where it is served. It is
 * filled from the Hub (`PlacementSync`): whole at start and at each resync,
 * one workspace at a time from change messages. Per workspace the highest
 * `version` (the Hub's `configVersion`) wins, so a late or repeated message
 * never undoes a newer placement; an equal version replaces what is held (an
 * instance's `apiUrl` changes without a new version), and a full table
 * replaces everything, dropping workspaces the Hub no longer lists unless a
 * change message brought them in after that table was read.
 */
export class PlacementTable {
  private readonly byKey = new Map<string, WorkspacePlacement>();
  /** Workspace id → key, so that a placement whose key changed (never, today) does not leave its old key behind. */
  private readonly keyOfId = new Map<string, string>();
  private loaded = false;
  /** Bumped on every change; a full table read from an older generation keeps what came in since. */
  private generation = 0;
  /** Workspace ids changed by a message, with the generation they changed in. */
  private readonly changedAt = new Map<string, number>();

  /** Whether a full table has been loaded (the gateway is ready only then). */
  get ready(): boolean {
    return this.loaded;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Where the workspace with this key is served, or undefined when the Hub has not placed it. */
  lookup(workspaceKey: string): WorkspacePlacement | undefined {
    return this.byKey.get(workspaceKey);
  }

  /** The generation to pass to `replaceAll` when starting to read a full table. */
  begin(): number {
    return this.generation;
  }

  /**
   * One workspace's placement, from a change message; kept only if its version
   * is at least the one held. Returns whether it was kept.
   */
  apply(placement: WorkspacePlacement): boolean {
    const key = this.keyOfId.get(placement.workspaceId);
    const held = key === undefined ? undefined : this.byKey.get(key);
    if (held && held.version > placement.version) return false;
    this.set(placement);
    this.generation += 1;
    this.changedAt.set(placement.workspaceId, this.generation);
    return true;
  }

  /**
   * The whole table as the Hub listed it, read since `startedAt` (from
   * `begin`). A workspace changed by a message after that keeps the newer of
   * the two; one missing from the list is dropped unless a message brought it
   * in since.
   */
  replaceAll(placements: WorkspacePlacement[], startedAt: number): void {
    const listed = new Set<string>();
    for (const placement of placements) {
      listed.add(placement.workspaceId);
      const key = this.keyOfId.get(placement.workspaceId);
      const held = key === undefined ? undefined : this.byKey.get(key);
      const changedSince = (this.changedAt.get(placement.workspaceId) ?? 0) > startedAt;
      if (held && changedSince && held.version > placement.version) continue;
      this.set(placement);
    }
    for (const [id, key] of [...this.keyOfId]) {
      if (listed.has(id) || (this.changedAt.get(id) ?? 0) > startedAt) continue;
      this.keyOfId.delete(id);
      this.byKey.delete(key);
    }
    this.changedAt.clear();
    this.loaded = true;
  }

  /** How many workspaces each instance holds, for the metrics. */
  countsByInstance(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const placement of this.byKey.values()) {
      counts.set(placement.instanceId, (counts.get(placement.instanceId) ?? 0) + 1);
    }
    return counts;
  }

  /** The distinct API URLs of the instances in the table, ordered by instance id. */
  instanceUrls(): string[] {
    const urls = new Map<string, string>();
    for (const placement of this.byKey.values()) urls.set(placement.instanceId, placement.apiUrl);
    return [...urls.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, url]) => url);
  }

  private set(placement: WorkspacePlacement): void {
    const previousKey = this.keyOfId.get(placement.workspaceId);
    if (previousKey !== undefined && previousKey !== placement.workspaceKey) this.byKey.delete(previousKey);
    this.keyOfId.set(placement.workspaceId, placement.workspaceKey);
    this.byKey.set(placement.workspaceKey, placement);
  }
}
