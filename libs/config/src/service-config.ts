import { IsIn, IsInt, IsOptional, Matches, Max, Min, MinLength } from 'class-validator';

import { IsCidrList } from './cidr-list.decorator.js';
import { Secret } from './secret.decorator.js';

const POSTGRES_URL = /^postgres(ql)?:\/\/.+\/.+/;
const NATS_URL = /^(nats|tls|ws|wss):\/\/.+/;

/**
 * The variables every Switchboard service reads: its database, NATS and the
 * encryption keys. Each service's own schema extends this one.
 */
export abstract class ServiceConfig {
  /** The application role: owns nothing, has no BYPASSRLS. */
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

  /** `v2:<base64 32 bytes>,v1:…`: the first encrypts, all decrypt. Shared by the Hub and its instances. */
  @Secret() @MinLength(10) ENCRYPTION_KEYS!: string;

  /**
   * Ranges outbound calls (webhooks) may reach although they are not public,
   * comma-separated CIDRs; none by default. E.g. `127.0.0.0/8,::1/128` for a
   * receiver on the development machine.
   */
  @IsCidrList() OUTBOUND_ALLOWED_CIDRS: string = '';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL: string = 'info';
}
