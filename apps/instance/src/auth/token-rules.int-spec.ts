import { ConfigError, loadConfig } from '@switchboard/config';
import jwt from 'jsonwebtoken';
import pg from 'pg';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';
import { InstanceConfig } from '../config.js';

const DAY = 86_400;

/** Token rules beyond the signature: `crit`, strings Postgres cannot store, the maximum lifetime. */
describe('workspace token rules', () => {
  let instance: InstanceHarness;
  let workspace: WorkspaceFixture;

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    workspace = await seedWorkspace(instance);
  });

  afterAll(async () => {
    await instance?.close();
  });

  const self = (token: string) => instance.request('GET', '/self', { token });
  const expectProblem = async (response: Response, status: number, code: string) => {
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status, code });
    expect(response.status).toBe(status);
  };
  const tenantCount = async () => {
    const client = new pg.Client({ connectionString: instance.database.adminUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM tenants');
      return Number(rows[0]!.count);
    } finally {
      await client.end();
    }
  };

  describe('crit (RFC 7515 §4.1.11)', () => {
    it.each([
      ['an unknown extension', { crit: ['x-policy'], 'x-policy': 'strict' }],
      ['b64, which this verifier does not implement (RFC 7797)', { crit: ['b64'], b64: true }],
      ['an empty list', { crit: [] }],
      ['a malformed value', { crit: 'exp' }],
    ])('refuses a token whose header lists %s', async (_, header) => {
      const token = jwt.sign({ iss: workspace.snapshot.key, tenantKey: 'crit' }, workspace.secret, {
        expiresIn: 600,
        header: { alg: 'HS256', ...header } as jwt.JwtHeader,
      });
      await expectProblem(await self(token), 401, 'invalid_token');
    });

    it('accepts the same token without crit', async () => {
      expect((await self(workspace.tenantToken('crit'))).status).toBe(200);
    });
  });

  describe('strings Postgres cannot store', () => {
    it.each([
      ['a NUL in tenantKey', { tenantKey: 'a\u0000b' }],
      ['a lone high surrogate in tenantKey', { tenantKey: 'a\ud800b' }],
      ['a lone low surrogate in name', { tenantKey: 'good-key', name: 'x\udc00' }],
      ['a NUL in a nested fields value', { tenantKey: 'good-key', fields: { plan: { tier: 'pro\u0000' } } }],
      ['a NUL in a fields key', { tenantKey: 'good-key', fields: { ['pl\u0000an']: 'pro' } }],
      ['a lone surrogate in an array in fields', { tenantKey: 'good-key', fields: { tags: ['ok', '\ud83d'] } }],
      ['a NUL in sub', { sub: 'a\u0000' }],
      ['a NUL in an unknown claim', { tenantKey: 'good-key', note: '\u0000' }],
      // What POST /tenants refuses, a token does not create either.
      ['a name longer than 200 characters', { tenantKey: 'long-name', name: 'n'.repeat(201) }],
      ['a name that is not a string', { tenantKey: 'object-name', name: { first: 'a' } }],
      ['claims nested deeper than 32 levels', { tenantKey: 'deep', fields: nested(32) }],
    ])('refuses %s with 401 invalid_token, creating no tenant', async (_, claims) => {
      const before = await tenantCount();
      await expectProblem(await self(workspace.sign(claims)), 401, 'invalid_token');
      expect(await tenantCount()).toBe(before);
    });

    it('refuses a NUL in iss before looking the workspace up', async () => {
      const token = jwt.sign({ iss: `${workspace.snapshot.key}\u0000`, tenantKey: 'k' }, workspace.secret, {
        expiresIn: 600,
      });
      await expectProblem(await self(token), 401, 'invalid_token');
    });

    it('accepts well-formed astral characters (a surrogate pair) and stores them', async () => {
      const response = await self(workspace.sign({ tenantKey: 'emoji-🙂', name: 'Smile 🙂', fields: { e: '🙂' } }));
      expect(response.status).toBe(200);
      expect(await json(response)).toMatchObject({ internalId: 'emoji-🙂', name: 'Smile 🙂', fields: { e: '🙂' } });
    });
  });

  describe('iat (RFC 7519 §4.1.6)', () => {
    const now = () => Math.floor(Date.now() / 1000);

    it('refuses a token issued in the future, which a revocation of tokens issued until now would not reach', async () => {
      const before = await tenantCount();
      const token = workspace.sign({ tenantKey: 'from-the-future', iat: now() + 3600 });
      await expectProblem(await self(token), 401, 'invalid_token');
      expect(await tenantCount()).toBe(before);
    });

    it('accepts an iat less than a minute ahead (clocks differ)', async () => {
      expect((await self(workspace.sign({ tenantKey: 'skewed', iat: now() + 30 }))).status).toBe(200);
    });
  });

  describe('maximum lifetime (INSTANCE_MAX_TOKEN_LIFETIME_SECONDS, default 30 days)', () => {
    it('refuses a token whose exp lies more than 30 days ahead, creating no tenant', async () => {
      const before = await tenantCount();
      const token = workspace.sign({ tenantKey: 'long-lived' }, { expiresIn: 30 * DAY + 3600 });
      await expectProblem(await self(token), 401, 'token_lifetime_too_long');
      expect(await tenantCount()).toBe(before);
      const admin = workspace.sign({ isAdmin: true }, { expiresIn: 365 * DAY });
      await expectProblem(
        await instance.request('GET', '/workspace', { token: admin }),
        401,
        'token_lifetime_too_long',
      );
    });

    it('accepts a token of exactly 30 days, the longest the Hub issues', async () => {
      expect((await self(workspace.sign({ tenantKey: 'month' }, { expiresIn: 30 * DAY }))).status).toBe(200);
    });

    it('honours a shorter configured maximum', async () => {
      const strict = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS, INSTANCE_MAX_TOKEN_LIFETIME_SECONDS: '600' });
      try {
        const fixture = await seedWorkspace(strict);
        const call = (expiresIn: number) =>
          strict.request('GET', '/self', { token: fixture.sign({ tenantKey: 'short' }, { expiresIn }) });
        await expectProblem(await call(3600), 401, 'token_lifetime_too_long');
        expect((await call(600)).status).toBe(200);
      } finally {
        await strict.close();
      }
    });

    it.each(['ten', '0', '59', '-1'])('refuses INSTANCE_MAX_TOKEN_LIFETIME_SECONDS=%s at boot, naming it', (value) => {
      const load = () =>
        loadConfig(InstanceConfig, {
          INSTANCE_ID: 'x',
          INSTANCE_API_URL: 'http://127.0.0.1:1',
          DATABASE_URL: 'postgres://app@127.0.0.1:5432/x',
          ENCRYPTION_KEYS: FIXTURE_KEYS,
          INSTANCE_MAX_TOKEN_LIFETIME_SECONDS: value,
        });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/INSTANCE_MAX_TOKEN_LIFETIME_SECONDS/);
    });
  });
});

/** `{a: {a: … {}}}` with `levels` objects, the outermost included. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < levels; level++) value = { a: value };
  return value;
}
