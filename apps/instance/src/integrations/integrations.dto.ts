import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Nullable, Optional, PageQueryDto } from '@switchboard/server';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsObject, IsString, Length, Matches } from 'class-validator';

/** How tenants authenticate with the integration's app (Membrane's names, and the usual non-OAuth kinds). */
export const INTEGRATION_AUTH_TYPES = [
  'oauth2',
  'oauth1',
  'client-credentials',
  'api-key',
  'basic',
  'proxy',
  'integration-app-token',
  'membrane-token',
  'none',
] as const;
export type IntegrationAuthType = (typeof INTEGRATION_AUTH_TYPES)[number];

/** Whether a stored `auth_type` is one of INTEGRATION_AUTH_TYPES (the only ones the API writes). */
export function isIntegrationAuthType(value: string): value is IntegrationAuthType {
  return INTEGRATION_AUTH_TYPES.some((type) => type === value);
}

/**
 * Keys share `/integrations/{idOrKey}` with ids, so a key may not look like a
 * UUID, and it holds only characters that need no escaping in a path.
 */
export const INTEGRATION_KEY_PATTERN =
  /^(?![0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$)[A-Za-z0-9][A-Za-z0-9._-]*$/i;
const KEY_MESSAGE = 'must start with a letter or digit, hold only letters, digits, ".", "_" and "-", and not be a UUID';

/** A connector's key, as element keys are (see ELEMENT_KEY in elements/). */
const CONNECTOR_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const CONNECTOR_DOC =
  'The key of the connector it builds on: a workspace connector (`/connectors`) or a universe one, as the workspace reads it.';

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class IntegrationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Unique in the workspace; connections name their integration by it.' }) key!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: INTEGRATION_AUTH_TYPES }) authType!: IntegrationAuthType;
  @ApiProperty({ type: String, nullable: true }) clientId!: string | null;
  @ApiProperty({ description: 'The client secret itself is never returned.' }) hasClientSecret!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true }) settings!: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true, description: CONNECTOR_DOC }) connectorKey!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) archivedAt!: string | null;
}

export class IntegrationPageDto {
  @ApiProperty({ type: [IntegrationDto] }) items!: IntegrationDto[];
  @ApiProperty({ type: String, nullable: true }) cursor!: string | null;
}

export class ListIntegrationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Matches name or key, case-insensitively.' })
  @Optional()
  @IsString()
  @Length(1, 200)
  search?: string;
  @ApiPropertyOptional({ description: 'Archived integrations are left out unless true.' })
  @Optional()
  @Transform(toBoolean)
  @IsBoolean()
  includeArchived?: boolean;
}

export class CreateIntegrationDto {
  @ApiProperty({ minLength: 1, maxLength: 100, pattern: INTEGRATION_KEY_PATTERN.source })
  @IsString()
  @Length(1, 100)
  @Matches(INTEGRATION_KEY_PATTERN, { message: `key ${KEY_MESSAGE}` })
  key!: string;
  @ApiProperty({ minLength: 1, maxLength: 200 }) @IsString() @Length(1, 200) name!: string;
  @ApiProperty({ enum: INTEGRATION_AUTH_TYPES }) @IsIn(INTEGRATION_AUTH_TYPES) authType!: IntegrationAuthType;
  @ApiPropertyOptional({ maxLength: 1000 }) @Optional() @IsString() @Length(1, 1000) clientId?: string;
  @ApiPropertyOptional({ maxLength: 10_000, description: 'Write-only; stored encrypted, never returned.' })
  @Optional()
  @IsString()
  @Length(1, 10_000)
  clientSecret?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Optional()
  @IsObject()
  settings?: Record<string, unknown>;
  @ApiPropertyOptional({ description: `${CONNECTOR_DOC} 400 when the workspace can read no live connector by it.` })
  @Optional()
  @IsString()
  @Matches(CONNECTOR_KEY, { message: 'connectorKey must be a connector key' })
  connectorKey?: string;
}

/** PATCH: what is given changes; `null` clears clientId or clientSecret. */
export class UpdateIntegrationDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100, pattern: INTEGRATION_KEY_PATTERN.source })
  @Optional()
  @IsString()
  @Length(1, 100)
  @Matches(INTEGRATION_KEY_PATTERN, { message: `key ${KEY_MESSAGE}` })
  key?: string;
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 }) @Optional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional({ enum: INTEGRATION_AUTH_TYPES })
  @Optional()
  @IsIn(INTEGRATION_AUTH_TYPES)
  authType?: IntegrationAuthType;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 1000 })
  @Optional()
  @Nullable()
  @IsString()
  @Length(1, 1000)
  clientId?: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 10_000,
    description: 'Write-only; stored encrypted.',
  })
  @Optional()
  @Nullable()
  @IsString()
  @Length(1, 10_000)
  clientSecret?: string | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Optional()
  @IsObject()
  settings?: Record<string, unknown>;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: `${CONNECTOR_DOC} \`null\` removes it; 400 when the workspace can read no live connector by it.`,
  })
  @Optional()
  @Nullable()
  @IsString()
  @Matches(CONNECTOR_KEY, { message: 'connectorKey must be a connector key' })
  connectorKey?: string | null;
}

/** PUT: the integration as given; what is left out is cleared. */
export class ReplaceIntegrationDto extends CreateIntegrationDto {}
