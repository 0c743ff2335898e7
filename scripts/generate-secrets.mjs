// `npm run secrets:generate [-- --out DIR] [--env FILE]`: fresh secrets for docker compose, one file per secret
// in DIR (default `.secrets/`, git-ignored and left out of the image; the directory mode 0700, every file 0600),
// which docker-compose.yml mounts as Compose secrets at /run/secrets/<name>. The one value that is not secret,
// the Hub's public key HUB_PUBLIC_KEY, goes to FILE (default `.env`), which compose reads for ${HUB_PUBLIC_KEY}.
//
// Files that exist are kept, so running it again never changes a secret in use; only missing ones are written.
// A secret still in FILE from the earlier `.env`-only layout (POSTGRES_PASSWORD, ENCRYPTION_KEYS, …) is moved
// into its file rather than replaced, so an existing stack keeps its database passwords and keyring.
// Prints the names it wrote, never values.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const argument = (flag, fallback) => {
  const index = process.argv.indexOf(flag);
  return index > 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
};
const directory = argument('--out', '.secrets');
const envFile = argument('--env', '.env');

/** The instances docker-compose.yml runs; each has its database and NATS user. */
const INSTANCES = ['instance-a', 'instance-b'];
const snake = (id) => id.replaceAll('-', '_');

// A letter first: nats-server reads a `$VARIABLE` as a config value, so a password that looks like a number
// (`12345`, `9e5f…`) stops it at start ("variable reference … could not be parsed").
const password = () => `p${randomBytes(24).toString('hex')}`;
const env = existsSync(envFile) ? readFileSync(envFile, 'utf8') : '';
/** `NAME=value` of the env file, or undefined. */
const fromEnv = (name) => new RegExp(`^${name}=(.+)$`, 'm').exec(env)?.[1];

mkdirSync(directory, { recursive: true, mode: 0o700 });
chmodSync(directory, 0o700);
const path = (name) => join(directory, name);
const read = (name) => (existsSync(path(name)) ? readFileSync(path(name), 'utf8').replace(/\r?\n$/, '') : undefined);

const written = [];
const moved = [];
/** Writes secret `name` unless its file exists: the legacy `.env` variable's value if any, else `generate()`. */
function ensure(name, generate, legacy) {
  const current = read(name);
  if (current) return current;
  const old = legacy && fromEnv(legacy);
  const value = old ?? generate();
  writeFileSync(path(name), value, { mode: 0o600 });
  chmodSync(path(name), 0o600);
  (old ? moved : written).push(name);
  return value;
}

/** The password of `role` in any existing database URL file, so that every URL of a role agrees. */
function rolePassword(role, files, legacy) {
  for (const file of files) {
    const url = read(file);
    if (url && decodeURIComponent(new URL(url).username) === role) return decodeURIComponent(new URL(url).password);
  }
  return fromEnv(legacy) ?? password();
}
const url = (role, secret, database) => () =>
  `postgres://${role}:${encodeURIComponent(secret)}@postgres:5432/${database}`;

// The Postgres superuser of the compose stack, which the migration steps use to create roles and databases.
const superuser = ensure('postgres_password', password, 'POSTGRES_PASSWORD');
ensure('database_admin_url', url('postgres', superuser, 'postgres'));

const databases = [['hub', 'switchboard_hub'], ...INSTANCES.map((id) => [snake(id), `switchboard_${snake(id)}`])];
const appFiles = databases.map(([service]) => `${service}_database_url`);
const ownerFiles = databases.map(([service]) => `${service}_database_migration_url`);
const appPassword = rolePassword('switchboard_app', appFiles, 'SWITCHBOARD_DB_APP_PASSWORD');
const ownerPassword = rolePassword('switchboard_owner', ownerFiles, 'SWITCHBOARD_DB_OWNER_PASSWORD');
for (const [service, database] of databases) {
  ensure(`${service}_database_url`, url('switchboard_app', appPassword, database));
  ensure(`${service}_database_migration_url`, url('switchboard_owner', ownerPassword, database));
}

// The same keyring for the Hub and every instance: workspace secrets cross NATS sealed under it.
ensure('encryption_keys', () => `v1:${randomBytes(32).toString('base64')}`, 'ENCRYPTION_KEYS');
ensure('hub_bootstrap_admin_token', () => `sbp_${randomBytes(32).toString('base64url')}`, 'HUB_BOOTSTRAP_ADMIN_TOKEN');
for (const user of ['hub', ...INSTANCES, 'gateway']) {
  ensure(`nats_${snake(user)}_password`, password, `NATS_${snake(user).toUpperCase()}_PASSWORD`);
}

// The Hub's Ed25519 seed (RFC 8032, base64); the public key is derived from it, so the two always agree.
const seed = ensure(
  'hub_signing_key',
  () => {
    const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    return Buffer.from(jwk.d, 'base64url').toString('base64');
  },
  'HUB_SIGNING_KEY',
);
// PKCS#8 of an Ed25519 seed is this fixed prefix and the 32 bytes (RFC 8410).
const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seed, 'base64')]);
const jwk = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ format: 'jwk' });
const publicKey = Buffer.from(jwk.x, 'base64url').toString('base64');

const line = `HUB_PUBLIC_KEY=${publicKey}`;
if (fromEnv('HUB_PUBLIC_KEY') !== publicKey) {
  const rest = env.replace(/^HUB_PUBLIC_KEY=.*\n?/m, '');
  const header = rest ? '' : '# The Hub public key of the docker compose stack, from `npm run secrets:generate`.\n';
  const separator = rest && !rest.endsWith('\n') ? '\n' : '';
  writeFileSync(envFile, `${rest}${separator}${header}${line}\n`, { mode: 0o600 });
  written.push(`HUB_PUBLIC_KEY in ${envFile}`);
}

if (written.length === 0 && moved.length === 0)
  console.log(`${directory} already holds every secret; nothing changed.`);
if (written.length > 0) console.log(`${directory}: generated ${written.join(', ')}.`);
if (moved.length > 0) {
  console.log(
    `${directory}: moved ${moved.join(', ')} from ${envFile}; remove every line but HUB_PUBLIC_KEY from ${envFile}.`,
  );
}
