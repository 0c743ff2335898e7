import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { DestinationStream } from 'pino';

import { ProblemJsonFilter } from '../errors/problem-json.filter.js';
import { declareUniqueConstraints, type UniqueConstraintAnswer } from '../errors/unique-violation.js';
import { HealthController } from '../health/health.controller.js';
import { createValidationPipe } from '../http/validation.pipe.js';
import { LoggingModule } from '../logging/logging.module.js';
import { MetricsController } from '../metrics/metrics.controller.js';
import { MetricsRegistry } from '../metrics/metrics.js';
import { NatsClient } from '../nats/nats-client.js';
import type { NatsCredentials } from '../nats/nats-connection-options.js';

export interface PlatformOptions {
  service: string;
  logLevel: string;
  /** Where log lines go; standard output unless given. */
  logDestination?: DestinationStream;
  natsUrl: string;
  natsNamespace: string;
  natsRequestTimeoutMs: number;
  /** The service's own NATS credentials; none connects anonymously. */
  natsCredentials?: NatsCredentials;
  /** Prefix of the inboxes this service's replies come back on. */
  natsInboxPrefix?: string;
  /** The field behind each unique constraint of the service's schema, for its 409s (see declareUniqueConstraints). */
  uniqueConstraints?: Record<string, UniqueConstraintAnswer>;
}

/**
 * What every Switchboard service has: logs with correlation ids, problem+json
 * errors, validation, metrics, health, and a NATS client. Registered as
 * global enhancers, so HTTP routes and NATS handlers get the same treatment.
 */
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    declareUniqueConstraints(options.uniqueConstraints ?? {});
    return {
      module: PlatformModule,
      global: true,
      imports: [
        LoggingModule.forRoot({
          service: options.service,
          level: options.logLevel,
          destination: options.logDestination,
        }),
        TerminusModule,
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        MetricsRegistry,
        {
          provide: NatsClient,
          useFactory: async () => {
            const client = new NatsClient({
              url: options.natsUrl,
              name: options.service,
              defaultTimeoutMs: options.natsRequestTimeoutMs,
              namespace: options.natsNamespace,
              credentials: options.natsCredentials,
              inboxPrefix: options.natsInboxPrefix,
            });
            await client.connect();
            return client;
          },
        },
        { provide: APP_FILTER, useClass: ProblemJsonFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
      exports: [MetricsRegistry, NatsClient],
    };
  }
}
