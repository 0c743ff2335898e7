import type { IncomingMessage } from 'node:http';

import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomStrategy } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { queueGroup, type SubjectVariables } from '@switchboard/contracts';
import type { FastifyBodyParser, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';

import { DomainException } from '../errors/domain.exception.js';
import { ErrorCode } from '../errors/error-code.js';
import { ProblemJsonFilter } from '../errors/problem-json.filter.js';
import { bodyLimitOf } from '../http/body-limit.js';
import { answerClientError, answerUnmetExpectation } from '../http/client-error.js';
import { CORS_POLICY, type CorsPolicy, enableCorsPolicy } from '../http/cors.js';
import { requestTimeoutOptions, type RequestTimeouts } from '../http/request-timeouts.js';
import { assertStorableInput } from '../http/storable-input.js';
import { CORRELATION_HEADER, correlationIdFrom, withCorrelationId } from '../logging/correlation.js';
import { withoutFrameworkChatter } from '../logging/framework-chatter.js';
import { ROOT_LOGGER, type RootLogger } from '../logging/logging.module.js';
import { requestLogFields } from '../logging/request-log-fields.js';
import { MetricsRegistry } from '../metrics/metrics.js';
import { natsConnectionOptions, type NatsCredentials } from '../nats/nats-connection-options.js';
import { TemplatedServerNats } from '../nats/templated-server-nats.js';
import type { ApiDescriptionOptions } from '../openapi/complete-document.js';
import { setupOpenApi } from '../openapi/setup-openapi.js';
import { traceHttpRequests } from '../tracing/http-spans.js';
import { tracingEnabled } from '../tracing/tracing.js';

export interface ServedRoute {
  method: string;
  url: string;
}

const servedRoutes = new WeakMap<object, ServedRoute[]>();
const MAX_PARAM_LENGTH = 500;
const frameworkProblems = new ProblemJsonFilter();
/** Probes are answered but not logged: they come every few seconds from every orchestrator. */
const UNLOGGED = /^\/(healthz|readyz|metrics)/;
/**
 * The bodies every route takes: JSON, as `application/json` or a structured
 * syntax suffix `application/<subtype>+json` (RFC 6839, section 3.1). Fastify
 * tests a regular expression against the whole header, parameters included.
 */
const JSON_MEDIA_TYPES = ['application/json', /^application\/[\w.!#$&^-]+\+json\s*(;|$)/i] as const;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;
/** Decodes UTF-8 strictly: an invalid sequence throws instead of becoming U+FFFD (WHATWG Encoding, "fatal"). */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The routes an app created by createService serves (after it listens). */
export function routesOf(app: object): ServedRoute[] {
  return servedRoutes.get(app) ?? [];
}

export interface ServiceOptions {
  /** The OpenAPI description's title and description (Markdown). */
  title: string;
  description: string;
  /** What completes the OpenAPI description: the public URL, the problems of every authenticated route (401 only, if absent). */
  api?: ApiDescriptionOptions;
  natsUrl: string;
  /** The service's own NATS credentials, as for its NatsClient; none connects anonymously. */
  natsCredentials?: NatsCredentials;
  /** Fills the subject templates of this service's handlers. */
  subjectVariables: SubjectVariables;
  /** Names the queue group shared by the replicas of this service. */
  serviceName: string;
  bodyLimitBytes?: number;
  /** How long a client may take to send a request (HTTP_REQUEST_TIMEOUT_MS / HTTP_HEADERS_TIMEOUT_MS); default 30 s, headers 10 s. */
  requestTimeouts?: RequestTimeouts;
}

/**
 * Builds a hybrid Nest app: HTTP on Fastify plus a NATS listener through
 * `@nestjs/microservices`. The caller decides when to listen.
 */
export async function createService(
  module: Type | DynamicModule,
  options: ServiceOptions,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    // A request (its body included) that has not arrived in time is a 408 problem (answerClientError), so
    // that a client sending a body slowly, or not at all, cannot hold a connection (and its parser) forever.
    ...requestTimeoutOptions(options.requestTimeouts),
    trustProxy: true,
    // Each request's id is its correlation id: the caller's, when it is a safe token, else a new one.
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => correlationIdFrom(request.headers[CORRELATION_HEADER]),
    // Room for any id or key a route takes; longer ones are refused below, as a problem.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // The router refuses a malformed URL (400) or an over-long parameter (414) before Nest sees the
    // request, so its exception filter never runs: answer those as problems here too.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const problem = frameworkProblems.toProblem(error);
      void reply.status(problem.status).header('Content-Type', 'application/problem+json').send(problem);
    },
    // Node's HTTP parser answers some requests before Fastify sees them (431, an unknown method).
    clientErrorHandler: answerClientError,
    // No Nest middleware anywhere (requests are logged by the hook below, not pino-http): without
    // middie, no request runs through its hook for nothing.
    skipMiddie: true,
  });
  // An Expect other than 100-continue: a 417 problem (Node's own answer has an empty body).
  adapter.getInstance().server.on('checkExpectation', answerUnmetExpectation);
  // Bodies are parsed below, JSON only; Nest would add a form parser besides.
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
    bodyParser: false,
  });
  // Nest's per-module and per-route boot lines at debug, not info.
  app.useLogger(withoutFrameworkChatter(app.get(Logger)));
  app.enableShutdownHooks();
  enableCorsPolicy(app, app.get<CorsPolicy>(CORS_POLICY));

  const registry = app.get(MetricsRegistry);
  const fastify = app.getHttpAdapter().getInstance();
  // Every route Fastify serves, so that a test can compare them with the OpenAPI description.
  const routes: ServedRoute[] = [];
  fastify.addHook('onRoute', (route) => {
    // A route's own body limit (@BodyLimit), applied while Fastify registers it.
    const bodyLimit = bodyLimitOf(route.config);
    if (bodyLimit !== undefined) route.bodyLimit = bodyLimit;
    for (const method of [route.method].flat()) routes.push({ method: String(method), url: route.url });
  });
  servedRoutes.set(app, routes);
  // Everything done for a request, body parsing included, runs in its correlation context.
  fastify.addHook('onRequest', (request, _reply, done) => withCorrelationId(request.id, done));
  // With tracing on (startTracing, before this), a span per request, in whose context the rest runs.
  if (tracingEnabled()) traceHttpRequests(fastify);
  acceptJsonBodiesOnly(fastify);
  // Before any pipe or DTO: strings Postgres cannot store, and bodies nested too deep, anywhere.
  fastify.addHook('preValidation', (request, _reply, done) => {
    assertStorableInput(request);
    done();
  });
  // Callback-style hooks, not async ones: an async hook costs Fastify two promises per request (four
  // with both), each of which also runs the async_hooks of the correlation context.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header(CORRELATION_HEADER, request.id);
    // API answers are one caller's data, some of them secrets (access tokens, workspace secrets): no cache
    // may keep them (RFC 6749 §5.1 for token responses; RFC 9111 §5.2.2.5). Routes that choose their own
    // caching (the console's files) have set Cache-Control already.
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });
  const log = app.get<RootLogger>(ROOT_LOGGER);
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    registry.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (!UNLOGGED.test(request.url) && log.isLevelEnabled('info')) {
      log.info(
        {
          correlationId: request.id,
          req: { method: request.method, url: request.url, route },
          res: { statusCode: reply.statusCode },
          responseTime: Math.round(reply.elapsedTime),
          ...requestLogFields(request),
        },
        'request completed',
      );
    }
    done();
  });

  setupOpenApi(
    app,
    options.title,
    options.description,
    options.api ?? { authenticatedProblems: { 401: 'unauthenticated: no token, or one that is not valid.' } },
  );
  const server = new TemplatedServerNats(
    {
      ...natsConnectionOptions(options.natsUrl, options.natsCredentials),
      queue: queueGroup(options.subjectVariables.namespace, options.serviceName),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: true,
    },
    options.subjectVariables,
  );
  app.connectMicroservice<CustomStrategy>({ strategy: server }, { inheritAppConfig: true });
  return app;
}

