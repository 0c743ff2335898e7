import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';

/** Where `scripts/build.mjs` puts the console's build (apps/console/dist), from apps/hub/{src,dist}/console/. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

/**
 * The console's Content-Security-Policy: scripts and styles only from the Hub's own files (no inline
 * script, no eval), no framing, no plugins. `connect-src` allows any http(s) origin besides the Hub's,
 * because the console reads tenants from each workspace's instance (its `apiUrl`, wherever the
 * operator runs it); those instances decide, by CORS (`settings.allowedOrigins`), whether to answer.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' http: https:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * Serves the web console at `/console` (issue 15): hashed files under `/console/assets/` cached for a
 * year (`immutable`: a new build has new names), and `index.html`, never cached, for `/console` and
 * every client route under it (`/console/orgs/…`), with the CSP above. Outside Nest (no guard: the page
 * is public; the API calls it makes carry the user's token). When the console was not built, `/console`
 * answers a 503 problem saying so, and the API runs as ever.
 */
export async function serveConsole(app: NestFastifyApplication, dist: string = CONSOLE_DIST): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const indexFile = `${dist}/index.html`;
  const index = existsSync(indexFile) ? readFileSync(indexFile) : undefined;
  if (index && existsSync(`${dist}/assets`)) {
    await app.register(fastifyStatic, {
      root: `${dist}/assets`,
      prefix: '/console/assets/',
      decorateReply: false,
      index: false,
      maxAge: '365d',
      immutable: true,
      // @fastify/static 10 hands over Fastify's reply (not Node's response).
      setHeaders: (reply: FastifyReply) => void reply.headers(SECURITY_HEADERS),
    });
  }
  const page = (_request: unknown, reply: FastifyReply) => {
    if (!index) {
      return reply
        .status(503)
        .header('content-type', 'application/problem+json')
        .header('cache-control', 'no-store')
        .send({
          type: 'about:blank',
          title: 'Service Unavailable',
          status: 503,
          detail: 'The console was not built: run `npm run build` (scripts/build.mjs builds apps/console).',
        });
    }
    return reply
      .headers({ ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' })
      .send(index);
  };
  fastify.get('/console', page);
  fastify.get('/console/', page);
  // Client routes; /console/assets/* is the static plugin's (a missing asset is its 404, not the page).
  fastify.get('/console/*', (request, reply) => {
    if (request.url.startsWith('/console/assets/')) {
      return reply.status(404).header('content-type', 'application/problem+json').send({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: 'No such console file.',
      });
    }
    return page(request, reply);
  });
}
