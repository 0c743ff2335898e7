import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Optional } from '@switchboard/server';
import { IsInt, IsString, IsUUID, Length, Max, Min } from 'class-validator';

export class RecordUsageDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 1_000_000 }) @IsInt() @Min(1) @Max(1_000_000) credits!: number;
  @ApiPropertyOptional({ maxLength: 100 }) @Optional() @IsString() @Length(1, 100) kind?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Admin tokens only: the tenant that used the credits.' })
  @Optional()
  @IsUUID()
  tenantId?: string;
}

export class UsageDayDto {
  @ApiProperty({ format: 'date' }) day!: string;
  @ApiProperty() credits!: number;
}

export class UsageDto {
  @ApiProperty({ description: 'Credits used in the rolling 30 days.' }) used30d!: number;
  @ApiProperty({ type: Number, nullable: true, description: "The tenant's limit; null: unlimited." }) limit!:
    number | null;
  @ApiProperty({ type: Number, nullable: true }) remaining!: number | null;
  @ApiProperty({ type: [UsageDayDto] }) byDay!: UsageDayDto[];
}
