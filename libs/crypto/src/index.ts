export { Keyring, KeyringError } from './keyring.js';
export {
  canonicalDigest,
  canonicalJson,
  generateSigningKeyPair,
  SigningKeyError,
  SnapshotSigner,
  SnapshotVerifier,
} from './snapshot-signature.js';
export { constantTimeEqual, generateToken, sha256Hex } from './tokens.js';
export { MIN_RSA_MODULUS_BITS, workspacePublicKeyProblem } from './workspace-public-key.js';
