/**
 * A one-line reason for a log line or a stored `lastError`: the message, and
 * the causes it wraps (fetch says "fetch failed" and keeps ECONNREFUSED or the
 * timeout in `cause`). Duck-typed, since errors from another realm (some test
 * runners) fail `instanceof Error`.
 */
export function describeError(error: unknown): string {
  if (error === undefined) return 'connection ended';
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const cause = 'cause' in error && error.cause !== undefined ? `: ${describeError(error.cause)}` : '';
    return `${String(error.message)}${cause}`;
  }
  return typeof error === 'string' ? error : JSON.stringify(error);
}
