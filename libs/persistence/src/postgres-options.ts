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
    applicationName: options.applicationName,
    poolSize: options.poolSize,
    // Failed queries surface as exceptions; the error filter logs the unexpected ones with an errorId.
    logging: false,
    extra: { connectionTimeoutMillis: 5000 },
  };
}
