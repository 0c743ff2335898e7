import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_WORKSPACE_TOKEN_LIFETIME_SECONDS } from '@switchboard/contracts';
import { FastAccept, Optional } from '@switchboard/server';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  isInt,
  IsObject,
  IsString,
  IsUUID,
  isUUID,
  Length,
  length,
  Matches,
  Max,
  max,
  MaxLength,
  maxLength,
  Min,
  min,
  ValidateNested,
} from 'class-validator';

import { IsLabels } from '../instances/instances.dto.js';

/** Where a new workspace may go: an instance whose `labels` include every one given (API.md, Placement). */
export class PlacementDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      'Labels the instance must carry, each with exactly this value (e.g. `{"region": "eu"}`). Among the instances that match, are up and accept new workspaces, the one with the fewest workspaces is chosen (ties: lowest id).',
  })
  @IsObject()
  @IsLabels()
  labels!: Record<string, string>;
}

export class CreateOrgWorkspaceDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() orgId!: string;
  @ApiProperty({ minLength: 1, maxLength: 200 }) @IsString() @Length(1, 200) name!: string;
  @ApiPropertyOptional({ description: 'Place the workspace on this instance instead of letting the Hub choose.' })
  @Optional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'instanceId must be an instance id' })
  instanceId?: string;
  @ApiPropertyOptional({
    type: PlacementDto,
    description: 'Let the Hub choose among the instances with these labels; not together with `instanceId`.',
  })
  @Optional()
  @ValidateNested()
  @Type(() => PlacementDto)
  placement?: PlacementDto;
}

/**
 * The access-token request's short way past class-validator (the Hub's
 * hottest route): `true` only for a body whose every field is one of these,
 * given and valid by the same class-validator functions the decorators below
 * call. `fields` (an object, which class-transformer copies) and unknown
 * fields take the full path. Kept to the decorators by
 * org-workspaces.dto.spec.ts: every body this accepts, class-validator
 * accepts.
 */
export function accessTokenRequestPlainlyValid(body: Readonly<Record<string, unknown>>): boolean {
  for (const field of Object.keys(body)) {
    const value = body[field];
    switch (field) {
      case 'isAdmin':
        if (typeof value !== 'boolean') return false;
        break;
      case 'tenantId':
        if (typeof value !== 'string' || !isUUID(value)) return false;
        break;
      case 'tenantKey':
        if (typeof value !== 'string' || !length(value, 1, 200)) return false;
        break;
      case 'name':
        if (typeof value !== 'string' || !maxLength(value, 200)) return false;
        break;
      case 'expiresIn':
        if (!isInt(value) || !min(value, 1) || !max(value, MAX_WORKSPACE_TOKEN_LIFETIME_SECONDS)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

@FastAccept(accessTokenRequestPlainlyValid)
export class AccessTokenRequestDto {
  @ApiPropertyOptional({ description: 'A workspace-admin token (no tenant).' })
  @Optional()
  @IsBoolean()
  isAdmin?: boolean;
  @ApiPropertyOptional({ format: 'uuid' }) @Optional() @IsUUID() tenantId?: string;
  @ApiPropertyOptional({ description: "The tenant's internalId; a new one creates the tenant." })
  @Optional()
  @IsString()
  @Length(1, 200)
  tenantKey?: string;
  @ApiPropertyOptional() @Optional() @IsString() @MaxLength(200) name?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @Optional() @IsObject() fields?: Record<
    string,
    unknown
  >;
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_WORKSPACE_TOKEN_LIFETIME_SECONDS,
    default: 3600,
    description: 'Seconds; at most what instances accept by default (INSTANCE_MAX_TOKEN_LIFETIME_SECONDS).',
  })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(MAX_WORKSPACE_TOKEN_LIFETIME_SECONDS)
  expiresIn?: number;
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 500,
    description:
      'Why the token is issued; written to the audit log. Required when the caller acts through the `switch_account` permission (not an owner or admin of the org).',
  })
  @Optional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

export class AccessTokenDto {
  @ApiProperty() token!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({
    description:
      "Where to use the token: the workspace's API (the gateway's URL when the Hub has one, else its instance's).",
  })
  apiUrl!: string;
}

export type SyncState = 'pending' | 'synced' | 'failed' | 'drifted';

export class SyncStateDto {
  @ApiProperty({ description: 'The configuration version the Hub wants the instance to hold.' }) version!: number;
  @ApiProperty({ description: 'The version the instance confirmed it applied.' }) appliedVersion!: number;
  @ApiProperty({
    enum: ['pending', 'synced', 'failed', 'drifted'],
    description:
      '`failed`: the instance refused the snapshot (see lastError); `drifted`: it holds the current version with ' +
      'other contents (heals by itself); `pending`: not confirmed yet.',
  })
  state!: SyncState;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
}

export class OrgWorkspaceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Public, globally unique, URL-safe; the JWT issuer.' }) key!: string;
  @ApiProperty() instanceId!: string;
  @ApiProperty({ description: "Where this workspace's API is served." }) apiUrl!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) settings!: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true }) webhookUri!: string | null;
  @ApiProperty({ type: [String] }) publicKeys!: string[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) archivedAt!: string | null;
  @ApiProperty({ type: SyncStateDto }) sync!: SyncStateDto;
}

export class CreatedOrgWorkspaceDto extends OrgWorkspaceDto {
  @ApiProperty({ description: 'The workspace secret; shown here and through the audited secret route only.' })
  secret!: string;
}
