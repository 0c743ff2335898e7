import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { applyWorkspaceSnapshotContract } from '@switchboard/contracts';
import { SnapshotSigner } from '@switchboard/crypto';
import { outboxBackoffMs, OutboxDrainer, type OutboxDrainResult, outboxLeaseSeconds } from '@switchboard/persistence';
import { describeError, inSpan, NatsClient, NatsErrorReply, SpanKind } from '@switchboard/server';
import { DataSource } from 'typeorm';

import { HubConfig } from '../config.js';
import { type ClaimedWorkspace, ROUTING_OUTBOX_CHANNEL, RoutingRepository } from './routing.repository.js';
import { RoutingMetrics } from './routing-metrics.js';
import { rowToSnapshot, signSnapshot } from './workspace-snapshot.mapper.js';

const BATCH_SIZE = 500;
/**
 * Deliveries in flight from this replica at most. Without a bound, a change
 * to every workspace (100,000 in bench/hub-scale) put every delivery in
 * flight at once: the signing alone outlasted the request timeout, so most
 * timed out and backed off (about 95 changes/s, a fifth of them retried),
 * and the in-flight list each claim skips grew to every workspace.
 */
export const MAX_IN_FLIGHT = 1000;
const POLL_INTERVAL_MS = 1000;
const LISTEN_RETRY_MS = 1000;
/** Retries of a failed delivery: full jitter between these bounds (see outboxBackoffMs). */
const BACKOFF = { minMs: 100, maxMs: 30_000 };
const PRUNE_INTERVAL_MS = 60_000;
/** Delivered rows are kept this long (for inspection), then deleted so the outbox does not grow forever. */
const DELIVERED_RETENTION_SECONDS = 3600;
/** The routing outbox is drained as one queue: one drain at a time in this process. */
const ROUTING_OUTBOX = 'routing_outbox';

/**
 * Drains the Hub's routing outbox (table `routing_outbox`; not the instance's
 * event outbox): sends each workspace's whole current snapshot to its
 * instance over NATS and marks rows delivered only on the instance's reply.
 * A thin adapter over `OutboxDrainer`, which wakes it on Postgres NOTIFY (and
 * on `wake()` from this process), polls every second as the fallback, and
 * prunes delivered rows after an hour. Several Hub replicas can drain at once:
 * rows are claimed with `FOR UPDATE SKIP LOCKED` and hidden behind a lease
 * while in flight; within this replica, a workspace with a delivery in flight
 * is skipped until it finishes, and at most MAX_IN_FLIGHT deliveries are in
 * flight (a full relay claims again once half of them are done).
 */
