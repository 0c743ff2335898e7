import { ConfigError, IsCorsOriginList, Secret, ServiceConfig } from '@switchboard/config';
import { IsEmail, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength } from 'class-validator';

/** Every environment variable the Hub reads. Validated once at boot. */
export class HubConfig extends ServiceConfig {
  @IsInt() @Min(1) @Max(65535) HUB_PORT: number = 8080;
  @IsString() HUB_HOST: string = '0.0.0.0';
  /** Public base URL of this Hub, for links in responses and docs. */
  @IsOptional() @IsString() HUB_PUBLIC_URL?: string;
  /**
   * Browser origins allowed to call the Hub's API (CORS), comma-separated and
   * exactly as browsers send them (`https://console.example.com`), or `*`;
   * empty (the default): no cross-origin browser access.
   */
  @IsCorsOriginList() HUB_CORS_ORIGINS: string = '';

  @IsOptional() @IsEmail() HUB_BOOTSTRAP_ADMIN_EMAIL?: string;
  @Secret()
  @IsOptional()
  @MinLength(32, { message: 'must be at least 32 characters' })
  HUB_BOOTSTRAP_ADMIN_TOKEN?: string;

  /**
   * Base64 of the 32-byte Ed25519 seed (RFC 8032) the Hub signs every snapshot
   * with; instances get its public key as `HUB_PUBLIC_KEY`. Optional here so
   * that `db:setup` and `secrets:rewrap` do without it; the Hub refuses to
   * start without it (`requireSigningKey`).
   */
  @Secret()
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=?$/, { message: 'must be the base64 of a 32-byte Ed25519 seed' })
  HUB_SIGNING_KEY?: string;

  /**
   * The gateway's public base URL (`apps/gateway`, e.g. `https://api.example.com`). Set, it is the
   * `apiUrl` the Hub hands out for every workspace (org workspace and access-token responses)
   * instead of the URL of the instance that holds it (API.md, "Gateway: one URL for every instance").
   */
  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'must be an http(s) URL' },
  )
  HUB_GATEWAY_URL?: string;

  /** The `apiUrl` clients are given for a workspace on an instance at `instanceApiUrl`: the gateway's when set. */
  apiUrlFor(instanceApiUrl: string): string {
    return this.HUB_GATEWAY_URL ? this.HUB_GATEWAY_URL.replace(/\/+$/, '') : instanceApiUrl;
  }

  /** An instance with no heartbeat for this long is `down`. */
  @IsInt() @Min(1000) HUB_INSTANCE_DOWN_AFTER_MS: number = 15_000;
  /** How long a moved workspace's copy stays on its source (answering `307`) before it is deleted, in seconds. */
  @IsInt() @Min(0) @Max(31_536_000) HUB_MOVE_RETENTION_SECONDS: number = 86_400;
}

/** `HUB_SIGNING_KEY`, which the running Hub needs. Throws a `ConfigError` naming it when it is not set. */
export function requireSigningKey(config: HubConfig): string {
  if (!config.HUB_SIGNING_KEY) {
    throw new ConfigError([
      'HUB_SIGNING_KEY is required or malformed (it is not set): the base64 of the 32-byte Ed25519 seed the Hub signs snapshots with.',
    ]);
  }
  return config.HUB_SIGNING_KEY;
}
