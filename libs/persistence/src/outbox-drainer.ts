import { PgListener } from './pg-listener.js';

/**
 * What a drain of one key sees: whether it was woken since it last looked,
 * a promise for the next wake, and the stop signal.
 */
export interface OutboxDrainContext {
  /**
   * Set when `wake(key)` arrives during this drain. The drain may clear it
   * before it looks at the table again; if it is still set when the drain
   * returns, the key is drained again.
   */
  pending: boolean;
  /** Resolves at the next wake of this key (at once if one is pending) or at stop. */
  nextWake(): Promise<void>;
  /** Aborted by `stop()`: long requests may give up and hand their work back. */
  readonly signal: AbortSignal;
}

/** What a drain may ask for when it returns. */
export interface OutboxDrainResult {
  /** More may be due right now (a full batch was claimed): drain this key again at once. */
  again?: boolean;
}

/** Where warnings go (a Nest `Logger` fits). */
export interface OutboxDrainerLogger {
  warn(message: string): void;
}

export interface OutboxDrainerOptions<Key extends string, PruneResult> {
  /** Names the outbox in logs, e.g. `routing outbox`. */
  name: string;
  logger: OutboxDrainerLogger;
  /**
   * LISTEN for rows committed by any process; re-established by itself until
   * `stop()`, polling covers the gap, and every (re)connect runs a poll for
   * what was committed meanwhile (notifications sent while it was away are
   * lost: Postgres manual, NOTIFY).
   */
  listen?: {
    url: string;
    channel: string;
    applicationName?: string;
    /** Delay before re-establishing a lost LISTEN, in ms (default 1000). */
    retryMs?: number;
    /** The key a notification's payload wakes; undefined wakes nothing. */
    keyOf(payload: string | undefined): Key | undefined;
  };
  /** Fallback polling: every `intervalMs` (and on each LISTEN), the keys `due()` names are woken. */
  poll: {
    intervalMs: number;
    due(): Promise<Iterable<Key>> | Iterable<Key>;
  };
  /** Keys drained at once in this process (default 1); one key is never drained twice at once. */
  concurrency?: number;
  /**
   * One drain of a key: claims what is due through the adapter's own SQL
   * (`FOR UPDATE SKIP LOCKED` and a lease, see `outboxLeaseSeconds`), works
   * it, records the outcome. Errors are logged and the key is left to the
   * next wake or poll.
   */
  drain(key: Key, context: OutboxDrainContext): Promise<OutboxDrainResult | void>;
  /** Called by every `wake(key)` (before the drain is scheduled). */
  onWake?(key: Key): void;
  /** Called each time LISTEN is (re)established, before the poll it triggers. */
  onListening?(): void;
  /** Periodic pruning: `run` every `intervalMs`, never two at once; a failure is logged and retried next round. */
  prune?: {
    intervalMs: number;
    run(signal: AbortSignal): Promise<PruneResult>;
  };
}

/** A key's drain in progress. */
interface Running {
  context: OutboxDrainContext & { notify(): void };
  done: Promise<void>;
}

/**
 * One outbox drainer for both services (the Hub's routing outbox and the
 * instance's event outbox). It wakes a key's drain on Postgres NOTIFY and on
 * `wake(key)`, polls as the fallback, never drains one key twice at once in
 * this process (a wake during a drain makes it look again), drains up to
 * `concurrency` keys at once, prunes periodically, and stops cleanly: no new
 * drain starts, the stop signal aborts, and `stop()` resolves once the
 * drains, tracked work and prune in progress have finished.
 *
 * Several processes may drain the same table: the drain callback claims rows
 * with `FOR UPDATE SKIP LOCKED` and pushes their `next_attempt_at` out by a
 * lease, so no two claim the same row (Postgres manual, SELECT, "The Locking
 * Clause"), and a crashed process's rows come back when the lease runs out.
 */
export class OutboxDrainer<Key extends string, PruneResult = unknown> {
  private readonly listener: PgListener | undefined;
  private readonly shutdown = new AbortController();
  private readonly queue = new Set<Key>();
  private readonly running = new Map<Key, Running>();
  private readonly tracked = new Set<Promise<unknown>>();
  private pollTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private pruning: Promise<PruneResult> | undefined;
  private started = false;
  private wakeCount = 0;

  constructor(private readonly options: OutboxDrainerOptions<Key, PruneResult>) {
    if (!(options.poll.intervalMs > 0)) throw new Error(`${options.name}: the poll interval must be positive`);
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new Error(`${options.name}: the concurrency must be a positive integer`);
    const listen = options.listen;
    this.listener = listen
      ? new PgListener({
          url: listen.url,
          channel: listen.channel,
          applicationName: listen.applicationName,
          retryMs: listen.retryMs ?? 1000,
          onNotification: (payload) => {
            const key = listen.keyOf(payload);
            if (key !== undefined) this.wake(key);
          },
          onListening: () => {
            this.options.onListening?.();
            if (this.started) void this.poll(false);
          },
          onLost: (error) =>
            this.options.logger.warn(
              `${options.name} listener is not connected; polling until it is: ${describe(error)}`,
            ),
        })
      : undefined;
  }

  /** Aborted by `stop()`. */
  get signal(): AbortSignal {
    return this.shutdown.signal;
  }

  /** True once `stop()` was called. */
  get stopping(): boolean {
    return this.shutdown.signal.aborted;
  }

  /** How many wakes this drainer has had: a drain can tell whether work arrived while it looked away. */
  get wakes(): number {
    return this.wakeCount;
  }

