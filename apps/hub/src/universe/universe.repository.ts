import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  JsonObject,
  UniverseElementType,
  UniverseSnapshot,
  UniverseSnapshotElement,
} from '@switchboard/contracts';
import {
  type Columns,
  execute,
  type ExtraRow,
  keysetPage,
  type KeysetRow,
  queryRow,
  queryRows,
  RowShapeError,
  Table,
} from '@switchboard/persistence';
import type { CursorPosition } from '@switchboard/server';
import { DataSource, type EntityManager } from 'typeorm';

import { UniverseElement, UniverseElementRevision } from './universe-element.entity.js';

/** Postgres channel the universe relay listens on; the payload is a `UniverseOutboxNotice`. */
export const UNIVERSE_OUTBOX_CHANNEL = 'switchboard_universe_outbox';

/** What a NOTIFY on the universe outbox channel says (informative only: the relay drains whatever is due). */
export interface UniverseOutboxNotice {
  version?: number;
  instanceId?: string;
}

const LISTED = { position: 'string' } as const;

/** A universe element as a list returns it: its columns and its cursor position. */
export type ListedUniverseElement = KeysetRow<UniverseElement>;

/** A revision as the history lists it: its columns and its cursor position. */
export type ListedUniverseRevision = Columns<UniverseElementRevision> & ExtraRow<typeof LISTED>;

/** One instance's claimed universe outbox rows (ids are `bigint`, as strings) and the newest version they name. */
export interface ClaimedInstance {
  instanceId: string;
  ids: string[];
  version: number;
}

/** What one change writes of an element. */
export interface UniverseElementWrite {
  name: string;
  definition: JsonObject;
}

/**
 * All SQL of the universe on the Hub: its elements and their revisions, the
 * universe version (`universe_state`), the universe outbox (table
 * `universe_outbox`; not the routing outbox) and what each instance reports
 * holding (`instances.universe_version` / `universe_digest`). Methods that
 * must share the caller's transaction take its EntityManager first.
 */
