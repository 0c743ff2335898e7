import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

import replyFrom from '@fastify/reply-from';
import type { WorkspacePlacement } from '@switchboard/contracts';
import {
  answerClientError,
  answerUnmetExpectation,
  ErrorCode,
  requestTimeoutOptions,
  type RequestTimeouts,
} from '@switchboard/server';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Agent, type Dispatcher, request as upstreamRequest } from 'undici';

import type { PlacementTable } from '../placements/placement-table.js';
import { clientKeyOf, ClientShares } from './client-shares.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { endToEndFields, withoutHopByHop } from './hop-by-hop.js';
import {
  classifyAnswer,
  type HeldBody,
  HeldBytes,
  MAX_MOVE_HOPS,
  mayBeMoveAnswer,
  placementAwayFrom,
  REPLAY_BODY_BYTES,
  REPLAY_BUDGET_BYTES,
  RETRY_DELAY_MS,
} from './move-follow.js';
import { sendProblem } from './problems.js';
import { readRequestBody, StreamedBodies } from './request-body.js';
import { workspaceKeyOf } from './workspace-key.js';

export interface GatewayServerOptions {
  table: PlacementTable;
  metrics: GatewayMetrics;
  /** Per request: how long an instance may take to send headers, and between body parts, in ms (→ 504). */
  upstreamTimeoutMs: number;
  /** How long connecting to an instance may take, in ms (→ 504). */
  connectTimeoutMs: number;
  /** Connections kept per instance. */
  connections: number;
  /**
   * Requests streaming a body larger than the gateway holds to one instance at once, at most this many
   * (default: an eighth of `connections`, at least 1); past it `503 gateway_busy`.
   */
  streamedBodiesPerInstance?: number;
  /**
   * Held bytes one client (clientKeyOf: an IPv4 address, an IPv6 /64) may take at once, at most (default: an
   * eighth of `replayBudgetBytes`); past it `429 rate_limited` (client-shares.ts).
   */
  heldBytesPerClient?: number;
  /**
   * Bodies one client may stream at once, to all instances together, at most (default: a quarter of
   * `streamedBodiesPerInstance`, at least 1); past it `429 rate_limited`.
   */
  streamedBodiesPerClient?: number;
  /**
   * Peers trusted to name the client in X-Forwarded-For (CIDRs, as Fastify's `trustProxy` takes them,
   * proxy-addr): a request from one of them is counted against the client it names, any other against its
   * TCP peer. Default none.
   */
  trustedProxies?: readonly string[];
  /** How long a client may take to send a whole request, and its headers (default 30 s, 10 s): past it `408`. */
  requestTimeouts?: RequestTimeouts;
  /** The public base URL for the OpenAPI document's `servers`; undefined: from the request's Host. */
  publicUrl?: string;
  /** Serve `/metrics` on this port too (when there is no ops port). */
  metricsOnPublicPort: boolean;
  /**
   * Request bodies up to this many bytes are read whole before the request is sent (request-body.ts), and
   * held so that a request a moving workspace's source did not apply can be sent to its target
   * (move-follow.ts); default REPLAY_BODY_BYTES. Larger ones are streamed once this much has arrived.
   */
  replayBodyBytes?: number;
  /**
   * The bodies held (or being read) by all requests together, at most this many bytes (default
   * REPLAY_BUDGET_BYTES); a request whose body finds no room is answered `503 gateway_busy`.
   */
  replayBudgetBytes?: number;
  /**
   * Told when an instance redirected a request (`307`) and the table still named that instance after the
   * wait for the move's placement: the table may have missed a message (the gateway wires it to
   * PlacementSync.resyncSoon). The `307` itself is passed on.
   */
  onStalePlacement?: (workspaceKey: string) => void;
  /** Where an upstream failure is reported (the gateway writes no line per request: the metrics count them). */
  log: { warn(fields: object, message: string): void };
}