type FastifyInstanceOf = ReturnType<NestFastifyApplication['getHttpAdapter']>['getInstance'] extends () => infer I
  ? I
  : never;

/**
 * Bodies are JSON in UTF-8 (API.md, "Trust boundaries"; RFC 8259, section 8.1):
 * any other media type, or a `charset` other than UTF-8, is `415
 * unsupported_media_type`; bytes that are not valid UTF-8 (an overlong NUL,
 * an encoded surrogate, a stray 0xFF) are `400 malformed_request` rather than
 * silently replaced with U+FFFD. Fastify's own JSON parser does the parsing,
 * with prototype poisoning refused.
 */
function acceptJsonBodiesOnly(fastify: FastifyInstanceOf): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  const parse: FastifyBodyParser<Buffer> = (request, body, done) => {
    const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      done(
        new DomainException(
          415,
          ErrorCode.UnsupportedMediaType,
          'Unsupported Media Type',
          `Bodies are JSON in UTF-8; charset "${charset.slice(0, 40)}" is not accepted.`,
        ),
        undefined,
      );
      return;
    }
    let text: string;
    try {
      text = STRICT_UTF8.decode(body);
    } catch {
      done(
        new DomainException(400, ErrorCode.MalformedRequest, 'Bad Request', 'The body is not valid UTF-8.'),
        undefined,
      );
      return;
    }
    void parseJson(request, text, done);
  };
  for (const type of JSON_MEDIA_TYPES) fastify.addContentTypeParser(type, { parseAs: 'buffer' }, parse);
  // Any other content type: refused when a body comes with it; a request without one (Membrane's
  // SDK sends POST …/restore with a form content type and no body) goes on as if it had none.
  fastify.addContentTypeParser('*', (request, _payload, done) => {
    const { 'content-length': length, 'transfer-encoding': chunked } = request.headers;
    if (chunked === undefined && (length === undefined || length === '0')) {
      done(null, undefined);
      return;
    }
    done(
      new DomainException(
        415,
        ErrorCode.UnsupportedMediaType,
        'Unsupported Media Type',
        'Request bodies are JSON: send them as application/json (or application/*+json), in UTF-8.',
      ),
      undefined,
    );
  });
}
