import { IsBoolean, IsInt, IsUUID, Min } from 'class-validator';

import type { Contract } from '../contract.js';
import { subjectTemplate } from '../subjects.js';
import { WorkspaceSnapshot } from '../workspace-snapshot.js';

/** The Hub delivers a workspace's whole snapshot to the one instance that hosts it. */
export class ApplyWorkspaceSnapshotRequest extends WorkspaceSnapshot {}

/** Sent after the instance committed; `applied` is false when it already held this version or a newer one. */
export class ApplyWorkspaceSnapshotReply {
  @IsUUID() workspaceId!: string;
  @IsInt() @Min(0) appliedVersion!: number;
  @IsBoolean() applied!: boolean;
}

export const applyWorkspaceSnapshotContract: Contract<ApplyWorkspaceSnapshotRequest, ApplyWorkspaceSnapshotReply> = {
  subject: subjectTemplate('instance.{instanceId}.workspaces.apply'),
  request: ApplyWorkspaceSnapshotRequest,
  reply: ApplyWorkspaceSnapshotReply,
};
