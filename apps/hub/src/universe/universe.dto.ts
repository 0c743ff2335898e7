import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsDefinition,
  type JsonObject,
  MAX_DEFINITION_BYTES,
  MAX_DEFINITION_DEPTH,
  UNIVERSE_ELEMENT_TYPES,
  UNIVERSE_KEY,
  type UniverseElementType,
} from '@switchboard/contracts';
import { Optional, PageQueryDto } from '@switchboard/server';
import { Transform } from 'class-transformer';
import { IsBoolean, IsObject, IsString, Length, Matches } from 'class-validator';

const DEFINITION_DOC = `A JSON object, at most ${MAX_DEFINITION_BYTES} bytes and ${MAX_DEFINITION_DEPTH} levels deep.`;
const KEY_RULE = 'letters, digits, ".", "_" and "-", starting with a letter or digit, at most 100';
const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

/** A universe element at its current revision. */
export class UniverseElementDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: UNIVERSE_ELEMENT_TYPES, description: 'The element type, singular.' }) type!: UniverseElementType;
  @ApiProperty() key!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) definition!: JsonObject;
  @ApiProperty({ description: 'Current revision, from 1; every PUT makes the next.' }) revision!: number;
  @ApiProperty({ description: 'The universe version of the last change of this element.' }) universeVersion!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) archivedAt!: string | null;
}

export class UniverseElementPageDto {
  @ApiProperty({ type: [UniverseElementDto] }) items!: UniverseElementDto[];
  @ApiProperty({ type: String, nullable: true }) cursor!: string | null;
}

/** One revision of a universe element, as it was written. */
export class UniverseRevisionDto {
  @ApiProperty({ description: 'From 1, one more for every change.' }) revision!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) definition!: JsonObject;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The platform admin who wrote it.' })
  createdBy!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class UniverseRevisionPageDto {
  @ApiProperty({ type: [UniverseRevisionDto] }) items!: UniverseRevisionDto[];
  @ApiProperty({ type: String, nullable: true }) cursor!: string | null;
}

export class CreateUniverseElementDto {
  @ApiProperty({ description: `Unique within its type: ${KEY_RULE}.`, pattern: UNIVERSE_KEY.source })
  @IsString()
  @Matches(UNIVERSE_KEY, { message: `$property must be ${KEY_RULE}` })
  key!: string;
  @ApiProperty({ minLength: 1, maxLength: 200 }) @IsString() @Length(1, 200) name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: DEFINITION_DOC })
  @IsObject()
  @IsDefinition()
  definition!: JsonObject;
}

export class UpdateUniverseElementDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, description: 'Unchanged when absent.' })
  @Optional()
  @IsString()
  @Length(1, 200)
  name?: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: DEFINITION_DOC })
  @IsObject()
  @IsDefinition()
  definition!: JsonObject;
}

export class ListUniverseQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Archived elements too.' })
  @Optional()
  @Transform(toBoolean)
  @IsBoolean()
  includeArchived?: boolean;
}
