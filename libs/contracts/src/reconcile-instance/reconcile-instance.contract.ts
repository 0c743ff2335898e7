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
 *
 * An instance with many workspaces says it a range at a time (10,000 held
 * workspaces are about 1.4 MB, over NATS's default 1 MiB `max_payload`): the
 * request covers the workspaces whose id is after `after` (all when absent),
 * `held` lists those it holds in ascending id order, and `partial` says it
 * stops at its last entry (the range ends there; the rest is for a later
 * request). Without `after` and `partial`, `held` is everything it holds.
 */
export class ReconcileInstanceRequest {
  @IsString() @Length(1, 100) instanceId!: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => HeldWorkspace) held!: HeldWorkspace[];
  /** Exclusive lower bound of the range of workspace ids this request covers. */
  @IsOptional() @IsUUID() after?: string;
  /** True when `held` ends the range (the instance holds more after its last entry). */
  @IsOptional() @IsBoolean() partial?: boolean;
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => RefusedSnapshot)
  refused?: RefusedSnapshot[];
}

/**
 * The signed snapshots the instance lacks, holds stale, or holds altered (a
 * digest that differs from the Hub's), a page at a time (a NATS message is
 * limited in size): `more` says to apply them and ask again, from `through`
 * (the last workspace id this reply covered; ask with `after: through`) when
 * it is given, else the same range again.
 */
export class ReconcileInstanceReply {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => SignedWorkspaceSnapshot)
  snapshots!: SignedWorkspaceSnapshot[];
  @IsOptional() @IsBoolean() more?: boolean;
  @IsOptional() @IsUUID() through?: string;
}

export const reconcileInstanceContract: Contract<ReconcileInstanceRequest, ReconcileInstanceReply> = {
  subject: subjectTemplate('hub.instances.{instanceId}.reconcile'),
  request: ReconcileInstanceRequest,
  reply: ReconcileInstanceReply,
  senderInSubject: true,
};
