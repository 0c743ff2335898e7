import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Columns } from '@switchboard/persistence';
import { Nullable, Optional } from '@switchboard/server';
import { IsDateString, IsIn, IsString, Length } from 'class-validator';

import { TENANT_ROLES, type TenantRole } from '../workspaces/tenant-role.js';
import type { TenantApiKey } from './tenant-api-key.entity.js';

export class CreateApiKeyDto {
  @ApiProperty({ minLength: 1, maxLength: 200 }) @IsString() @Length(1, 200) name!: string;
  @ApiPropertyOptional({ enum: TENANT_ROLES, description: 'Default `member`.' })
  @Optional()
  @IsIn(TENANT_ROLES)
  role?: TenantRole;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: "The user of the workspace owner's system the key is for.",
  })
  @Optional()
  @Nullable()
  @IsString()
  @Length(1, 200)
  userId?: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'Must lie in the future.' })
  @Optional()
  @Nullable()
  @IsDateString({ strict: true })
  expiresAt?: string | null;
}

/** A key as listed: never the key itself. */
export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'The first characters of the key, to tell keys apart.' }) prefix!: string;
  @ApiProperty({ enum: TENANT_ROLES }) role!: string;
  @ApiProperty({ type: String, nullable: true }) userId!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'To the minute.' })
  lastUsedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/** A key just created: the only response that holds `key`. */
export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'Shown only here: `sbk_<workspace key>_<random>`; stored only as SHA-256.' })
  key!: string;
}

export class ApiKeyPageDto {
  @ApiProperty({ type: [ApiKeyDto] }) items!: ApiKeyDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Always null: every live key is on one page.' })
  cursor!: string | null;
}

export class RevokedTokensDto {
  @ApiProperty({
    format: 'date-time',
    description: 'Workspace JWTs for the tenant issued (`iat`) in or before this second are refused.',
  })
  revokedBefore!: string;
}

export function toApiKeyDto(row: Columns<TenantApiKey>): ApiKeyDto {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    userId: row.userId,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
