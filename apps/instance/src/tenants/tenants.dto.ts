import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Columns } from '@switchboard/persistence';
import { Nullable, Optional, PageQueryDto } from '@switchboard/server';
import { Transform } from 'class-transformer';
import {
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

import { ACTIVE_WITHIN_DAYS, type Tenant } from './tenant.entity.js';

const MAX_CREDITS = 2_000_000_000;

/**
 * The most JSON a tenant's `fields` (or `credentials`) may hold, in bytes, as the Hub bounds workspace
 * settings. Without it only the 1 MB body limit applied, and every change is also kept whole in the
 * activity log: a tenant patching 1 MB of fields a few times a second made a page of
 * `GET /activity-logs?limit=1000` a gigabyte, and its fields filled into every element view.
 */
export const MAX_TENANT_FIELDS_BYTES = 64 * 1024;

/** An object whose JSON is at most `bytes` bytes long (UTF-8). */
function MaxJsonBytes(bytes: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'maxJsonBytes',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `$property must be at most ${bytes} bytes of JSON`, ...options },
      validator: { validate: (value: unknown) => Buffer.byteLength(JSON.stringify(value ?? null)) <= bytes },
    });
}

export class TenantDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: "The tenant's id in the workspace owner's own system (the token's tenantKey)." })
  internalId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) fields!: Record<string, unknown>;
  @ApiProperty({ description: 'Credentials are never returned here; see GET /tenants/{id}/credentials.' })
  hasCredentials!: boolean;
  @ApiProperty({ type: Number, nullable: true, description: 'null: unlimited' })
  aiCreditsRolling30DayLimit!: number | null;
  @ApiProperty({ description: 'A test tenant; set by an admin.' }) isTest!: boolean;
  @ApiProperty({ description: `One of its tokens made a request within the last ${ACTIVE_WITHIN_DAYS} days.` })
  isActive!: boolean;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The last request made with one of its tokens, to the minute; null: never.',
  })
  lastActiveAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) archivedAt!: string | null;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The parent tenant, whose shared connections this tenant may use; null: not linked.',
  })
  parentId!: string | null;
}

/** A child of the calling tenant (GET /self/children): who it is, nothing of its data. */
export class TenantChildDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: "The child's id in the workspace owner's own system." }) internalId!: string;
  @ApiProperty({ description: 'The same as internalId: the tenant key its tokens name.' }) key!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) archivedAt!: string | null;
}

const DAY_MS = 86_400_000;

/** Whether a tenant last active at `lastActiveAt` counts as active at `now` (within ACTIVE_WITHIN_DAYS). */
export function isActiveAt(lastActiveAt: Date | null, now: number = Date.now()): boolean {
  return lastActiveAt !== null && lastActiveAt.getTime() >= now - ACTIVE_WITHIN_DAYS * DAY_MS;
}

/** A tenant as the API shows it: never its credentials, only whether it has some. */
export function toTenantDto(row: Columns<Tenant>): TenantDto {
  return {
    id: row.id,
    internalId: row.internalId,
    name: row.name,
    fields: row.fields,
    hasCredentials: row.sealedCredentials !== null,
    aiCreditsRolling30DayLimit: row.aiCreditsRolling30DayLimit,
    isTest: row.isTest,
    isActive: isActiveAt(row.lastActiveAt),
    lastActiveAt: row.lastActiveAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    archivedAt: row.archivedAt?.toISOString() ?? null,
    parentId: row.parentId,
  };
}

export class TenantPageDto {
  @ApiProperty({ type: [TenantDto] }) items!: TenantDto[];
  @ApiProperty({ type: String, nullable: true }) cursor!: string | null;
}

