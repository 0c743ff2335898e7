/** Socket errors of a connection that could not be made or was lost (Node.js `error.code`). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);
/**
 * SQLSTATEs of a Postgres server that is not there for us (PostgreSQL manual,
 * Appendix A): class 08 "connection exception", 57P01-57P03 (admin shutdown,
 * crash shutdown, cannot connect now) and 53300 (too many connections).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-3]|53300)$/;

/**
 * Whether an error means a dependency (Postgres, a socket peer) is unreachable
 * rather than a fault in our code: such a request deserves `503` — try again
 * later — not `500`. Classified by error codes, following `cause` and
 * TypeORM's `driverError`, never by message text.
 */
export function isDependencyUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { code, cause, driverError } = error as { code?: unknown; cause?: unknown; driverError?: unknown };
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isDependencyUnavailable(inner, depth + 1))) {
    return true;
  }
  return isDependencyUnavailable(driverError, depth + 1) || isDependencyUnavailable(cause, depth + 1);
}
