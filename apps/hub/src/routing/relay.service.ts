import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { applyWorkspaceSnapshotContract } from '@switchboard/contracts';
import { SnapshotSigner } from '@switchboard/crypto';
import { PgListener } from '@switchboard/persistence';
import { describeError, NatsClient, NatsErrorReply } from '@switchboard/server';
import { DataSource } from 'typeorm';

import { HubConfig } from '../config.js';
import { OUTBOX_CHANNEL } from './outbox.service.js';
import { RoutingMetrics } from './routing-metrics.js';
import {
  rowToSnapshot,
  signSnapshot,
  SNAPSHOT_COLUMNS,
  type WorkspaceSnapshotRow,
} from './workspace-snapshot.mapper.js';

/** One workspace's claimed rows, with the workspace as it was when they were claimed (null if it is gone). */
interface ClaimedWorkspace {
  workspace_id: string;
  ids: string[];
  workspace: (WorkspaceSnapshotRow & { instance_id: string }) | null;
}

const BATCH_SIZE = 500;
const POLL_INTERVAL_MS = 1000;
const LISTEN_RETRY_MS = 1000;
const MAX_BACKOFF_MS = 30_000;
const PRUNE_INTERVAL_MS = 60_000;
/** Delivered rows are kept this long (for inspection), then deleted so the outbox does not grow forever. */
const DELIVERED_RETENTION_SECONDS = 3600;

/**
 * Drains the routing outbox: sends each workspace's whole current snapshot to
 * its instance over NATS and marks rows delivered only on the instance's
 * reply. Wakes on Postgres NOTIFY (and on `wake()` from this process), polls
 * as the fallback. Several Hub replicas can drain at once: rows are claimed
 * with `FOR UPDATE SKIP LOCKED` and hidden behind a lease while in flight.
 */
