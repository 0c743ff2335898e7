import { Injectable } from '@nestjs/common';
import type { Columns } from '@switchboard/persistence';
import { decodeCursor, type Page, toPage } from '@switchboard/server';

import { UniverseRepository } from './universe.repository.js';
import type { UniverseElement, UniverseElementType } from './universe-element.entity.js';

/** A universe element as this instance holds it (the current revision; the Hub keeps the history). */
export type UniverseElementRow = Columns<UniverseElement>;

/** Which page of a universe list: `cursor` from the previous page, `limit` 1-1000 (default 100). */
export interface UniversePageRequest {
  cursor?: string;
  limit?: number;
  /** Archived elements too (default false). */
  includeArchived?: boolean;
}

/**
 * The universe as this instance holds it, read-only, for any feature (the
 * universe API, resolution of elements across levels). Not scoped: the
 * universe is the same for every workspace and tenant. Types are the stored,
 * singular names (`connector`, `action`, …).
 */
@Injectable()
export class UniverseReader {
  constructor(private readonly repository: UniverseRepository) {}

  /**
   * The element of `type` with `key`, or null. An archived element is null
   * unless `includeArchived` (then its `archivedAt` is set).
   */
  async find(
    type: UniverseElementType,
    key: string,
    options: { includeArchived?: boolean } = {},
  ): Promise<UniverseElementRow | null> {
    const row = await this.repository.find(type, key);
    if (!row || (row.archivedAt !== null && !options.includeArchived)) return null;
    return row;
  }

  /**
   * A page of elements of `type`, oldest first.
   * @throws DomainException 400 (`validation_failed`) for a cursor this API did not return.
   */
  async list(type: UniverseElementType, page: UniversePageRequest = {}): Promise<Page<UniverseElementRow>> {
    const limit = page.limit ?? 100;
    const after = decodeCursor(page.cursor);
    const rows = await this.repository.listPage(type, page.includeArchived ?? false, after, limit + 1);
    return toPage(
      rows,
      limit,
      (row) => ({ at: row.position, id: row.id }),
      ({ position: _position, ...row }) => row,
    );
  }
}