/** One request on its way: its workspace, where it is sent now, its held body (undefined: streamed), sends so far. */
interface Route {
  workspaceKey: string;
  placement: WorkspacePlacement;
  held: HeldBody | undefined;
  hops: number;
  /** performance.now() when it arrived. */
  started: number;
}

/** What a client refused for want of room (held bytes, streamed bodies) is told to wait, in seconds. */
const BUSY_RETRY_AFTER_SECONDS = 1;

/** How long the OpenAPI document read from an instance is reused. */
const OPENAPI_CACHE_MS = 60_000;

/**
 * The gateway's public HTTP server (API.md, "Gateway: one URL for every
 * instance"): every request but its own paths is forwarded, with
 * @fastify/reply-from over an undici pool per instance, to the instance that
 * holds the workspace its credentials name (`workspaceKeyOf`), as the
 * placement table says. A request body is read whole before the request is
 * sent, up to `replayBodyBytes` (request-body.ts: a body still arriving takes
 * no connection to the instance); a larger one streams, a few per instance at
 * once. Answers stream (no parsing), but for an
 * answer of at most 16 KiB announced by Content-Length, which is read whole and
 * sent in one write (SMALL_ANSWER_BYTES; one that stalls or breaks off before
 * it is whole is a 504 or 502 problem rather than a cut body);
 * hop-by-hop fields are dropped both ways, end-to-end ones (`traceparent`,
 * `tracestate`, `x-correlation-id`, `Authorization`, …) pass unchanged, and
 * `X-Forwarded-For/-Proto/-Host` are set. Its own answers are problem+json:
 * 401 `unauthenticated` (no credentials) or `invalid_token` (none it can
 * read), 404 `unknown_workspace` (not placed; not forwarded), 502
 * `bad_gateway` (the instance cannot be reached, or broke off), 504
 * `gateway_timeout` (no connection, or no answer, in time), 429
 * `rate_limited` with Retry-After (the client, by its address, holds its share
 * of the bodies held or streamed already: client-shares.ts), 503
 * `gateway_busy` with Retry-After (no room to hold the body, or to stream it),
 * 408 (the request did not arrive within the request timeout). A request that
 * a moving workspace's source did not apply (its `307`, its `503
 * workspace_moving`) is sent again where the Hub places the workspace now,
 * when its body was small enough to hold (move-follow.ts).
 */
