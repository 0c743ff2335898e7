import pg from 'pg';
import type { DataSourceOptions, MixedList } from 'typeorm';

export interface PostgresOptions {
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function>;
  poolSize: number;
  applicationName: string;
}

/** How every service connects: no schema sync (migrations are files, run as a step), a bounded pool. */
export function postgresOptions(options: PostgresOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    entities: options.entities,
    synchronize: false,
    migrationsRun: false,
    uuidExtension: 'pgcrypto',
    // The module object itself rather than TypeORM's own require('pg'): it is the one tracing
    // instruments (startTracing), in Node and under Jest's module registry alike.
    driver: pg,
    applicationName: options.applicationName,
    poolSize: options.poolSize,
    // Failed queries surface as exceptions; the error filter logs the unexpected ones with an errorId.
    logging: false,
    extra: { connectionTimeoutMillis: 5000 },
  };
}
