import { randomUUID } from 'node:crypto';

import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  type Contract,
  moveChangesContract,
  MOVED_TABLE_NAMES,
  moveDiscardContract,
  type MoveDiscardRequest,
  type MovedRow,
  moveExportContract,
  moveFreezeContract,
  moveImportContract,
  moveSourceFinishContract,
  moveSourceStartContract,
  moveTallyContract,
  moveTargetActivateContract,
  moveTargetPrepareContract,
  type TableTally,
} from '@switchboard/contracts';
import type { Columns } from '@switchboard/persistence';
import { describeError, NatsClient, NatsErrorReply } from '@switchboard/server';
import { DataSource } from 'typeorm';

import { HubConfig } from '../config.js';
import { InstancesRepository } from '../instances/instances.repository.js';
import { schemaMismatch } from '../instances/schema-level.js';
import { PlacementPublisher } from '../routing/placement-publisher.js';
import { RoutingOutboxService } from '../routing/routing-outbox.service.js';
import { RoutingOutboxRelay } from '../routing/routing-outbox-relay.js';
import { type MoveProgress, MovesRepository } from './moves.repository.js';
import type { MoveState, WorkspaceMove } from './workspace-move.entity.js';

const POLL_MS = 250;
const LEASE_SECONDS = 20;
/** Moves worked at once by one Hub process. */
const CONCURRENCY = 4;
/** The catch-up goes to the cutover when fewer changes than this wait (a cutover drains them with writes held). */
const CUTOVER_BACKLOG = 200;
/** A step that fails is retried after a backoff doubling from MIN to MAX. */
const BACKOFF = { minMs: 200, maxMs: 10_000 };
/**
 * Catch-up batches in a row that write nothing (every row's parent missing on the target) before the move
 * fails: the log is read oldest first and a parent is logged before its children, so a head that never
 * writes is a fault to show, not something to wait out.
 */
const MAX_STALLED_BATCHES = 50;
/** Steps that may wait on writers or webhooks in flight on the source get longer than a plain request. */
const SLOW_STEP_MS = 15_000;

/** The move was aborted, taken over or finished by someone else meanwhile: stop working it. */
class MoveLost extends Error {
  override name = 'MoveLost';
}

/** A step failed in a way retrying cannot mend: the move fails, and what it left is discarded. */
class MoveFailed extends Error {
  override name = 'MoveFailed';
}

/**
 * Drives workspace moves (table `workspace_moves`, see WorkspaceMove) from
 * their state in the database, so that a Hub that restarts, or another
 * replica after the lease ran out, carries on where the last step was
 * recorded; every step is idempotent on the instances. Claims due moves with
 * `FOR UPDATE SKIP LOCKED` behind a lease, as the outbox drainers do; polls
 * every POLL_MS and wakes at once when this process starts or aborts one.
 *
 * - `copying`: the target prepares (purging a stale copy), the source starts
 *   recording changes; then table by table (MOVED_TABLE_NAMES), chunks
 *   exported from the source are imported on the target, the position
 *   recorded after each.
 * - `catching_up`: the source's recorded changes are replayed on the target
 *   until fewer than CUTOVER_BACKLOG wait.
 * - `cutover`: the source freezes the workspace, the last changes are
 *   replayed, both sides' tallies (count and checksum per table) must agree;
 *   then, in one Hub transaction, the workspace is placed on the target with
 *   a new config version and its snapshot queued on the routing outbox; the
 *   target is activated and the source redirects (`307`); then the gateways
 *   are told the new placement. A tally that
 *   differs fails the move: the source is thawed, the copy discarded.
 * - `done`: after HUB_MOVE_RETENTION_SECONDS the source's copy is purged.
 * - `failed`/`aborted`: the target's copy and the source's change log go.
 *
 * The two instances' schema levels are compared (`schemaMismatch`, `running`) when a move in `copying` or
 * `catching_up` is claimed (also after a step failed and was given back), before the catch-up begins and
 * before the freeze: a move whose sides now differ (one was upgraded during it) fails with that reason,
 * its copy discarded and the source authoritative, instead of retrying imports the target cannot take.
 * One read of two instance rows on the Hub each time, none per chunk.
 */