  /** Listens (a failed first attempt is retried in the background), polls at once, and starts pruning. */
  async start(): Promise<void> {
    if (this.started || this.stopping) return;
    await this.listener?.start();
    // Stopped while connecting: start nothing that stop() would not clear.
    if (this.stopping) return;
    this.started = true;
    void this.poll(true);
    const prune = this.options.prune;
    if (prune) {
      this.pruneTimer = setInterval(
        () =>
          void this.prune().catch((error: unknown) =>
            this.options.logger.warn(`pruning the ${this.options.name} failed: ${describe(error)}`),
          ),
        prune.intervalMs,
      );
      this.pruneTimer.unref();
    }
  }

  /**
   * Drains `key` now, or makes its drain in progress look again (see
   * `OutboxDrainContext.pending`). Ignored after `stop()`.
   */
  wake(key: Key): void {
    this.wakeCount++;
    if (this.stopping) return;
    this.options.onWake?.(key);
    const running = this.running.get(key);
    if (running) {
      running.context.notify();
      return;
    }
    this.queue.add(key);
    this.pump();
  }

  /** Keeps `stop()` waiting for `work` (e.g. a delivery a drain started without awaiting it). */
  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.tracked.add(settled);
    void settled.then(() => this.tracked.delete(settled));
    return work;
  }

  /** Runs the prune callback now; a call during a prune in progress shares it. */
  prune(): Promise<PruneResult> {
    const prune = this.options.prune;
    if (!prune) return Promise.reject(new Error(`${this.options.name}: no prune configured`));
    this.pruning ??= prune.run(this.shutdown.signal).finally(() => (this.pruning = undefined));
    return this.pruning;
  }

  /**
   * Stops waking and polling, aborts `signal`, waits for the drains, tracked
   * work and prune in progress, then closes the LISTEN connection. Call it
   * while the database is still open so that in-flight work can record itself.
   */
  async stop(): Promise<void> {
    this.shutdown.abort();
    clearTimeout(this.pollTimer);
    clearInterval(this.pruneTimer);
    this.queue.clear();
    for (const running of this.running.values()) running.context.notify();
    // A drain that was claiming when stopped may still hand work to `track`: wait until nothing is left.
    while (this.running.size > 0 || this.tracked.size > 0 || this.pruning) {
      await Promise.allSettled([
        ...[...this.running.values()].map((running) => running.done),
        ...this.tracked,
        this.pruning,
      ]);
    }
    await this.listener?.stop();
  }

  private pump(): void {
    const concurrency = this.options.concurrency ?? 1;
    for (const key of this.queue) {
      if (this.stopping || this.running.size >= concurrency) return;
      this.queue.delete(key);
      const context = newContext(this.shutdown.signal);
      const done = this.runDrain(key, context).finally(() => {
        this.running.delete(key);
        this.pump();
      });
      this.running.set(key, { context, done });
    }
  }

  private async runDrain(key: Key, context: Running['context']): Promise<void> {
    let again = false;
    try {
      const result = await this.options.drain(key, context);
      again = result?.again === true;
    } catch (error) {
      if (!this.stopping) this.options.logger.warn(`draining the ${this.options.name} failed: ${describe(error)}`);
    }
    // Woken after its last look, or asked to: the work it was told about may be unseen. Queued behind the
    // keys waiting already, so one busy key does not starve the others.
    if ((again || context.pending) && !this.stopping) this.queue.add(key);
  }

  private async poll(reschedule: boolean): Promise<void> {
    if (this.stopping) return;
    try {
      for (const key of await this.options.poll.due()) this.wake(key);
    } catch (error) {
      this.options.logger.warn(`polling the ${this.options.name} failed: ${describe(error)}`);
    } finally {
      if (reschedule && !this.stopping) {
        this.pollTimer = setTimeout(() => void this.poll(true), this.options.poll.intervalMs);
      }
    }
  }
}

function newContext(signal: AbortSignal): Running['context'] {
  let waiting: { promise: Promise<void>; resolve: () => void } | undefined;
  const context: Running['context'] = {
    pending: false,
    signal,
    notify() {
      context.pending = true;
      waiting?.resolve();
      waiting = undefined;
    },
    nextWake() {
      if (context.pending || signal.aborted) return Promise.resolve();
      if (!waiting) {
        let resolve!: () => void;
        const promise = new Promise<void>((done) => (resolve = done));
        waiting = { promise, resolve };
      }
      return waiting.promise;
    },
  };
  return context;
}

/** Bounds of `outboxBackoffMs`, in ms. */
export interface BackoffBounds {
  /** The floor of every delay; > 0. */
  minMs: number;
  /** The cap; >= minMs. */
  maxMs: number;
}

/**
 * Delay before the next attempt after `attempts` (>= 1) failed ones, in ms:
 * exponential with full jitter — uniform between `minMs` and
 * min(`maxMs`, `minMs` · 2^attempts) — so that retries from many rows
 * spread out instead of arriving together ("Exponential Backoff And Jitter",
 * AWS Architecture Blog, 2015; the floor keeps a dead target from being
 * hammered). Throws a RangeError on bounds that are not 0 < minMs <= maxMs.
 */
export function outboxBackoffMs(attempts: number, { minMs, maxMs }: BackoffBounds): number {
  if (!(minMs > 0) || !(maxMs >= minMs))
    throw new RangeError(`backoff bounds must be 0 < min <= max (${minMs}, ${maxMs})`);
  const exponent = Math.min(Math.max(Math.floor(attempts), 1), 40);
  const ceiling = Math.min(maxMs, minMs * 2 ** exponent);
  return Math.round(minMs + Math.random() * (ceiling - minMs));
}

/**
 * The lease a claimed row is hidden behind, in whole seconds: the request
 * timeout plus a 5 s margin, so that a live process's request is never taken
 * over while it may still succeed.
 */
export function outboxLeaseSeconds(requestTimeoutMs: number): number {
  return Math.ceil((requestTimeoutMs + 5000) / 1000);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
