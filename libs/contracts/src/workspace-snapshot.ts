import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDateString,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Min,
  ValidateNested,
} from 'class-validator';

/** At most this many previous secrets are live at once (API.md, Trust boundaries: Secret rotation). */
export const MAX_PREVIOUS_SECRETS = 5;

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
  /** Newest rotation first; each is accepted until its own `expiresAt`. */
  @IsArray()
  @ArrayMaxSize(MAX_PREVIOUS_SECRETS)
  @ValidateNested({ each: true })
  @Type(() => PreviousSecret)
  previousSecrets!: PreviousSecret[];
  @IsOptional() @IsDateString() archivedAt!: string | null;
  @IsInt() @Min(1) version!: number;
}

/**
 * A snapshot as it crosses NATS: with the Hub's Ed25519 signature (base64, 64
 * bytes) over the RFC 8785 canonical form of `{ instanceId, snapshot }`, where
 * `instanceId` is the instance it is addressed to (see `SnapshotSigner` in
 * `@switchboard/crypto`). An instance applies nothing it cannot verify.
 */
export class SignedWorkspaceSnapshot {
  @ValidateNested() @Type(() => WorkspaceSnapshot) snapshot!: WorkspaceSnapshot;
  @IsString() @Length(1, 200) signature!: string;
}

/** SHA-256 (hex) of the canonical form of a snapshot: how the Hub and an instance compare what is held. */
export const SNAPSHOT_DIGEST = /^[0-9a-f]{64}$/;

/** What an instance holds of one workspace: the version and the digest of the snapshot (see `SNAPSHOT_DIGEST`). */
export class HeldWorkspace {
  @IsUUID() workspaceId!: string;
  @IsInt() @Min(0) version!: number;
  @Matches(SNAPSHOT_DIGEST, { message: '$property must be a SHA-256 digest in hex' }) digest!: string;
}
