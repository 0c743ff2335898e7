import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * Hop-by-hop fields (RFC 9110 §7.6.1, and the older `Keep-Alive`,
 * `Proxy-Connection`, `Proxy-Authenticate`, `Proxy-Authorization` of RFC 2616
 * §13.5.1): they describe one connection, so a proxy does not forward them.
 * `Connection` and the fields it names are removed by @fastify/reply-from.
 */
export const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
] as const;

const HOP_BY_HOP_NAMES: ReadonlySet<string> = new Set(HOP_BY_HOP);
const NONE_NAMED: readonly string[] = [];

/** `headers` less the hop-by-hop fields and those the `Connection` field names (mutated and returned). */
export function withoutHopByHop<T extends IncomingHttpHeaders | OutgoingHttpHeaders>(headers: T): T {
  // Runs for every request: no array is built, and only fields that are there are deleted.
  const named = namedByConnection(headers['connection']);
  for (const name of HOP_BY_HOP) {
    if (headers[name] !== undefined) delete headers[name];
  }
  for (const name of named) delete headers[name];
  return headers;
}

/**
 * The end-to-end fields of `headers` (field names in lower case, as Node and undici give them) in a new
 * object: those withoutHopByHop keeps, `headers` itself unchanged. For an instance's answer, which
 * always has hop-by-hop fields (`Connection`, `Keep-Alive`): deleting them would turn the object into
 * a slow dictionary that every later step reads.
 */
export function endToEndFields<T extends IncomingHttpHeaders | OutgoingHttpHeaders>(headers: T): T {
  const named = namedByConnection(headers['connection']);
  const kept: Record<string, unknown> = {};
  for (const name of Object.keys(headers)) {
    if (!HOP_BY_HOP_NAMES.has(name) && !named.includes(name)) kept[name] = headers[name];
  }
  return kept as T;
}

/** The field names a `Connection` field lists (lower case, no empty ones). */
function namedByConnection(connection: unknown): readonly string[] {
  if (typeof connection !== 'string') return NONE_NAMED;
  const named: string[] = [];
  for (const option of connection.split(',')) {
    const name = option.trim().toLowerCase();
    if (name !== '') named.push(name);
  }
  return named;
}
