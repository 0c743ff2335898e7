import { accessSync, constants } from 'node:fs';

import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

import { IsCidrList } from './cidr-list.decorator.js';
import type { CrossChecked } from './load-config.js';
import { publishedSecretProblems } from './published-secrets.js';
import { Secret, secretKeysOf } from './secret.decorator.js';

const POSTGRES_URL = /^postgres(ql)?:\/\/.+\/.+/;
const NATS_URL = /^(nats|tls|ws|wss):\/\/.+/;
/** A user nkey seed: `SU` and 56 base32 characters (NATS docs, "NKeys": seeds start with S, users with U). */
const NKEY_USER_SEED = /^SU[A-Z2-7]{56}$/;

/** How a service authenticates to NATS; at most one method is set (see `ServiceConfig.crossCheck`). */
export interface NatsCredentials {
  user?: string;
  password?: string;
  /** Path of a `.creds` file (user JWT and nkey seed), as `nsc` writes it. */
  credsFile?: string;
  /** A user nkey seed (`SU…`). */
  nkeySeed?: string;
  /** Path of a PEM file with the CA certificate(s) that signed the NATS server's certificate. */
  tlsCaFile?: string;
}

/**
 * A boolean variable: exactly `true` or `false`. Implicit conversion would
 * read the string `false` as true; anything else is left for IsBoolean to refuse.
 */
function strictBoolean({ obj, key }: { obj: Record<string, unknown>; key: string }): unknown {
  const raw = obj[key];
  if (raw === 'true' || raw === true) return true;
  if (raw === 'false' || raw === false || raw === undefined) return false;
  return raw;
}

/**
 * The variables every Switchboard process reads, the gateway included: NATS,
 * the operations port, logging. Checked as a whole at boot (`crossCheck`): at
 * most one NATS authentication method, and no secret whose value the
 * repository publishes unless SWITCHBOARD_DEV_DEFAULTS=true.
 */
export abstract class NatsServiceConfig implements CrossChecked {
  @Matches(NATS_URL, { message: 'must be a nats:// URL' }) NATS_URL: string = 'nats://127.0.0.1:4222';
  /** Prefix of every NATS subject, so that several deployments (or test runs) can share one NATS cluster. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]*$/, { message: 'may hold only letters, digits, _ and -' })
  NATS_NAMESPACE: string = '';
  @IsInt() @Min(50) @Max(60_000) NATS_REQUEST_TIMEOUT_MS: number = 2000;
  /** This service's NATS user (with NATS_PASSWORD), e.g. `hub` or `instance-a` in deploy/nats/nats-server.conf. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,128}$/, { message: 'must be 1-128 letters, digits, _, . or -' })
  NATS_USER?: string;
  /** The password of NATS_USER. */
  @Secret() @IsOptional() @IsString() NATS_PASSWORD?: string;
  /** Path of a NATS credentials file (user JWT and nkey seed, as `nsc` writes it), for decentralised auth. */
  @IsOptional() @IsString() NATS_CREDS_FILE?: string;
  /** A NATS user nkey seed (`SU…`), for nkey auth. */
  @Secret()
  @IsOptional()
  @Matches(NKEY_USER_SEED, { message: 'must be a NATS user nkey seed (SU followed by 56 base32 characters)' })
  NATS_NKEY_SEED?: string;
  /** Path of a PEM file with the CA that signed the NATS server's certificate; set, the connection uses TLS. */
  @IsOptional() @IsString() NATS_TLS_CA?: string;

  /**
   * The operations port: set, `/metrics` (and a `/healthz`) are served there
   * and `/metrics` leaves the public port; unset, `/metrics` stays on the
   * public port. Set it in every deployment (the examples use 9464).
   */
  @IsOptional() @IsInt() @Min(0) @Max(65535) OPS_PORT?: number;
  /** The interface the operations port binds to. */
  @IsString() OPS_HOST: string = '0.0.0.0';

  /** `OPS_PORT`/`OPS_HOST` for PlatformModule, or undefined when no ops port is set. */
  opsListen(): { port: number; host: string } | undefined {
    return this.OPS_PORT === undefined ? undefined : { port: this.OPS_PORT, host: this.OPS_HOST };
  }

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL: string = 'info';

  /**
   * How long a client may take to send a whole request to the HTTP server, headers and body, in ms
   * (Node's `requestTimeout`); past it the request is answered `408` and its connection closed.
   */
  @IsInt() @Min(100) @Max(3_600_000) HTTP_REQUEST_TIMEOUT_MS: number = 30_000;
  /** How long a client may take to send the request line and headers, in ms (Node's `headersTimeout`); at most HTTP_REQUEST_TIMEOUT_MS. */
  @IsInt() @Min(100) @Max(600_000) HTTP_HEADERS_TIMEOUT_MS: number = 10_000;

