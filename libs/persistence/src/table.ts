import type { DataSource, EntityManager, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';

import { type PreparedStatement, queryPrepared, queryPreparedAfter } from './prepared-query.js';

/**
 * An entity's columns: its properties without the relations. By the house
 * rule (ARCHITECTURE.md, "Data access") relations are declared optional
 * (`workspace?: Relation<Workspace>`) and columns definite (`id!: string`), so
 * the optional properties are the relations.
 */
export type Columns<E> = { [K in keyof E as undefined extends E[K] ? never : K]: E[K] };

/** What a raw query selects beside an entity's columns: name → kind of value. */
export type ExtraColumns = Record<string, ValueKind>;

/** The JavaScript value node-postgres gives a column, as the decoder checks it. */
export type ValueKind =
  'string' | 'number' | 'boolean' | 'date' | 'json' | 'buffer' | 'string?' | 'number?' | 'boolean?' | 'date?';

type ValueOf<K extends ValueKind> = K extends 'string'
  ? string
  : K extends 'number'
    ? number
    : K extends 'boolean'
      ? boolean
      : K extends 'date'
        ? Date
        : K extends 'buffer'
          ? Buffer
          : K extends 'string?'
            ? string | null
            : K extends 'number?'
              ? number | null
              : K extends 'boolean?'
                ? boolean | null
                : K extends 'date?'
                  ? Date | null
                  : unknown;

/** The typed shape of `extra`. */
export type ExtraRow<X extends ExtraColumns> = { [K in keyof X]: ValueOf<X[K]> };

/**
 * A row came back from Postgres in a shape its table's entity does not allow:
 * a bug of ours (a query selecting the wrong columns, a migration out of step
 * with the entity), never bad input. Answers 500 by design.
 */
export class RowShapeError extends Error {
  constructor(table: string, column: string, expected: string, got: unknown) {
    super(`${table}.${column}: expected ${expected}, got ${got === null ? 'null' : typeof got}`);
    this.name = 'RowShapeError';
  }
}

interface ColumnCheck {
  /** The key in the raw row (Postgres' column name or alias). */
  source: string;
  /** The key in the decoded row (the entity's property). */
  target: string;
  kind: ValueKind;
  nullable: boolean;
}

const STRING_TYPES = new Set([
  'uuid',
  'text',
  'varchar',
  'character varying',
  'char',
  'character',
  'citext',
  'inet',
  'cidr',
  'bigint',
  'int8',
  'numeric',
  'decimal',
  'enum',
]);
const NUMBER_TYPES = new Set([
  'integer',
  'int',
  'int4',
  'smallint',
  'int2',
  'real',
  'float4',
  'double precision',
  'float8',
]);
const DATE_TYPES = new Set(['timestamptz', 'timestamp with time zone', 'timestamp', 'timestamp without time zone']);

/**
 * What node-postgres returns for a TypeORM column type with its default type
 * parsers (`bigint` and `numeric` stay strings: they can exceed 2^53).
 * @throws Error for a column type no table of ours uses yet, so that adding
 * one means teaching the decoder, not silently skipping the check.
 */
function kindOf(type: unknown, where: string): ValueKind {
  const name = typeof type === 'function' ? type.name.toLowerCase() : String(type);
  if (STRING_TYPES.has(name)) return 'string';
  if (NUMBER_TYPES.has(name)) return 'number';
  if (DATE_TYPES.has(name)) return 'date';
  if (name === 'boolean' || name === 'bool') return 'boolean';
  if (name === 'jsonb' || name === 'json') return 'json';
  if (name === 'bytea') return 'buffer';
  throw new Error(`${where}: no decoder for column type ${name}`);
}

function matches(kind: ValueKind, value: unknown): boolean {
  switch (kind) {
    case 'string':
    case 'string?':
      return typeof value === 'string';
    case 'number':
    case 'number?':
      return typeof value === 'number';
    case 'boolean':
    case 'boolean?':
      return typeof value === 'boolean';
    case 'date':
    case 'date?':
      return value instanceof Date;
    case 'buffer':
      return Buffer.isBuffer(value);
    case 'json':
      return value !== undefined;
  }
}

/**
 * One table of ours, typed from one source: its TypeORM entity (which the
 * migrations and the schema-drift test also use). Services' SQL stays raw —
 * one statement, the round trips we choose — and every row it returns goes
 * through {@link Table.decode}: Postgres' snake_case columns become the
 * entity's properties, each checked against the entity's column type and
 * nullability, so a result is typed because it was checked, not because it
 * was cast.
 *
 * Usage, in a feature's repository:
 * ```ts
 * const tenants = Table.of(dataSource, Tenant);
 * const rows = await tenants.query(manager, `SELECT ${tenants.columns} FROM tenants WHERE …`, [ … ]);
 * ```
 */
export class Table<E extends ObjectLiteral> {
  /** Every column of the table, comma-separated, for `SELECT ${table.columns}`. */
  readonly columns: string;
  /** The table's name in Postgres. */
  readonly name: string;
  private readonly checks: ColumnCheck[];

  private constructor(name: string, checks: ColumnCheck[]) {
    this.name = name;
    this.checks = checks;
    this.columns = this.checks.map((check) => check.source).join(', ');
  }

  /** The table of `entity` in `dataSource`'s metadata. @throws TypeORM's EntityMetadataNotFoundError for an unmapped entity. */
  static of<E extends ObjectLiteral>(dataSource: DataSource, entity: EntityTarget<E>): Table<E> {
    const metadata: EntityMetadata = dataSource.getMetadata(entity);
    const seen = new Set<string>();
    const checks: ColumnCheck[] = [];
    for (const column of metadata.columns) {
      if (seen.has(column.databaseName)) continue;
      seen.add(column.databaseName);
      checks.push({
        source: column.databaseName,
        target: column.propertyName,
        kind: kindOf(column.type, `${metadata.tableName}.${column.databaseName}`),
        nullable: column.isNullable,
      });
    }
    return new Table<E>(metadata.tableName, checks);
  }

  /**
   * The same table narrowed to some of its columns, in the order given: for a
   * statement that selects only those (`SELECT ${picked.columnsOf('w')}`) or
   * builds a JSON object of them. Its rows are decoded and checked as the
   * whole table's are, column by column.
   * @throws Error naming a property that is not one of the table's columns.
   */
  pick<K extends keyof Columns<E> & string>(...properties: K[]): Table<Pick<Columns<E>, K>> {
    const checks = properties.map((property) => {
      const check = this.checks.find((candidate) => candidate.target === property);
      if (!check) throw new Error(`${this.name}: no column for property ${property}`);
      return check;
    });
    return new Table<Pick<Columns<E>, K>>(this.name, checks);
  }

  /**
   * `columns` qualified with a table alias (`t.id, t.workspace_id, …`), for joins.
   */
  columnsOf(alias: string): string {
    return this.checks.map((check) => `${alias}.${check.source}`).join(', ');
  }

  /**
   * One raw row → the entity's columns plus `extra`.
   * @throws RowShapeError when a column is missing or of another type.
   */
  decode<X extends ExtraColumns = Record<never, ValueKind>>(raw: unknown, extra?: X): Columns<E> & ExtraRow<X> {
    if (typeof raw !== 'object' || raw === null) throw new RowShapeError(this.name, '*', 'a row', raw);
    const source = raw as Record<string, unknown>;
    const row: Record<string, unknown> = {};
    for (const check of this.checks) {
      const value = source[check.source];
      if (!((value === null && check.nullable) || matches(check.kind, value))) {
        throw new RowShapeError(this.name, check.source, check.nullable ? `${check.kind} or null` : check.kind, value);
      }
      row[check.target] = value;
    }
    if (extra) decodeExtra(this.name, source, extra, row);
    return row as Columns<E> & ExtraRow<X>;
  }

  /**
   * One raw row that carries the table's columns beside others (a join, a
   * function's result): the entity's columns and `extra`'s as two separate
   * objects, each column checked as {@link decode} checks it. Cheaper than
   * decoding both into one object and taking the extras out again with a
   * rest pattern, which copies every other property into a new object that
   * V8 keeps in dictionary mode (slow to build and to read).
   * @throws RowShapeError when a column is missing or of another type.
   */
  decodeBeside<X extends ExtraColumns>(raw: unknown, extra: X): { row: Columns<E>; extra: ExtraRow<X> } {
    const row = this.decode(raw);
    const beside: Record<string, unknown> = {};
    decodeExtra(this.name, raw as Record<string, unknown>, extra, beside);
    return { row, extra: beside as ExtraRow<X> };
  }

  /**
   * Runs `sql` on `manager` (inside a scope's transaction, or the data
   * source's manager outside one) and decodes every row.
   * @throws RowShapeError as {@link decode}; whatever Postgres raises.
   */
  async query<X extends ExtraColumns = Record<never, ValueKind>>(
    manager: Pick<EntityManager, 'query'>,
    sql: string,
    params: unknown[] = [],
    extra?: X,
  ): Promise<(Columns<E> & ExtraRow<X>)[]> {
    const rows: unknown = await manager.query(sql, params);
    return decodeAll(rows, (raw) => this.decode(raw, extra));
  }

  /** As {@link query}, for a statement that yields at most one row: that row, or null. */
  async queryOne<X extends ExtraColumns = Record<never, ValueKind>>(
    manager: Pick<EntityManager, 'query'>,
    sql: string,
    params: unknown[] = [],
    extra?: X,
  ): Promise<(Columns<E> & ExtraRow<X>) | null> {
    const [row] = await this.query(manager, sql, params, extra);
    return row ?? null;
  }

  /**
   * As {@link query} through a named prepared statement on the pool (see
   * queryPrepared: for the hottest reads only).
   */
  async queryPrepared(dataSource: DataSource, name: string, sql: string, params: unknown[]): Promise<Columns<E>[]> {
    const rows = await queryPrepared(dataSource, name, sql, params);
    return rows.map((raw) => this.decode(raw));
  }

  /**
   * As {@link queryPrepared}, after `before` in the same round trip and
   * transaction (see queryPreparedAfter: a scope's settings, then the read).
   */
  async queryPreparedAfter(
    dataSource: DataSource,
    before: PreparedStatement,
    statement: PreparedStatement,
  ): Promise<Columns<E>[]> {
    const rows = await queryPreparedAfter(dataSource, before, statement);
    return rows.map((raw) => this.decode(raw));
  }
}

/**
 * Rows of a query whose result is not a table's row (a count, an id, a
 * computed value): each raw row checked against `shape`.
 * @throws RowShapeError when a column is missing or of another type.
 */
export async function queryRows<X extends ExtraColumns>(
  manager: Pick<EntityManager, 'query'>,
  sql: string,
  params: unknown[],
  shape: X,
): Promise<ExtraRow<X>[]> {
  const rows: unknown = await manager.query(sql, params);
  return decodeAll(rows, (raw) => {
    if (typeof raw !== 'object' || raw === null) throw new RowShapeError('query', '*', 'a row', raw);
    const row: Record<string, unknown> = {};
    decodeExtra('query', raw as Record<string, unknown>, shape, row);
    return row as ExtraRow<X>;
  });
}

/** As {@link queryRows}, for at most one row: that row, or null. */
export async function queryRow<X extends ExtraColumns>(
  manager: Pick<EntityManager, 'query'>,
  sql: string,
  params: unknown[],
  shape: X,
): Promise<ExtraRow<X> | null> {
  const [row] = await queryRows(manager, sql, params, shape);
  return row ?? null;
}

function decodeExtra(
  table: string,
  source: Record<string, unknown>,
  extra: ExtraColumns,
  row: Record<string, unknown>,
) {
  for (const [key, kind] of Object.entries(extra)) {
    const value = source[key];
    const nullable = kind.endsWith('?');
    if (!((value === null && nullable) || matches(kind, value))) throw new RowShapeError(table, key, kind, value);
    row[key] = value;
  }
}

/**
 * TypeORM's `query` returns rows for SELECT and INSERT/UPDATE … RETURNING on
 * Postgres, but `[rows, affected]` for UPDATE/DELETE … RETURNING: take the rows
 * either way.
 */
function decodeAll<T>(result: unknown, decode: (raw: unknown) => T): T[] {
  if (!Array.isArray(result)) throw new RowShapeError('query', '*', 'an array of rows', result);
  const rows: unknown[] =
    result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result;
  return rows.map(decode);
}

/**
 * Runs a statement that returns no rows (UPDATE, DELETE, INSERT without
 * RETURNING, a SELECT of side effects) and gives the number of rows it
 * touched: Postgres' command tag count (for a SELECT, the rows it returned),
 * read from TypeORM's structured result on the manager's own query runner —
 * inside a transaction, the transaction's connection.
 * @throws whatever Postgres raises.
 */
export async function execute(
  manager: EntityManager | DataSource,
  sql: string,
  params: unknown[] = [],
): Promise<number> {
  const own = 'createQueryRunner' in manager ? undefined : manager.queryRunner;
  const runner = own ?? ('createQueryRunner' in manager ? manager : manager.connection).createQueryRunner();
  try {
    const result = await runner.query(sql, params, true);
    return result.affected ?? result.records.length;
  } finally {
    if (runner !== own) await runner.release();
  }
}
