import { ConfigError, ServiceConfig } from '@switchboard/config';
import { MAX_WORKSPACE_TOKEN_LIFETIME_SECONDS } from '@switchboard/contracts';
import { IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';

/** Every environment variable an Instance reads. Validated once at boot. */
export class InstanceConfig extends ServiceConfig {
  @IsInt() @Min(1) @Max(65535) INSTANCE_PORT: number = 8081;
  @IsString() INSTANCE_HOST: string = '0.0.0.0';
  /** Stable id of this instance; its replicas share it. */
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'must be 1-63 lowercase letters, digits or -' })
  INSTANCE_ID!: string;
  @IsOptional() @IsString() INSTANCE_NAME?: string;
  /** Where clients reach this instance's workspace API; the Hub hands it out with each workspace. */
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) INSTANCE_API_URL!: string;

  /**
   * The Hub's Ed25519 public key(s): base64 of the 32-byte raw key, several
   * comma-separated during a key rollover. The instance applies only
   * snapshots signed by one of them. Optional here so that `db:setup` and
   * `secrets:rewrap:instance` do without it; the instance refuses to start
   * without it (`requireHubPublicKey`).
   */
  @IsOptional()
  @Matches(/^\s*[A-Za-z0-9+/]{43}=?\s*(,\s*[A-Za-z0-9+/]{43}=?\s*)*$/, {
    message: 'must be base64 32-byte Ed25519 public keys, comma-separated',
  })
  HUB_PUBLIC_KEY?: string;

  @IsInt() @Min(100) @Max(60_000) INSTANCE_HEARTBEAT_INTERVAL_MS: number = 5000;
  /** How often the instance asks the Hub for what it lacks, besides at start. */
  @IsInt() @Min(1000) INSTANCE_RECONCILE_INTERVAL_MS: number = 60_000;

  /** Fallback polling for due event deliveries; NOTIFY wakes the worker at once on the normal path. */
  @IsInt() @Min(10) @Max(600_000) EVENTS_POLL_INTERVAL_MS: number = 1000;
  /** Shortest retry delay of a failed webhook delivery; the longest possible doubles per attempt (full jitter between). */
  @IsInt() @Min(10) @Max(3_600_000) EVENTS_MIN_BACKOFF_MS: number = 1000;
  /** Longest delay between two attempts of one webhook delivery. */
  @IsInt() @Min(10) @Max(86_400_000) EVENTS_MAX_BACKOFF_MS: number = 300_000;
  /** Timeout of every webhook request. */
  @IsInt() @Min(50) @Max(300_000) EVENTS_REQUEST_TIMEOUT_MS: number = 10_000;
  /** Workspaces whose webhooks one replica delivers at the same time. */
  @IsInt() @Min(1) @Max(1000) EVENTS_WORKSPACE_CONCURRENCY: number = 16;
  /** Webhook requests one replica has in flight for one workspace (each to a different tenant or target). */
  @IsInt() @Min(1) @Max(100) EVENTS_DELIVERY_CONCURRENCY: number = 8;
  /**
   * How long delivered events and their deliveries are kept (for inspection) before they are deleted.
   * Undelivered ones are kept whatever their age, and so is every tenant's newest event: it numbers the next.
   */
  @IsInt() @Min(60) EVENTS_RETENTION_SECONDS: number = 604_800;

  /**
   * Longest lifetime a workspace token may have left: one whose `exp` lies further ahead is refused
   * (`401 token_lifetime_too_long`). 30 days by default; the Hub never issues longer-lived tokens.
   */
  @IsInt() @Min(60) @Max(31_536_000) INSTANCE_MAX_TOKEN_LIFETIME_SECONDS: number = MAX_WORKSPACE_TOKEN_LIFETIME_SECONDS;

  /** The service's rules across variables, and: the event outbox's backoff bounds are in order (see `outboxBackoffMs`). */
  override crossCheck(): string[] {
    const problems = super.crossCheck();
    if (this.EVENTS_MIN_BACKOFF_MS > this.EVENTS_MAX_BACKOFF_MS) {
      problems.push(
        `EVENTS_MIN_BACKOFF_MS (${this.EVENTS_MIN_BACKOFF_MS}) must not exceed EVENTS_MAX_BACKOFF_MS (${this.EVENTS_MAX_BACKOFF_MS}).`,
      );
    }
    return problems;
  }
}

/** `HUB_PUBLIC_KEY`, which a running instance needs. Throws a `ConfigError` naming it when it is not set. */
export function requireHubPublicKey(config: InstanceConfig): string {
  if (!config.HUB_PUBLIC_KEY) {
    throw new ConfigError([
      "HUB_PUBLIC_KEY is required or malformed (it is not set): the base64 of the Hub's 32-byte Ed25519 public key.",
    ]);
  }
  return config.HUB_PUBLIC_KEY;
}
