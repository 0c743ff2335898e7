import type { IncomingHttpHeaders } from 'node:http';

import { context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';

import { tracer } from './tracing.js';

const spans = new WeakMap<object, Span>();

const headerGetter = {
  get: (headers: IncomingHttpHeaders, key: string) => headers[key],
  keys: (headers: IncomingHttpHeaders) => Object.keys(headers),
};

/**
 * One SERVER span per HTTP request, `GET /org-workspaces/:id` (the route,
 * not the URL: OpenTelemetry semantic conventions, "HTTP spans"), child of the
 * caller's W3C `traceparent` when it sends one, and the active span for
 * everything the request does (handlers, Postgres, NATS requests): the rest of
 * the request runs in its context, as for the correlation id. Ended when the
 * response is sent or the client gives up; a 5xx sets the status to error.
 *
 * Made by a Fastify hook rather than `@opentelemetry/instrumentation-http`,
 * which would need a `require` hook that neither ESM nor Jest goes through.
 */
export function traceHttpRequests(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
    const route = request.routeOptions.url;
    const span = tracer().startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?')[0] ?? request.url,
          ...(route ? { 'http.route': route } : {}),
          'client.address': request.ip,
        },
      },
      parent,
    );
    spans.set(request, span);
    context.with(trace.setSpan(parent, span), done);
  });
  const end = (request: object, status?: number) => {
    const span = spans.get(request);
    if (!span) return;
    spans.delete(request);
    if (status !== undefined) {
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };
  fastify.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    end(request);
    done();
  });
}