export async function createGatewayServer(options: GatewayServerOptions): Promise<FastifyInstance> {
  const { table, metrics } = options;
  const replayBodyBytes = options.replayBodyBytes ?? REPLAY_BODY_BYTES;
  const heldBytes = new HeldBytes(options.replayBudgetBytes ?? REPLAY_BUDGET_BYTES);
  const streamed = new StreamedBodies(
    options.streamedBodiesPerInstance ?? Math.max(1, Math.floor(options.connections / 8)),
  );
  // An eighth of the bytes: eight clients (or /64s) to take them all. A quarter of an instance's streamed
  // bodies: four clients to take one instance's; one client uploading large bodies rarely sends more at once.
  const shares = new ClientShares(
    options.heldBytesPerClient ?? Math.floor(heldBytes.limit / 8),
    options.streamedBodiesPerClient ?? Math.max(1, Math.floor(streamed.perInstance / 4)),
  );
  metrics.watchHeld(() => ({ bytes: heldBytes.current, clients: shares.clients }));
  const trustedProxies = options.trustedProxies ?? [];
  const app = Fastify({
    // No Fastify logger: its per-request child logger costs CPU on every request; failures go to `options.log`.
    logger: false,
    // The instance decides what it accepts; the gateway only streams.
    bodyLimit: Number.MAX_SAFE_INTEGER,
    return503OnClosing: true,
    // request.ip: the client a trusted proxy names in X-Forwarded-For; without any, the TCP peer (at no cost).
    ...(trustedProxies.length > 0 ? { trustProxy: [...trustedProxies] } : {}),
    // A request (its body included) that has not arrived in time is a 408 problem (answerClientError).
    ...requestTimeoutOptions(options.requestTimeouts),
    // What Node's parser refuses (a body cut short, headers too large) is problem+json here too.
    clientErrorHandler: answerClientError,
    // So is what the router refuses before any route runs: a path whose percent-encoding is not UTF-8 (`/%ff`).
    frameworkErrors: (error, _request, reply) =>
      void sendProblem(reply, 400, 'malformed_request', 'Bad Request', error.message),
  });
  // An Expect other than 100-continue: a 417 problem, nothing forwarded (Node's own answer has an empty body).
  app.server.on('checkExpectation', answerUnmetExpectation);
  // Bodies are not parsed: each is handed on as the stream it arrived as.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  // Our own pool (undici verifies upstream TLS certificates by default; reply-from's does not).
  const upstream = new Agent({
    connections: options.connections,
    connect: { timeout: options.connectTimeoutMs },
    keepAliveTimeout: 30_000,
  });
  await app.register(replyFrom, { undici: upstream, disableRequestLogging: true });
  app.addHook('onClose', async () => upstream.close());

  const live = (_request: FastifyRequest, reply: FastifyReply) => reply.send({ status: 'ok' });
  app.get('/health/live', live);
  app.get('/healthz', live);
  const ready = async (_request: FastifyRequest, reply: FastifyReply) => {
    if (table.ready) return reply.send({ status: 'ok', info: { placements: table.size } });
    return sendProblem(
      reply,
      503,
      'service_unavailable',
      'Service Unavailable',
      'The gateway has not yet read the placement table from the Hub.',
    );
  };
  app.get('/health/ready', ready);
  app.get('/readyz', ready);
  if (options.metricsOnPublicPort) {
    app.get('/metrics', async (_request, reply) =>
      reply.header('content-type', metrics.contentType).send(await metrics.metrics()),
    );
  }

  let openapi: { document: Record<string, unknown>; at: number } | undefined;
  app.get('/openapi.json', async (request, reply) => {
    if (!openapi || Date.now() - openapi.at > OPENAPI_CACHE_MS) {
      const document = await instanceDocument(table, options.upstreamTimeoutMs);
      if (!document) {
        return sendProblem(
          reply,
          503,
          'service_unavailable',
          'Service Unavailable',
          'No instance answered with its OpenAPI document.',
        );
      }
      openapi = { document, at: Date.now() };
    }
    const server = options.publicUrl ?? `${request.protocol}://${request.host}`;
    return reply.send({ ...openapi.document, servers: [{ url: server.replace(/\/+$/, '') }] });
  });

  // What a route throws (reply-from's refusal of a `..` segment, a URL it cannot build) is a problem too:
  // a 4xx with its status, anything else a 500 with an errorId that is also logged.
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode;
    // reply-from decodes the target to look for `..` segments: a query not UTF-8 (`?q=%ff`) is the client's fault.
    if (error instanceof URIError) {
      return sendProblem(
        reply,
        400,
        'malformed_request',
        'Bad Request',
        'The request target is not UTF-8 when percent-decoded.',
      );
    }
    if (status !== undefined && status >= 400 && status < 500) {
      return sendProblem(reply, status, 'bad_request', 'Bad Request', error.message);
    }
    const errorId = randomUUID();
    options.log.warn({ errorId, url: request.url, err: error }, 'request failed');
    return sendProblem(reply, 500, 'internal_error', 'Internal Server Error', 'The gateway failed.', { errorId });
  });

  /**
   * A route handler that is not async: a request without a body (nearly every GET) is sent at once, and
   * Fastify gets `undefined` (reply-from sends the answer) rather than a promise to wait for. A request
   * with a body returns the promise of holdAndSend, which resolves to the reply.
   */
  const forward = (request: FastifyRequest, reply: FastifyReply): FastifyReply | Promise<FastifyReply> | undefined => {
    const started = performance.now();
    // Only origin-form targets (RFC 9112 §3.2.1) are forwarded: an absolute-form one (`GET http://host/…`)
    // or `*` would be glued to the instance's URL; neither names a workspace API path.
    if (!request.url.startsWith('/')) {
      return sendProblem(reply, 400, 'bad_request', 'Bad Request', 'The request target must be a path ("/…").');
    }
    const credentials = workspaceKeyOf(request.headers);
    if ('missing' in credentials && isPreflight(request)) {
      return preflight(table, request, reply, { dispatcher: upstream, timeoutMs: options.upstreamTimeoutMs });
    }
    if ('missing' in credentials) {
      metrics.requests.inc({ instance: 'none', status: '401' });
      return credentials.missing === 'no_credentials'
        ? sendProblem(
            reply,
            401,
            'unauthenticated',
            'Unauthorized',
            'Send a workspace token as "Authorization: Bearer <token>", or an API key as "X-API-Key: <key>".',
          )
        : sendProblem(
            reply,
            401,
            'invalid_token',
            'Unauthorized',
            'The credentials are neither a workspace token (a JWT naming its workspace in iss) nor an API key.',
          );
    }
    const placement = table.lookup(credentials.workspaceKey);
    if (!placement) {
      metrics.requests.inc({ instance: 'none', status: '404' });
      return sendProblem(reply, 404, 'unknown_workspace', 'Not Found', 'No workspace with this key is placed.');
    }
    const route: Route = { workspaceKey: credentials.workspaceKey, placement, held: 'none', hops: 0, started };
    if (request.body === undefined || request.body === null) {
      // No body: holdBody's `none`, known without waiting.
      send(request, reply, route);
      return undefined;
    }
    return holdAndSend(request, reply, route);
  };

  /**
   * Reads the request's body before anything is sent to the instance (request-body.ts): a body of at most
   * `replayBodyBytes` is sent whole (and held, so that it can be sent again, move-follow.ts); a larger one
   * is streamed on once that much has arrived, if the instance has a place for one more streamed body.
   * Both count against the client's share too (client-shares.ts). Refused, nothing forwarded: `429
   * rate_limited` when the client's share has no room for it, else `503 gateway_busy` when the held bytes
   * have none, or the instance no place.
   */
  const holdAndSend = async (request: FastifyRequest, reply: FastifyReply, route: Route): Promise<FastifyReply> => {
    const reservation = { bytes: 0 };
    // Fastify's `ip` is the socket's remoteAddress, undefined once the socket is gone (its type says string).
    const peer: string | undefined = request.ip;
    const client = clientKeyOf(peer ?? '');
    // 'close' follows the answer's end, or a client gone before it.
    reply.raw.once('close', () => {
      heldBytes.release(reservation.bytes);
      shares.releaseBytes(client, reservation.bytes);
    });
    let body: Awaited<ReturnType<typeof readRequestBody>>;
    try {
      body = await readRequestBody(request.body as Readable, replayBodyBytes, heldBytes, reservation, {
        shares,
        client,
      });
    } catch {
      // The client's body ended before its Content-Length (or the client went away): its fault, nothing forwarded.
      metrics.requests.inc({ instance: 'none', status: '400' });
      return sendProblem(reply, 400, 'bad_request', 'Bad Request', 'The request body ended before it was complete.');
    }
    if (body.kind === 'whole') {
      // No Content-Type from the client: none to the instance either (forwardedHeaders drops this stand-in).
      const contentType = request.headers['content-type'] ?? 'application/octet-stream';
      send(request, reply, { ...route, held: { bytes: body.bytes, contentType } });
      return reply;
    }
    const instance = route.placement.instanceId;
    if (body.kind === 'over_share') {
      return overShare(reply, `Request bodies of this client (${client}) take as many bytes as one client's may.`);
    }
    if (body.kind === 'busy') {
      return busy(reply, 'The gateway holds as many request bodies as it may at once.');
    }
    if (!shares.acquireStream(client)) {
      return overShare(reply, `This client (${client}) streams as many large request bodies as one client may.`);
    }
    if (!streamed.acquire(instance)) {
      shares.releaseStream(client);
      return busy(
        reply,
        `As many large request bodies as the gateway streams at once go to this instance (${instance}).`,
      );
    }
    reply.raw.once('close', () => {
      streamed.release(instance);
      shares.releaseStream(client);
    });
    // reply-from streams request.body on; not held, so a move's answer reaches the client (move-follow.ts).
    request.body = body.stream;
    send(request, reply, { ...route, held: undefined });
    return reply;
  };

  /**
   * `503 gateway_busy` with Retry-After: a request refused for want of room that many clients took together
   * (each within its share), not for anything of its own, so not a 429 (RFC 6585 §4: "the user has sent too
   * many requests"), but the server's temporary overload (RFC 9110 §15.6.4). The connection is closed after
   * the answer: the rest of the body is not read.
   */
  const busy = (reply: FastifyReply, detail: string): FastifyReply => {
    metrics.requests.inc({ instance: 'none', status: '503' });
    void reply.header('retry-after', String(BUSY_RETRY_AFTER_SECONDS)).header('connection', 'close');
    return sendProblem(reply, 503, 'gateway_busy', 'Service Unavailable', `${detail} Try again shortly.`);
  };

  /**
   * `429 rate_limited` with Retry-After (RFC 6585 §4): the client (its address, client-shares.ts) holds its
   * share of the request bodies already. Counted as the gateway's own answer; the connection is closed after
   * it, the rest of the body unread.
   */
  const overShare = (reply: FastifyReply, detail: string): FastifyReply => {
    metrics.requests.inc({ instance: 'none', status: '429' });
    void reply.header('retry-after', String(BUSY_RETRY_AFTER_SECONDS)).header('connection', 'close');
    return sendProblem(
      reply,
      429,
      ErrorCode.RateLimited,
      'Too Many Requests',
      `${detail} Try again once one of its requests is answered.`,
    );
  };

  /**
   * Sends the request to the instance of `route.placement` and passes its answer on; when the answer is a
   * move's (a `307`, a `503 workspace_moving`) and the body is held, sends it again where the workspace is
   * now (move-follow.ts says when, and why that never applies a request twice).
   */
  const send = (request: FastifyRequest, reply: FastifyReply, route: Route) => {
    const { placement, held } = route;
    const instance = placement.instanceId;
    const base = placement.apiUrl.endsWith('/') ? placement.apiUrl.slice(0, -1) : placement.apiUrl;
    const deliver = (response: { stream: unknown }, body?: Buffer) => {
      metrics.duration.observe({ instance }, (performance.now() - route.started) / 1000);
      if (body !== undefined || !isSmallAnswer(request.method, reply)) {
        metrics.requests.inc({ instance, status: String(reply.statusCode) });
        return void reply.send(body ?? response.stream);
      }
      // A small answer (nearly every API answer) is read whole and sent in one write: for a body that has
      // mostly arrived with its headers, piping undici's stream into the response costs more than the body.
      (response.stream as Dispatcher.ResponseData['body']).bytes().then(
        (bytes) => {
          metrics.requests.inc({ instance, status: String(reply.statusCode) });
          void reply.send(bytes);
        },
        (error: unknown) => brokeOff(error),
      );
    };
    /**
     * The instance failed the request (`failure`, completing "The instance that holds the workspace (…) …"):
     * logged as `message`, counted, and answered 504 when it was a timeout, else 502.
     */
    const failUpstream = (error: unknown, message: string, failure: string) => {
      const timedOut = isTimeout(error);
      metrics.requests.inc({ instance, status: timedOut ? '504' : '502' });
      options.log.warn({ instance, url: request.url, err: error }, message);
      const holder = `The instance that holds the workspace (${instance})`;
      void (timedOut
        ? sendProblem(reply, 504, 'gateway_timeout', 'Gateway Timeout', `${holder} did not answer in time.`)
        : sendProblem(reply, 502, 'bad_gateway', 'Bad Gateway', `${holder} ${failure}.`));
    };
    /** The instance's answer failed before anything of it was sent: the client gets a problem (504 if it stalled). */
    const brokeOff = (error: unknown) => {
      if (reply.sent || reply.raw.headersSent) {
        options.log.warn({ instance, url: request.url, err: error }, 'upstream answer failed');
        return;
      }
      // The instance's fields (its Content-Length among them) describe the answer that was not passed on.
      for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
      failUpstream(error, 'upstream answer failed', 'broke off its answer');
    };
    const again = (placementNow: WorkspacePlacement, reason: 'redirected' | 'moving') => {
      metrics.moveHops.inc({ reason });
      // The headers of the answer not passed on must not stick to the one that is.
      for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
      send(request, reply, { ...route, placement: placementNow, hops: route.hops + 1 });
    };
    return reply.from(`${base}${request.url}`, {
      ...(held !== undefined && held !== 'none' ? { body: held.bytes, contentType: held.contentType } : {}),
      timeout: options.upstreamTimeoutMs,
      // No retries here: a request may not be idempotent, and a 503 is the instance's answer to pass on
      // (but for the move's, see move-follow.ts).
      retryDelay: () => null,
      rewriteRequestHeaders: (_request, headers) => forwardedHeaders(request, headers),
      rewriteHeaders: (headers) => endToEndFields(headers),
      onResponse: (_request, _reply, response) => {
        if (held === undefined || route.hops >= MAX_MOVE_HOPS || !mayBeMoveAnswer(reply.statusCode)) {
          return deliver(response);
        }
        void (async () => {
          const answer = await classifyAnswer(reply.statusCode, reply.getHeaders(), response.stream);
          if (answer.kind === 'redirected') {
            const moved = await placementAwayFrom(table, route.workspaceKey, instance);
            if (moved) return again(moved, 'redirected');
            // No change came while the request waited: the table may have missed one.
            options.onStalePlacement?.(route.workspaceKey);
          } else if (answer.kind === 'moving') {
            await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * (route.hops + 1)));
            return again(table.lookup(route.workspaceKey) ?? placement, 'moving');
          }
          deliver(response, answer.body);
        })().catch(brokeOff);
      },
      onError: (_reply, { error }) => failUpstream(error, 'upstream failed', 'could not be reached'),
    });
  };
  app.all('/', forward);
  app.all('/*', forward);
  return app;
}

