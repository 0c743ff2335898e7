import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsInt, IsOptional, IsString, IsUUID, Length, Min, ValidateNested } from 'class-validator';

import type { Contract } from '../contract.js';
import { subjectTemplate } from '../subjects.js';
import { HeldWorkspace, SignedWorkspaceSnapshot } from '../workspace-snapshot.js';

/** A snapshot from an earlier reply that the instance refused (see `SnapshotRefusalCode`). */
export class RefusedSnapshot {
  @IsUUID() workspaceId!: string;
  @IsInt() @Min(1) version!: number;
  @IsString() @Length(1, 100) code!: string;
  @IsString() @Length(1, 1000) message!: string;
}

/**
 * An instance tells the Hub what it holds (version and digest of each
 * workspace), at start and periodically, and which snapshots of the previous
 * reply it refused. Sent on `…hub.instances.{instanceId}.…`: the subject
 * names the sender, which only that instance's NATS user may publish on, and
 * the Hub refuses a payload whose `instanceId` differs from it.
 */
export class ReconcileInstanceRequest {
  @IsString() @Length(1, 100) instanceId!: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => HeldWorkspace) held!: HeldWorkspace[];
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => RefusedSnapshot)
  refused?: RefusedSnapshot[];
}

/**
 * The signed snapshots the instance lacks, holds stale, or holds altered (a
 * digest that differs from the Hub's), a page at a time (a NATS message is
 * limited in size): `more` says to apply them and ask again.
 */
export class ReconcileInstanceReply {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => SignedWorkspaceSnapshot)
  snapshots!: SignedWorkspaceSnapshot[];
  @IsOptional() @IsBoolean() more?: boolean;
}

export const reconcileInstanceContract: Contract<ReconcileInstanceRequest, ReconcileInstanceReply> = {
  subject: subjectTemplate('hub.instances.{instanceId}.reconcile'),
  request: ReconcileInstanceRequest,
  reply: ReconcileInstanceReply,
  senderInSubject: true,
};
