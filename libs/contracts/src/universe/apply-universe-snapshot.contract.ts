import { IsBoolean, IsInt, Matches, Min } from 'class-validator';

import type { Contract } from '../contract.js';
import { subjectTemplate } from '../subjects.js';
import { SNAPSHOT_DIGEST } from '../workspace-snapshot.js';
import { SignedUniverseSnapshot } from './universe-snapshot.js';

/**
 * The Hub delivers the whole universe, signed for one instance, to that
 * instance (`…instance.{instanceId}.universe.apply`; only the Hub may publish
 * there). A snapshot that does not verify is refused with an `ErrorReply`
 * (`snapshot_signature_invalid`) and changes nothing.
 */
export class ApplyUniverseSnapshotRequest extends SignedUniverseSnapshot {}

/**
 * Sent after the instance committed: the universe version it holds now and
 * the digest (SHA-256 hex of the canonical snapshot) of what it holds.
 * `applied` is false when it already held this version with this digest, or a newer one.
 */
export class ApplyUniverseSnapshotReply {
  @IsInt() @Min(0) appliedVersion!: number;
  @Matches(SNAPSHOT_DIGEST, { message: '$property must be a SHA-256 digest in hex' }) digest!: string;
  @IsBoolean() applied!: boolean;
}

export const applyUniverseSnapshotContract: Contract<ApplyUniverseSnapshotRequest, ApplyUniverseSnapshotReply> = {
  subject: subjectTemplate('instance.{instanceId}.universe.apply'),
  request: ApplyUniverseSnapshotRequest,
  reply: ApplyUniverseSnapshotReply,
};