@Injectable()
export class RoutingOutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RoutingOutboxRelay.name);
  private readonly drainer: OutboxDrainer<typeof ROUTING_OUTBOX>;
  /** Workspaces with a delivery in flight from this replica; their rows wait for the next pass. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Long enough to cover a request that times out, so a live relay's rows are not taken over. */
  private readonly leaseSeconds: number;
  /** A drain found MAX_IN_FLIGHT deliveries in flight and claimed nothing: wake when there is room. */
  private saturated = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly nats: NatsClient,
    private readonly config: HubConfig,
    private readonly metrics: RoutingMetrics,
    private readonly signer: SnapshotSigner,
    private readonly routing: RoutingRepository,
  ) {
    this.leaseSeconds = outboxLeaseSeconds(config.NATS_REQUEST_TIMEOUT_MS);
    this.drainer = new OutboxDrainer({
      name: 'routing outbox',
      logger: this.logger,
      listen: {
        url: (dataSource.options as { url: string }).url,
        channel: ROUTING_OUTBOX_CHANNEL,
        applicationName: 'switchboard-hub-outbox-listener',
        retryMs: LISTEN_RETRY_MS,
        // Every notice (a new row, or an instance's rows made due again) means: drain what is due.
        keyOf: () => ROUTING_OUTBOX,
      },
      poll: { intervalMs: POLL_INTERVAL_MS, due: () => [ROUTING_OUTBOX] },
      drain: () => this.drain(),
      prune: { intervalMs: PRUNE_INTERVAL_MS, run: () => this.prune() },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.drainer.start();
  }

  /** Lets deliveries in flight finish (each is bounded by the request timeout) while the database is still open. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.drainer.stop();
  }

  /** Runs a drain now (or right after the one in progress). */
  wake(): void {
    this.drainer.wake(ROUTING_OUTBOX);
  }

  private async drain(): Promise<OutboxDrainResult> {
    try {
      const room = Math.min(BATCH_SIZE, MAX_IN_FLIGHT - this.inFlight.size);
      if (room <= 0) {
        this.saturated = true;
        return {};
      }
      const claimed = await this.claim(room);
      for (const entry of claimed) {
        // Not awaited: one slow or dead instance must not hold back the others.
        const wakesBefore = this.drainer.wakes;
        const delivery = this.deliver(entry).finally(() => {
          this.inFlight.delete(entry.workspaceId);
          // A change committed meanwhile was skipped while this workspace was in flight, or a drain
          // stopped for want of room: drain again.
          const roomAgain = this.saturated && this.inFlight.size <= MAX_IN_FLIGHT / 2;
          if (roomAgain) this.saturated = false;
          if (roomAgain || this.drainer.wakes !== wakesBefore) this.wake();
        });
        this.inFlight.set(entry.workspaceId, delivery);
        void this.drainer.track(delivery);
      }
      return { again: claimed.reduce((sum, entry) => sum + entry.ids.length, 0) >= room };
    } catch (error) {
      this.logger.warn(`routing outbox drain failed; retrying: ${describeError(error)}`);
      return {};
    }
  }

  /** Claims up to `limit` due rows and reads their workspaces in one statement (see RoutingRepository.claimDue). */
  private async claim(limit: number): Promise<ClaimedWorkspace[]> {
    return this.routing.claimDue(this.leaseSeconds, limit, [...this.inFlight.keys()]);
  }

  /**
   * One delivery is one trace of its own (with tracing on): the NATS request, the instance's work and the
   * rows marked. A root, whichever context woke the drain (an HTTP request in this process, a NOTIFY, the
   * poll), so that what a trace holds does not depend on who woke it.
   */
  private deliver(entry: ClaimedWorkspace): Promise<void> {
    const attributes = { 'switchboard.workspace.id': entry.workspaceId };
    const options = { kind: SpanKind.INTERNAL, attributes, parent: ROOT_CONTEXT };
    return inSpan('deliver workspace snapshot', options, () => this.deliverNow(entry));
  }

  private async deliverNow({ workspaceId, ids, workspace: row }: ClaimedWorkspace): Promise<void> {
    if (!row) return; // deleted: its rows went with it
    const snapshot = rowToSnapshot(row);
    const instanceId = row.instanceId;
    try {
      const reply = await this.nats.request(
        applyWorkspaceSnapshotContract,
        signSnapshot(this.signer, instanceId, snapshot),
        { instanceId, timeoutMs: this.config.NATS_REQUEST_TIMEOUT_MS },
      );
      // One statement: every row this snapshot covers is delivered (claimed or not, by this replica or
      // another), and the workspace records what the instance holds — version and digest, the version
      // never beyond what the Hub decided — unless a newer reply was recorded already.
      await this.routing.markDelivered(workspaceId, snapshot.version, reply.appliedVersion, reply.digest);
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
      const attempts = await this.routing.undeliveredAttempts(manager, workspaceId, version, ids);
      const delaySeconds = outboxBackoffMs(attempts + 1, BACKOFF) / 1000;
      await this.routing.backOff(manager, workspaceId, version, ids, attempts + 1, message, delaySeconds);
      await this.routing.recordSyncError(manager, workspaceId, message, code);
    });
  }

  /** Deletes rows delivered more than the retention ago, a bounded batch at a time. */
  private async prune(): Promise<void> {
    await this.routing.prune(DELIVERED_RETENTION_SECONDS);
  }
}
