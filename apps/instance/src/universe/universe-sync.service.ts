import { createHash } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';
import type { ApplyUniverseSnapshotReply, SignedUniverseSnapshot, UniverseSnapshot } from '@switchboard/contracts';
import { canonicalDigest, canonicalJson, SnapshotVerifier } from '@switchboard/crypto';
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
    // Canonicalised once, for the signature and the digest (a universe can be large).
    const canonical = canonicalJson(snapshot);
    if (!this.verifier.verifyCanonical(instanceId, canonical, signed.signature)) {
      this.logger.warn(`refused universe version ${snapshot.version}: its signature does not verify`);
      throw new DomainException(
        422,
        ErrorCode.SnapshotSignatureInvalid,
        'Snapshot refused',
        `${instanceId} refused universe version ${snapshot.version}: its signature does not verify against ` +
          'HUB_PUBLIC_KEY for this instance (unsigned, signed with another key, or altered).',
      );
    }
    const held = await this.repository.apply(snapshot, createHash('sha256').update(canonical, 'utf8').digest('hex'));
    if (held.applied) this.logger.log(`applied universe version ${held.version}`);
    return { appliedVersion: held.version, digest: held.digest, applied: held.applied };
  }

  /**
   * What this instance holds: version and the digest of the snapshot rebuilt
   * from the rows as they are now, or null before the first apply. Rows
   * changed behind the Hub's back (their digest is not the one recorded at
   * the apply) are logged and recorded as they are, so the Hub sees the drift
   * at reconciliation and its next snapshot of the same version heals them.
   */
  async held(): Promise<HeldUniverse | null> {
    const holding = await this.repository.holding();
    if (!holding) return null;
    const { held, elements } = holding;
    const snapshot: UniverseSnapshot = {
      kind: 'universe',
      version: held.version,
      elements: elements.map((row) => ({
        id: row.id,
        type: row.elementType,
        key: row.key,
        name: row.name,
        definition: row.definition,
        revision: row.revision,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
        archivedAt: row.archivedAt?.toISOString() ?? null,
      })),
    };
    const digest = canonicalDigest(snapshot);
    if (digest !== held.digest) {
      this.logger.warn(`the universe does not hold what was applied as version ${held.version}; reporting the drift`);
      await this.repository.recordDrift(held.version, held.digest, digest);
    }
    return { version: held.version, digest };
  }
}
