import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

import { CORRELATION_HEADER } from '../logging/correlation.js';

/**
 * Which browser origins may read a service's responses. PlatformModule
 * provides the service's policy (its `cors` option) under `CORS_POLICY`, and
 * createService answers CORS with it (preflights and the
 * `Access-Control-Allow-Origin` of actual responses) through `@fastify/cors`.
 */
export interface CorsPolicy {
  /**
   * The origins allowed for this request: `'*'` for any, else a set of
   * serialized origins (`https://app.example.com`) compared with `===` to the
   * `Origin` header. Called for preflights (which carry no credentials) and
   * actual requests alike, before any guard runs. Must not throw: a policy
   * that cannot tell allows nothing.
   */
  allowedOrigins(request: FastifyRequest): Promise<'*' | ReadonlySet<string>>;
}

/** The injection token of a service's CorsPolicy. */
export const CORS_POLICY = Symbol('CORS_POLICY');

/** A fixed list (the Hub's `HUB_CORS_ORIGINS`): `*` among them means any origin. */
export function staticCorsPolicy(origins: readonly string[]): CorsPolicy {
  const allowed: '*' | ReadonlySet<string> = origins.includes('*') ? '*' : new Set(origins);
  return { allowedOrigins: () => Promise.resolve(allowed) };
}

/** How long a browser may cache a preflight answer (Chromium caps it at 7200 s). */
const PREFLIGHT_MAX_AGE_SECONDS = 600;
const METHODS = 'GET,HEAD,POST,PUT,PATCH,DELETE';
/** Response headers a browser script may read besides the CORS-safelisted ones. */
const EXPOSED_HEADERS = [CORRELATION_HEADER, 'Retry-After', 'Location', 'ETag'].join(',');

/**
 * Registers `@fastify/cors` with a per-request delegator that asks the
 * policy (the Fetch standard's CORS protocol, section 3.2): an allowed origin
 * gets `Access-Control-Allow-Origin` (its own value, or `*`) with
 * `Vary: Origin`; a preflight from it gets 204 with the methods, the request
 * headers it asked for, and a max age; any other origin gets no CORS header
 * (its preflight a 404), so the browser keeps the response from the page.
 * Never credentialed (`Access-Control-Allow-Credentials` is not sent): our
 * APIs take bearer tokens, not cookies.
 */
export function enableCorsPolicy(app: NestFastifyApplication, policy: CorsPolicy): void {
  const optionsFor = (origin: string | false) => ({
    origin,
    methods: METHODS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    credentials: false,
  });
  const noOrigin = optionsFor(false);
  app.enableCors({
    // The callback form (two parameters), not a promise: a request without `Origin` (not from a
    // browser page, most API calls) is answered at once, without a promise and a turn of the event loop.
    delegator: (
      request: FastifyRequest,
      callback: (error: Error | null, options: ReturnType<typeof optionsFor>) => void,
    ) => {
      const origin = request.headers.origin;
      if (origin === undefined) {
        callback(null, noOrigin);
        return;
      }
      policy.allowedOrigins(request).then(
        (allowed) => callback(null, optionsFor(allowed === '*' ? '*' : allowed.has(origin) ? origin : false)),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), noOrigin),
      );
    },
  });
}
