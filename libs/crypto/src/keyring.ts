import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class KeyringError extends Error {
  override name = 'KeyringError';
}

interface Key {
  version: string;
  material: Buffer;
}

/**
 * AES-256-GCM under a versioned key list: the first key encrypts, every key
 * decrypts. Ciphertexts name the key version they were sealed with
 * (`<version>:<iv>:<tag>:<data>`, base64url parts), so old values stay
 * readable after a new key is put first and can be re-wrapped later.
 *
 * `ENCRYPTION_KEYS` format: `v2:<base64 32 bytes>,v1:<base64 32 bytes>`.
 */
export class Keyring {
  private readonly keys: Map<string, Key>;
  private readonly current: Key;

  constructor(keys: Key[]) {
    if (keys.length === 0) throw new KeyringError('ENCRYPTION_KEYS holds no key.');
    this.keys = new Map(keys.map((key) => [key.version, key]));
    if (this.keys.size !== keys.length) throw new KeyringError('ENCRYPTION_KEYS repeats a key version.');
    this.current = keys[0]!;
  }

  static parse(spec: string): Keyring {
    const keys = spec
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const separator = entry.indexOf(':');
        if (separator <= 0) throw new KeyringError('each ENCRYPTION_KEYS entry must look like <version>:<base64 key>.');
        const version = entry.slice(0, separator);
        if (!/^[A-Za-z0-9_-]{1,32}$/.test(version)) {
          throw new KeyringError(`ENCRYPTION_KEYS version "${version}" must be 1-32 letters, digits, _ or -.`);
        }
        const material = Buffer.from(entry.slice(separator + 1), 'base64');
        if (material.length !== 32) {
          throw new KeyringError(`ENCRYPTION_KEYS key ${version} must be 32 bytes, base64-encoded.`);
        }
        return { version, material };
      });
    return new Keyring(keys);
  }

  static generateKeySpec(version = 'v1'): string {
    return `${version}:${randomBytes(32).toString('base64')}`;
  }

  get currentVersion(): string {
    return this.current.version;
  }

  /** Every key's version (never the key), the current one first: what an instance reports to the Hub. */
  get versions(): string[] {
    return [...this.keys.keys()];
  }

  /** The version a sealed value names (`<version>:…`), whether or not this keyring holds it. */
  static versionOf(sealed: string): string {
    return sealed.slice(0, Math.max(0, sealed.indexOf(':')));
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.current.material, iv, { authTagLength: TAG_BYTES });
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [this.current.version, iv, cipher.getAuthTag(), data]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join(':');
  }

  decrypt(sealed: string): string {
    const [version, iv, tag, data] = sealed.split(':');
    const key = version === undefined ? undefined : this.keys.get(version);
    if (!key || iv === undefined || tag === undefined || data === undefined) {
      throw new KeyringError(`cannot decrypt a value sealed with an unknown key or format (key "${version ?? ''}").`);
    }
    const decipher = createDecipheriv(ALGORITHM, key.material, Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }

  encryptJson(value: unknown): string {
    return this.encrypt(JSON.stringify(value));
  }

  decryptJson<T = unknown>(sealed: string): T {
    return JSON.parse(this.decrypt(sealed)) as T;
  }

  /** Whether a sealed value should be re-wrapped under the current key. */
  isStale(sealed: string): boolean {
    return !sealed.startsWith(`${this.current.version}:`);
  }

  /** Decrypts with whichever key sealed it and seals again with the current one. */
  rewrap(sealed: string): string {
    return this.isStale(sealed) ? this.encrypt(this.decrypt(sealed)) : sealed;
  }
}
