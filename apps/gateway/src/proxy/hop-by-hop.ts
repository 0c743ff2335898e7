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

/** `headers` less the hop-by-hop fields and those the `Connection` field names (mutated and returned). */
export function withoutHopByHop<T extends IncomingHttpHeaders | OutgoingHttpHeaders>(headers: T): T {
  const connection = headers['connection'];
  const named = typeof connection === 'string' ? connection.split(',').map((name) => name.trim().toLowerCase()) : [];
  for (const name of [...HOP_BY_HOP, ...named]) {
    if (name !== '') delete headers[name];
  }
  return headers;
}
