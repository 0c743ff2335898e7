export { Keyring, KeyringError } from './keyring.js';
export { constantTimeEqual, generateToken, sha256Hex } from './tokens.js';
