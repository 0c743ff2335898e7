import type { EntityManager, ObjectLiteral } from 'typeorm';

import type { Columns, ExtraRow, Table } from './table.js';

/**
 * Where the previous page ended: the sort value of its last row as
 * `to_json(timestamptz)` writes it (ISO 8601, microseconds) and that row's id.
 * The shape of `@switchboard/server`'s CursorPosition, which a list decodes
 * from its cursor and checks before it reaches SQL.
 */
export interface KeysetPosition {
  at: string;
  id: string;
}

/** What every row of a keyset page carries besides its columns: the `at` of its position. */
const POSITION = { position: 'string' } as const;

/** A row of a keyset page: the paged table's columns and its position's `at`. */
export type KeysetRow<E> = Columns<E> & ExtraRow<typeof POSITION>;

/** One keyset page to read: the rows of `from` that `where` keeps, after `after`, at most `limit`. */
export interface KeysetPageQuery {
  /** The FROM clause: a table with its alias (`universe_elements e`), or joins. */
  from: string;
  /** The alias of the paged table in `from`: its columns are selected, its sort column and id page. */
  alias: string;
  /** The conditions, with parameters `$1`…`$n` taken from `params`; `TRUE` for none. */
  where: string;
  params: unknown[];
  after: KeysetPosition | null;
  limit: number;
  /** The timestamptz column that orders the page, with `id` breaking ties. Default `created_at`. */
  sortColumn?: string;
}

/**
 * One page of a keyset-paged list (oldest first): the rows of `query.from`
 * that `query.where` keeps, ordered by `(sortColumn, id)` of the paged table,
 * strictly after `query.after`, at most `query.limit` of them (ask for one
 * more than the page to learn whether a next page exists, as `toPage`
 * does). Only the paged table's columns are selected, each row decoded
 * through `table`, and each carries `position`: its sort value as `to_json`
 * writes it, so that a cursor made of `(position, id)` compares exactly (a
 * JavaScript Date keeps milliseconds only). Keyset paging needs an index on the table's `(sortColumn, id)`, or
 * one that starts with the `where` columns, to stay fast on any page.
 * @throws RowShapeError as `Table.decode`; whatever Postgres raises.
 */
export function keysetPage<E extends ObjectLiteral>(
  table: Table<E>,
  manager: Pick<EntityManager, 'query'>,
  query: KeysetPageQuery,
): Promise<KeysetRow<E>[]> {
  const { alias, params } = query;
  const sort = `${alias}.${query.sortColumn ?? 'created_at'}`;
  const at = params.length + 1;
  return table.query(
    manager,
    `SELECT ${table.columnsOf(alias)}, to_json(${sort}) #>> '{}' AS position
     FROM ${query.from}
     WHERE (${query.where})
       AND ($${at}::timestamptz IS NULL OR (${sort}, ${alias}.id) > ($${at}::timestamptz, $${at + 1}::uuid))
     ORDER BY ${sort}, ${alias}.id
     LIMIT $${at + 2}`,
    [...params, query.after?.at ?? null, query.after?.id ?? null, query.limit],
    POSITION,
  );
}
