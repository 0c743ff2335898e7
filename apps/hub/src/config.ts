import { Secret } from '@switchboard/config';
import { IsEmail, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

const POSTGRES_URL = /^postgres(ql)?:\/\/.+\/.+/;
const NATS_URL = /^(nats|tls|ws|wss):\/\/.+/;

/** Every environment variable the Hub reads. Validated once at boot. */
export class HubConfig {
  @IsInt() @Min(1) @Max(65535) HUB_PORT: number = 8080;
  @IsString() HUB_HOST: string = '0.0.0.0';
  /** Public base URL of this Hub, for links in responses and docs. */
  @IsOptional() @IsString() HUB_PUBLIC_URL?: string;

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
  /** Prefix of every NATS subject, so that several deployments (or test runs) can share one NATS cluster. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]*$/, { message: 'may hold only letters, digits, _ and -' })
  NATS_NAMESPACE: string = '';
  @IsInt() @Min(50) @Max(60_000) NATS_REQUEST_TIMEOUT_MS: number = 2000;

  @Secret() @MinLength(10) ENCRYPTION_KEYS!: string;

  @IsOptional() @IsEmail() HUB_BOOTSTRAP_ADMIN_EMAIL?: string;
  @Secret()
  @IsOptional()
  @MinLength(32, { message: 'must be at least 32 characters' })
  HUB_BOOTSTRAP_ADMIN_TOKEN?: string;

  /** An instance with no heartbeat for this long is `down`. */
  @IsInt() @Min(1000) HUB_INSTANCE_DOWN_AFTER_MS: number = 15_000;
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL: string = 'info';
}
