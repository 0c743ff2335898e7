import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Optional } from '@switchboard/server';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsString,
  Length,
  MaxLength,
} from 'class-validator';

import { PLATFORM_PERMISSIONS, type PlatformPermission } from '../auth/user.entity.js';

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'email' }) email!: string;
  @ApiProperty() name!: string;
  @ApiProperty() isPlatformAdmin!: boolean;
  @ApiProperty({
    enum: PLATFORM_PERMISSIONS,
    isArray: true,
    description: "`switch_account`: may issue short-lived, audited access tokens for any org's workspace.",
  })
  permissions!: PlatformPermission[];
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

/** `PATCH /users/{id}`: the user's platform permissions, replaced as a whole. */
export class UpdateUserDto {
  @ApiProperty({
    enum: PLATFORM_PERMISSIONS,
    isArray: true,
    description: 'Replaces every permission; `[]` revokes all.',
  })
  @IsArray()
  @ArrayMaxSize(PLATFORM_PERMISSIONS.length)
  @ArrayUnique()
  @IsIn(PLATFORM_PERMISSIONS, { each: true })
  permissions!: PlatformPermission[];
}
