import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  instanceHeartbeatContract,
  reconcileInstanceContract,
  ReconcileInstanceReply,
  reconcileUniverseContract,
  type RefusedSnapshot,
  registerInstanceContract,
} from '@switchboard/contracts';
import { Keyring } from '@switchboard/crypto';
import { DomainException, ErrorCode, NatsClient, NatsErrorReply } from '@switchboard/server';

import { InstanceConfig } from '../config.js';
import { UniverseSyncService } from '../universe/universe-sync.service.js';
import { WorkspaceSyncService } from '../workspaces/workspace-sync.service.js';
import { ReconcileMetrics } from './reconcile-metrics.js';
import { SchemaLevelRepository } from './schema-level.repository.js';

const RETRY_MS = 1000;
/** A bound on one reconciliation, in case the Hub kept answering `more`; the next one carries on. */
const MAX_RECONCILE_PAGES = 1000;
/**
 * Held workspaces per request: about 140 kB of JSON, well under NATS's
 * default 1 MiB `max_payload` (all of 10,000 at once would be over it).
 */
export const HELD_PAGE_SIZE = 1000;
/**
 * Snapshots of one reply applied at once. Each apply is its own statement and
 * commit; one after the other, 10,000 of them took over a minute on a loaded
 * 2-core machine (a WAL flush each), while concurrent commits share flushes
 * (bench/instance-reconcile). Below the default pool of 10 connections, so
 * requests keep some.
 */
const APPLY_CONCURRENCY = 8;

/**
 * This instance's link to the Hub: it registers when it starts, sends
 * heartbeats, and reconciles — at start and periodically it tells the Hub
 * which workspace versions it holds and applies what it lacks. None of this
 * blocks startup: while the Hub or NATS is away it keeps retrying.
 *
 * The registration and every heartbeat carry the database's schema level (the
 * latest migration applied, read from its `migrations` table), which the Hub
 * compares before and during a move. It is read from the database, not taken
 * from the migrations this build ships, because the database is what a move
 * copies into: migrations run as their own step, before or after replicas of
 * either version start, and every replica of the instance shares the one
 * database, so each reports the same level whichever build it runs. It is read
 * again after each heartbeat (one row of a small table), so a migration run while
 * the instance runs reaches the Hub within an interval, a move under way included.
 */
