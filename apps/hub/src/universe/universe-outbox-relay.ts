import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import {
  applyUniverseSnapshotContract,
  type SignedUniverseSnapshot,
  type UniverseSnapshot,
} from '@switchboard/contracts';
import { SnapshotSigner } from '@switchboard/crypto';
import { outboxBackoffMs, OutboxDrainer, type OutboxDrainResult, outboxLeaseSeconds } from '@switchboard/persistence';
import { describeError, inSpan, NatsClient, SpanKind } from '@switchboard/server';
import { DataSource } from 'typeorm';

import { HubConfig } from '../config.js';
import { type ClaimedInstance, UNIVERSE_OUTBOX_CHANNEL, UniverseRepository } from './universe.repository.js';
import { universeSigner } from './universe-snapshot.mapper.js';

const BATCH_SIZE = 1000;
const POLL_INTERVAL_MS = 1000;
const LISTEN_RETRY_MS = 1000;
/** Retries of a failed delivery: full jitter between these bounds (see outboxBackoffMs). */
const BACKOFF = { minMs: 100, maxMs: 30_000 };
const PRUNE_INTERVAL_MS = 60_000;
/** Delivered rows are kept this long (for inspection), then deleted. */
const DELIVERED_RETENTION_SECONDS = 3600;
/** The universe outbox is drained as one queue: one drain at a time in this process. */
const UNIVERSE_OUTBOX = 'universe_outbox';

/**
 * Drains the Hub's universe outbox (table `universe_outbox`; not the routing
 * outbox of workspace snapshots): sends the whole current universe, signed
 * with the Hub's Ed25519 key for each instance, as a NATS request
 * (`applyUniverseSnapshotContract`) to every instance with rows due, and marks
 * its rows delivered only on the instance's reply (the ack, which also
 * records the instance's `universe_version`). A failure backs that instance's
 * rows off (full jitter, 100 ms to 30 s); the others go on. A thin adapter
 * over `OutboxDrainer`: woken by Postgres NOTIFY (and `wake()` in this
 * process), polling every second as the fallback; rows are claimed with
 * `FOR UPDATE SKIP LOCKED` behind a lease, so several Hub replicas can drain.
 * One drain reads the universe once, however many instances it serves.
 */
@Injectable()
export class UniverseOutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(UniverseOutboxRelay.name);
  private readonly drainer: OutboxDrainer<typeof UNIVERSE_OUTBOX>;
  /** Instances with a delivery in flight from this replica; their rows wait for the next pass. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly leaseSeconds: number;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly nats: NatsClient,
    private readonly config: HubConfig,
    private readonly signer: SnapshotSigner,
    private readonly repository: UniverseRepository,
  ) {
    this.leaseSeconds = outboxLeaseSeconds(config.NATS_REQUEST_TIMEOUT_MS);
    this.drainer = new OutboxDrainer({
      name: 'universe outbox',
      logger: this.logger,
      listen: {
        url: (dataSource.options as { url: string }).url,
        channel: UNIVERSE_OUTBOX_CHANNEL,
        applicationName: 'switchboard-hub-universe-listener',
        retryMs: LISTEN_RETRY_MS,
        keyOf: () => UNIVERSE_OUTBOX,
      },
      poll: { intervalMs: POLL_INTERVAL_MS, due: () => [UNIVERSE_OUTBOX] },
      drain: () => this.drain(),
      prune: { intervalMs: PRUNE_INTERVAL_MS, run: () => this.repository.prune(DELIVERED_RETENTION_SECONDS) },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.drainer.start();
  }

  /** Lets deliveries in flight finish (each bounded by the request timeout) while the database is still open. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.drainer.stop();
  }

  /** Runs a drain now (or right after the one in progress). */
  wake(): void {
    this.drainer.wake(UNIVERSE_OUTBOX);
  }

  private async drain(): Promise<OutboxDrainResult> {
    try {
      const claimed = await this.repository.claimDue(this.leaseSeconds, BATCH_SIZE, [...this.inFlight.keys()]);
      if (claimed.length === 0) return {};
      // Read after the claim: every claimed row committed with the version it names, so this is at least as new.
      const snapshot = await this.repository.snapshot();
      const signed = universeSigner(this.signer, snapshot);
      for (const entry of claimed) {
        const wakesBefore = this.drainer.wakes;
        // Not awaited: one slow or dead instance must not hold back the others.
        const delivery = this.deliver(entry, signed(entry.instanceId)).finally(() => {
          this.inFlight.delete(entry.instanceId);
          // A change committed meanwhile was skipped while this instance was in flight: drain again.
          if (this.drainer.wakes !== wakesBefore) this.wake();
        });
        this.inFlight.set(entry.instanceId, delivery);
        void this.drainer.track(delivery);
      }
      return { again: claimed.reduce((sum, entry) => sum + entry.ids.length, 0) >= BATCH_SIZE };
    } catch (error) {
      this.logger.warn(`universe outbox drain failed; retrying: ${describeError(error)}`);
      return {};
    }
  }

  /** One delivery is one trace of its own, whichever context woke the drain. */
  private deliver(entry: ClaimedInstance, signed: SignedUniverseSnapshot): Promise<void> {
    const attributes = {
      'switchboard.instance.id': entry.instanceId,
      'switchboard.universe.version': String(signed.snapshot.version),
    };
    const options = { kind: SpanKind.INTERNAL, attributes, parent: ROOT_CONTEXT };
    return inSpan('deliver universe snapshot', options, () => this.deliverNow(entry, signed));
  }

  private async deliverNow({ instanceId, ids }: ClaimedInstance, signed: SignedUniverseSnapshot): Promise<void> {
    const snapshot: UniverseSnapshot = signed.snapshot;
    try {
      const reply = await this.nats.request(applyUniverseSnapshotContract, signed, {
        instanceId,
        timeoutMs: this.config.NATS_REQUEST_TIMEOUT_MS,
      });
      await this.repository.markDelivered(instanceId, snapshot.version, reply.appliedVersion, reply.digest);
    } catch (error) {
      const message = describeError(error);
      await this.repository
        .backOff(instanceId, snapshot.version, ids, message, (attempts) => outboxBackoffMs(attempts, BACKOFF))
        .catch((dbError: unknown) =>
          this.logger.warn(`could not record a failed universe delivery: ${describeError(dbError)}`),
        );
      this.logger.warn(`delivery of universe version ${snapshot.version} to ${instanceId} failed: ${message}`);
    }
  }
}