  /** HTTP_REQUEST_TIMEOUT_MS / HTTP_HEADERS_TIMEOUT_MS for the HTTP server (createService, the gateway). */
  requestTimeouts(): { requestTimeoutMs: number; headersTimeoutMs: number } {
    return { requestTimeoutMs: this.HTTP_REQUEST_TIMEOUT_MS, headersTimeoutMs: this.HTTP_HEADERS_TIMEOUT_MS };
  }

  /**
   * Accept the secrets the repository publishes (development defaults and
   * examples). Only `npm start` sets it; a deployment never should.
   */
  @Transform(strictBoolean) @IsBoolean({ message: 'must be true or false' }) SWITCHBOARD_DEV_DEFAULTS: boolean = false;

  /** The rules across variables; see the class comment. */
  crossCheck(): string[] {
    return [...this.natsAuthProblems(), ...this.publishedSecrets(), ...this.timeoutProblems()];
  }

  /** What `NatsClient` and the NATS microservice authenticate with. */
  natsCredentials(): NatsCredentials {
    return {
      user: this.NATS_USER,
      password: this.NATS_PASSWORD,
      credsFile: this.NATS_CREDS_FILE,
      nkeySeed: this.NATS_NKEY_SEED,
      tlsCaFile: this.NATS_TLS_CA,
    };
  }

  private natsAuthProblems(): string[] {
    const problems: string[] = [];
    if (this.NATS_USER !== undefined && this.NATS_PASSWORD === undefined) {
      problems.push('NATS_USER is set without NATS_PASSWORD: set both, or neither.');
    }
    if (this.NATS_PASSWORD !== undefined && this.NATS_USER === undefined) {
      problems.push('NATS_PASSWORD is set without NATS_USER: set both, or neither.');
    }
    const methods = [
      this.NATS_USER !== undefined || this.NATS_PASSWORD !== undefined ? 'NATS_USER/NATS_PASSWORD' : undefined,
      this.NATS_CREDS_FILE !== undefined ? 'NATS_CREDS_FILE' : undefined,
      this.NATS_NKEY_SEED !== undefined ? 'NATS_NKEY_SEED' : undefined,
    ].filter((method) => method !== undefined);
    if (methods.length > 1) {
      problems.push(`Only one NATS authentication method may be set, but ${methods.join(' and ')} are: keep one.`);
    }
    for (const [name, path] of [
      ['NATS_CREDS_FILE', this.NATS_CREDS_FILE],
      ['NATS_TLS_CA', this.NATS_TLS_CA],
    ] as const) {
      if (path !== undefined && !readable(path)) problems.push(`${name} names ${path}, which cannot be read.`);
    }
    return problems;
  }

  private timeoutProblems(): string[] {
    return this.HTTP_HEADERS_TIMEOUT_MS > this.HTTP_REQUEST_TIMEOUT_MS
      ? [
          `HTTP_HEADERS_TIMEOUT_MS (${this.HTTP_HEADERS_TIMEOUT_MS}) is longer than HTTP_REQUEST_TIMEOUT_MS (${this.HTTP_REQUEST_TIMEOUT_MS}): the headers are part of the request.`,
        ]
      : [];
  }

  private publishedSecrets(): string[] {
    if (this.SWITCHBOARD_DEV_DEFAULTS) return [];
    const schema = this.constructor as new () => object;
    const values = this as unknown as Record<string, string | undefined>;
    return publishedSecretProblems(Object.fromEntries(secretKeysOf(schema).map((name) => [name, values[name]])));
  }
}

/**
 * The variables every Switchboard service with a database reads (the Hub and
 * instances): its database and the encryption keys, besides NatsServiceConfig's.
 * Each service's own schema extends this one.
 */
export abstract class ServiceConfig extends NatsServiceConfig {
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

  /** `v2:<base64 32 bytes>,v1:…`: the first encrypts, all decrypt. Shared by the Hub and its instances. */
  @Secret() @MinLength(10) ENCRYPTION_KEYS!: string;

  /**
   * Ranges outbound calls (webhooks) may reach although they are not public,
   * comma-separated CIDRs; none by default. E.g. `127.0.0.0/8,::1/128` for a
   * receiver on the development machine.
   */
  @IsCidrList() OUTBOUND_ALLOWED_CIDRS: string = '';
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
