import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Keyring } from '@switchboard/crypto';
import { outboxBackoffMs, type OutboxDrainContext, OutboxDrainer, outboxLeaseSeconds } from '@switchboard/persistence';
import { describeError, OutboundHttp } from '@switchboard/server';
import type { DataSource } from 'typeorm';

import { InstanceConfig } from '../config.js';
import { type Scope, TenantScope } from '../database/tenant-scope.js';
import { DeliveriesInFlight } from '../journal/deliveries-in-flight.js';
import { EVENTS_CHANNEL } from '../journal/event-outbox.repository.js';
import { liveSecrets } from '../workspaces/workspace-keys.js';
import { EventMetrics } from './event-metrics.js';
import { type ClaimedDelivery, EventsRepository } from './events.repository.js';
import { SIGNATURE_HEADER, standardWebhookHeaders, webhookSignature } from './webhook-signature.js';

interface WorkspaceTarget {
  webhookUri: string | null;
  /** Live secrets, current first (see liveSecrets); empty when nothing was claimed. */
  secrets: string[];
}

interface Claim {
  workspace: WorkspaceTarget;
  deliveries: ClaimedDelivery[];
}

/** A workspace with nothing due is still looked at this often, in case a wake-up was lost. */
const SWEEP_MS = 30_000;
const LISTEN_RETRY_MS = 1000;
const MAX_ERROR_LENGTH = 500;
const PRUNE_INTERVAL_MS = 10 * 60_000;
/** Rows one prune statement deletes at most: each batch is its own short transaction, so a backlog holds no long locks. */
const PRUNE_BATCH_SIZE = 1000;

/** What one prune deleted. */
export interface PruneResult {
  deliveries: number;
  events: number;
}

/**
 * Sends the instance's event outbox (tables `events` and `event_deliveries`,
 * written by `EventOutbox`; not the Hub's routing outbox) to webhooks. A thin
 * adapter over `OutboxDrainer`, whose keys are workspaces. Workspaces are worked
 * independently, up to EVENTS_WORKSPACE_CONCURRENCY at once, each in its own
 * workspace scope (row-level security shows nothing without one): a slow or
 * dead receiver holds up only its own workspace. Within a workspace, each
 * (tenant, target) is a stream whose oldest undelivered event alone may be
 * sent, so a target sees a tenant's events in order; different streams go out
 * in parallel. Several replicas may run at once: a claimed delivery is locked
 * with SKIP LOCKED and hidden behind a lease (its next_attempt_at) while in
 * flight. Wakes on NOTIFY from the outbox; polls as the fallback. Prunes
 * what was delivered longer ago than the retention.
 *
 * Requests go through `OutboundHttp`: an address the outbound policy refuses
 * (after DNS resolution) fails the attempt like any network error — recorded
 * in `last_error`, retried with backoff. Each request carries the Standard
 * Webhooks headers (one signature per live secret) and `X-Signature`.
 */
