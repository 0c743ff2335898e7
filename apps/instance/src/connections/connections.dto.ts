import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Nullable, Optional, PageQueryDto } from '@switchboard/server';
import { Transform } from 'class-transformer';
import { IsBoolean, IsObject, IsString, IsUUID, Length, Matches, ValidateIf } from 'class-validator';

import { INTEGRATION_KEY_PATTERN } from '../integrations/integrations.dto.js';

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ConnectionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
  @ApiProperty({ format: 'uuid', description: "Membrane's name for tenantId (the same value), for its SDK's users." })
  userId!: string;
  @ApiProperty({ format: 'uuid' }) integrationId!: string;
  @ApiProperty() integrationKey!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) input!: Record<string, unknown>;
  @ApiProperty() disconnected!: boolean;
  @ApiProperty({ description: 'Credentials are never returned here; see GET /connections/{id}/credentials.' })
  hasCredentials!: boolean;
  @ApiProperty({ description: "Usable (never its credentials) by the owning tenant's children." })
  shared!: boolean;
  @ApiProperty({
    description:
      "The caller's parent tenant owns it and shares it: the caller may use it, but not read its credentials, change or archive it.",
  })
  inherited!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) archivedAt!: string | null;
}

export class ConnectionWithSecretsDto extends ConnectionDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Only with includeSecrets=true (admin); the read is written to the activity log.',
  })
  credentials?: Record<string, unknown> | null;
}

export class ConnectionPageDto {
  @ApiProperty({ type: [ConnectionDto] }) items!: ConnectionDto[];
  @ApiProperty({ type: String, nullable: true }) cursor!: string | null;
}

export class ConnectionCredentialsDto {
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  credentials!: Record<string, unknown> | null;
}

export class ListConnectionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @Optional() @IsString() @Length(1, 100) integrationKey?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @Optional() @IsUUID() integrationId?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Admin only: one tenant.' })
  @Optional()
  @IsUUID()
  tenantId?: string;
  @ApiPropertyOptional({ format: 'uuid', description: "Admin only: Membrane's name for tenantId." })
  @Optional()
  @IsUUID()
  userId?: string;
  @ApiPropertyOptional({ description: 'Matches the name, case-insensitively.' })
  @Optional()
  @IsString()
  @Length(1, 200)
  search?: string;
  @ApiPropertyOptional() @Optional() @Transform(toBoolean) @IsBoolean() disconnected?: boolean;
  @ApiPropertyOptional({ description: "Membrane's name for the opposite of `disconnected`." })
  @Optional()
  @Transform(toBoolean)
  @IsBoolean()
  connected?: boolean;
  @ApiPropertyOptional({ description: 'Archived connections are left out unless true.' })
  @Optional()
  @Transform(toBoolean)
  @IsBoolean()
  includeArchived?: boolean;
}

export class GetConnectionQueryDto {
  @ApiPropertyOptional({
    description: 'Admin only: add the decrypted credentials; the read is written to the activity log.',
  })
  @Optional()
  @Transform(toBoolean)
  @IsBoolean()
  includeSecrets?: boolean;
}

export class CreateConnectionDto {
  @ApiPropertyOptional({ description: 'The integration to connect to; required unless integrationId is given.' })
  @ValidateIf((dto: CreateConnectionDto) => dto.integrationId === undefined || dto.integrationKey !== undefined)
  @IsString()
  @Length(1, 100)
  @Matches(INTEGRATION_KEY_PATTERN, { message: 'integrationKey is not an integration key' })
  integrationKey?: string;
  @ApiPropertyOptional({ format: 'uuid', description: "Membrane's SDK may name the integration by id instead." })
  @Optional()
  @IsUUID()
  integrationId?: string;
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, description: "Defaults to the integration's name." })
  @Optional()
  @IsString()
  @Length(1, 200)
  name?: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Write-only; stored encrypted.' })
  @IsObject()
  credentials!: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @Optional() @IsObject() input?: Record<
    string,
    unknown
  >;
  @ApiPropertyOptional({ format: 'uuid', description: 'Admin tokens only, and required for them: whose connection.' })
  @Optional()
  @IsUUID()
  tenantId?: string;
  @ApiPropertyOptional({ description: "Share it with the owning tenant's children (default false)." })
  @Optional()
  @IsBoolean()
  shared?: boolean;
}

/** PATCH: what is given changes; `credentials: null` clears them. */
export class UpdateConnectionDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 }) @Optional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Write-only; stored encrypted.',
  })
  @Optional()
  @Nullable()
  @IsObject()
  credentials?: Record<string, unknown> | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @Optional() @IsObject() input?: Record<
    string,
    unknown
  >;
  @ApiPropertyOptional({ description: 'Turning it true emits connection.disconnected.' })
  @Optional()
  @IsBoolean()
  disconnected?: boolean;
  @ApiPropertyOptional({
    description: "Share it with the owning tenant's children (their tokens use it, never its credentials).",
  })
  @Optional()
  @IsBoolean()
  shared?: boolean;
}

/**
 * PUT: the connection as given; what is left out is cleared (the name goes
 * back to the integration's, input to `{}`, credentials to none,
 * disconnected and shared to false). Its integration and tenant never change.
 */
export class ReplaceConnectionDto extends UpdateConnectionDto {}
