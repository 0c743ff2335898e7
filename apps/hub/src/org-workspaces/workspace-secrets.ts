import { randomBytes } from 'node:crypto';

import { generateToken } from '@switchboard/crypto';

/** A new workspace secret: 256 random bits, recognisable by its prefix. */
export function generateWorkspaceSecret(): string {
  return generateToken('sbws_');
}

/**
 * A public, globally unique, URL-safe key: a slug of the name and a random
 * suffix of 12 base-36 characters (about 62 bits, so that a collision, which the
 * unique index would refuse, does not happen in practice), e.g.
 * `acme-production-k3f9x2qa7b1m`.
 */
export function generateWorkspaceKey(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  const suffix = [...randomBytes(12)].map((byte) => (byte % 36).toString(36)).join('');
  return `${slug || 'ws'}-${suffix}`;
}