/**
 * A CORS preflight (Fetch standard: OPTIONS with `Origin` and
 * `Access-Control-Request-Method`) carries no credentials, so it names no
 * workspace: it is asked of each instance in turn (id order), and the first
 * answer that grants the origin (an instance grants an origin some workspace
 * of its own allows) is passed on, else the last answer; an instance that
 * cannot be reached or sends no headers within the upstream timeout is skipped
 * (none answering: 204 without CORS fields).
 */
function isPreflight(request: FastifyRequest): boolean {
  return (
    request.method === 'OPTIONS' &&
    typeof request.headers.origin === 'string' &&
    typeof request.headers['access-control-request-method'] === 'string'
  );
}

async function preflight(
  table: PlacementTable,
  request: FastifyRequest,
  reply: FastifyReply,
  upstream: { dispatcher: Agent; timeoutMs: number },
): Promise<FastifyReply> {
  const headers = withoutHopByHop({ ...request.headers });
  delete headers.host;
  let last: { status: number; headers: Record<string, string | string[] | undefined> } | undefined;
  for (const apiUrl of table.instanceUrls()) {
    try {
      const answer = await upstreamRequest(`${apiUrl.replace(/\/+$/, '')}${request.url}`, {
        method: 'OPTIONS',
        headers,
        // The gateway's pool (its connect timeout) and the upstream timeout: an instance that does not answer is skipped.
        dispatcher: upstream.dispatcher,
        headersTimeout: upstream.timeoutMs,
        bodyTimeout: upstream.timeoutMs,
      });
      await answer.body.dump();
      last = { status: answer.statusCode, headers: answer.headers };
      if (answer.headers['access-control-allow-origin'] !== undefined) break;
    } catch {
      // The next instance.
    }
  }
  if (!last) return reply.code(204).send();
  const passed = withoutHopByHop({ ...last.headers });
  delete passed['content-length'];
  for (const [name, value] of Object.entries(passed)) if (value !== undefined) void reply.header(name, value);
  return reply.code(last.status).send();
}

