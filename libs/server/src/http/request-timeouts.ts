/** The request timeouts every Switchboard HTTP server applies (Hub, instance, gateway), in ms. */
export interface RequestTimeouts {
  /** The whole request, headers and body, must have arrived within this many ms (Node's `requestTimeout`). */
  requestTimeoutMs: number;
  /** The request line and headers must have arrived within this many ms (Node's `headersTimeout`); at most requestTimeoutMs. */
  headersTimeoutMs: number;
}

/** 30 s for a whole request, 10 s for its headers: the defaults of HTTP_REQUEST_TIMEOUT_MS / HTTP_HEADERS_TIMEOUT_MS. */
export const DEFAULT_REQUEST_TIMEOUTS: RequestTimeouts = { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000 };

/**
 * The Fastify server options that make Node's HTTP server give up on a request
 * that has not fully arrived in time (a stalled body, headers sent slowly —
 * Slowloris): `requestTimeout` (Fastify sets it on the server, its default 0
 * turns it off), and, through Fastify's `http` option (passed to
 * `http.createServer`), `headersTimeout` and `connectionsCheckingInterval`,
 * how often Node looks for such requests (its default, 30 s, would let a
 * request live up to 30 s past its timeout; here a quarter of the shorter
 * timeout, 1 s at most). Node then emits `clientError` with
 * `ERR_HTTP_REQUEST_TIMEOUT`, which `answerClientError` answers as a `408`
 * problem. A request that has fully arrived is not limited by these (a slow
 * answer is not the client's fault).
 */
export function requestTimeoutOptions(timeouts: RequestTimeouts = DEFAULT_REQUEST_TIMEOUTS): {
  requestTimeout: number;
  http: { requestTimeout: number; headersTimeout: number; connectionsCheckingInterval: number };
} {
  const { requestTimeoutMs, headersTimeoutMs } = timeouts;
  const headersTimeout = Math.min(headersTimeoutMs, requestTimeoutMs);
  return {
    requestTimeout: requestTimeoutMs,
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout,
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(headersTimeout / 4))),
    },
  };
}
