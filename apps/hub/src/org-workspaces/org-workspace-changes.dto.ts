import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { workspacePublicKeyProblem } from '@switchboard/crypto';
import { IsHttpUrl, Nullable, Optional, PageQueryDto } from '@switchboard/server';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsObject,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';

import { MAX_TENANT_REQUESTS_PER_SECOND } from './workspace-settings.js';

export const MAX_SETTINGS_BYTES = 64 * 1024;

/** An object whose JSON is at most `bytes` long. */
function MaxJsonSize(bytes: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'maxJsonSize',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `$property must be at most ${bytes} bytes of JSON`, ...options },
      validator: { validate: (value: unknown) => Buffer.byteLength(JSON.stringify(value ?? null)) <= bytes },
    });
}

/** PEM public keys a workspace token can be verified with (see `workspacePublicKeyProblem`). */
function IsPublicKeyPem(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPublicKeyPem',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args) => {
          const values: unknown[] = Array.isArray(args.value) ? args.value : [args.value];
          const index = values.findIndex((value) => typeof value !== 'string' || workspacePublicKeyProblem(value));
          const problem =
            typeof values[index] === 'string' ? workspacePublicKeyProblem(values[index]) : 'is not a string';
          return `${args.property}[${index}] ${problem ?? 'is not valid'}: each must be an RSA (at least 2048 bits) or EC P-256 public key in PEM`;
        },
        ...options,
      },
      validator: {
        validate: (value: unknown) => typeof value === 'string' && workspacePublicKeyProblem(value) === undefined,
      },
    });
}

export class UpdateOrgWorkspaceDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 }) @Optional() @IsString() @Length(1, 200) name?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    properties: {
      limits: {
        type: 'object',
        nullable: true,
        additionalProperties: false,
        properties: {
          aiCreditsRolling30DayLimit: { type: 'number', nullable: true, minimum: 0 },
          tenantRequestsPerSecond: {
            type: 'integer',
            nullable: true,
            minimum: 1,
            maximum: MAX_TENANT_REQUESTS_PER_SECOND,
          },
        },
      },
    },
    description: `At most ${MAX_SETTINGS_BYTES} bytes of JSON. The instance honours limits.aiCreditsRolling30DayLimit (shared AI credits per rolling 30 days, >= 0) and limits.tenantRequestsPerSecond (>= 1; 0 would refuse every request); null means no limit, and other keys under limits are refused.`,
  })
  @Optional()
  @IsObject()
  @MaxJsonSize(MAX_SETTINGS_BYTES)
  settings?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    format: 'uri',
    description:
      'http(s) to a public address (else 400 outbound_url_refused; OUTBOUND_ALLOWED_CIDRS allows ranges); null removes it.',
  })
  @Optional()
  @Nullable()
  @IsString()
  @IsHttpUrl()
  @Length(1, 2000)
  webhookUri?: string | null;

  @ApiPropertyOptional({ type: [String], description: 'RSA or EC public keys in PEM, for RS256/ES256 tokens.' })
  @Optional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsPublicKeyPem({ each: true })
  publicKeys?: string[];
}

export class RotateSecretDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 604_800,
    default: 86_400,
    description: 'Seconds the previous secret stays valid.',
  })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(604_800)
  gracePeriodSeconds?: number;
}

export class RotatedSecretDto {
  @ApiProperty() secret!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) previousSecretExpiresAt!: string | null;
}

export class WorkspaceSecretDto {
  @ApiProperty() secret!: string;
}

export class ListOrgWorkspacesQueryDto extends PageQueryDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() orgId!: string;
  @ApiPropertyOptional()
  @Optional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  includeArchived?: boolean;
}
