import { IsInt, IsOptional, IsString, Length, Matches, Min } from 'class-validator';

import type { Contract } from '../contract.js';
import { subjectTemplate } from '../subjects.js';
import { SNAPSHOT_DIGEST } from '../workspace-snapshot.js';

/**
 * An instance tells the Hub which universe version it holds, and the digest
 * of what it holds (absent: it holds none), at start and periodically. The
 * Hub records it (`GET /instances` shows `universeVersion`) and, when the
 * instance is behind or holds something else than the Hub's snapshot of that
 * version, queues a delivery to it. Sent on `…hub.instances.{instanceId}.universe.reconcile`:
 * the subject names the sender, and the Hub refuses a payload naming another.
 */
export class ReconcileUniverseRequest {
  @IsString() @Length(1, 100) instanceId!: string;
  @IsInt() @Min(0) version!: number;
  @IsOptional()
  @Matches(SNAPSHOT_DIGEST, { message: '$property must be a SHA-256 digest in hex' })
  digest?: string;
}

/** The Hub's current universe version, and whether a delivery to the instance was queued. */
export class ReconcileUniverseReply {
  @IsInt() @Min(0) version!: number;
  @IsInt() @Min(0) queued!: number;
}

export const reconcileUniverseContract: Contract<ReconcileUniverseRequest, ReconcileUniverseReply> = {
  subject: subjectTemplate('hub.instances.{instanceId}.universe.reconcile'),
  request: ReconcileUniverseRequest,
  reply: ReconcileUniverseReply,
  senderInSubject: true,
};
