import { Secret, ServiceConfig } from '@switchboard/config';
import { IsEmail, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';

/** Every environment variable the Hub reads. Validated once at boot. */
export class HubConfig extends ServiceConfig {
  @IsInt() @Min(1) @Max(65535) HUB_PORT: number = 8080;
  @IsString() HUB_HOST: string = '0.0.0.0';
  /** Public base URL of this Hub, for links in responses and docs. */
  @IsOptional() @IsString() HUB_PUBLIC_URL?: string;

  @IsOptional() @IsEmail() HUB_BOOTSTRAP_ADMIN_EMAIL?: string;
  @Secret()
  @IsOptional()
  @MinLength(32, { message: 'must be at least 32 characters' })
  HUB_BOOTSTRAP_ADMIN_TOKEN?: string;

  /** An instance with no heartbeat for this long is `down`. */
  @IsInt() @Min(1000) HUB_INSTANCE_DOWN_AFTER_MS: number = 15_000;
}