/** The request's end-to-end fields for the instance, with X-Forwarded-* (the de-facto fields; RFC 7239 names `Forwarded`). */
function forwardedHeaders(request: FastifyRequest, headers: IncomingHttpHeaders): IncomingHttpHeaders {
  withoutHopByHop(headers);
  // A held body is sent with a Content-Type (reply-from needs one): the stand-in for a client that sent none goes.
  if (request.headers['content-type'] === undefined) delete headers['content-type'];
  // `Expect: 100-continue` (RFC 9110 §10.1.1) was answered to the client already (node sends the 100), and the
  // body is streamed on as it comes; undici refuses to send the field (NotSupportedError), which was a 502.
  delete headers.expect;
  const client = request.socket.remoteAddress;
  if (client) {
    const previous = headers['x-forwarded-for'];
    headers['x-forwarded-for'] = previous ? `${String(previous)}, ${client}` : client;
  }
  headers['x-forwarded-proto'] ??= request.protocol;
  const host = request.headers.host;
  if (host) headers['x-forwarded-host'] ??= host;
  return headers;
}

/**
 * Answers of at most this many bytes are read whole before they are sent on. A quarter of the 64 KiB that
 * undici's body stream holds before it stops reading the socket: a streamed answer may take that much
 * memory anyway, so reading a small one whole holds no more.
 */
