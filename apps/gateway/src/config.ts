import { IsCidrList, NatsServiceConfig } from '@switchboard/config';
import { IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';

/** Every environment variable the gateway reads (besides NATS, OPS_PORT and LOG_LEVEL). Validated once at boot. */
export class GatewayConfig extends NatsServiceConfig {
  @IsInt() @Min(0) @Max(65535) GATEWAY_PORT: number = 8090;
  @IsString() GATEWAY_HOST: string = '0.0.0.0';
  /**
   * The gateway's public base URL, e.g. `https://api.example.com`: the `servers` of
   * the OpenAPI document it passes through (the Hub's HUB_GATEWAY_URL). Unset: the
   * URL the request came in on (its Host header).
   */
  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'must be an http(s) URL' },
  )
  GATEWAY_PUBLIC_URL?: string;
  /**
   * How long an instance may take to send the response headers, and then to
   * send each further part of the body (undici `headersTimeout` / `bodyTimeout`),
   * in ms; past it the client gets `504 gateway_timeout`.
   */
  @IsInt() @Min(100) @Max(600_000) GATEWAY_UPSTREAM_TIMEOUT_MS: number = 30_000;
  /** How long connecting to an instance may take, in ms; past it `504 gateway_timeout`. */
  @IsInt() @Min(100) @Max(60_000) GATEWAY_CONNECT_TIMEOUT_MS: number = 5000;
  /** Connections kept per instance (undici pool); requests beyond wait for one. */
  @IsInt() @Min(1) @Max(10_000) GATEWAY_UPSTREAM_CONNECTIONS: number = 128;
  /**
   * How often the whole placement table is read again from the Hub, in ms, so
   * that a missed change message (or an instance whose URL changed) is made good.
   */
  @IsInt() @Min(500) @Max(3_600_000) GATEWAY_RESYNC_INTERVAL_MS: number = 30_000;
  /**
   * Peers trusted to name the client in X-Forwarded-For (a load balancer in front of the gateway):
   * comma-separated CIDRs (`10.0.0.0/8,fd00::/8`), empty for none. A request from one of them is counted
   * against the client it names (its held request bodies, client-shares.ts), any other against its TCP peer.
   */
  @IsCidrList() GATEWAY_TRUSTED_PROXIES: string = '';
  /**
   * Bytes of request bodies one client (an IPv4 address, an IPv6 /64) may have the gateway hold at once;
   * past it `429 rate_limited`. Default 8 MiB, an eighth of the 64 MiB all clients share; at least 2 MiB, so
   * that one body of the 1 MiB held whole, or the start of a larger one that is then streamed, always fits.
   */
  @IsInt() @Min(2 * 1024 * 1024) @Max(64 * 1024 * 1024) GATEWAY_HELD_BYTES_PER_CLIENT: number = 8 * 1024 * 1024;

  /** GATEWAY_TRUSTED_PROXIES as a list of CIDRs (empty: none). */
  trustedProxies(): string[] {
    return this.GATEWAY_TRUSTED_PROXIES.split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
  }
}
