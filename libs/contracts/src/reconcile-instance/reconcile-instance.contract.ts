import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsInt, IsOptional, IsString, IsUUID, Length, Min, ValidateNested } from 'class-validator';

import type { Contract } from '../contract.js';
import { subjectTemplate } from '../subjects.js';
import { WorkspaceSnapshot } from '../workspace-snapshot.js';

export class HeldWorkspaceVersion {
  @IsUUID() workspaceId!: string;
  @IsInt() @Min(0) version!: number;
}

/**
 * An instance tells the Hub which versions it holds, at start and periodically.
 * Sent on `…hub.instances.{instanceId}.…`: the subject names the sender, which
 * only that instance's NATS user may publish on, and the Hub refuses a payload
 * whose `instanceId` differs from it.
 */
export class ReconcileInstanceRequest {
  @IsString() @Length(1, 100) instanceId!: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => HeldWorkspaceVersion) held!: HeldWorkspaceVersion[];
}

/**
 * The snapshots the instance lacks or holds stale, a page at a time (a NATS
 * message is limited in size): `more` says to apply them and ask again.
 */
export class ReconcileInstanceReply {
  @IsArray() @ValidateNested({ each: true }) @Type(() => WorkspaceSnapshot) snapshots!: WorkspaceSnapshot[];
  @IsOptional() @IsBoolean() more?: boolean;
}

export const reconcileInstanceContract: Contract<ReconcileInstanceRequest, ReconcileInstanceReply> = {
  subject: subjectTemplate('hub.instances.{instanceId}.reconcile'),
  request: ReconcileInstanceRequest,
  reply: ReconcileInstanceReply,
};
