import { IsBoolean, IsInt, IsUUID, Matches, Min } from 'class-validator';

import type { Contract } from '../contract.js';
import { subjectTemplate } from '../subjects.js';
import { SignedWorkspaceSnapshot, SNAPSHOT_DIGEST } from '../workspace-snapshot.js';

/**
 * The Hub delivers a workspace's whole snapshot, signed, to the one instance
 * that hosts it. A snapshot the instance cannot verify or decrypt is refused
 * with an `ErrorReply` (`SnapshotRefusalCode`) and changes nothing.
 */
export class ApplyWorkspaceSnapshotRequest extends SignedWorkspaceSnapshot {}

/**
 * Sent after the instance committed: what it holds now, version and digest.
 * `applied` is false when it already held this version with this digest, or a
 * newer version.
 */
export class ApplyWorkspaceSnapshotReply {
  @IsUUID() workspaceId!: string;
  @IsInt() @Min(0) appliedVersion!: number;
  @Matches(SNAPSHOT_DIGEST, { message: '$property must be a SHA-256 digest in hex' }) digest!: string;
  @IsBoolean() applied!: boolean;
}

export const applyWorkspaceSnapshotContract: Contract<ApplyWorkspaceSnapshotRequest, ApplyWorkspaceSnapshotReply> = {
  subject: subjectTemplate('instance.{instanceId}.workspaces.apply'),
  request: ApplyWorkspaceSnapshotRequest,
  reply: ApplyWorkspaceSnapshotReply,
};
