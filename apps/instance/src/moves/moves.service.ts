import { Injectable, Logger } from '@nestjs/common';
import {
  MOVE_CHUNK_BYTES,
  MOVE_CHUNK_ROWS,
  type MoveAck,
  type MoveChangesReply,
  type MoveChangesRequest,
  type MoveDiscardRequest,
  type MoveExportReply,
  type MoveExportRequest,
  type MoveFreezeReply,
  type MoveImportReply,
  type MoveImportRequest,
  type MoveSourceFinishReply,
  type MoveSourceFinishRequest,
  type MoveStep,
  type MoveTallyReply,
} from '@switchboard/contracts';
import { DomainException, ErrorCode } from '@switchboard/server';

import { InstanceConfig } from '../config.js';
import { TenantScope } from '../database/tenant-scope.js';
import { DeliveriesInFlight } from '../journal/deliveries-in-flight.js';
import { WorkspaceCache } from '../workspaces/workspace-cache.js';
import { MoveGate } from './move-gate.js';
import { MOVED_TABLES } from './moved-tables.js';
import { type MovedRowChange, MovesRepository, type RecordedChange } from './moves.repository.js';

/** How long the start of a move waits for the writers already running to finish (then it refuses, to be retried). */
const START_BARRIER_MS = 10_000;
const BARRIER_POLL_MS = 20;

/**
 * One instance's side of a workspace move (API.md, "Moving a workspace to
 * another instance"; DESIGN.md, "Moving a workspace"), each step asked by the
 * Hub and idempotent.
 *
 * Source: `startSource` (changes are recorded from here on; answers once the
 * writers that started earlier have ended, since their rows might be missed by
 * the copy and by the log), `export` chunks, `changes` (catch-up), `freeze`
 * (the cutover), `tally`, `finish` (`307` from now on), `discard`
 * (`source-abort` before the cutover was placed, `source-purge` after the
 * retention).
 *
 * Target: `prepareTarget` (purges a stale copy: one left by an earlier move
 * away, or by an abandoned move here; refuses when it serves the workspace),
 * `import` (upserts or deletes by primary key in one workspace-scope
 * transaction: a chunk received twice writes the same rows again), `tally`,
 * `activate`, `discard` (`target-abort`: the partial copy goes).
 *
 * @throws DomainException 409 `conflict` for a step of a move that is not (or no longer) the one under way here.
 */
@Injectable()
export class MovesService {
  private readonly logger = new Logger(MovesService.name);

  constructor(
    private readonly repository: MovesRepository,
    private readonly scope: TenantScope,
    private readonly cache: WorkspaceCache,
    private readonly gate: MoveGate,
    private readonly deliveries: DeliveriesInFlight,
    private readonly config: InstanceConfig,
  ) {}

  async startSource(step: MoveStep): Promise<MoveAck> {
    if (
      !(await this.repository.holdsWorkspace(step.workspaceId)) ||
      (await this.repository.findTarget(step.workspaceId))
    ) {
      throw DomainException.conflict(`This instance does not serve workspace ${step.workspaceId}.`);
    }
    await this.repository.startSource(step.workspaceId, step.moveId);
    const source = await this.repository.findSource(step.workspaceId);
    if (source?.moveId !== step.moveId) {
      throw DomainException.conflict(`Workspace ${step.workspaceId} is in another move here (${source?.moveId}).`);
    }
    if (source.state === 'copying') await this.waitForEarlierWriters();
    return { moveId: step.moveId };
  }

  async prepareTarget(step: MoveStep): Promise<MoveAck> {
    const target = await this.repository.findTarget(step.workspaceId);
    if (target?.moveId === step.moveId) return { moveId: step.moveId };
    const source = await this.repository.findSource(step.workspaceId);
    const holds = await this.repository.holdsWorkspace(step.workspaceId);
    if (holds && !target && source?.state !== 'moved') {
      throw DomainException.conflict(`This instance serves workspace ${step.workspaceId}; it cannot receive it.`);
    }
    // A copy left by an earlier move away from here, or a partial copy of an abandoned move.
    if (holds || source || target) await this.repository.purge(step.workspaceId);
    await this.repository.startTarget(step.workspaceId, step.moveId);
    return { moveId: step.moveId };
  }

  async export(request: MoveExportRequest): Promise<MoveExportReply> {
    await this.requireSource(request, ['copying', 'frozen']);
    const table = this.table(request.table);
    const rows = await this.scope.run({ workspaceId: request.workspaceId, tenantId: null }, (manager) =>
      this.repository.exportChunk(manager, request.workspaceId, table, request.after, MOVE_CHUNK_ROWS),
    );
    const chunk = withinBytes(rows);
    const last = chunk.at(-1);
    const more = rows.length === MOVE_CHUNK_ROWS || chunk.length < rows.length;
    // The cursor of a table exported roots first (`parentColumn`) carries that column too.
    const cursorColumns = [...(table.parentColumn ? [table.parentColumn] : []), ...table.primaryKey];
    return {
      rows: chunk,
      ...(more && last ? { next: Object.fromEntries(cursorColumns.map((column) => [column, last[column]])) } : {}),
    };
  }

