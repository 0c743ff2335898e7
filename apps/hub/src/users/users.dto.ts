import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Optional } from '@switchboard/server';
import { IsBoolean, IsEmail, IsString, Length, MaxLength } from 'class-validator';

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'email' }) email!: string;
  @ApiProperty() name!: string;
  @ApiProperty() isPlatformAdmin!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class CreateUserDto {
  @ApiProperty({ format: 'email' }) @IsEmail() @MaxLength(320) email!: string;
  @ApiProperty({ minLength: 1, maxLength: 200 }) @IsString() @Length(1, 200) name!: string;
  @ApiPropertyOptional({ default: false }) @Optional() @IsBoolean() isPlatformAdmin?: boolean;
}

export class CreatedUserDto extends UserDto {
  @ApiProperty({ description: 'A first personal access token, shown only here.' }) token!: string;
}
