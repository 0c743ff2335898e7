import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomStrategy } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { queueGroup, type SubjectVariables } from '@switchboard/contracts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';

import { ProblemJsonFilter } from '../errors/problem-json.filter.js';
import { CORRELATION_HEADER } from '../logging/correlation.js';
import { MetricsRegistry } from '../metrics/metrics.js';
import { TemplatedServerNats } from '../nats/templated-server-nats.js';
import { setupOpenApi } from '../openapi/setup-openapi.js';

export interface ServedRoute {
  method: string;
  url: string;
}

const servedRoutes = new WeakMap<object, ServedRoute[]>();
const MAX_PARAM_LENGTH = 500;
const frameworkProblems = new ProblemJsonFilter();

/** The routes an app created by createService serves (after it listens). */
export function routesOf(app: object): ServedRoute[] {
  return servedRoutes.get(app) ?? [];
}

export interface ServiceOptions {
  title: string;
  description: string;
  natsUrl: string;
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
  // The logging middleware settled the request's correlation id in its headers; echo it to the caller.
  fastify.addHook('onSend', async (request, reply) => {
    const id = request.headers[CORRELATION_HEADER];
    if (typeof id === 'string') void reply.header(CORRELATION_HEADER, id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    registry.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  setupOpenApi(app, options.title, options.description);
  const server = new TemplatedServerNats(
    {
      servers: options.natsUrl,
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