/** A query string's `true`/`false` (what Membrane's SDK sends for a boolean); anything else is left for @IsBoolean to refuse. */
const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ListTenantsQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @Optional() @IsString() @Length(1, 200) internalId?: string;
  @ApiPropertyOptional({ description: 'Matches name or internalId, case-insensitively.' })
  @Optional()
  @IsString()
  @Length(1, 200)
  search?: string;
  @ApiPropertyOptional() @Optional() @Transform(toBoolean) @IsBoolean() includeArchived?: boolean;
  @ApiPropertyOptional({ description: 'Only test tenants (true) or only the others (false).' })
  @Optional()
  @Transform(toBoolean)
  @IsBoolean()
  isTest?: boolean;
  @ApiPropertyOptional({
    description: `Only tenants active within the last ${ACTIVE_WITHIN_DAYS} days (true) or only the others (false).`,
  })
  @Optional()
  @Transform(toBoolean)
  @IsBoolean()
  isActive?: boolean;
}

export class InternalIdQueryDto {
  @ApiProperty() @IsString() @Length(1, 200) internalId!: string;
}

/** PUT: the tenant as given; what is left out is cleared (its parent link is PATCH's alone). */
export class ReplaceTenantDto {
  @ApiProperty({ minLength: 1, maxLength: 200 }) @IsString() @Length(1, 200) internalId!: string;
  @ApiProperty({ minLength: 1, maxLength: 200 }) @IsString() @Length(1, 200) name!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Optional()
  @IsObject()
  @MaxJsonBytes(MAX_TENANT_FIELDS_BYTES)
  fields?: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Write-only; stored encrypted.' })
  @Optional()
  @IsObject()
  @MaxJsonBytes(MAX_TENANT_FIELDS_BYTES)
  credentials?: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 0 })
  @Optional()
  @Nullable()
  @IsInt()
  @Min(0)
  @Max(MAX_CREDITS)
  aiCreditsRolling30DayLimit?: number | null;
  @ApiPropertyOptional({ description: 'A test tenant (default false).' }) @Optional() @IsBoolean() isTest?: boolean;
}

/** PATCH: what is given changes. */
export class UpdateTenantDto {
  @ApiPropertyOptional() @Optional() @IsString() @Length(1, 200) internalId?: string;
  @ApiPropertyOptional() @Optional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Optional()
  @IsObject()
  @MaxJsonBytes(MAX_TENANT_FIELDS_BYTES)
  fields?: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  @Optional()
  @Nullable()
  @IsObject()
  @MaxJsonBytes(MAX_TENANT_FIELDS_BYTES)
  credentials?: Record<string, unknown> | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 0 })
  @Optional()
  @Nullable()
  @IsInt()
  @Min(0)
  @Max(MAX_CREDITS)
  aiCreditsRolling30DayLimit?: number | null;
  @ApiPropertyOptional({ description: 'A test tenant (default false).' }) @Optional() @IsBoolean() isTest?: boolean;
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description:
      'Links the tenant to a parent tenant of the workspace (null unlinks it). One level only: 409 when the parent has a parent, the tenant has children, or it names the tenant itself.',
  })
  @Optional()
  @Nullable()
  @IsUUID()
  parentId?: string | null;
}

/** POST: a new tenant, optionally linked to a parent at once (API.md, Linked tenants). */
export class CreateTenantDto extends ReplaceTenantDto {
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description:
      'Links the new tenant to a parent tenant of the workspace (null or absent: not linked). One level only: 409 when the parent has a parent; 400 when it names no tenant of the workspace.',
  })
  @Optional()
  @Nullable()
  @IsUUID()
  parentId?: string | null;
}

/** What a tenant may change of itself: its name and fields, and set (never read) its credentials. */
export class UpdateSelfDto {
  @ApiPropertyOptional() @Optional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Optional()
  @IsObject()
  @MaxJsonBytes(MAX_TENANT_FIELDS_BYTES)
  fields?: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Write-only; stored encrypted.' })
  @Optional()
  @IsObject()
  @MaxJsonBytes(MAX_TENANT_FIELDS_BYTES)
  credentials?: Record<string, unknown>;
}
