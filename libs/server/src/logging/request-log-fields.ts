/** Fields added to a request's `request completed` line, by request object (the Fastify request). */
const fields = new WeakMap<object, Record<string, unknown>>();

/**
 * Adds `extra` to the one `request completed` line createService writes for
 * `request` (the Fastify request, as Nest's `switchToHttp().getRequest()`
 * returns it), e.g. the acting user of a Switch Account token. Later calls
 * add to, and may overwrite, earlier ones. Never pass a secret.
 */
export function addRequestLogFields(request: object, extra: Record<string, unknown>): void {
  const current = fields.get(request);
  fields.set(request, current ? { ...current, ...extra } : extra);
}

/** What addRequestLogFields added for `request`, or `undefined`. */
export function requestLogFields(request: object): Record<string, unknown> | undefined {
  return fields.get(request);
}
