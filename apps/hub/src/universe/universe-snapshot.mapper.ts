import type { SignedUniverseSnapshot, UniverseSnapshot } from '@switchboard/contracts';
import { canonicalDigest, type SnapshotSigner } from '@switchboard/crypto';

/** SHA-256 (hex) of the RFC 8785 canonical form of a universe snapshot: what an instance must report holding. */
export function universeDigest(snapshot: UniverseSnapshot): string {
  return canonicalDigest(snapshot);
}

/** The universe snapshot with the Hub's Ed25519 signature for the one instance it is addressed to. */
export function signUniverse(
  signer: SnapshotSigner,
  instanceId: string,
  snapshot: UniverseSnapshot,
): SignedUniverseSnapshot {
  return { snapshot, signature: signer.sign(instanceId, snapshot) };
}