@Injectable()
export class EventOutboxDelivery implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EventOutboxDelivery.name);
  private readonly leaseSeconds: number;
  /**
   * Keys are workspace ids, drained up to EVENTS_WORKSPACE_CONCURRENCY at
   * once. LISTENs for events committed by any replica; re-established until
   * shutdown (polling covers the gap), and every workspace is looked at again
   * on reconnect for what was committed meanwhile.
   */
  private readonly drainer: OutboxDrainer<string, PruneResult>;
  /** When each workspace next has a delivery due, as this replica last saw it; absent: look now. */
  private readonly dueAt = new Map<string, number>();

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly scope: TenantScope,
    private readonly events: EventsRepository,
    private readonly keyring: Keyring,
    private readonly config: InstanceConfig,
    private readonly http: OutboundHttp,
    private readonly metrics: EventMetrics,
    private readonly deliveriesInFlight: DeliveriesInFlight,
  ) {
    this.leaseSeconds = outboxLeaseSeconds(config.EVENTS_REQUEST_TIMEOUT_MS);
    this.drainer = new OutboxDrainer({
      name: 'event outbox',
      logger: this.logger,
      listen: {
        url: (dataSource.options as { url: string }).url,
        channel: EVENTS_CHANNEL,
        applicationName: 'switchboard-events-listener',
        retryMs: LISTEN_RETRY_MS,
        keyOf: (workspaceId) => workspaceId || undefined,
      },
      // Notifications sent while it was away are lost: the poll that follows looks at every workspace.
      onListening: () => this.dueAt.clear(),
      onWake: (workspaceId) => this.dueAt.delete(workspaceId),
      poll: { intervalMs: config.EVENTS_POLL_INTERVAL_MS, due: () => this.dueWorkspaces() },
      concurrency: config.EVENTS_WORKSPACE_CONCURRENCY,
      drain: (workspaceId, context) => this.deliveriesInFlight.track(workspaceId, this.run(workspaceId, context)),
      prune: { intervalMs: PRUNE_INTERVAL_MS, run: () => this.pruneWorkspaces() },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.drainer.start();
  }

  /**
   * Stops claiming and aborts requests in flight while the database is still
   * open to release their leases; a prune stops after its current batch.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.drainer.stop();
  }

  private get stopped(): boolean {
    return this.drainer.stopping;
  }

  /**
   * Deletes what EVENTS_RETENTION_SECONDS lets go, in every workspace
   * (archived ones too: their undelivered events stay all the same), each in
   * its own workspace scope since row-level security shows nothing without
   * one. Deliveries go first, so that their events are then free to go. A call
   * during a prune in progress shares it.
   */
  prune(): Promise<PruneResult> {
    return this.drainer.prune();
  }

  private async pruneWorkspaces(): Promise<PruneResult> {
    const pruned: PruneResult = { deliveries: 0, events: 0 };
    for (const id of await this.events.listWorkspaceIds()) {
      if (this.stopped) break;
      const scope: Scope = { workspaceId: id, tenantId: null };
      try {
        pruned.deliveries += await this.pruneInBatches((batch) =>
          this.events.pruneDeliveries(scope, this.config.EVENTS_RETENTION_SECONDS, batch),
        );
        pruned.events += await this.pruneInBatches((batch) =>
          this.events.pruneEvents(scope, this.config.EVENTS_RETENTION_SECONDS, batch),
        );
      } catch (error) {
        // One workspace's failure does not keep the others from being pruned; the next round retries it.
        if (!this.stopped) this.logger.warn(`pruning events of workspace ${id} failed: ${describeError(error)}`);
      }
    }
    return pruned;
  }

  /** Runs one batch after another, each its own transaction, until a batch comes back short. */
  private async pruneInBatches(batch: (size: number) => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await batch(PRUNE_BATCH_SIZE);
      total += count;
      if (count < PRUNE_BATCH_SIZE || this.stopped) return total;
    }
  }

  /** Works the workspace now, or makes its run in progress look again. */
  wake(workspaceId: string): void {
    this.drainer.wake(workspaceId);
  }

  /** Lists live workspaces (the table has no row-level security); those that may have work due are woken. */
  private async dueWorkspaces(): Promise<string[]> {
    const live = new Set(await this.events.listLiveWorkspaceIds());
    for (const id of this.dueAt.keys()) if (!live.has(id)) this.dueAt.delete(id);
    const now = Date.now();
    return [...live].filter((id) => (this.dueAt.get(id) ?? 0) <= now);
  }

  /**
   * Claims what is due, sends it without waiting for the rest, and claims
   * again whenever a request finishes (the next event of its stream may now
   * be due) or new work is committed, until nothing is due or in flight.
   */
  private async run(workspaceId: string, wakeup: OutboxDrainContext): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    try {
      for (;;) {
        if (this.stopped) return;
        wakeup.pending = false;
        const room = this.config.EVENTS_DELIVERY_CONCURRENCY - inFlight.size;
        if (room > 0) {
          const claim = await this.claim(workspaceId, room);
          if (!claim) return; // archived or gone: nothing of it is delivered
          for (const delivery of claim.deliveries) {
            const sending: Promise<void> = this.deliver(workspaceId, claim.workspace, delivery).finally(() =>
              inFlight.delete(sending),
            );
            inFlight.add(sending);
          }
        }
        if (inFlight.size === 0) {
          if (wakeup.pending) continue;
          this.dueAt.set(workspaceId, await this.nextDueAt(workspaceId));
          return;
        }
        await Promise.race([...inFlight, wakeup.nextWake()]);
      }
    } catch (error) {
      this.dueAt.delete(workspaceId);
      if (!this.stopped)
        this.logger.warn(`event delivery for workspace ${workspaceId} failed: ${describeError(error)}`);
    } finally {
      await Promise.allSettled(inFlight);
    }
  }

  /**
   * Leases the due heads of the workspace's streams (see
   * EventsRepository.claimDue) and reads the secrets to sign them with, in
   * one workspace-scope transaction: if the secrets cannot be read, no lease
   * is taken. Null when the workspace is archived or gone.
   */
  private async claim(workspaceId: string, limit: number): Promise<Claim | null> {
    return this.scope.run({ workspaceId, tenantId: null }, async (manager) => {
      const workspace = await this.events.findLiveWorkspace(manager, workspaceId);
      if (!workspace) return null;
      const deliveries = await this.events.claimDue(manager, workspaceId, limit, this.leaseSeconds);
      const secrets = deliveries.length > 0 ? liveSecrets(workspace, this.keyring) : [];
      return { workspace: { webhookUri: workspace.webhookUri, secrets }, deliveries };
    });
  }

  private async deliver(workspaceId: string, workspace: WorkspaceTarget, delivery: ClaimedDelivery): Promise<void> {
    const uri = delivery.subscriptionId === null ? workspace.webhookUri : delivery.subscriptionUri;
    // The delivery's own tenant scope: enough to write it, nothing more.
    const scope: Scope = { workspaceId, tenantId: delivery.tenantId };
    try {
      if (uri === null || delivery.subscriptionArchived) {
        // The target is gone (webhook removed, subscription deleted): so is what was queued for it.
        await this.events.deleteDelivery(scope, delivery.id);
        return;
      }
      const error = await this.send(uri, workspace.secrets, delivery);
      if (error === undefined) {
        // Shutting down: hand the delivery back for the next replica rather than count an attempt.
        await this.events.releaseDelivery(scope, delivery.id);
      } else if (error === null) {
        await this.events.markDelivered(scope, delivery.id);
      } else {
        this.metrics.deliveryFailures.inc();
        const attempts = delivery.attempts + 1;
        const backoffMs = outboxBackoffMs(attempts, {
          minMs: this.config.EVENTS_MIN_BACKOFF_MS,
          maxMs: this.config.EVENTS_MAX_BACKOFF_MS,
        });
        await this.events.recordFailure(scope, delivery.id, {
          attempts,
          error: error.slice(0, MAX_ERROR_LENGTH),
          retryInSeconds: backoffMs / 1000,
        });
        this.logger.warn(
          `event ${delivery.eventId} (${delivery.eventType}) delivery ${delivery.id} failed, attempt ${attempts}: ${error}`,
        );
      }
    } catch (error) {
      // The lease runs out and the delivery is tried again.
      if (!this.stopped) this.logger.warn(`recording event delivery ${delivery.id} failed: ${describeError(error)}`);
    }
  }

  /** Null on a 2xx, the reason otherwise, undefined when aborted by shutdown. */
  private async send(uri: string, secrets: string[], delivery: ClaimedDelivery): Promise<string | null | undefined> {
    const body = JSON.stringify({
      eventType: delivery.eventType,
      data: delivery.eventData,
      id: delivery.eventId,
      createdAt: delivery.eventCreatedAt.toISOString(),
    });
    // A controller held by its own timer, not AbortSignal.any([AbortSignal.timeout(…), …]): on
    // Node 20 the composite holds its sources weakly and, once collected, never aborts — a hung
    // receiver would then hold its stream forever.
    const controller = new AbortController();
    const timeoutMs = this.config.EVENTS_REQUEST_TIMEOUT_MS;
    const timer = setTimeout(() => controller.abort(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
    const onShutdown = () => controller.abort(new Error('shutting down'));
    const shutdown = this.drainer.signal;
    shutdown.addEventListener('abort', onShutdown, { once: true });
    try {
      const [current] = secrets;
      if (current === undefined) throw new Error('a webhook needs at least one secret to be signed with');
      const response = await this.http.fetch(uri, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...standardWebhookHeaders(delivery.eventId, Date.now() / 1000, body, secrets),
          [SIGNATURE_HEADER]: webhookSignature(current, body),
        },
        body,
        // A redirect is not a 2xx: following it could send the event somewhere the target never named.
        redirect: 'manual',
        signal: controller.signal,
      });
      await response.body?.cancel().catch(() => undefined);
      return response.ok ? null : `HTTP ${response.status}`;
    } catch (error) {
      if (shutdown.aborted) return undefined;
      return describeError(controller.signal.aborted ? controller.signal.reason : error);
    } finally {
      clearTimeout(timer);
      shutdown.removeEventListener('abort', onShutdown);
    }
  }

  /** When the earliest stream head of the workspace is due (leases included), capped by the sweep. */
  private async nextDueAt(workspaceId: string): Promise<number> {
    const inMs = await this.events.nextDueInMs({ workspaceId, tenantId: null });
    const now = Date.now();
    return Math.min(now + SWEEP_MS, inMs === null ? Infinity : now + inMs);
  }
}
