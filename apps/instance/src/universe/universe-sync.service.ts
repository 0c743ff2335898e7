import { Injectable, Logger } from '@nestjs/common';
import type { ApplyUniverseSnapshotReply, SignedUniverseSnapshot } from '@switchboard/contracts';
import { canonicalDigest, SnapshotVerifier } from '@switchboard/crypto';
import { DomainException, ErrorCode } from '@switchboard/server';

import { InstanceConfig } from '../config.js';
import { type HeldUniverse, UniverseRepository } from './universe.repository.js';

/**
 * Applies universe snapshots from the Hub. Nothing is applied that does not
 * carry a valid Hub signature for this instance (`HUB_PUBLIC_KEY`): refused
 * with `snapshot_signature_invalid`, changing nothing. The apply is one
 * transaction (the only one that sets `app.universe_sync`), and only a newer
 * version (or the same version with another digest) changes anything. Every
 * reply says what the instance holds: version and digest (SHA-256 of the
 * RFC 8785 canonical snapshot).
 */
@Injectable()
export class UniverseSyncService {
  private readonly logger = new Logger(UniverseSyncService.name);

  constructor(
    private readonly repository: UniverseRepository,
    private readonly verifier: SnapshotVerifier,
    private readonly config: InstanceConfig,
  ) {}

  /**
   * Verifies and applies one signed universe snapshot.
   * @throws DomainException 422 `snapshot_signature_invalid` (sent to the Hub as the error reply) when it does not verify.
   */
  async apply(signed: SignedUniverseSnapshot): Promise<ApplyUniverseSnapshotReply> {
    const { snapshot } = signed;
    const instanceId = this.config.INSTANCE_ID;
    if (!this.verifier.verify(instanceId, snapshot, signed.signature)) {
      this.logger.warn(`refused universe version ${snapshot.version}: its signature does not verify`);
      throw new DomainException(
        422,
        ErrorCode.SnapshotSignatureInvalid,
        'Snapshot refused',
        `${instanceId} refused universe version ${snapshot.version}: its signature does not verify against ` +
          'HUB_PUBLIC_KEY for this instance (unsigned, signed with another key, or altered).',
      );
    }
    const held = await this.repository.apply(snapshot, canonicalDigest(snapshot));
    if (held.applied) this.logger.log(`applied universe version ${held.version}`);
    return { appliedVersion: held.version, digest: held.digest, applied: held.applied };
  }

  /** What this instance holds: version and digest, or null before the first apply. */
  held(): Promise<HeldUniverse | null> {
    return this.repository.held();
  }
}
