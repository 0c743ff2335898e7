import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Nullable, Optional, PageQueryDto } from '@switchboard/server';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';

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
  "A key resolves to the tenant's own element (`level: tenant`), else the workspace template (`workspace`), else the " +
  'universe element (`universe`). A template that names a universe `parentKey` is the universe definition deep-merged ' +
  "with the template's, following the universe element's new revisions. A tenant sees the revision published to it " +
  '(a canary pin, else the published one). Then its customisation is deep-merged in (JSON Merge Patch, RFC 7396: ' +
  'objects merge recursively, arrays and scalars replace, and `null` removes the key). ' +
  'Then `{tenant.name}`, `{tenant.internalId}`, `{tenant.fields.NAME}` (NAME may be a dotted path into nested ' +
  'fields), `{date}` (UTC `YYYY-MM-DD`) and `{now}` (ISO-8601) are filled in every string value, however deep; a ' +
  'placeholder that names nothing, or a field that is missing, null, an object or an array, is left exactly as ' +
  'written. The view is computed at every read, so a published change reaches its tenants at once, and a ' +
  'customisation outlives template changes, rollbacks and universe revisions.';

export const ELEMENT_LEVELS = ['universe', 'workspace', 'tenant'] as const;
const PARENT_DOC =
  'The key of a universe element of the same type this template is laid over (its definition is the universe ' +
  "definition deep-merged with this one, following the universe element's revisions); 400 when this instance holds " +
  'no live universe element by that key.';

export class ElementDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ELEMENT_TYPE_NAMES, description: "Membrane's WorkspaceElementType." })
  elementType!: ElementType;
  @ApiProperty({
    enum: ELEMENT_LEVELS,
    description: "Where the element lives: the platform's universe, a workspace template, or a tenant's own.",
  })
  level!: (typeof ELEMENT_LEVELS)[number];
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The owning tenant of a tenant-level element.',
  })
  tenantId!: string | null;
  @ApiProperty() key!: string;
  @ApiProperty() name!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: `For a tenant token, the view described under the route; for an admin token, the template itself.`,
  })
  definition!: JsonObject;
  @ApiProperty({ description: 'The revision this view is built on; goes up by one on every change.' })
  revision!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The revision tenants see unless pinned by a canary (null for a universe element).',
  })
  publishedRevision!: number | null;
  @ApiProperty({ description: 'The newest revision, drafts included.' }) latestRevision!: number;
  @ApiProperty({ type: String, nullable: true, description: 'The universe element this one is laid over.' })
  parentKey!: string | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The revision of the universe parent merged in; null when none is named or held.',
  })
  parentRevision!: number | null;
  @ApiProperty({
    description: 'The universe parent is archived: its last definition is still merged in, and stays until it is gone.',
  })
  parentArchived!: boolean;
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
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Admin only: list as this tenant sees it (its own elements too); a tenant may name only itself.',
  })
  @Optional()
  @IsUUID()
  tenantId?: string;
}

/** `GET /{type}/{key}?tenantId=`: an admin reads the element as that tenant sees it. */
export class ElementViewQueryDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'Admin only: the element as this tenant sees it (its own elements too); a tenant may name only itself.',
  })
  @Optional()
  @IsUUID()
  tenantId?: string;
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
  @ApiPropertyOptional({ description: PARENT_DOC })
  @Optional()
  @IsString()
  @Matches(ELEMENT_KEY, { message: `parentKey must be ${KEY_RULE} characters` })
  parentKey?: string;
}

/** A new revision: the definition as given, and the name if given (else the name stays). */
export class UpdateElementDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 }) @Optional() @IsString() @Length(1, 200) name?: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: DEFINITION_DOC })
  @IsDefinition()
  definition!: JsonObject;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: `${PARENT_DOC} \`null\` removes it; absent keeps it.`,
  })
  @Optional()
  @Nullable()
  @IsString()
  @Matches(ELEMENT_KEY, { message: `parentKey must be ${KEY_RULE} characters` })
  parentKey?: string | null;
  @ApiPropertyOptional({
    description:
      'Templates only. `false`: the new revision is a draft tenants do not see until it is published; absent or `true`: it goes live for every tenant.',
  })
  @Optional()
  @IsBoolean()
  publish?: boolean;
}

const TENANT_IDS_DOC = 'Only these tenants (a canary, each pinned to the revision); absent: every tenant.';

export class RollbackElementDto {
  @ApiProperty({ type: 'integer', minimum: 1, description: 'The revision to copy into a new revision.' })
  @IsInt()
  @Min(1)
  @Max(MAX_REVISION)
  revision!: number;
  @ApiPropertyOptional({
    type: [String],
    description: `${TENANT_IDS_DOC} With it, the listed tenants are pinned to the old revision itself and no revision is made.`,
  })
  @Optional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  tenantIds?: string[];
}

/** `POST /{type}/{key}/publish`: which revision the tenants (all, or the listed ones) see. */
export class PublishElementDto {
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    description: 'An existing revision (a draft, or an older one: a rollback).',
  })
  @IsInt()
  @Min(1)
  @Max(MAX_REVISION)
  revision!: number;
  @ApiPropertyOptional({ type: [String], description: TENANT_IDS_DOC })
  @Optional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  tenantIds?: string[];
}

export class DeploymentCountDto {
  @ApiProperty() revision!: number;
  @ApiProperty({ description: 'How many live tenants see this revision.' }) count!: number;
}

/** Which revision of a template tenants see. */
export class DeploymentDto {
  @ApiProperty({ description: 'What every tenant not pinned by a canary sees.' }) publishedRevision!: number;
  @ApiProperty({ description: 'The newest revision, drafts included.' }) latestRevision!: number;
  @ApiProperty({ type: [DeploymentCountDto], description: 'Live tenants per revision they see, lowest first.' })
  tenants!: DeploymentCountDto[];
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