const SMALL_ANSWER_BYTES = 16 * 1024;

/**
 * Whether the answer the reply holds (its status and fields copied from the instance's) is small enough
 * to be read whole: a body announced by Content-Length, with a Content-Type (so that Fastify adds none),
 * of at most SMALL_ANSWER_BYTES. Answers without a body (HEAD, 204, 304) and chunked ones are streamed.
 */
function isSmallAnswer(method: string, reply: FastifyReply): boolean {
  if (method === 'HEAD' || reply.statusCode === 204 || reply.statusCode === 304) return false;
  if (reply.getHeader('content-type') === undefined) return false;
  const length = Number(reply.getHeader('content-length'));
  return length > 0 && length <= SMALL_ANSWER_BYTES;
}

/** Whether reply-from's error (or its cause) is a timeout: connecting, waiting for headers, or between body parts. */
function isTimeout(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const { code, statusCode } = current as { code?: unknown; statusCode?: unknown };
    if (statusCode === 504) return true;
    if (
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT' ||
      code === 'UND_ERR_CONNECT_TIMEOUT' ||
      code === 'ETIMEDOUT'
    ) {
      return true;
    }
  }
  return false;
}

/** The OpenAPI document of the first instance (in id order) that serves one, or undefined. */
async function instanceDocument(
  table: PlacementTable,
  timeoutMs: number,
): Promise<Record<string, unknown> | undefined> {
  for (const apiUrl of table.instanceUrls()) {
    try {
      const response = await fetch(`${apiUrl.replace(/\/+$/, '')}/openapi.json`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) continue;
      const document: unknown = await response.json();
      if (typeof document === 'object' && document !== null && !Array.isArray(document)) {
        return document as Record<string, unknown>;
      }
    } catch {
      // The next instance, if any.
    }
  }
  return undefined;
}
