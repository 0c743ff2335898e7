import type { Connection, FieldDef, Pool, QueryResultRow, Submittable } from 'pg';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

/** The pg pool under a TypeORM data source (the application role's connections). */
function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as PostgresDriver).master as Pool;
}

/**
 * Runs a named prepared statement on the data source's pg pool. Postgres then
 * parses and plans it once per connection instead of on every call, and the
 * driver skips describing its result; for GET /tenants/self that was a third
 * of Postgres' work and a tenth of ours (bench/tenants-self). For the hottest
 * reads only: the name is bound to `text` on every pooled connection, so one
 * name must always mean one text.
 */
export function queryPrepared<Row extends QueryResultRow>(
  dataSource: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<Row[]> {
  // One `then`, not an async function and an await: two promises fewer on the hottest read.
  return poolOf(dataSource)
    .query<Row>({ name, text, values })
    .then((result) => result.rows);
}

/**
 * A named prepared statement with its arguments (`text` must be the same
 * wherever `name` is used). Arguments are sent as text as they are, or as
 * NULL: ids, keys and other strings; a statement casts them (`$1::uuid`).
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
  readonly values: readonly (string | null)[];
}

/**
 * Runs `before`, then `statement`, both named prepared statements, in one
 * round trip and one transaction, and returns `statement`'s rows: both
 * Bind/Execute pairs go out before a single Sync, and Postgres runs every
 * Execute until a Sync in one implicit transaction (PostgreSQL manual,
 * "Frontend/Backend Protocol", 55.2.3 "Extended Query" and 55.2.4
 * "Pipelining"). What `before` sets with `set_config(…, true)` is therefore
 * in force for `statement` and ends with that transaction — never on the
 * pooled connection afterwards. If `before` fails, Postgres skips `statement`
 * (everything up to the Sync) and the promise rejects.
 *
 * For the hottest scoped reads: the scope is set by a plain statement rather
 * than inside a plpgsql function wrapped around the read, which cost Postgres
 * about half as much again as the read itself (bench/tenants-self).
 * @throws (rejects with) whatever Postgres raises for either statement; Error
 *   when `name` is already bound to another text on the connection.
 */
export function queryPreparedAfter<Row extends QueryResultRow>(
  pool: DataSource | Pool,
  before: PreparedStatement,
  statement: PreparedStatement,
): Promise<Row[]> {
  const target = ('driver' in pool ? poolOf(pool) : pool) as unknown as PoolTakingCallback;
  return new Promise<Row[]>((resolve, reject) => {
    // The callback form: pg-pool calls it once the client is released, and makes no promise that could go unhandled.
    target.query(new StatementPair(before, statement), (error, rows) =>
      error ? reject(error) : resolve(rows as Row[]),
    );
  });
}

/** pg-pool's `query(submittable, callback)`, which its typings leave out: the callback gets what the submittable answered. */
interface PoolTakingCallback {
  query(submittable: Submittable, callback: (error: Error | undefined, rows?: QueryResultRow[]) => void): void;
}

/** pg's Connection as a submittable sees it: the statements parsed on it (name → text), and the protocol messages. */
type PgConnection = Connection & {
  parsedStatements: Record<string, string | undefined>;
  stream: { cork?: () => void; uncork?: () => void };
  parse(query: { name: string; text: string }): void;
  bind(config: { statement: string; values: readonly (string | null)[] }): void;
  describe(message: { type: 'P' | 'S'; name: string }): void;
  execute(config: Record<string, never>): void;
  close(message: { type: 'S'; name: string }): void;
  sync(): void;
};

/**
 * The pg "submittable" behind queryPreparedAfter: node-postgres hands it the
 * connection when the client is free and passes it each backend message until
 * ReadyForQuery (or the first ErrorResponse, after which pg forgets the
 * query). A statement is parsed on a connection once; before its first Parse
 * it is closed, which is no error when it does not exist ("It is not an error
 * to issue Close against a nonexistent statement"), so a Parse that succeeded
 * in a round trip that failed later is never repeated into "already exists".
 */
class StatementPair implements Submittable {
  /** Set by node-postgres from the pool's callback; the pool releases the client when it is called. */
  callback: ((error: Error | undefined, rows?: QueryResultRow[]) => void) | undefined;
  private completed = 0;
  private fields: FieldDef[] = [];
  private readonly rows: QueryResultRow[] = [];
  private parsed: PreparedStatement[] = [];
  private connection: PgConnection | undefined;
  private failure: Error | null = null;
  private finished = false;

  constructor(
    private readonly before: PreparedStatement,
    private readonly statement: PreparedStatement,
  ) {}

  /** Writes both statements and the Sync; returns (does not throw) a name bound to another text, as pg expects. */
  submit(pgConnection: Connection): Error | undefined {
    // pg's typings leave the protocol methods out; they are what its own Query calls.
    const connection = pgConnection as PgConnection;
    this.connection = connection;
    const known = connection.parsedStatements;
    for (const { name, text } of [this.before, this.statement]) {
      const bound = known[name];
      if (bound !== undefined && bound !== text) {
        return new Error(`Prepared statement "${name}" is already bound to another text.`);
      }
    }
    connection.stream.cork?.();
    try {
      for (const current of [this.before, this.statement]) {
        if (known[current.name] === undefined) {
          connection.close({ type: 'S', name: current.name });
          connection.parse({ name: current.name, text: current.text });
          this.parsed.push(current);
        }
        connection.bind({ statement: current.name, values: current.values });
        if (current === this.statement) connection.describe({ type: 'P', name: '' });
        connection.execute({});
      }
    } catch (error) {
      // A value pg cannot send: what was written still ends at the Sync, and the answer is this error.
      this.failure = error instanceof Error ? error : new Error(String(error));
    } finally {
      connection.sync();
      connection.stream.uncork?.();
    }
    return undefined;
  }

  handleRowDescription(message: { fields: FieldDef[] }): void {
    this.fields = message.fields;
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    // `before`'s rows (one, of set_config's results) are not the answer.
    if (this.completed === 0) return;
    const row: Record<string, unknown> = {};
    const values = message.fields;
    for (let i = 0; i < this.fields.length; i++) {
      const field = this.fields[i] as FieldDef;
      const value = values[i];
      row[field.name] = value === null || value === undefined ? null : parserOf(field.dataTypeID)(value);
    }
    this.rows.push(row);
  }

  handleCommandComplete(): void {
    this.completed++;
  }

  handleEmptyQuery(): void {}

  handlePortalSuspended(): void {}

  handleCopyInResponse(): void {}

  handleCopyData(): void {}

  handleError(error: Error): void {
    this.finish(error);
  }

  handleReadyForQuery(): void {
    const connection = this.connection;
    if (this.failure === null && connection) {
      for (const { name, text } of this.parsed) connection.parsedStatements[name] = text;
    }
    this.finish(this.failure);
  }

  private finish(error: Error | null): void {
    if (this.finished) return;
    this.finished = true;
    this.callback?.(error ?? undefined, error ? undefined : this.rows);
  }
}

/** node-postgres' parser for a text-format column of this type, as its own queries use. */
function parserOf(typeId: number): (value: string) => unknown {
  return pg.types.getTypeParser(typeId, 'text') as (value: string) => unknown;
}
