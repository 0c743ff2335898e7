import { randomUUID } from 'node:crypto';

import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import {
  fillSubject,
  GATEWAY_INBOX_PREFIX,
  listWorkspacePlacementsContract,
  ListWorkspacePlacementsReply,
  parseMessage,
  WorkspacePlacement,
  workspacePlacementChangedContract,
} from '@switchboard/contracts';
import { natsConnectionOptions, type NatsCredentials } from '@switchboard/server';

import type { PlacementTable } from './placement-table.js';

export interface PlacementSyncOptions {
  natsUrl: string;
  namespace: string;
  credentials: NatsCredentials;
  /** How long the Hub may take to answer one page, in ms. */
  requestTimeoutMs: number;
  /** How often the whole table is read again, in ms. */
  resyncIntervalMs: number;
  /** Placements per page asked of the Hub (at most `MAX_PLACEMENT_PAGE_SIZE`). */
  pageSize?: number;
  /** How long after start, before the first table, a Hub that does not answer is logged at info; default STARTUP_GRACE_MS. */
  startupGraceMs?: number;
  log: { info(message: string): void; warn(message: string): void };
}

/**
 * Keeps a `PlacementTable` in step with the Hub over NATS
 * (`libs/contracts` workspace-placement): subscribes to the changes the Hub
 * publishes after each commit, then reads the whole table a page at a time,
 * and reads it again every `resyncIntervalMs` (a missed message, an instance
 * whose URL changed, a Hub that was down are made good then). Speaks Nest's
 * NATS wire format (`{pattern, data, id}` requests, `{response}`/`{err}`
 * replies, `{pattern, data}` events) with nats.js directly: the gateway has no
 * Nest application. Replies come back on `_INBOX.gateway.…`, the only inbox
 * its NATS user may read (deploy/nats/nats-server.conf).
 */
/** The least time between two resyncs asked for by requests (`resyncSoon`), in milliseconds. */
export const EARLY_RESYNC_MIN_INTERVAL_MS = 5000;

/** How long after start, before its first table, the gateway logs a Hub that does not answer at info, in ms. */
export const STARTUP_GRACE_MS = 30_000;

export class PlacementSync {
  private connection: NatsConnection | undefined;
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private resyncing: Promise<void> | undefined;
  private stopped = false;
  /** When `start` was called (performance.now() ms). */
  private startedAt = 0;

  constructor(
    private readonly table: PlacementTable,
    private readonly options: PlacementSyncOptions,
  ) {}

  /** Connects (retrying for ever in the background) and starts the subscription and the resync loop; returns at once. */
  async start(): Promise<void> {
    this.startedAt = performance.now();
    this.connection = await connect({
      ...natsConnectionOptions(this.options.natsUrl, this.options.credentials, GATEWAY_INBOX_PREFIX),
      name: 'switchboard-gateway',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: true,
    });
    const subject = fillSubject(workspacePlacementChangedContract.subject, { namespace: this.options.namespace });
    this.subscription = this.connection.subscribe(subject, {
      callback: (error, message) => {
        if (error) return this.options.log.warn(`placement changes: ${error.message}`);
        try {
          const packet = message.json<{ data?: unknown }>();
          this.table.apply(parseMessage(subject, WorkspacePlacement, packet.data));
        } catch (failure) {
          this.options.log.warn(`ignored a placement change: ${describe(failure)}`);
        }
      },
    });
    void this.loop();
  }

  /** Whether NATS is connected now. */
  get connected(): boolean {
    return this.connection !== undefined && !this.connection.isClosed();
  }

  /**
   * Reads the whole table from the Hub now (one resync at a time; a caller
   * during one waits for it). Rejects when the Hub does not answer.
   */
  resync(): Promise<void> {
    this.resyncing ??= this.readAll().finally(() => (this.resyncing = undefined));
    return this.resyncing;
  }

  /** When `resyncSoon` last started a resync (performance.now() ms), or undefined. */
  private lastEarlyResync: number | undefined;

  /**
   * A resync ahead of the interval, when a request met a placement the table
   * has wrong (a moved workspace's old instance answered 307 and no change came
   * within the wait: a lost message). At most one per `minIntervalMs`, whatever
   * the number of callers, so that requests cannot drive the Hub's table reads;
   * failures are logged, not thrown.
   */
  resyncSoon(minIntervalMs = EARLY_RESYNC_MIN_INTERVAL_MS): void {
    const now = performance.now();
    if (this.stopped || (this.lastEarlyResync !== undefined && now - this.lastEarlyResync < minIntervalMs)) return;
    this.lastEarlyResync = now;
    this.options.log.info('a placement looks stale (an instance redirected a request): reading the table again');
    this.resync().catch((error: unknown) =>
      this.options.log.warn(`could not read the placement table from the Hub: ${describe(error)}`),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.subscription?.unsubscribe();
    await this.connection?.close();
  }

  private async loop(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.resync();
    } catch (error) {
      // A gateway started with its Hub (npm start, a Kubernetes rollout) finds none answering at first: that is
      // news only once it lasts. Before the first table, for STARTUP_GRACE_MS, it is said at info.
      const starting =
        !this.table.ready && performance.now() - this.startedAt < (this.options.startupGraceMs ?? STARTUP_GRACE_MS);
      const message = `could not read the placement table from the Hub: ${describe(error)}`;
      if (starting) this.options.log.info(`${message} (the gateway is starting: trying again)`);
      else this.options.log.warn(message);
    }
    if (this.stopped) return;
    // Until the first table arrives, ask again soon; then at the resync interval.
    const wait = this.table.ready ? this.options.resyncIntervalMs : Math.min(1000, this.options.resyncIntervalMs);
    this.timer = setTimeout(() => void this.loop(), wait);
    this.timer.unref();
  }

  private async readAll(): Promise<void> {
    const connection = this.connection;
    if (!connection) throw new Error('not started');
    const subject = fillSubject(listWorkspacePlacementsContract.subject, { namespace: this.options.namespace });
    const startedAt = this.table.begin();
    const placements: WorkspacePlacement[] = [];
    let after: string | undefined;
    do {
      const request = { ...(after ? { after } : {}), limit: this.options.pageSize ?? 1000 };
      const message = await connection.request(
        subject,
        JSON.stringify({ pattern: subject, data: request, id: randomUUID() }),
        { timeout: this.options.requestTimeoutMs },
      );
      const answer = message.json<{ response?: unknown; err?: unknown }>();
      if (answer.err !== undefined && answer.err !== null) {
        throw new Error(`the Hub refused the placement request: ${JSON.stringify(answer.err)}`);
      }
      const page = parseMessage(subject, ListWorkspacePlacementsReply, answer.response);
      placements.push(...page.placements);
      after = page.next;
    } while (after !== undefined);
    const wasReady = this.table.ready;
    this.table.replaceAll(placements, startedAt);
    if (!wasReady) this.options.log.info(`placement table loaded: ${placements.length} workspaces`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