@Injectable()
export class MoveWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MoveWorker.name);
  private readonly owner = `hub-${randomUUID()}`;
  private readonly working = new Map<string, Promise<void>>();
  /**
   * Per move, the changes this process replayed last and has not yet told the
   * source: sent with the next request, which deletes them there. Lost with
   * the process, they are read and replayed again (the rows as they are then).
   */
  private readonly replayed = new Map<string, string[]>();
  /** Per move, the catch-up batches in a row that wrote nothing while rows were left out (MAX_STALLED_BATCHES). */
  private readonly stalled = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private polling = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: MovesRepository,
    private readonly instances: InstancesRepository,
    private readonly outbox: RoutingOutboxService,
    private readonly relay: RoutingOutboxRelay,
    private readonly placements: PlacementPublisher,
    private readonly nats: NatsClient,
    private readonly config: HubConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.timer.unref();
    this.wake();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.working.values()]);
  }

  /** Claims what is due now (a move was started or aborted in this process). */
  wake(): void {
    if (this.polling || this.stopping) return;
    this.polling = true;
    void this.claimDue()
      .catch((error: unknown) => this.logger.warn(`claiming moves failed: ${describeError(error)}`))
      .finally(() => {
        this.polling = false;
      });
  }

  private async claimDue(): Promise<void> {
    while (!this.stopping && this.working.size < CONCURRENCY) {
      const move = await this.repository.claim(this.owner, LEASE_SECONDS, [...this.working.keys()]);
      if (!move) return;
      const work = this.work(move).finally(() => this.working.delete(move.id));
      this.working.set(move.id, work);
    }
  }

  private async work(claimed: Columns<WorkspaceMove>): Promise<void> {
    let move = claimed;
    try {
      if (!move.cleanupPending && (move.state === 'copying' || move.state === 'catching_up')) {
        await this.checkSchemaLevels(move);
      }
      for (;;) {
        if (this.stopping) throw new MoveLost('shutting down');
        const next = await this.step(move);
        if (!next) break;
        move = next;
      }
      await this.repository.release(move.id, this.owner, 0);
    } catch (error) {
      if (error instanceof MoveLost) {
        await this.repository.release(move.id, this.owner, 0).catch(() => undefined);
        return;
      }
      if (error instanceof MoveFailed && RUNNING.includes(move.state)) {
        await this.fail(move, error.message).catch((failError: unknown) =>
          this.logger.warn(`could not record the failure of move ${move.id}: ${describeError(failError)}`),
        );
        return;
      }
      const backoff = Math.min(BACKOFF.maxMs, BACKOFF.minMs * 2 ** Math.min(move.attempts, 10));
      this.logger.warn(
        `move ${move.id} (${move.state}) failed a step, retrying in ${backoff} ms: ${describeError(error)}`,
      );
      await this.repository
        .release(move.id, this.owner, backoff, describeError(error).slice(0, 1000))
        .catch((releaseError: unknown) =>
          this.logger.warn(`could not release move ${move.id}: ${describeError(releaseError)}`),
        );
    }
  }

  /** One step of the move; the move as it is after it, or null when there is nothing more to do now. */
  private async step(move: Columns<WorkspaceMove>): Promise<Columns<WorkspaceMove> | null> {
    if (move.cleanupPending) return this.cleanUp(move);
    switch (move.state) {
      case 'copying':
        return this.copy(move);
      case 'catching_up':
        return this.catchUp(move);
      case 'cutover':
        return this.cutover(move);
      case 'done':
        return move.purgeAfter && !move.purgedAt && move.purgeAfter.getTime() <= Date.now() ? this.purge(move) : null;
      case 'failed':
      case 'aborted':
        return null;
    }
  }

  private async copy(move: Columns<WorkspaceMove>): Promise<Columns<WorkspaceMove>> {
    const step = { moveId: move.id, workspaceId: move.orgWorkspaceId };
    if (move.copyTable === 0 && move.copyAfter === null) {
      await this.ask(moveTargetPrepareContract, step, move.toInstanceId);
      await this.ask(moveSourceStartContract, step, move.fromInstanceId, SLOW_STEP_MS);
    }
    const table = MOVED_TABLE_NAMES[move.copyTable];
    if (table === undefined) {
      await this.checkSchemaLevels(move);
      return this.save(move, { state: 'catching_up' });
    }
    const chunk = await this.ask(
      moveExportContract,
      { ...step, table, ...(move.copyAfter ? { after: move.copyAfter } : {}) },
      move.fromInstanceId,
    );
    if (chunk.rows.length > 0) {
      const rows: MovedRow[] = chunk.rows.map((row) => ({ table, pk: {}, row }));
      await this.ask(moveImportContract, { ...step, rows, copy: true }, move.toInstanceId, SLOW_STEP_MS);
    }
    return chunk.next
      ? this.save(move, { copyAfter: chunk.next, rowsCopiedAdd: chunk.rows.length })
      : this.save(move, { copyTable: move.copyTable + 1, copyAfter: null, rowsCopiedAdd: chunk.rows.length });
  }

  /** Replays one batch of changes; to the cutover once few are left. */
  private async catchUp(move: Columns<WorkspaceMove>): Promise<Columns<WorkspaceMove>> {
    const { replayed, remaining, last, skipped } = await this.replayBatch(move);
    const stalled = replayed === 0 && skipped > 0 ? (this.stalled.get(move.id) ?? 0) + 1 : 0;
    this.stalled.set(move.id, stalled);
    if (stalled >= MAX_STALLED_BATCHES) {
      this.stalled.delete(move.id);
      throw new MoveFailed(
        `The catch-up made no progress in ${stalled} batches: the target lacks the parents of ${skipped} changed rows.`,
      );
    }
    const progress: MoveProgress = { changeCursor: last, rowsCopiedAdd: replayed };
    return this.save(move, remaining < CUTOVER_BACKLOG ? { ...progress, state: 'cutover' } : progress);
  }

  private async cutover(move: Columns<WorkspaceMove>): Promise<Columns<WorkspaceMove>> {
    const step = { moveId: move.id, workspaceId: move.orgWorkspaceId };
    const placedOn = await this.repository.placement(move.orgWorkspaceId);
    if (placedOn === null) throw new MoveFailed('The workspace was deleted during its move.');
    // Where the write pause goes, step by step (ms since the cutover began), for the log.
    const began = performance.now();
    const steps: string[] = [];
    const took = (what: string) => steps.push(`${what} ${(performance.now() - began).toFixed(0)}`);
    if (placedOn === move.fromInstanceId) {
      await this.checkSchemaLevels(move);
      await this.ask(moveFreezeContract, step, move.fromInstanceId, SLOW_STEP_MS);
      took('frozen');
      let current = move;
      for (let round = 0; ; round++) {
        const { replayed, remaining, last } = await this.replayBatch(current);
        current = await this.save(current, { changeCursor: last, rowsCopiedAdd: replayed });
        if (replayed === 0 && remaining === 0) break;
        took(`${replayed} changes replayed`);
        // Writes are held: rows that can never be written must not hold them for ever.
        if (round > MAX_DRAIN_ROUNDS) throw new MoveFailed('The last changes could not all be written on the target.');
      }
      const [source, target] = await Promise.all([
        this.ask(moveTallyContract, step, move.fromInstanceId, SLOW_STEP_MS),
        this.ask(moveTallyContract, step, move.toInstanceId, SLOW_STEP_MS),
      ]);
      took('tallied');
      const differences = compareTallies(source.tables, target.tables);
      if (differences.length > 0) {
        throw new MoveFailed(`The copy differs from the source at the cutover: ${differences.join('; ')}.`);
      }
      await this.place(current);
      took('placed');
    } else if (placedOn !== move.toInstanceId) {
      throw new MoveFailed(`The workspace was placed on ${placedOn} during its move.`);
    }
    await this.ask(moveTargetActivateContract, step, move.toInstanceId);
    took('activated');
    const target = await this.instances.findById(move.toInstanceId);
    if (!target) throw new MoveFailed(`Instance ${move.toInstanceId} is no longer registered.`);
    const finished = await this.ask(
      moveSourceFinishContract,
      { ...step, redirectUrl: target.apiUrl },
      move.fromInstanceId,
    );
    took('finished');
    this.logger.log(`move ${move.id} cut over (ms): ${steps.join(', ')}; write pause ${finished.writePauseMs} ms`);
    // The gateways route to the target from now on (it serves, the source redirects): without this they
    // would learn the placement only at their next resync, sending every request through the source's 307
    // until then, and to a source that has forgotten the workspace after the retention.
    this.placements.publish(move.orgWorkspaceId);
    this.replayed.delete(move.id);
    this.stalled.delete(move.id);
    return this.save(move, {
      state: 'done',
      writePauseMs: finished.writePauseMs,
      error: null,
      finished: true,
      purgeAfterSeconds: this.config.HUB_MOVE_RETENTION_SECONDS,
    });
  }

  /**
   * In one Hub transaction: the workspace placed on the target with a new
   * config version, and its snapshot queued to the target on the routing
   * outbox; the relay woken after commit.
   */
  private async place(move: Columns<WorkspaceMove>): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const placed = await this.repository.place(manager, move.orgWorkspaceId, move.fromInstanceId, move.toInstanceId);
      if (placed) await this.outbox.enqueue(manager, placed);
    });
    this.relay.wake();
  }

  private async purge(move: Columns<WorkspaceMove>): Promise<Columns<WorkspaceMove>> {
    await this.discard(move, 'source-purge', move.fromInstanceId);
    return this.save(move, { purged: true });
  }

  /** After a failure or an abort: the target's copy goes, the source (thawed) stays authoritative. */
  private async cleanUp(move: Columns<WorkspaceMove>): Promise<Columns<WorkspaceMove> | null> {
    await this.discard(move, 'target-abort', move.toInstanceId);
    await this.discard(move, 'source-abort', move.fromInstanceId);
    await this.save(move, { cleanupPending: false });
    return null;
  }

  /**
   * Fails the move and has what it left discarded; unless the workspace is
   * placed on the target already (a refusal after the placement): then the
   * step is retried, since the target is authoritative now.
   */
  private async fail(move: Columns<WorkspaceMove>, reason: string): Promise<void> {
    this.replayed.delete(move.id);
    this.stalled.delete(move.id);
    if ((await this.repository.placement(move.orgWorkspaceId)) === move.toInstanceId) {
      this.logger.warn(`move ${move.id} was refused after its placement, retrying: ${reason}`);
      await this.repository.release(move.id, this.owner, BACKOFF.maxMs, reason.slice(0, 1000));
      return;
    }
    this.logger.warn(`move ${move.id} failed: ${reason}`);
    const failed = await this.repository.save(
      move.id,
      this.owner,
      move.state,
      { state: 'failed', error: reason, cleanupPending: true, finished: true },
      LEASE_SECONDS,
    );
    if (failed) await this.repository.release(move.id, this.owner, 0);
  }

  private async discard(
    move: Columns<WorkspaceMove>,
    what: MoveDiscardRequest['what'],
    instanceId: string,
  ): Promise<void> {
    await this.ask(
      moveDiscardContract,
      { moveId: move.id, workspaceId: move.orgWorkspaceId, what },
      instanceId,
      SLOW_STEP_MS,
    );
  }

  /** Reads the next batch of changes from the source and writes it on the target. */
  private async replayBatch(
    move: Columns<WorkspaceMove>,
  ): Promise<{ replayed: number; remaining: number; last: string; skipped: number }> {
    const step = { moveId: move.id, workspaceId: move.orgWorkspaceId };
    const changes = await this.ask(
      moveChangesContract,
      { ...step, replayed: this.replayed.get(move.id) ?? [] },
      move.fromInstanceId,
      SLOW_STEP_MS,
    );
    this.replayed.delete(move.id);
    let skipped = new Set<string>();
    if (changes.rows.length > 0) {
      const imported = await this.ask(
        moveImportContract,
        { ...step, rows: changes.rows },
        move.toInstanceId,
        SLOW_STEP_MS,
      );
      skipped = new Set((imported.skipped ?? []).map((row) => rowKey(row.table, row.pk)));
    }
    // A row left out (its parent comes later in the log) keeps its changes there, to be read again.
    const written = changes.rows.filter((row) => !skipped.has(rowKey(row.table, row.pk)));
    this.replayed.set(
      move.id,
      written.flatMap((row) => row.changeIds ?? []),
    );
    const last = changes.ids.at(-1) ?? move.changeCursor;
    return { replayed: written.length, remaining: changes.remaining + skipped.size, last, skipped: skipped.size };
  }

  /**
   * @throws MoveFailed naming both levels when the two instances' schema levels differ now (`schemaMismatch`,
   *   `running`): the source's rows could not be written as they are on the target.
   */
  private async checkSchemaLevels(move: Columns<WorkspaceMove>): Promise<void> {
    const levels = await this.instances.schemaLevels(move.fromInstanceId, move.toInstanceId);
    const mismatch = schemaMismatch(
      { id: move.fromInstanceId, schemaLevel: levels.get(move.fromInstanceId) ?? null },
      { id: move.toInstanceId, schemaLevel: levels.get(move.toInstanceId) ?? null },
      'running',
    );
    if (mismatch) throw new MoveFailed(mismatch);
  }

  /** Records progress; @throws MoveLost when the move is no longer this worker's in this state (aborted meanwhile). */
  private async save(move: Columns<WorkspaceMove>, progress: MoveProgress): Promise<Columns<WorkspaceMove>> {
    const saved = await this.repository.save(move.id, this.owner, move.state, progress, LEASE_SECONDS);
    if (!saved) throw new MoveLost(`move ${move.id} is no longer ${move.state} under this worker`);
    return saved;
  }

  /**
   * A request to an instance. An instance's `409` (the step belongs to no move
   * it knows, or it serves the workspace it should receive) fails the move;
   * anything else (timeouts, an instance down) is retried.
   */
  private async ask<Req extends object, Rep extends object>(
    contract: Contract<Req, Rep>,
    payload: Req,
    instanceId: string,
    timeoutMs = this.config.NATS_REQUEST_TIMEOUT_MS,
  ): Promise<Rep> {
    try {
      return await this.nats.request(contract, payload, { instanceId, timeoutMs });
    } catch (error) {
      if (error instanceof NatsErrorReply && error.code === 'conflict') {
        throw new MoveFailed(`${instanceId} refused: ${error.reason}`);
      }
      throw error;
    }
  }
}

const RUNNING: readonly MoveState[] = ['copying', 'catching_up', 'cutover'];
/** Batches the cutover replays at most (each up to MOVE_CHUNK_ROWS changes) before it gives up and thaws the source. */
const MAX_DRAIN_ROUNDS = 200;

/** A row's table and primary key as a string independent of the order of its columns. */
function rowKey(table: string, pk: Record<string, unknown>): string {
  return `${table}:${JSON.stringify(
    Object.keys(pk)
      .sort()
      .map((key) => [key, pk[key]]),
  )}`;
}

/** What differs between the two sides' tallies, table by table. */
function compareTallies(source: TableTally[], target: TableTally[]): string[] {
  const differences: string[] = [];
  for (const table of source) {
    const other = target.find((candidate) => candidate.table === table.table);
    if (!other) differences.push(`${table.table} missing on the target`);
    else if (other.count !== table.count)
      differences.push(`${table.table}: ${table.count} rows, ${other.count} copied`);
    else if (other.checksum !== table.checksum) differences.push(`${table.table}: same count, different rows`);
  }
  return differences;
}
