import { NatsServiceConfig } from '@switchboard/config';
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
}
