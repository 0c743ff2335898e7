import { Type } from 'class-transformer';
import {
  IsArray,
  IsDateString,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Min,
  ValidateNested,
} from 'class-validator';

/** A workspace secret no longer current, accepted until `expiresAt`. */
export class PreviousSecret {
  @IsString() sealedSecret!: string;
  @IsDateString() expiresAt!: string;
}

/**
 * The whole configuration of one workspace as the Hub last decided it. The Hub
 * always sends the whole snapshot, never a diff; an instance applies it only if
 * `version` is newer than the one it holds.
 *
 * Secrets cross NATS sealed with the keyring that Hub and instances share
 * (`ENCRYPTION_KEYS`), never in the clear.
 */
export class WorkspaceSnapshot {
  @IsUUID() workspaceId!: string;
  @IsUUID() orgId!: string;
  @IsString() @Length(1, 100) key!: string;
  @IsString() @Length(1, 200) name!: string;
  @IsObject() settings!: Record<string, unknown>;
  @IsOptional() @IsString() webhookUri!: string | null;
  @IsArray() @IsString({ each: true }) publicKeys!: string[];
  @IsString() sealedSecret!: string;
  @IsOptional() @ValidateNested() @Type(() => PreviousSecret) previousSecret!: PreviousSecret | null;
  @IsOptional() @IsDateString() archivedAt!: string | null;
  @IsInt() @Min(1) version!: number;
}
