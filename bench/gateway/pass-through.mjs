// The floor for bench/gateway, not a gateway: Fastify and @fastify/reply-from over an undici Agent (the
// gateway's libraries, server options and pool settings) passing every request to one upstream, with
// nothing of the gateway's own — no credentials read, no placement, no metrics, no X-Forwarded-*, no
// hop-by-hop or move handling. Its own process, as the gateway. What a proxy built on these libraries
// costs at the least; the bench reports it beside the target so that a reader can tell the gateway's
// own cost from the libraries'.
//
//   PASS_THROUGH_PORT=… PASS_THROUGH_UPSTREAM=http://127.0.0.1:… node bench/gateway/pass-through.mjs
import replyFrom from '@fastify/reply-from';
import Fastify from 'fastify';
import { Agent } from 'undici';

const port = Number(process.env.PASS_THROUGH_PORT);
const upstreamUrl = process.env.PASS_THROUGH_UPSTREAM ?? '';
if (!Number.isInteger(port) || !/^http:\/\/127\.0\.0\.1:\d+$/.test(upstreamUrl)) {
  throw new Error('PASS_THROUGH_PORT and PASS_THROUGH_UPSTREAM (http://127.0.0.1:<port>) are required');
}
const app = Fastify({ logger: false, bodyLimit: Number.MAX_SAFE_INTEGER, return503OnClosing: true });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
// The gateway's defaults (apps/gateway/src/config.ts, gateway-server.ts).
const upstream = new Agent({ connections: 128, connect: { timeout: 5000 }, keepAliveTimeout: 30_000 });
await app.register(replyFrom, { undici: upstream, disableRequestLogging: true });
app.all('/*', (request, reply) => reply.from(`${upstreamUrl}${request.url}`, { timeout: 30_000 }));
await app.listen({ port, host: '127.0.0.1' });
process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