@Injectable()
export class HubLinkService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HubLinkService.name);
  private readonly timers: NodeJS.Timeout[] = [];
  private heartbeatMs: number;
  private stopped = false;
  /** The schema level read last; undefined when the last read failed (the heartbeat then omits it). */
  private schemaLevel: string | undefined;
  /**
   * False once a Hub refused a registration that carried the level as invalid: a Hub from before levels
   * (its contract refuses unknown fields), which an instance upgraded first meets. This process then
   * registers and beats without it (unknown to the Hub) until it restarts, rather than not registering.
   */
  private hubTakesSchemaLevel = true;
  private readingSchemaLevel = false;

  constructor(
    private readonly config: InstanceConfig,
    private readonly nats: NatsClient,
    private readonly sync: WorkspaceSyncService,
    private readonly keyring: Keyring,
    private readonly metrics: ReconcileMetrics,
    private readonly universe: UniverseSyncService,
    private readonly schemaLevels: SchemaLevelRepository,
  ) {
    this.heartbeatMs = config.INSTANCE_HEARTBEAT_INTERVAL_MS;
  }

  onApplicationBootstrap(): void {
    void this.registerUntilDone();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.timers.forEach(clearTimeout);
  }

  /**
   * Tells the Hub what this instance holds (versions and digests) and applies
   * the signed snapshots it lacks, holds stale or holds altered (the same
   * checks as a delivery: a newer snapshot that arrived meanwhile wins, and
   * nothing unverifiable or undecryptable is applied). One pass goes over the
   * workspaces in id order, HELD_PAGE_SIZE held ones per request (a range:
   * `after` the previous one, up to its last entry when `partial`); the Hub
   * answers a page of snapshots at a time and says with `more`/`through`
   * where to ask next. When anything was applied or refused, a second pass
   * reports what is now held and why a snapshot was refused, so that the Hub
   * records it. Returns how many snapshots were applied.
   */
  async reconcile(): Promise<number> {
    const instanceId = this.config.INSTANCE_ID;
    /** Refused in this reconciliation, by workspace id: reported in the range that covers each. */
    const refused = new Map<string, RefusedSnapshot>();
    let received = 0;
    let requests = 0;
    for (let pass = 0; pass < 2 && requests < MAX_RECONCILE_PAGES; pass++) {
      let after: string | null = null;
      let changed = false;
      while (requests < MAX_RECONCILE_PAGES) {
        requests++;
        const page = await this.sync.heldWorkspaces(after, HELD_PAGE_SIZE + 1);
        const partial = page.length > HELD_PAGE_SIZE;
        const held = partial ? page.slice(0, HELD_PAGE_SIZE) : page;
        const upTo = partial ? (held.at(-1)?.workspaceId ?? null) : null;
        const inRange = [...refused.values()].filter(
          (entry) => (after === null || entry.workspaceId > after) && (upTo === null || entry.workspaceId <= upTo),
        );
        const reply: ReconcileInstanceReply = await this.nats.request(
          reconcileInstanceContract,
          {
            instanceId,
            held,
            ...(after !== null ? { after } : {}),
            ...(partial ? { partial } : {}),
            ...(inRange.length > 0 ? { refused: inRange } : {}),
          },
          { instanceId },
        );
        const outcomes = await mapConcurrently(reply.snapshots, APPLY_CONCURRENCY, async (signed) => {
          try {
            return (await this.sync.apply(signed)).applied;
          } catch (error) {
            if (!(error instanceof DomainException)) throw error;
            const { workspaceId, version } = signed.snapshot;
            refused.set(workspaceId, { workspaceId, version, code: error.code, message: error.detail });
            return true;
          }
        });
        const applied = reply.snapshots.filter((signed, i) => outcomes[i] && !refused.has(signed.snapshot.workspaceId));
        received += applied.length;
        if (outcomes.some(Boolean)) changed = true;
        if (reply.more) {
          // A Hub that names no `through` asks for the same range again.
          if (reply.through !== undefined) after = reply.through;
          continue;
        }
        if (upTo === null) break;
        after = upTo;
      }
      if (!changed) break;
    }
    this.metrics.succeeded();
    if (received > 0) this.logger.log(`reconciled ${received} workspace(s)`);
    return received;
  }

  /**
   * Tells the Hub which universe version this instance holds (and its
   * digest); when it is behind or holds something else, the Hub queues a
   * delivery of the current universe to it through the universe outbox (the
   * same signed, acknowledged and retried path as every universe change).
   * Returns the Hub's current universe version.
   */
  async reconcileUniverse(): Promise<number> {
    const held = await this.universe.held();
    const reply = await this.nats.request(
      reconcileUniverseContract,
      {
        instanceId: this.config.INSTANCE_ID,
        version: held?.version ?? 0,
        ...(held ? { digest: held.digest } : {}),
      },
      { instanceId: this.config.INSTANCE_ID },
    );
    if (reply.queued > 0) {
      this.logger.log(`universe version ${held?.version ?? 0} held, ${reply.version} on the Hub: delivery queued`);
    }
    return reply.version;
  }

  private async registerUntilDone(): Promise<void> {
    while (!this.stopped) {
      const withLevel = this.hubTakesSchemaLevel;
      try {
        await this.readSchemaLevel();
        const reply = await this.nats.request(
          registerInstanceContract,
          {
            instanceId: this.config.INSTANCE_ID,
            name: this.config.INSTANCE_NAME ?? this.config.INSTANCE_ID,
            apiUrl: this.config.INSTANCE_API_URL,
            keyIds: this.keyring.versions,
            ...(withLevel && this.schemaLevel !== undefined ? { schemaLevel: this.schemaLevel } : {}),
          },
          { instanceId: this.config.INSTANCE_ID },
        );
        // The Hub decides how often it must hear from us to count us as up.
        this.heartbeatMs = Math.min(this.heartbeatMs, reply.heartbeatIntervalMs);
        this.logger.log(`registered with the Hub as ${this.config.INSTANCE_ID}`);
        this.every(this.heartbeatMs, () => this.heartbeat());
        this.every(this.config.INSTANCE_RECONCILE_INTERVAL_MS, () => this.reconcile().then(() => undefined), true);
        this.every(
          this.config.INSTANCE_RECONCILE_INTERVAL_MS,
          () => this.reconcileUniverse().then(() => undefined),
          true,
        );
        return;
      } catch (error) {
        if (withLevel && error instanceof NatsErrorReply && error.code === String(ErrorCode.ValidationFailed)) {
          this.hubTakesSchemaLevel = false;
          this.logger.warn(
            `the Hub refused the registration (${error.reason}); registering without the schema level, which an older Hub does not take`,
          );
          continue;
        }
        this.logger.warn(`could not register with the Hub yet: ${describe(error)}`);
        await new Promise((resolve) => this.timers.push(setTimeout(resolve, RETRY_MS)));
      }
    }
  }

  /** Sends the schema level read after the previous heartbeat, then reads it again without holding up the next. */
  private async heartbeat(): Promise<void> {
    await this.nats.emit(
      instanceHeartbeatContract,
      {
        instanceId: this.config.INSTANCE_ID,
        apiUrl: this.config.INSTANCE_API_URL,
        sentAt: new Date().toISOString(),
        ...(this.hubTakesSchemaLevel && this.schemaLevel !== undefined ? { schemaLevel: this.schemaLevel } : {}),
      },
      this.config.INSTANCE_ID,
    );
    if (!this.readingSchemaLevel) void this.readSchemaLevel();
  }

  /** Reads the schema level into `schemaLevel` (undefined when the database cannot tell now: logged). */
  private async readSchemaLevel(): Promise<void> {
    this.readingSchemaLevel = true;
    try {
      this.schemaLevel = (await this.schemaLevels.latest()) ?? undefined;
    } catch (error) {
      this.schemaLevel = undefined;
      this.logger.warn(`could not read the schema level: ${describe(error)}`);
    } finally {
      this.readingSchemaLevel = false;
    }
  }

  /** Runs `task` now (if asked) and then every `intervalMs`, never two at once, logging failures. */
  private every(intervalMs: number, task: () => Promise<void>, now = false): void {
    const run = async () => {
      try {
        await task();
      } catch (error) {
        this.logger.warn(`background task failed: ${describe(error)}`);
      }
      if (!this.stopped) this.timers.push(setTimeout(() => void run(), intervalMs));
    };
    if (now) void run();
    else this.timers.push(setTimeout(() => void run(), intervalMs));
  }
}

/**
 * `work` on every item, at most `limit` at once; the results in the items' order. Rejects with the first
 * error, once the work already started has settled.
 */
async function mapConcurrently<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return results;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
