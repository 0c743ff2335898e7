import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Max, MaxLength, Min } from 'class-validator';

import { DomainException } from '../errors/domain.exception.js';
import { Optional } from './nullability.js';
import { QueryInt } from './query-int.js';

/** `?limit=&cursor=`: limit 1-1000 (default 100); a cursor of `0` or empty means the start (Membrane's SDK sends `0`). */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @Optional()
  @QueryInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque; from the previous page. `0` or empty: the start.' })
  @Optional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  cursor: string | null;
}

/** Keyset position: the sort key and id of the last item of the previous page. */
export interface CursorPosition {
  at: string;
  id: string;
}

export function pageLimit(query: PageQueryDto): number {
  return query.limit ?? 100;
}

/** What Postgres' `to_json(timestamptz)` writes, which the lists put in their cursors. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (id: string) => UUID.test(id);

/**
 * The position a cursor holds. A cursor is opaque to clients but not signed,
 * so every part is checked before it reaches SQL: a forged one is a 400, never
 * a 500 from Postgres. `isId` checks the id part (a UUID unless a list is
 * keyed by something else).
 */
export function decodeCursor(
  cursor: string | undefined,
  isId: (id: string) => boolean = isUuid,
): CursorPosition | null {
  if (cursor === undefined || cursor === '' || cursor === '0') return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string' &&
      ISO_TIMESTAMP.test(parsed[0]) &&
      !Number.isNaN(Date.parse(parsed[0])) &&
      isId(parsed[1])
    ) {
      return { at: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw DomainException.validation('cursor: is not a cursor this API returned.', [
    { field: 'cursor', message: 'is not a cursor this API returned' },
  ]);
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id]), 'utf8').toString('base64url');
}

/**
 * Builds a page from rows fetched with `limit + 1`: the extra row only tells
 * whether there is a next page.
 */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  position: (row: Row) => CursorPosition,
  map: (row: Row) => Item,
): Page<Item> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    cursor: rows.length > limit && last !== undefined ? encodeCursor(position(last)) : null,
  };
}
