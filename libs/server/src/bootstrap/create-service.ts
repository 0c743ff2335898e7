import type { IncomingMessage } from 'node:http';

import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomStrategy } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { queueGroup, type SubjectVariables } from '@switchboard/contracts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';

import { ProblemJsonFilter } from '../errors/problem-json.filter.js';
import { CORRELATION_HEADER, correlationIdFrom, withCorrelationId } from '../logging/correlation.js';
import { ROOT_LOGGER, type RootLogger } from '../logging/logging.module.js';
import { MetricsRegistry } from '../metrics/metrics.js';
import { natsConnectionOptions, type NatsCredentials } from '../nats/nats-connection-options.js';
import { TemplatedServerNats } from '../nats/templated-server-nats.js';
import { setupOpenApi } from '../openapi/setup-openapi.js';

export interface ServedRoute {
  method: string;
  url: string;
}

const servedRoutes = new WeakMap<object, ServedRoute[]>();
const MAX_PARAM_LENGTH = 500;
const frameworkProblems = new ProblemJsonFilter();
/** Probes are answered but not logged: they come every few seconds from every orchestrator. */
const UNLOGGED = /^\/(healthz|readyz|metrics)/;

/** The routes an app created by createService serves (after it listens). */
export function routesOf(app: object): ServedRoute[] {
  return servedRoutes.get(app) ?? [];
}

export interface ServiceOptions {
  title: string;
  description: string;
  natsUrl: string;
  /** The service's own NATS credentials, as for its NatsClient; none connects anonymously. */
  natsCredentials?: NatsCredentials;
  /** Fills the subject templates of this service's handlers. */
  subjectVariables: SubjectVariables;
  /** Names the queue group shared by the replicas of this service. */
  serviceName: string;
  bodyLimitBytes?: number;
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
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();

  const registry = app.get(MetricsRegistry);
  const fastify = app.getHttpAdapter().getInstance();
  // Every route Fastify serves, so that a test can compare them with the OpenAPI description.
  const routes: ServedRoute[] = [];
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method: String(method), url: route.url });
  });
  servedRoutes.set(app, routes);
  // Everything done for a request, body parsing included, runs in its correlation context.
  fastify.addHook('onRequest', (request, _reply, done) => withCorrelationId(request.id, done));
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header(CORRELATION_HEADER, request.id);
  });
  const log = app.get<RootLogger>(ROOT_LOGGER);
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    registry.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (!UNLOGGED.test(request.url)) {
      log.info(
        {
          correlationId: request.id,
          req: { method: request.method, url: request.url, route },
          res: { statusCode: reply.statusCode },
          responseTime: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
    }
  });

  setupOpenApi(app, options.title, options.description);
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
