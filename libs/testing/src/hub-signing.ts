import type { SignedWorkspaceSnapshot, WorkspaceSnapshot } from '@switchboard/contracts';
import { generateSigningKeyPair, SnapshotSigner } from '@switchboard/crypto';

/**
 * The Hub's snapshot signing key pair for a test run, fresh per test file
 * (and per process): `signingKey` is the Hub's `HUB_SIGNING_KEY`,
 * `publicKey` the instances' `HUB_PUBLIC_KEY`. The harnesses use it by default.
 */
export const TEST_HUB_KEYS = generateSigningKeyPair();

const signers = new Map<string, SnapshotSigner>();

/**
 * A snapshot signed as the Hub signs it, for the instance `instanceId`: for
 * tests that deliver snapshots to an instance over NATS themselves. Give
 * another `signingKey` (base64 seed) to forge one the instance must refuse.
 */
export function signSnapshotForTest(
  instanceId: string,
  snapshot: WorkspaceSnapshot,
  signingKey: string = TEST_HUB_KEYS.signingKey,
): SignedWorkspaceSnapshot {
  let signer = signers.get(signingKey);
  if (!signer) {
    signer = SnapshotSigner.fromSeed(signingKey);
    signers.set(signingKey, signer);
  }
  return { snapshot, signature: signer.sign(instanceId, snapshot) };
}
