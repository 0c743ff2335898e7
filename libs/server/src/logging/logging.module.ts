import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { type DestinationStream, type Logger } from 'pino';

import { traceFields } from '../tracing/tracing.js';
import { currentCorrelationId } from './correlation.js';

export interface LoggingOptions {
  service: string;
  level: string;
  pretty?: boolean;
  /** Where the lines go; standard output unless given. */
  destination?: DestinationStream;
}

/** The service's pino logger, for the one request-completed line createService writes per request. */
export const ROOT_LOGGER = Symbol('RootLogger');

/**
 * pino JSON logs. Every line written inside an HTTP request or a NATS message
 * carries its correlation id (see correlation.ts) and, when tracing is on,
 * the `traceId` and `spanId` of the span it was written in (tracing.ts); Nest's own logger writes
 * through the same pino instance (nestjs-pino).
 *
 * Requests are logged by createService, one line each, from a Fastify hook:
 * nestjs-pino's pino-http middleware would run through @fastify/middie on
 * every request, which cost more than the rest of a cached route.
 */
@Module({})
export class LoggingModule {
  static forRoot(options: LoggingOptions): DynamicModule {
    const logger = pino(
      {
        name: options.service,
        level: options.level,
        // The correlation id, and with tracing on the trace and span ids, of the request or message at hand.
        mixin: () => {
          const correlationId = currentCorrelationId();
          const fields = traceFields();
          return correlationId ? { correlationId, ...fields } : fields;
        },
        redact: {
          paths: ['req.headers.authorization', 'req.headers.cookie', '*.secret', '*.token', '*.credentials'],
          censor: '[redacted]',
        },
        ...(options.pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true } } } : {}),
      },
      options.destination,
    );
    return {
      module: LoggingModule,
      global: true,
      // No routes: nestjs-pino serves only as Nest's logger here, not as HTTP middleware.
      imports: [LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] })],
      providers: [{ provide: ROOT_LOGGER, useValue: logger }],
      exports: [ROOT_LOGGER],
    };
  }
}

export type { Logger as RootLogger };