@Injectable()
export class RelayService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(RelayService.name);
  /**
   * LISTENs for outbox rows committed by any Hub replica; re-established until
   * shutdown (polling covers the gap), with a drain on every (re)connect for
   * what was committed meanwhile.
   */
  private readonly listener: PgListener;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private draining = false;
  private wakeAgain = false;
  /** Counts wakes, so that a delivery can tell whether rows it made others skip may be waiting. */
  private wakes = 0;
  private stopped = false;
  /** Workspaces with a delivery in flight from this replica; their rows wait for the next pass. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Long enough to cover a request that times out, so a live relay's rows are not taken over. */
  private readonly leaseSeconds: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly nats: NatsClient,
    private readonly config: HubConfig,
    private readonly metrics: RoutingMetrics,
    private readonly signer: SnapshotSigner,
  ) {
    this.leaseSeconds = Math.ceil(config.NATS_REQUEST_TIMEOUT_MS / 1000) + 5;
    this.listener = new PgListener({
      url: (dataSource.options as { url: string }).url,
      channel: OUTBOX_CHANNEL,
      applicationName: 'switchboard-hub-outbox-listener',
      retryMs: LISTEN_RETRY_MS,
      onNotification: () => this.wake(),
      onListening: () => this.wake(),
      onLost: (error) =>
        this.logger.warn(`outbox listener is not connected; polling until it is: ${describeError(error)}`),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listener.start();
    this.schedule(0);
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  /** Lets deliveries in flight finish (each is bounded by the request timeout) while the database is still open. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.cancel();
    clearInterval(this.pruneTimer);
    await Promise.allSettled(this.inFlight.values());
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.listener.stop();
  }

  /** Runs a drain now (or right after the one in progress). */
  wake(): void {
    this.wakes++;
    if (this.stopped) return;
    if (this.draining) {
      this.wakeAgain = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    this.cancel();
    if (this.stopped) return;
    // setTimeout(0) waits at least a millisecond; the normal path should not.
    this.timer = delayMs === 0 ? setImmediate(() => void this.drain()) : setTimeout(() => void this.drain(), delayMs);
  }

  private cancel(): void {
    clearTimeout(this.timer as NodeJS.Timeout | undefined);
    clearImmediate(this.timer as NodeJS.Immediate | undefined);
  }

  private async drain(): Promise<void> {
    if (this.draining || this.stopped) return;
    this.draining = true;
    try {
      const claimed = await this.claim();
      for (const entry of claimed) {
        // Not awaited: one slow or dead instance must not hold back the others.
        const wakesBefore = this.wakes;
        const delivery = this.deliver(entry).finally(() => {
          this.inFlight.delete(entry.workspace_id);
          // A change committed meanwhile was skipped while this workspace was in flight: drain again.
          if (this.wakes !== wakesBefore) this.wake();
        });
        this.inFlight.set(entry.workspace_id, delivery);
      }
      if (claimed.reduce((sum, entry) => sum + entry.ids.length, 0) >= BATCH_SIZE) this.wakeAgain = true;
    } catch (error) {
      this.logger.warn(`routing outbox drain failed; retrying: ${describeError(error)}`);
    } finally {
      this.draining = false;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        this.schedule(0);
      } else {
        this.schedule(POLL_INTERVAL_MS);
      }
    }
  }

  /**
   * Claims due rows and reads their workspaces in one statement. One statement
   * sees one snapshot of the database, and a row commits together with the
   * version it names, so the workspace read is at least as new as every row
   * claimed for it: marking those rows delivered on reply loses nothing.
   */
  private async claim(): Promise<ClaimedWorkspace[]> {
    return this.dataSource.query<ClaimedWorkspace[]>(
      `WITH due AS (
         SELECT id FROM routing_outbox
         WHERE delivered_at IS NULL AND next_attempt_at <= now() AND NOT (workspace_id = ANY($3::uuid[]))
         ORDER BY id LIMIT $2
         FOR UPDATE SKIP LOCKED),
       claimed AS (
         UPDATE routing_outbox o SET next_attempt_at = now() + make_interval(secs => $1)
         FROM due WHERE o.id = due.id
         RETURNING o.id, o.workspace_id)
       SELECT c.workspace_id, array_agg(c.id) AS ids,
              CASE WHEN w.id IS NULL THEN NULL ELSE json_build_object(${WORKSPACE_JSON}) END AS workspace
       FROM claimed c LEFT JOIN org_workspaces w ON w.id = c.workspace_id
       GROUP BY c.workspace_id, w.id`,
      [this.leaseSeconds, BATCH_SIZE, [...this.inFlight.keys()]],
    );
  }

  private async deliver({ workspace_id: workspaceId, ids, workspace: row }: ClaimedWorkspace): Promise<void> {
    if (!row) return; // deleted: its rows went with it
    const snapshot = rowToSnapshot(reviveDates(row));
    const instanceId = row.instance_id;
    try {
      const reply = await this.nats.request(
        applyWorkspaceSnapshotContract,
        signSnapshot(this.signer, instanceId, snapshot),
        { instanceId, timeoutMs: this.config.NATS_REQUEST_TIMEOUT_MS },
      );
      // One statement: every row this snapshot covers is delivered (claimed or not, by this replica or
      // another), and the workspace records what the instance holds — version and digest, the version
      // never beyond what the Hub decided — unless a newer reply was recorded already.
      await this.dataSource.query(
        `WITH delivered AS (
           UPDATE routing_outbox SET delivered_at = now(), last_error = NULL
           WHERE workspace_id = $1 AND delivered_at IS NULL AND version <= $2)
         UPDATE org_workspaces
         SET applied_version = LEAST(config_version, GREATEST(applied_version, $3)),
             applied_digest = CASE WHEN $3 >= applied_version THEN $4 ELSE applied_digest END,
             last_sync_error = NULL, sync_error_code = NULL
         WHERE id = $1`,
        [workspaceId, snapshot.version, reply.appliedVersion, reply.digest],
      );
      this.metrics.deliveries.inc({ instance: instanceId });
    } catch (error) {
      this.metrics.failures.inc({ instance: instanceId });
      // The instance received the snapshot and refused it: that is a failed sync, in its own words.
      const refusal = error instanceof NatsErrorReply ? { code: error.code, message: error.reason } : undefined;
      const message = refusal?.message ?? describeError(error);
      await this.recordFailure(workspaceId, ids, snapshot.version, message, refusal?.code ?? null).catch(
        (dbError: unknown) => this.logger.warn(`could not record a failed delivery: ${describeError(dbError)}`),
      );
      this.logger.warn(`delivery of workspace ${workspaceId} to ${instanceId} failed: ${describeError(error)}`);
    }
  }

  /**
   * Backs off every undelivered row the failed snapshot covered, not only the
   * claimed ones, so that a dead instance is retried at a falling rate;
   * newer rows are still tried at once (they carry a newer change). A refusal
   * (`code`) marks the sync `failed`; a transport failure leaves it pending.
   */
  private async recordFailure(
    workspaceId: string,
    ids: string[],
    version: number,
    message: string,
    code: string | null,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [{ attempts }] = await manager.query<{ attempts: number }[]>(
        `SELECT coalesce(max(attempts), 0)::int AS attempts FROM routing_outbox
         WHERE workspace_id = $1 AND delivered_at IS NULL AND (version <= $2 OR id = ANY($3::bigint[]))`,
        [workspaceId, version, ids],
      );
      await manager.query(
        `UPDATE routing_outbox
         SET attempts = $4, last_error = $5, next_attempt_at = now() + make_interval(secs => $6)
         WHERE workspace_id = $1 AND delivered_at IS NULL AND (version <= $2 OR id = ANY($3::bigint[]))`,
        [workspaceId, version, ids, attempts + 1, message, backoffMs(attempts + 1) / 1000],
      );
      await manager.query('UPDATE org_workspaces SET last_sync_error = $2, sync_error_code = $3 WHERE id = $1', [
        workspaceId,
        message,
        code,
      ]);
    });
  }

  /** Deletes rows delivered more than the retention ago, a bounded batch at a time. */
  private async prune(): Promise<void> {
    if (this.stopped) return;
    await this.dataSource
      .query(
        `DELETE FROM routing_outbox WHERE id IN (
           SELECT id FROM routing_outbox WHERE delivered_at < now() - make_interval(secs => $1) LIMIT 10000)`,
        [DELIVERED_RETENTION_SECONDS],
      )
      .catch((error: unknown) => this.logger.warn(`pruning the routing outbox failed: ${describeError(error)}`));
  }
}

/** Exponential backoff with full jitter: 100 ms doubling up to 30 s, never under 50 ms. */
export function backoffMs(attempts: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempts, 20));
  return Math.max(50, Math.random() * ceiling);
}

/** The workspace as one JSON object of its snapshot columns and its instance. */
const WORKSPACE_JSON = [...SNAPSHOT_COLUMNS, 'instance_id'].map((column) => `'${column}', w.${column}`).join(', ');

/** json_build_object gives timestamps as strings. */
function reviveDates<Row extends WorkspaceSnapshotRow>(row: Row): Row {
  const date = (value: Date | string | null) => (value === null ? null : new Date(value));
  return {
    ...row,
    archived_at: date(row.archived_at),
  };
}