  async import(request: MoveImportRequest): Promise<MoveImportReply> {
    const target = await this.repository.findTarget(request.workspaceId);
    if (target?.moveId !== request.moveId) {
      throw DomainException.conflict(`No copy of workspace ${request.workspaceId} is arriving here by this move.`);
    }
    // Consecutive rows of one table and one kind (write or delete) go in one statement, in the order given;
    // a row a statement already holds starts the next one (one INSERT … ON CONFLICT cannot touch a row twice).
    const runs: { table: string; write: boolean; rows: MovedRowChange[]; keys: Set<string> }[] = [];
    for (const change of request.rows) {
      const table = this.table(change.table);
      const write = change.row !== undefined;
      const pk = change.row
        ? Object.fromEntries(table.primaryKey.map((column) => [column, change.row?.[column]]))
        : change.pk;
      const key = canonical(pk);
      const last = runs.at(-1);
      if (last && last.table === change.table && last.write === write && !last.keys.has(key)) {
        last.rows.push({ ...change, pk });
        last.keys.add(key);
      } else {
        runs.push({ table: change.table, write, rows: [{ ...change, pk }], keys: new Set([key]) });
      }
    }
    const skipped: { table: string; pk: Record<string, unknown> }[] = [];
    await this.scope.run({ workspaceId: request.workspaceId, tenantId: null }, async (manager) => {
      for (const run of runs) {
        const table = this.table(run.table);
        if (run.write) {
          const rows = run.rows.map((row) => row.row ?? {});
          for (const row of rows) {
            if (row[table.workspaceColumn] !== request.workspaceId) {
              throw DomainException.validation(`A row of ${table.name} belongs to another workspace.`, [
                { field: 'rows', message: `${table.name}.${table.workspaceColumn} must be ${request.workspaceId}` },
              ]);
            }
          }
          const columns = this.repository.columnsOf(table);
          const written = new Set(
            (await this.repository.upsertSkippingOrphans(manager, table, columns, rows)).map(canonical),
          );
          for (const row of run.rows)
            if (!written.has(canonical(row.pk))) skipped.push({ table: run.table, pk: row.pk });
        } else {
          await this.repository.delete(
            manager,
            table,
            run.rows.map((row) => row.pk),
          );
        }
      }
    });
    return { written: request.rows.length - skipped.length, ...(skipped.length > 0 ? { skipped } : {}) };
  }

  async changes(request: MoveChangesRequest): Promise<MoveChangesReply> {
    await this.requireSource(request, ['copying', 'frozen']);
    const recorded = await this.repository.nextChanges(request.workspaceId, request.replayed, MOVE_CHUNK_ROWS);
    const rows = await this.currentRows(request.workspaceId, recorded);
    const remaining = (await this.repository.changesRecorded(request.workspaceId)) - recorded.length;
    return { rows, ids: recorded.map((change) => change.id), remaining: Math.max(0, remaining) };
  }

  async freeze(step: MoveStep): Promise<MoveFreezeReply> {
    const frozenAt = await this.repository.freeze(step.workspaceId, step.moveId);
    if (!frozenAt)
      throw DomainException.conflict(`Workspace ${step.workspaceId} is not being moved by ${step.moveId}.`);
    this.gate.refreshSoon();
    // Webhooks in flight finish and their outcome is recorded (as changes) before the last changes are read.
    const settled = await this.deliveries.settled(step.workspaceId, this.config.EVENTS_REQUEST_TIMEOUT_MS + 1000);
    if (!settled) this.logger.warn(`deliveries of workspace ${step.workspaceId} still in flight at its cutover`);
    return { moveId: step.moveId, frozenAt: frozenAt.toISOString() };
  }

  async tally(step: MoveStep): Promise<MoveTallyReply> {
    const tables = await this.scope.run({ workspaceId: step.workspaceId, tenantId: null }, (manager) =>
      this.repository.tallies(manager, step.workspaceId, MOVED_TABLES),
    );
    return { tables };
  }

  async activate(step: MoveStep): Promise<MoveAck> {
    await this.repository.activate(step.workspaceId, step.moveId);
    if ((await this.repository.findTarget(step.workspaceId)) !== null) {
      throw DomainException.conflict(`Workspace ${step.workspaceId} is arriving by another move.`);
    }
    const key = await this.repository.workspaceKey(step.workspaceId);
    if (key === null) throw DomainException.conflict(`No copy of workspace ${step.workspaceId} is here.`);
    this.cache.invalidate(key);
    return { moveId: step.moveId };
  }

  async finish(request: MoveSourceFinishRequest): Promise<MoveSourceFinishReply> {
    const times = await this.repository.finish(request.workspaceId, request.moveId, request.redirectUrl);
    if (!times) throw DomainException.conflict(`Workspace ${request.workspaceId} is not frozen by ${request.moveId}.`);
    this.gate.refreshSoon();
    const key = await this.repository.workspaceKey(request.workspaceId);
    if (key !== null) this.cache.invalidate(key);
    return { moveId: request.moveId, writePauseMs: Math.max(0, times.movedAt.getTime() - times.frozenAt.getTime()) };
  }

