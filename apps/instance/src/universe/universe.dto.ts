import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { JsonObject } from '@switchboard/contracts';
import { Optional, PageQueryDto } from '@switchboard/server';
import { Transform } from 'class-transformer';
import { IsBoolean } from 'class-validator';

import { UNIVERSE_ELEMENT_TYPES, type UniverseElementType } from './universe-element.entity.js';

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

/** A universe element as every token reads it: the current revision the Hub delivered. */
export class UniverseElementDto {
  @ApiProperty({ format: 'uuid', description: "The Hub's id." }) id!: string;
  @ApiProperty({ enum: UNIVERSE_ELEMENT_TYPES, description: "Membrane's element type, singular." })
  elementType!: UniverseElementType;
  @ApiProperty() key!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) definition!: JsonObject;
  @ApiProperty({ description: "The Hub's revision of this element (from 1)." }) revision!: number;
  @ApiProperty({ enum: ['universe'], description: 'Where the element comes from: always `universe` here.' })
  level!: 'universe';
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) archivedAt!: string | null;
}

export class UniverseElementPageDto {
  @ApiProperty({ type: [UniverseElementDto] }) items!: UniverseElementDto[];
  @ApiProperty({ type: String, nullable: true }) cursor!: string | null;
}

export class ListUniverseQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Admin token only (a tenant token gets 403): archived elements too.' })
  @Optional()
  @Transform(toBoolean)
  @IsBoolean()
  includeArchived?: boolean;
}

export class GetUniverseQueryDto {
  @ApiPropertyOptional({ description: 'Admin token only (a tenant token gets 403): an archived element too.' })
  @Optional()
  @Transform(toBoolean)
  @IsBoolean()
  includeArchived?: boolean;
}
