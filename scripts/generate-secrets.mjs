// `npm run secrets:generate [-- --out FILE]`: fresh secrets for docker compose, written to `.env` (git-ignored,
// left out of the image), which `docker compose` reads for the ${VARIABLES} in docker-compose.yml. Variables
// the file already has are kept, so running it again never changes a secret in use; only missing ones are added.
// Prints the names it added, never values.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const password = () => randomBytes(24).toString('hex');

/** An Ed25519 key pair: the 32-byte seed and the 32-byte raw public key, base64 (RFC 8032; JWK d and x, RFC 8037). */
function ed25519() {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return {
    HUB_SIGNING_KEY: Buffer.from(jwk.d, 'base64url').toString('base64'),
    HUB_PUBLIC_KEY: Buffer.from(jwk.x, 'base64url').toString('base64'),
  };
}

const generators = {
  // The Postgres superuser of the compose stack, which the migration steps use to create roles and databases.
  POSTGRES_PASSWORD: password,
  SWITCHBOARD_DB_OWNER_PASSWORD: password,
  SWITCHBOARD_DB_APP_PASSWORD: password,
  ENCRYPTION_KEYS: () => `v1:${randomBytes(32).toString('base64')}`,
  HUB_BOOTSTRAP_ADMIN_TOKEN: () => `sbp_${randomBytes(32).toString('base64url')}`,
  NATS_HUB_PASSWORD: password,
  NATS_INSTANCE_A_PASSWORD: password,
  NATS_INSTANCE_B_PASSWORD: password,
};

const outIndex = process.argv.indexOf('--out');
const file = outIndex > 0 ? process.argv[outIndex + 1] : '.env';
const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
const has = (name) => new RegExp(`^${name}=.+`, 'm').test(existing);

const added = {};
for (const [name, generate] of Object.entries(generators)) if (!has(name)) added[name] = generate();
// The key pair is one: generate both, or keep both.
if (!has('HUB_SIGNING_KEY') || !has('HUB_PUBLIC_KEY')) {
  if (has('HUB_SIGNING_KEY') !== has('HUB_PUBLIC_KEY')) {
    console.error(`${file} has only one of HUB_SIGNING_KEY and HUB_PUBLIC_KEY: remove it, then run this again.`);
    process.exit(1);
  }
  Object.assign(added, ed25519());
}

const names = Object.keys(added);
if (names.length === 0) {
  console.log(`${file} already holds every secret; nothing changed.`);
} else {
  const header = existing
    ? ''
    : '# Secrets of the docker compose stack, from `npm run secrets:generate`. Never commit this file.\n';
  const separator = existing && !existing.endsWith('\n') ? '\n' : '';
  const lines = names.map((name) => `${name}=${added[name]}`).join('\n');
  writeFileSync(file, `${existing}${separator}${header}${lines}\n`, { mode: 0o600 });
  console.log(`${file}: generated ${names.join(', ')}.`);
}
