import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Optional } from '@switchboard/server';
import { IsBoolean, IsObject, registerDecorator } from 'class-validator';

export class InstanceDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() apiUrl!: string;
  @ApiProperty({ enum: ['up', 'down'], description: 'From heartbeats.' }) status!: 'up' | 'down';
  @ApiProperty({ format: 'date-time' }) lastSeenAt!: string;
  @ApiProperty() workspaceCount!: number;
  @ApiProperty() acceptsNewWorkspaces!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty({
    type: [String],
    nullable: true,
    description:
      "Versions of the instance's ENCRYPTION_KEYS, as it reported them at registration (null: not reported).",
  })
  keyIds!: string[] | null;
  @ApiProperty({
    type: Boolean,
    nullable: true,
    description:
      'True when the instance lacks the key the Hub encrypts with, so it cannot decrypt new secrets (null: not reported).',
  })
  keyringMismatch!: boolean | null;
  @ApiProperty({ description: 'The universe version the instance last reported holding (0: none yet).' })
  universeVersion!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'UsageIdsAcrossInstances1766900000000',
    description:
      "The latest migration applied to the instance's database, as it last reported it (null: never reported, " +
      'unknown). A workspace moves only between instances at the same level (409 instance_schema_mismatch).',
  })
  schemaLevel!: string | null;
  @ApiProperty({
    type: () => DrainDto,
    nullable: true,
    description:
      'Progress of draining the instance (POST /instances/{id}/drain); null if it was never drained, or takes ' +
      'new workspaces again (acceptsNewWorkspaces set true by PATCH /instances/{id} ends a drain that is not running).',
  })
  drain!: DrainDto | null;
}

export class DrainDto {
  @ApiProperty({
    enum: ['draining', 'drained', 'stalled'],
    description: '`stalled`: a move of the drain failed or was aborted and workspaces remain; drain again.',
  })
  state!: 'draining' | 'drained' | 'stalled';
  @ApiProperty({ description: 'Workspaces still placed on the instance.' }) remaining!: number;
}

/** Labels: at most 32 string values with short keys (instance labels, and the labels a placement asks for). */
export function IsLabels(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isLabels',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: '$property must map at most 32 keys (1-63 characters) to strings of at most 253 characters' },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.keys(value).length <= 32 &&
          Object.entries(value).every(
            ([key, label]) => key.length >= 1 && key.length <= 63 && typeof label === 'string' && label.length <= 253,
          ),
      },
    });
}

export class UpdateInstanceDto {
  @ApiPropertyOptional() @Optional() @IsBoolean() acceptsNewWorkspaces?: boolean;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @Optional()
  @IsObject()
  @IsLabels()
  labels?: Record<string, string>;
}
