import { Secret } from '@switchboard/config';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength } from 'class-validator';

const POSTGRES_URL = /^postgres(ql)?:\/\/.+\/.+/;
const NATS_URL = /^(nats|tls|ws|wss):\/\/.+/;

/** Every environment variable an Instance reads. Validated once at boot. */
export class InstanceConfig {
  @IsInt() @Min(1) @Max(65535) INSTANCE_PORT: number = 8081;
  @IsString() INSTANCE_HOST: string = '0.0.0.0';
  /** Stable id of this instance; its replicas share it. */
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'must be 1-63 lowercase letters, digits or -' })
  INSTANCE_ID!: string;
  @IsOptional() @IsString() INSTANCE_NAME?: string;
  /** Where clients reach this instance's workspace API; the Hub hands it out with each workspace. */
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) INSTANCE_API_URL!: string;

  @Secret() @Matches(POSTGRES_URL, { message: 'must be a postgres:// URL with a database' }) DATABASE_URL!: string;
  /** The owner role that runs migrations; needed only by `db:setup`. */
  @Secret()
  @IsOptional()
  @Matches(POSTGRES_URL, { message: 'must be a postgres:// URL with a database' })
  DATABASE_MIGRATION_URL?: string;
  /** A superuser connection that creates roles and databases; needed only by `db:setup`. */
  @Secret()
  @IsOptional()
  @Matches(POSTGRES_URL, { message: 'must be a postgres:// URL with a database' })
  DATABASE_ADMIN_URL?: string;
  @IsInt() @Min(1) @Max(200) DATABASE_POOL_SIZE: number = 10;

  @Matches(NATS_URL, { message: 'must be a nats:// URL' }) NATS_URL: string = 'nats://127.0.0.1:4222';
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]*$/, { message: 'may hold only letters, digits, _ and -' })
  NATS_NAMESPACE: string = '';
  @IsInt() @Min(50) @Max(60_000) NATS_REQUEST_TIMEOUT_MS: number = 2000;

  /** Shared with the Hub: workspace secrets cross NATS sealed under it. */
  @Secret() @MinLength(10) ENCRYPTION_KEYS!: string;

  @IsInt() @Min(100) @Max(60_000) INSTANCE_HEARTBEAT_INTERVAL_MS: number = 5000;
  /** How often the instance asks the Hub for what it lacks, besides at start. */
  @IsInt() @Min(1000) INSTANCE_RECONCILE_INTERVAL_MS: number = 60_000;
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL: string = 'info';
}
