import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Optional, PageQueryDto } from '@switchboard/server';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';

import { IsDefinition, MAX_DEFINITION_BYTES, MAX_DEFINITION_DEPTH } from './definition-bounds.js';
import { ELEMENT_TYPE_NAMES, type ElementType } from './element-type.js';
import type { JsonObject } from './json-value.js';

/**
 * Keys travel in paths, so they stay path-safe (no slashes, spaces or percent
 * signs) and within Fastify's 100-character limit on a path parameter.
 */
export const ELEMENT_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const KEY_RULE = 'letters, digits, ".", "_" and "-", starting with a letter or digit, at most 100';
const MAX_REVISION = 2_147_483_647;

const DEFINITION_DOC = `A JSON object, at most ${MAX_DEFINITION_BYTES} bytes and ${MAX_DEFINITION_DEPTH} levels deep.`;

export const MERGE_RULE_DOC =
  'The element a tenant sees is the template deep-merged with its customisation (JSON Merge Patch, RFC 7396): ' +
  'objects merge recursively, arrays and scalars replace, and `null` in the customisation removes the key. ' +
  'Then `{tenant.name}`, `{tenant.internalId}` and `{tenant.fields.NAME}` (NAME may be a dotted path into nested ' +
  'fields) are filled in every string value, however deep; a placeholder that names nothing, or a field that is ' +
  'missing, null, an object or an array, is left exactly as written. The view is computed at every read, so a ' +
  'template change reaches every tenant at once, and a customisation outlives template changes and rollbacks.';

export class ElementDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ELEMENT_TYPE_NAMES, description: "Membrane's WorkspaceElementType." })
  elementType!: ElementType;
  @ApiProperty() key!: string;
  @ApiProperty() name!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: `For a tenant token, the view described under the route; for an admin token, the template itself.`,
  })
  definition!: JsonObject;
  @ApiProperty({ description: 'The template revision this view is built on; goes up by one on every change.' })
  revision!: number;
  @ApiProperty({ description: 'Whether the calling tenant has a customisation of it (always false for an admin).' })
  isCustomized!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) archivedAt!: string | null;
}

export class ElementPageDto {
  @ApiProperty({ type: [ElementDto] }) items!: ElementDto[];
  @ApiProperty({ type: String, nullable: true }) cursor!: string | null;
}

export class ElementRevisionDto {
  @ApiProperty() revision!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) definition!: JsonObject;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class ElementRevisionPageDto {
  @ApiProperty({ type: [ElementRevisionDto], description: 'Newest first.' }) items!: ElementRevisionDto[];
  @ApiProperty({ type: String, nullable: true }) cursor!: string | null;
}

export class CustomizationDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The overlay as the tenant wrote it (nulls included).',
  })
  definition!: JsonObject;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ListElementsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Matches name or key, case-insensitively.' })
  @Optional()
  @IsString()
  @Length(1, 200)
  search?: string;
  @ApiPropertyOptional({ description: 'Admin only: archived templates too.' })
  @Optional()
  @Transform(toBoolean)
  @IsBoolean()
  includeArchived?: boolean;
}

/** Membrane's SDK addresses an element with a selector object as the query: `GET /action?key=…`. */
export class ElementSelectorQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @Optional() @IsUUID() id?: string;
  @ApiPropertyOptional({ description: KEY_RULE }) @Optional() @IsString() @Matches(ELEMENT_KEY) key?: string;
}

export class CreateElementDto {
  @ApiProperty({ description: `Unique per workspace and element type; ${KEY_RULE}.` })
  @IsString()
  @Matches(ELEMENT_KEY, { message: `key must be ${KEY_RULE} characters` })
  key!: string;
  @ApiProperty({ minLength: 1, maxLength: 200 }) @IsString() @Length(1, 200) name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: DEFINITION_DOC })
  @IsDefinition()
  definition!: JsonObject;
}

/** A new revision: the definition as given, and the name if given (else the name stays). */
export class UpdateElementDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 }) @Optional() @IsString() @Length(1, 200) name?: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: DEFINITION_DOC })
  @IsDefinition()
  definition!: JsonObject;
}

export class RollbackElementDto {
  @ApiProperty({ minimum: 1, description: 'The revision to copy into a new revision.' })
  @IsInt()
  @Min(1)
  @Max(MAX_REVISION)
  revision!: number;
}

export class CustomizeElementDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: `A partial overlay on the template; \`null\` removes a key. ${DEFINITION_DOC}`,
  })
  @IsDefinition()
  definition!: JsonObject;
}

/**
 * `PATCH /{type}/{key}`, as Membrane's SDK sends it (`sdk.flow(key).patch(…)`).
 * An admin patches the template (a new revision); a tenant patches its own
 * customisation and may not rename the template.
 */
export class PatchElementDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, description: 'Admin only: the new name.' })
  @Optional()
  @IsString()
  @Length(1, 200)
  name?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: `A JSON Merge Patch (RFC 7396): objects merge key by key, arrays and scalars replace, \`null\` removes the key. ${DEFINITION_DOC}`,
  })
  @Optional()
  @IsDefinition()
  definition?: JsonObject;
}
