import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { UniverseSnapshot } from '@switchboard/contracts';
import { type Columns, keysetPage, type KeysetRow, queryRow, Table } from '@switchboard/persistence';
import type { CursorPosition } from '@switchboard/server';
import { DataSource } from 'typeorm';

import { UniverseElement, type UniverseElementType, UniverseState } from './universe-element.entity.js';

/** A universe element as a list returns it: its columns and its cursor position. */
export type ListedUniverseElement = KeysetRow<UniverseElement>;

/** The universe version this instance holds and the digest of what it holds. */
export interface HeldUniverse {
  version: number;
  digest: string;
}

/** Serialises universe applies on this database (transaction-scoped advisory lock; any constant will do). */
const UNIVERSE_SYNC_LOCK = 7_346_100_012;

/**
 * All SQL of the universe on an instance: `universe_elements` (current
 * revision of each element, as last applied from the Hub) and
 * `universe_state` (the version applied). Not scoped to a workspace: row-level
 * security lets every role read, and writes only in a transaction that set
 * `app.universe_sync` (which only `apply` does).
 */
@Injectable()
export class UniverseRepository {
  private readonly elements: Table<UniverseElement>;
  private readonly state: Table<UniverseState>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.elements = Table.of(dataSource, UniverseElement);
    this.state = Table.of(dataSource, UniverseState);
  }

  /** The element of `type` with `key` (archived or not), or null. */
  async find(type: UniverseElementType, key: string): Promise<Columns<UniverseElement> | null> {
    return this.elements.queryOne(
      this.dataSource,
      `SELECT ${this.elements.columns} FROM universe_elements WHERE element_type = $1 AND key = $2`,
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

  /** The version and digest recorded at the last apply, or null before the first. */
  async held(): Promise<HeldUniverse | null> {
    const row = await this.state.queryOne(
      this.dataSource,
      `SELECT ${this.state.columns} FROM universe_state WHERE id = 1`,
      [],
    );
    return row ? { version: Number(row.version), digest: row.digest } : null;
  }

  /**
   * What the tables hold now, read in one snapshot of the database
   * (REPEATABLE READ): the recorded state and every element, by type and key
   * (the Hub's order), or null before the first apply.
   */
  async holding(): Promise<{ held: HeldUniverse; elements: Columns<UniverseElement>[] } | null> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const state = await this.state.queryOne(
        manager,
        `SELECT ${this.state.columns} FROM universe_state WHERE id = 1`,
        [],
      );
      if (!state) return null;
      const elements = await this.elements.query(
        manager,
        `SELECT ${this.elements.columns} FROM universe_elements ORDER BY element_type, key`,
        [],
      );
      return { held: { version: Number(state.version), digest: state.digest }, elements };
    });
  }

  /**
   * Records `digest` as what `version` holds (the rows drifted from what was
   * applied), unless a snapshot was applied meanwhile; so that the next
   * snapshot of that version, with the Hub's digest, heals it.
   */
  async recordDrift(version: number, recorded: string, digest: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('app.universe_sync', 'on', true)`);
      await manager.query('UPDATE universe_state SET digest = $3 WHERE id = 1 AND version = $1 AND digest = $2', [
        version,
        recorded,
        digest,
      ]);
    });
  }

  /**
   * In one transaction (with `app.universe_sync` on, applies serialised by an
   * advisory lock): replaces the universe with `snapshot` if it is newer than
   * what is held, or the same version with another digest (drift heals);
   * otherwise changes nothing. Returns what is held afterwards and whether
   * this call applied it.
   */
  async apply(snapshot: UniverseSnapshot, digest: string): Promise<HeldUniverse & { applied: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('app.universe_sync', 'on', true), pg_advisory_xact_lock($1)`, [
        UNIVERSE_SYNC_LOCK,
      ]);
      const held = await queryRow(
        manager,
        'SELECT version::int AS version, digest FROM universe_state WHERE id = 1',
        [],
        {
          version: 'number',
          digest: 'string',
        },
      );
      if (held && (held.version > snapshot.version || (held.version === snapshot.version && held.digest === digest))) {
        return { version: held.version, digest: held.digest, applied: false };
      }
      const ids = snapshot.elements.map((element) => element.id);
      await manager.query('DELETE FROM universe_elements WHERE NOT (id = ANY($1::uuid[]))', [ids]);
      await manager.query(
        `INSERT INTO universe_elements AS u
           (id, element_type, key, name, definition, revision, created_at, updated_at, archived_at)
         SELECT e.id, e.type, e.key, e.name, e.definition, e.revision, e."createdAt", e."updatedAt", e."archivedAt"
         FROM jsonb_to_recordset($1::jsonb) AS e(id uuid, type text, key text, name text, definition jsonb,
           revision int, "createdAt" timestamptz, "updatedAt" timestamptz, "archivedAt" timestamptz)
         ON CONFLICT (id) DO UPDATE SET element_type = EXCLUDED.element_type, key = EXCLUDED.key,
           name = EXCLUDED.name, definition = EXCLUDED.definition, revision = EXCLUDED.revision,
           created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, archived_at = EXCLUDED.archived_at`,
        [JSON.stringify(snapshot.elements)],
      );
      await manager.query(
        `INSERT INTO universe_state (id, version, digest, applied_at) VALUES (1, $1, $2, now())
         ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, digest = EXCLUDED.digest, applied_at = now()`,
        [snapshot.version, digest],
      );
      return { version: snapshot.version, digest, applied: true };
    });
  }
}
