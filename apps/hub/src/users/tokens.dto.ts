import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Optional } from '@switchboard/server';
import { IsDateString, IsString, Length } from 'class-validator';

/** `POST /users/me/tokens`: a name (1-100 characters) and an optional expiry, ISO 8601 in the future. */
export class CreateTokenDto {
  @ApiProperty({ minLength: 1, maxLength: 100 }) @IsString() @Length(1, 100) name!: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'In the future; omitted: never expires.' })
  @Optional()
  @IsDateString({ strict: true })
  expiresAt?: string;
}

/** A personal access token as listed: never its value, only a prefix to recognise it. Times are ISO 8601. */
export class TokenDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'The first characters, to recognise the token.' }) prefix!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/** A token just created: the only time its value is shown. */
export class CreatedTokenDto extends TokenDto {
  @ApiProperty({ description: 'The token itself, shown only here.' }) token!: string;
}