@Injectable()
export class UniverseRepository {
  private readonly elements: Table<UniverseElement>;
  private readonly revisions: Table<UniverseElementRevision>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.elements = Table.of(dataSource, UniverseElement);
    this.revisions = Table.of(dataSource, UniverseElementRevision);
  }

  /**
   * Bumps the universe version and returns the new one. Its row lock holds
   * until the caller's transaction ends, so universe changes commit one at a
   * time, in version order.
   */
  async bumpVersion(manager: EntityManager): Promise<number> {
    const row = await queryRow(
      manager,
      'UPDATE universe_state SET version = version + 1 WHERE id = 1 RETURNING version',
      [],
      { version: 'number' },
    );
    if (!row) throw new Error('universe_state has no row: the universe migration seeds it');
    return row.version;
  }

  /** The current universe version. */
  async currentVersion(): Promise<number> {
    const row = await queryRow(this.dataSource, 'SELECT version FROM universe_state WHERE id = 1', [], {
      version: 'number',
    });
    return row?.version ?? 0;
  }

  /** The element of `type` with `key`, or null; locked for the caller's transaction when `forUpdate`. */
  async find(
    type: UniverseElementType,
    key: string,
    manager: EntityManager = this.dataSource.manager,
    forUpdate = false,
  ): Promise<Columns<UniverseElement> | null> {
    return this.elements.queryOne(
      manager,
      `SELECT ${this.elements.columns} FROM universe_elements WHERE element_type = $1 AND key = $2${forUpdate ? ' FOR UPDATE' : ''}`,
      [type, key],
    );
  }

  /** Up to `limit` elements of `type`, oldest first, after the cursor position `after`. */
  async listPage(
    type: UniverseElementType,
    includeArchived: boolean,
    after: CursorPosition | null,
    limit: number,
  ): Promise<ListedUniverseElement[]> {
    return keysetPage(this.elements, this.dataSource, {
      from: 'universe_elements e',
      alias: 'e',
      where: 'e.element_type = $1 AND ($2 OR e.archived_at IS NULL)',
      params: [type, includeArchived],
      after,
      limit,
    });
  }

  /** Up to `limit` revisions of an element, oldest first, after the cursor position `after` (its id part: a revision). */
  async listRevisions(
    elementId: string,
    after: CursorPosition | null,
    limit: number,
  ): Promise<ListedUniverseRevision[]> {
    return this.revisions.query(
      this.dataSource,
      `SELECT ${this.revisions.columnsOf('r')}, to_json(r.created_at) #>> '{}' AS position
       FROM universe_element_revisions r
       WHERE r.element_id = $1 AND ($2::int IS NULL OR r.revision > $2::int)
       ORDER BY r.revision
       LIMIT $3`,
      [elementId, after === null ? null : Number(after.id), limit],
      LISTED,
    );
  }

  /** Inserts revision 1 of a new element at universe version `version`. */
  async insert(
    manager: EntityManager,
    type: UniverseElementType,
    key: string,
    write: UniverseElementWrite,
    version: number,
  ): Promise<Columns<UniverseElement>> {
    const row = await this.elements.queryOne(
      manager,
      `INSERT INTO universe_elements (element_type, key, name, definition, revision, universe_version)
       VALUES ($1, $2, $3, $4, 1, $5) RETURNING ${this.elements.columns}`,
      [type, key, write.name, JSON.stringify(write.definition), version],
    );
    if (!row) throw new Error('INSERT … RETURNING returned no row');
    return row;
  }

  /** Writes a new revision's content onto the element (`revision` is the new one). */
  async update(
    manager: EntityManager,
    id: string,
    write: UniverseElementWrite,
    revision: number,
    version: number,
  ): Promise<Columns<UniverseElement>> {
    const row = await this.elements.queryOne(
      manager,
      `UPDATE universe_elements SET name = $2, definition = $3, revision = $4, universe_version = $5, updated_at = now()
       WHERE id = $1 RETURNING ${this.elements.columns}`,
      [id, write.name, JSON.stringify(write.definition), revision, version],
    );
    if (!row) throw new Error(`universe element ${id} vanished while locked`);
    return row;
  }

  /** Archives (`archived` true) or restores the element, at universe version `version`. */
  async setArchived(
    manager: EntityManager,
    id: string,
    archived: boolean,
    version: number,
  ): Promise<Columns<UniverseElement>> {
    const row = await this.elements.queryOne(
      manager,
      `UPDATE universe_elements
       SET archived_at = CASE WHEN $2 THEN now() ELSE NULL END, universe_version = $3, updated_at = now()
       WHERE id = $1 RETURNING ${this.elements.columns}`,
      [id, archived, version],
    );
    if (!row) throw new Error(`universe element ${id} vanished while locked`);
    return row;
  }

  /**
   * An upper bound on the size in bytes of the universe snapshot as the
   * caller's transaction sees it (jsonb's text form has more spaces than JSON,
   * and each element is counted with 400 bytes of fields and separators).
   */
  async snapshotBytes(manager: EntityManager): Promise<number> {
    const row = await queryRow(
      manager,
      `SELECT (coalesce(sum(octet_length(definition::text) + octet_length(name) + octet_length(key)), 0)
               + count(*) * 400)::int AS bytes
       FROM universe_elements`,
      [],
      { bytes: 'number' },
    );
    return row?.bytes ?? 0;
  }

  /** Keeps revision `revision` of an element in its history, written by `userId`. */
  async insertRevision(
    manager: EntityManager,
    elementId: string,
    revision: number,
    write: UniverseElementWrite,
    userId: string,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO universe_element_revisions (element_id, revision, name, definition, created_by)
       VALUES ($1, $2, $3, $4, $5)`,
      [elementId, revision, write.name, JSON.stringify(write.definition), userId],
    );
  }

  /** Queues, in the caller's transaction, a delivery of universe `version` to every registered instance, and NOTIFYs on commit. */
  async enqueueForEveryInstance(manager: EntityManager, version: number): Promise<void> {
    await manager.query(`INSERT INTO universe_outbox (instance_id, version) SELECT id, $1 FROM instances`, [version]);
    await this.notify(manager, { version });
  }

  /**
   * Queues a delivery of `version` to one instance unless one of that version
   * or newer is already waiting; returns how many rows it wrote (0 or 1).
   * Also makes that instance's backed-off rows due now (it is evidently up).
   */
  async enqueueFor(instanceId: string, version: number): Promise<number> {
    const written = await execute(
      this.dataSource,
      `WITH retried AS (
         UPDATE universe_outbox SET next_attempt_at = now()
         WHERE instance_id = $1 AND delivered_at IS NULL AND next_attempt_at > now() AND attempts > 0)
       INSERT INTO universe_outbox (instance_id, version)
       SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM instances WHERE id = $1) AND NOT EXISTS (
         SELECT 1 FROM universe_outbox WHERE instance_id = $1 AND delivered_at IS NULL AND version >= $2)`,
      [instanceId, version],
    );
    await this.notify(this.dataSource, { instanceId, version });
    return written;
  }

  /** NOTIFY on UNIVERSE_OUTBOX_CHANNEL; inside a transaction it is delivered only on commit. */
  async notify(manager: Pick<EntityManager, 'query'>, notice: UniverseOutboxNotice): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [UNIVERSE_OUTBOX_CHANNEL, JSON.stringify(notice)]);
  }

  /**
   * The whole current universe in one statement (one consistent read): the
   * version and every element, archived ones included, ordered by type and
   * key so that one version always has one digest. Timestamps are ISO-8601
   * in UTC with milliseconds, as `Date.toISOString` writes them.
   * @throws RowShapeError when the aggregate is not an array.
   */
  async snapshot(): Promise<UniverseSnapshot> {
    const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    const row = await queryRow(
      this.dataSource,
      `SELECT s.version,
              coalesce((SELECT json_agg(json_build_object(
                 'id', e.id, 'type', e.element_type, 'key', e.key, 'name', e.name, 'definition', e.definition,
                 'revision', e.revision, 'createdAt', ${iso('e.created_at')}, 'updatedAt', ${iso('e.updated_at')},
                 'archivedAt', CASE WHEN e.archived_at IS NULL THEN NULL ELSE ${iso('e.archived_at')} END)
                 ORDER BY e.element_type, e.key)
               FROM universe_elements e), '[]'::json) AS elements
       FROM universe_state s WHERE s.id = 1`,
      [],
      { version: 'number', elements: 'json' },
    );
    if (!row) throw new Error('universe_state has no row: the universe migration seeds it');
    if (!Array.isArray(row.elements)) {
      throw new RowShapeError('universe_elements', 'elements', 'an array', row.elements);
    }
    // Built by the statement above from the entity's own columns, which the schema-drift test keeps in step.
    return { kind: 'universe', version: row.version, elements: row.elements as UniverseSnapshotElement[] };
  }

  /**
   * Claims due rows, grouped by instance, skipping instances in `skip`:
   * hidden for `leaseSeconds` while in flight (`FOR UPDATE SKIP LOCKED`, so
   * several Hub replicas can drain at once).
   */
  async claimDue(leaseSeconds: number, batchSize: number, skip: string[]): Promise<ClaimedInstance[]> {
    const rows = await queryRows(
      this.dataSource,
      `WITH due AS (
         SELECT id FROM universe_outbox
         WHERE delivered_at IS NULL AND next_attempt_at <= now() AND NOT (instance_id = ANY($3::text[]))
         ORDER BY id LIMIT $2
         FOR UPDATE SKIP LOCKED),
       claimed AS (
         UPDATE universe_outbox o SET next_attempt_at = now() + make_interval(secs => $1)
         FROM due WHERE o.id = due.id
         RETURNING o.id, o.instance_id, o.version)
       SELECT instance_id, array_agg(id) AS ids, max(version)::int AS version FROM claimed GROUP BY instance_id`,
      [leaseSeconds, batchSize, skip],
      { instance_id: 'string', ids: 'json', version: 'number' },
    );
    return rows.map((row) => ({ instanceId: row.instance_id, ids: bigintIds(row.ids), version: row.version }));
  }

  /**
   * One statement: every row of `instanceId` that the snapshot of `version`
   * covers is delivered, and the instance records what it now holds (never
   * going back when a newer reply was recorded already).
   */
  async markDelivered(instanceId: string, version: number, appliedVersion: number, digest: string): Promise<void> {
    await this.dataSource.query(
      `WITH delivered AS (
         UPDATE universe_outbox SET delivered_at = now(), last_error = NULL
         WHERE instance_id = $1 AND delivered_at IS NULL AND version <= $2)
       UPDATE instances SET universe_version = $3, universe_digest = $4
       WHERE id = $1 AND universe_version <= $3`,
      [instanceId, version, appliedVersion, digest],
    );
  }

  /** Records what an instance reported holding at reconciliation (never going back). */
  async recordHeld(instanceId: string, version: number, digest: string | null): Promise<void> {
    await this.dataSource.query(
      `UPDATE instances SET universe_version = $2, universe_digest = $3 WHERE id = $1 AND universe_version <= $2`,
      [instanceId, version, digest],
    );
  }

  /**
   * After a failed delivery: the instance's undelivered rows up to `version`
   * (and those claimed) get `attempts + 1`, the error, and are next tried
   * after the backoff `delayFor(attempts)` (milliseconds) gives; newer rows
   * are tried at once. One transaction.
   */
  async backOff(
    instanceId: string,
    version: number,
    ids: string[],
    message: string,
    delayFor: (attempts: number) => number,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const row = await queryRow(
        manager,
        `SELECT coalesce(max(attempts), 0)::int AS attempts FROM universe_outbox
         WHERE instance_id = $1 AND delivered_at IS NULL AND (version <= $2 OR id = ANY($3::bigint[]))`,
        [instanceId, version, ids],
        { attempts: 'number' },
      );
      const attempts = (row?.attempts ?? 0) + 1;
      await manager.query(
        `UPDATE universe_outbox
         SET attempts = $4, last_error = $5, next_attempt_at = now() + make_interval(secs => $6)
         WHERE instance_id = $1 AND delivered_at IS NULL AND (version <= $2 OR id = ANY($3::bigint[]))`,
        [instanceId, version, ids, attempts, message, delayFor(attempts) / 1000],
      );
    });
  }

  /** Deletes rows delivered more than `retentionSeconds` ago, a bounded batch at a time. */
  async prune(retentionSeconds: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM universe_outbox WHERE id IN (
         SELECT id FROM universe_outbox WHERE delivered_at < now() - make_interval(secs => $1) LIMIT 10000)`,
      [retentionSeconds],
    );
  }
}

/** `array_agg` of `bigint` ids: node-postgres gives strings (they can exceed 2^53). */
function bigintIds(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((id): id is string => typeof id === 'string')) {
    throw new RowShapeError('universe_outbox', 'ids', 'an array of strings', value);
  }
  return value;
}
