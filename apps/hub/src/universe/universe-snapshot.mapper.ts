import type { SignedUniverseSnapshot, UniverseSnapshot } from '@switchboard/contracts';
import { canonicalDigest, type SnapshotSigner } from '@switchboard/crypto';

/** SHA-256 (hex) of the RFC 8785 canonical form of a universe snapshot: what an instance must report holding. */
export function universeDigest(snapshot: UniverseSnapshot): string {
  return canonicalDigest(snapshot);
}

/**
 * Signs one universe snapshot for many instances: each gets it with the Hub's
 * Ed25519 signature for its own id (canonicalised once, see `SnapshotSigner.signerFor`).
 */
export function universeSigner(
  signer: SnapshotSigner,
  snapshot: UniverseSnapshot,
): (instanceId: string) => SignedUniverseSnapshot {
  const signFor = signer.signerFor(snapshot);
  return (instanceId) => ({ snapshot, signature: signFor(instanceId) });
}
