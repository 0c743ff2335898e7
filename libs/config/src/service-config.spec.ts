import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { nkeys } from '@nats-io/transport-node';
import { MinLength } from 'class-validator';

import { ConfigError, loadConfig } from './load-config.js';
import { PUBLISHED_SECRETS, secretMaterial } from './published-secrets.js';
import { Secret } from './secret.decorator.js';
import { ServiceConfig } from './service-config.js';

class ExampleServiceConfig extends ServiceConfig {
  @Secret() @MinLength(1) EXAMPLE_TOKEN: string = 'a-token-of-this-deployment';
}

const FRESH_KEYS = `v1:${Buffer.alloc(32, 7).toString('base64')}`;
const BASE = {
  DATABASE_URL: 'postgres://app:a-password-of-our-own@db:5432/hub',
  ENCRYPTION_KEYS: FRESH_KEYS,
};

const load = (env: Record<string, string>) => loadConfig(ExampleServiceConfig, { ...BASE, ...env });
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    load(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('ServiceConfig: NATS credentials', () => {
  it('connects anonymously when no method is set', () => {
    expect(load({}).natsCredentials()).toEqual({
      user: undefined,
      password: undefined,
      credsFile: undefined,
      nkeySeed: undefined,
      tlsCaFile: undefined,
    });
  });

  it('takes a user and its password', () => {
    const sut = load({ NATS_USER: 'instance-a', NATS_PASSWORD: 'pw-of-our-own' });
    expect(sut.natsCredentials()).toMatchObject({ user: 'instance-a', password: 'pw-of-our-own' });
  });

  it('refuses a user without a password, and a password without a user', () => {
    expect(problemsOf({ NATS_USER: 'hub' })).toEqual(['NATS_USER is set without NATS_PASSWORD: set both, or neither.']);
    expect(problemsOf({ NATS_PASSWORD: 'pw-of-our-own' })).toEqual([
      'NATS_PASSWORD is set without NATS_USER: set both, or neither.',
    ]);
  });

  it('refuses two authentication methods at once, naming both', () => {
    const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
    const problems = problemsOf({ NATS_USER: 'hub', NATS_PASSWORD: 'pw-of-our-own', NATS_NKEY_SEED: seed });
    expect(problems).toEqual([
      'Only one NATS authentication method may be set, but NATS_USER/NATS_PASSWORD and NATS_NKEY_SEED are: keep one.',
    ]);
  });

  it('takes a user nkey seed, and refuses anything else in its place', () => {
    const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
    expect(load({ NATS_NKEY_SEED: seed }).natsCredentials().nkeySeed).toBe(seed);
    expect(problemsOf({ NATS_NKEY_SEED: 'SAnotaseed' }).join(' ')).toMatch(/^NATS_NKEY_SEED is required or malformed/);
  });

  it('needs the credentials file and the CA file to be readable', () => {
    const directory = mkdtempSync(join(tmpdir(), 'sb-config-'));
    const creds = join(directory, 'service.creds');
    writeFileSync(creds, 'creds');
    expect(load({ NATS_CREDS_FILE: creds, NATS_TLS_CA: creds }).natsCredentials()).toMatchObject({
      credsFile: creds,
      tlsCaFile: creds,
    });
    expect(problemsOf({ NATS_CREDS_FILE: join(directory, 'missing.creds') })).toEqual([
      `NATS_CREDS_FILE names ${join(directory, 'missing.creds')}, which cannot be read.`,
    ]);
    expect(problemsOf({ NATS_TLS_CA: join(directory, 'ca.pem') })).toEqual([
      `NATS_TLS_CA names ${join(directory, 'ca.pem')}, which cannot be read.`,
    ]);
  });
});

describe('ServiceConfig: published secrets', () => {
  it('refuses a secret the repository publishes, naming the variable and not the value', () => {
    const problems = problemsOf({ DATABASE_URL: 'postgres://switchboard_app:switchboard@db:5432/hub' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DATABASE_URL holds a value published in the Switchboard repository/);
    expect(problems[0]).not.toContain('switchboard@');
  });

  it('checks every secret of the schema: keyring entries, passwords, tokens of the service itself', () => {
    const published = 'dev:c3dpdGNoYm9hcmQtZGV2ZWxvcG1lbnQta2V5LTMyYnk=';
    expect(problemsOf({ ENCRYPTION_KEYS: `${FRESH_KEYS},${published}` }).join(' ')).toMatch(/^ENCRYPTION_KEYS /);
    expect(problemsOf({ NATS_USER: 'hub', NATS_PASSWORD: 'hub-development-password' }).join(' ')).toMatch(
      /^NATS_PASSWORD /,
    );
    expect(problemsOf({ EXAMPLE_TOKEN: 'sbp_development_admin_token_do_not_use_in_production' }).join(' ')).toMatch(
      /^EXAMPLE_TOKEN /,
    );
  });

  it('accepts them with SWITCHBOARD_DEV_DEFAULTS=true, and only with exactly true', () => {
    const env = { DATABASE_URL: 'postgres://switchboard_app:switchboard@db:5432/hub' };
    expect(load({ ...env, SWITCHBOARD_DEV_DEFAULTS: 'true' }).SWITCHBOARD_DEV_DEFAULTS).toBe(true);
    expect(problemsOf({ ...env, SWITCHBOARD_DEV_DEFAULTS: 'false' })).toHaveLength(1);
    expect(problemsOf({ ...env, SWITCHBOARD_DEV_DEFAULTS: 'yes' }).join(' ')).toMatch(
      /^SWITCHBOARD_DEV_DEFAULTS is required or malformed \(its value is not valid\): must be true or false/,
    );
  });

  it('refuses a published key however it is spelled: without its padding, as base64url, under another label', () => {
    for (const key of [
      'dev:c3dpdGNoYm9hcmQtZGV2ZWxvcG1lbnQta2V5LTMyYnk',
      'prod:c3dpdGNoYm9hcmQtZGV2ZWxvcG1lbnQta2V5LTMyYnk=',
    ]) {
      expect(problemsOf({ ENCRYPTION_KEYS: key }).join(' ')).toMatch(/^ENCRYPTION_KEYS holds a value published/);
    }
    const seed = Buffer.from('JszsuTKtObD1iNBaK5YPAjyWX94UQvtHJhlJ9mNqHaQ=', 'base64');
    for (const spelling of [seed.toString('base64url'), seed.toString('base64').replace(/=+$/, '')]) {
      expect(problemsOf({ EXAMPLE_TOKEN: spelling }).join(' ')).toMatch(/^EXAMPLE_TOKEN holds a value published/);
    }
  });

  it('accepts values of the deployment own', () => {
    expect(problemsOf({})).toEqual([]);
  });
});

describe('ServiceConfig: request timeouts', () => {
  it('gives a client 30 s for a whole request and 10 s for its headers unless told otherwise', () => {
    expect(load({}).requestTimeouts()).toEqual({ requestTimeoutMs: 30_000, headersTimeoutMs: 10_000 });
    expect(load({ HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_HEADERS_TIMEOUT_MS: '2000' }).requestTimeouts()).toEqual({
      requestTimeoutMs: 5000,
      headersTimeoutMs: 2000,
    });
  });

  it('refuses no timeout at all, and headers given longer than the whole request', () => {
    expect(problemsOf({ HTTP_REQUEST_TIMEOUT_MS: '0' }).join(' ')).toContain('HTTP_REQUEST_TIMEOUT_MS');
    expect(problemsOf({ HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_HEADERS_TIMEOUT_MS: '6000' })).toEqual([
      expect.stringContaining('HTTP_HEADERS_TIMEOUT_MS (6000) is longer than HTTP_REQUEST_TIMEOUT_MS (5000)'),
    ]);
  });
});

describe('secretMaterial', () => {
  it('is the password of a URL, each key of a keyring, or the whole value', () => {
    expect(secretMaterial('postgres://app:p%40ss@db:5432/x')).toEqual(['p@ss']);
    expect(secretMaterial('postgres://postgres@db:5432/x')).toEqual([]);
    expect(secretMaterial('v2:AAAA, v1:BBBB')).toEqual(['AAAA', 'BBBB']);
    expect(secretMaterial('  a whole token ')).toEqual(['a whole token']);
  });

  it('lists no value twice', () => {
    expect(new Set(PUBLISHED_SECRETS).size).toBe(PUBLISHED_SECRETS.length);
  });
});
