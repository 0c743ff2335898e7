import type { IncomingMessage } from 'node:http';

import { type DynamicModule, Module } from '@nestjs/common';
import { ClsModule } from 'nestjs-cls';
import { LoggerModule } from 'nestjs-pino';

import { CORRELATION_HEADER, correlationIdFrom, currentCorrelationId } from './correlation.js';

export interface LoggingOptions {
  service: string;
  level: string;
  pretty?: boolean;
}

/**
 * pino JSON logs and the ambient request context (nestjs-cls). Every line
 * written inside a request or a NATS message carries its correlation id; the
 * id comes from the `x-correlation-id` header (HTTP or NATS) or is made here,
 * and is echoed back on the HTTP response (see createService).
 */
@Module({})
export class LoggingModule {
  static forRoot(options: LoggingOptions): DynamicModule {
    return {
      module: LoggingModule,
      global: true,
      imports: [
        ClsModule.forRoot({
          global: true,
          middleware: {
            mount: true,
            // Neither is used here, and each costs awaits on every request: together about a sixth of the
            // instance's GET /tenants/self throughput (bench/tenants-self).
            resolveProxyProviders: false,
            initializePlugins: false,
            generateId: true,
            idGenerator: (req: IncomingMessage) => ensureCorrelationId(req),
          },
        }),
        LoggerModule.forRoot({
          pinoHttp: {
            name: options.service,
            level: options.level,
            genReqId: (req: IncomingMessage) => ensureCorrelationId(req),
            customProps: () => ({ correlationId: currentCorrelationId() }),
            mixin: () => {
              const correlationId = currentCorrelationId();
              return correlationId ? { correlationId } : {};
            },
            redact: {
              paths: ['req.headers.authorization', 'req.headers.cookie', '*.secret', '*.token', '*.credentials'],
              censor: '[redacted]',
            },
            autoLogging: { ignore: (req: IncomingMessage) => /^\/(healthz|readyz|metrics)/.test(req.url ?? '') },
            ...(options.pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true } } } : {}),
          },
        }),
      ],
    };
  }
}

/** Both middlewares (cls and pino-http) read and write the header, so they agree on one id whichever runs first. */
function ensureCorrelationId(req: IncomingMessage): string {
  const id = correlationIdFrom(req.headers[CORRELATION_HEADER]);
  req.headers[CORRELATION_HEADER] = id;
  return id;
}
