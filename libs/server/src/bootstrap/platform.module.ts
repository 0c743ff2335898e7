import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { DestinationStream } from 'pino';
import { DataSource } from 'typeorm';

import { declareErrorTranslations, type ErrorTranslation } from '../errors/error-translations.js';
import { ProblemJsonFilter } from '../errors/problem-json.filter.js';
import { declareUniqueConstraints, type UniqueConstraintAnswer } from '../errors/unique-violation.js';
import { HealthController, READINESS_RULES, type ReadinessRules } from '../health/health.controller.js';
import { CORS_POLICY, type CorsPolicy, staticCorsPolicy } from '../http/cors.js';
import { createValidationPipe } from '../http/validation.pipe.js';
import { LoggingModule } from '../logging/logging.module.js';
import { MetricsController } from '../metrics/metrics.controller.js';
import { MetricsRegistry } from '../metrics/metrics.js';
import { type OpsListen, OpsServer } from '../metrics/ops-server.js';
import { NatsClient } from '../nats/nats-client.js';
import type { NatsCredentials } from '../nats/nats-connection-options.js';
import { TracingFlush } from '../tracing/tracing-flush.js';

const POOL_METRICS = Symbol('POOL_METRICS');

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
  /** How the service's own errors are answered, wherever thrown (see declareErrorTranslations). */
  errorTranslations?: readonly ErrorTranslation[];
  /** `OPS_PORT`/`OPS_HOST`: when given, `/metrics` moves from the public port to this one (see OpsServer). */
  ops?: OpsListen;
  /**
   * Which browser origins may call the service (CORS): a policy, or a class
   * of one built by injection (it may inject global providers). None: no
   * cross-origin access.
   */
  cors?: CorsPolicy | Type<CorsPolicy>;
  /** What `/readyz` requires; by default Postgres and NATS. */
  readiness?: ReadinessRules;
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
    declareErrorTranslations(options.errorTranslations ?? []);
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
      controllers: options.ops ? [HealthController] : [HealthController, MetricsController],
      providers: [
        MetricsRegistry,
        TracingFlush,
        {
          // The pool TypeORM's Postgres driver holds (node-postgres `Pool`), observed at scrape time.
          provide: POOL_METRICS,
          inject: [MetricsRegistry, { token: DataSource, optional: true }],
          useFactory: (registry: MetricsRegistry, dataSource: DataSource | undefined) => {
            const pool = (dataSource?.driver as unknown as { master?: Parameters<MetricsRegistry['observePool']>[0] })
              ?.master;
            if (pool) registry.observePool(pool);
            return true;
          },
        },
        { provide: READINESS_RULES, useValue: options.readiness ?? { natsRequired: true } },
        typeof options.cors === 'function'
          ? { provide: CORS_POLICY, useClass: options.cors }
          : { provide: CORS_POLICY, useValue: options.cors ?? staticCorsPolicy([]) },
        ...(options.ops
          ? [
              {
                provide: OpsServer,
                inject: [MetricsRegistry],
                useFactory: (registry: MetricsRegistry) => new OpsServer(registry, options.ops as OpsListen),
              },
            ]
          : []),
        {
          provide: NatsClient,
          inject: [MetricsRegistry],
          useFactory: async (registry: MetricsRegistry) => {
            const client = new NatsClient({
              url: options.natsUrl,
              name: options.service,
              defaultTimeoutMs: options.natsRequestTimeoutMs,
              namespace: options.natsNamespace,
              credentials: options.natsCredentials,
              inboxPrefix: options.natsInboxPrefix,
            });
            await client.connect();
            registry.observeNats(client);
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
