export interface DatabaseIdentity {
  database: string;
  user: string;
  password: string;
}

/** Reads the database name and role from a `postgres://user:password@host:port/database` URL. */
export function identityOf(url: string): DatabaseIdentity {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(parsed.username);
  if (!database || !user) throw new Error(`the database URL ${redactUrl(url)} must name a user and a database.`);
  return { database, user, password: decodeURIComponent(parsed.password) };
}

/** The same server, another database (and optionally another role). */
export function withDatabase(url: string, database: string, user?: { user: string; password: string }): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  if (user) {
    parsed.username = encodeURIComponent(user.user);
    parsed.password = encodeURIComponent(user.password);
  }
  return parsed.toString();
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** A Postgres identifier, quoted. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A Postgres string literal, quoted. */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
