import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '@switchboard/server';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsObject, IsOptional, IsString, Length, Max, Min, ValidateIf } from 'class-validator';

const MAX_CREDITS = 2_000_000_000;

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
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) archivedAt!: string | null;
}

export class TenantPageDto {
  @ApiProperty({ type: [TenantDto] }) items!: TenantDto[];
  @ApiProperty({ type: String, nullable: true }) cursor!: string | null;
}

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ListTenantsQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) internalId?: string;
  @ApiPropertyOptional({ description: 'Matches name or internalId, case-insensitively.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  search?: string;
  @ApiPropertyOptional() @IsOptional() @Transform(toBoolean) @IsBoolean() includeArchived?: boolean;
}

export class InternalIdQueryDto {
  @ApiProperty() @IsString() @Length(1, 200) internalId!: string;
}

export class CreateTenantDto {
  @ApiProperty({ minLength: 1, maxLength: 200 }) @IsString() @Length(1, 200) internalId!: string;
  @ApiProperty({ minLength: 1, maxLength: 200 }) @IsString() @Length(1, 200) name!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @IsOptional() @IsObject() fields?: Record<
    string,
    unknown
  >;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Write-only; stored encrypted.' })
  @IsOptional()
  @IsObject()
  credentials?: Record<string, unknown>;
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0 })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(0)
  @Max(MAX_CREDITS)
  aiCreditsRolling30DayLimit?: number | null;
}

/** PATCH: what is given changes. */
export class UpdateTenantDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) internalId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @IsOptional() @IsObject() fields?: Record<
    string,
    unknown
  >;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsObject()
  credentials?: Record<string, unknown> | null;
  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0 })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(0)
  @Max(MAX_CREDITS)
  aiCreditsRolling30DayLimit?: number | null;
}

/** PUT: the tenant as given; what is left out is cleared. */
export class ReplaceTenantDto extends CreateTenantDto {}

/** What a tenant may change of itself: its name and fields, and set (never read) its credentials. */
export class UpdateSelfDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @IsOptional() @IsObject() fields?: Record<
    string,
    unknown
  >;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Write-only; stored encrypted.' })
  @IsOptional()
  @IsObject()
  credentials?: Record<string, unknown>;
}