  async discard(request: MoveDiscardRequest): Promise<MoveAck> {
    switch (request.what) {
      case 'source-abort':
        await this.repository.abortSource(request.workspaceId, request.moveId);
        this.gate.refreshSoon();
        break;
      case 'target-abort':
        // Only a copy still arriving by this move: never one this instance serves, nor a newer move's.
        await this.repository.purge(request.workspaceId, { moveId: request.moveId, as: 'target' });
        break;
      case 'source-purge':
        if (await this.repository.purge(request.workspaceId, { moveId: request.moveId, as: 'moved-source' })) {
          this.gate.refreshSoon();
        }
        break;
    }
    return { moveId: request.moveId };
  }

  /**
   * Waits until every transaction running when the source row committed has
   * ended: one that wrote a row of the workspace before the row existed logged
   * nothing, and might commit after the copy read past that row.
   * @throws DomainException 503 when they take longer than START_BARRIER_MS (the Hub retries the step).
   */
  private async waitForEarlierWriters(): Promise<void> {
    const snapshot = await this.repository.currentSnapshot();
    const deadline = Date.now() + START_BARRIER_MS;
    while ((await this.repository.stillRunning(snapshot)) > 0) {
      if (Date.now() > deadline) {
        throw new DomainException(
          503,
          ErrorCode.ServiceUnavailable,
          'Writers still running',
          'Transactions that began before the move are still running; the move retries.',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, BARRIER_POLL_MS));
    }
  }

  /** Each changed row once, at the place of its first change, as it is now (absent: deleted). */
  private async currentRows(workspaceId: string, recorded: RecordedChange[]): Promise<MovedRowChange[]> {
    const idsOf = new Map<string, string[]>();
    const firsts: RecordedChange[] = [];
    for (const change of recorded) {
      const id = `${change.table}:${canonical(change.pk)}`;
      const ids = idsOf.get(id);
      if (ids) {
        ids.push(change.id);
        continue;
      }
      idsOf.set(id, [change.id]);
      firsts.push(change);
    }
    const current = new Map<string, Record<string, unknown>>();
    await this.scope.run({ workspaceId, tenantId: null }, async (manager) => {
      const byTable = new Map<string, Record<string, unknown>[]>();
      for (const change of firsts) byTable.set(change.table, [...(byTable.get(change.table) ?? []), change.pk]);
      for (const [name, keys] of byTable) {
        const table = this.table(name);
        for (const row of await this.repository.currentRows(manager, table, keys)) {
          const pk = Object.fromEntries(table.primaryKey.map((column) => [column, row[column]]));
          current.set(`${name}:${canonical(pk)}`, row);
        }
      }
    });
    const rows: MovedRowChange[] = firsts.map((change) => {
      const key = `${change.table}:${canonical(change.pk)}`;
      const row = current.get(key);
      const changeIds = idsOf.get(key) ?? [];
      return row
        ? { table: change.table, pk: change.pk, row, changeIds }
        : { table: change.table, pk: change.pk, changeIds };
    });
    // Parents before children: one statement may log a child before its parent (an INSERT with a
    // data-modifying WITH fires its row triggers in no promised order: an event and its deliveries). So the
    // writes go in MOVED_TABLES order, then the deletes in the reverse order (children first); within a table,
    // in the order the rows first changed.
    const rank = (row: MovedRowChange): number => {
      const index = MOVED_TABLES.findIndex((table) => table.name === row.table);
      return row.row ? index : 2 * MOVED_TABLES.length - index;
    };
    return rows
      .map((row, index) => ({ row, index }))
      .sort((a, b) => rank(a.row) - rank(b.row) || a.index - b.index)
      .map(({ row }) => row);
  }

  private async requireSource(step: MoveStep, states: string[]): Promise<void> {
    const source = await this.repository.findSource(step.workspaceId);
    if (source?.moveId !== step.moveId || !states.includes(source.state)) {
      throw DomainException.conflict(`Workspace ${step.workspaceId} is not being moved away by ${step.moveId}.`);
    }
  }

  private table(name: string): ReturnType<MovesRepository['tableNamed']> {
    try {
      return this.repository.tableNamed(name);
    } catch {
      throw DomainException.validation(`${name} is not a table a move copies.`, [
        { field: 'table', message: 'is not a moved table' },
      ]);
    }
  }
}

/** The leading rows whose JSON stays within MOVE_CHUNK_BYTES (at least one row). */
function withinBytes(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  let bytes = 0;
  for (let index = 0; index < rows.length; index++) {
    bytes += JSON.stringify(rows[index]).length;
    if (bytes > MOVE_CHUNK_BYTES && index > 0) return rows.slice(0, index);
  }
  return rows;
}

/** A primary key as a string that does not depend on the order of its columns. */
function canonical(pk: Record<string, unknown>): string {
  return JSON.stringify(
    Object.keys(pk)
      .sort()
      .map((key) => [key, pk[key]]),
  );
}
