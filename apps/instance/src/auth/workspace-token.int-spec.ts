import { generateKeyPairSync } from 'node:crypto';

import { Keyring } from '@switchboard/crypto';
import jwt from 'jsonwebtoken';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';

/** Every way a workspace token can be wrong, with the status and code it gets. */
describe('workspace tokens', () => {
  let instance: InstanceHarness;
  let workspace: WorkspaceFixture;

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    workspace = await seedWorkspace(instance);
  });

  afterAll(async () => {
    await instance?.close();
  });

  const self = (token?: string) => instance.request('GET', '/self', { token });
  const expectProblem = async (response: Response, status: number, code: string) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status, code });
  };

  it('accepts a valid tenant token and creates the tenant', async () => {
    const response = await self(workspace.tenantToken('acme', { name: 'Acme', fields: { plan: 'pro' } }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ internalId: 'acme', name: 'Acme', fields: { plan: 'pro' } });
  });

  it.each([
    ['no token', () => undefined, 401, 'unauthenticated'],
    ['a token that is not a JWT', () => 'not-a-jwt', 401, 'invalid_token'],
    [
      'alg none',
      () => jwt.sign({ iss: workspace.snapshot.key, tenantKey: 'x', exp: now() + 60 }, '', { algorithm: 'none' }),
      401,
      'token_algorithm_refused',
    ],
    [
      'a bad signature',
      () => jwt.sign({ iss: workspace.snapshot.key, tenantKey: 'x', exp: now() + 60 }, 'wrong-secret'),
      401,
      'invalid_signature',
    ],
    [
      'an unknown workspace',
      () => jwt.sign({ iss: 'no-such-workspace', tenantKey: 'x', exp: now() + 60 }, 'x'),
      401,
      'unknown_workspace',
    ],
    ['no workspace at all', () => jwt.sign({ tenantKey: 'x', exp: now() + 60 }, 'x'), 401, 'invalid_token'],
    ['an expired token', () => workspace.sign({ tenantKey: 'x' }, { expiresIn: -10 }), 401, 'token_expired'],
    ['a token not valid yet', () => workspace.sign({ tenantKey: 'x' }, { notBefore: 600 }), 401, 'token_not_yet_valid'],
    [
      'no exp',
      () => jwt.sign({ iss: workspace.snapshot.key, tenantKey: 'x' }, workspace.secret),
      401,
      'token_missing_exp',
    ],
    ['no tenant and not admin', () => workspace.sign({}), 401, 'invalid_token'],
    ['a tenantId that is not a UUID', () => workspace.sign({ tenantId: 'nope' }), 401, 'invalid_token'],
    [
      'a tenantId of no tenant',
      () => workspace.sign({ tenantId: '00000000-0000-4000-8000-000000000000' }),
      401,
      'invalid_token',
    ],
    ['an RS256 token where the workspace has no public key', () => rsaToken(), 401, 'token_algorithm_refused'],
  ])('refuses %s', async (_, token, status, code) => {
    await expectProblem(await self(token()), status, code);
  });

  it('answers an admin token on a tenant route with 403', async () => {
    await expectProblem(await self(workspace.adminToken()), 403, 'forbidden');
  });

  it('names the tenant by id, sub or tenantId as well as tenantKey', async () => {
    const created = await json(await self(workspace.sign({ id: 'by-id' })));
    expect(created.internalId).toBe('by-id');
    expect((await json(await self(workspace.sign({ sub: 'by-id' })))).id).toBe(created.id);
    expect((await json(await self(workspace.sign({ tenantId: created.id })))).id).toBe(created.id);
  });

  it('refuses every token of an archived workspace with 403, and accepts them again after restore', async () => {
    const other = await seedWorkspace(instance);
    const token = other.tenantToken('t1');
    expect((await self(token)).status).toBe(200);
    await other.update({ archivedAt: new Date().toISOString() });
    await expectProblem(await self(token), 403, 'workspace_archived');
    await expectProblem(
      await instance.request('GET', '/workspace', { token: other.adminToken() }),
      403,
      'workspace_archived',
    );
    await other.update({ archivedAt: null });
    expect((await self(token)).status).toBe(200);
  });

  it('accepts the previous secret inside its grace period and refuses it after', async () => {
    const other = await seedWorkspace(instance);
    const keyring = Keyring.parse(FIXTURE_KEYS);
    const oldToken = other.tenantToken('rotating');
    const newSecret = 'sbws_new-secret-after-rotation-0123456789abcdef';
    await other.update({
      sealedSecret: keyring.encrypt(newSecret),
      previousSecrets: [
        {
          sealedSecret: other.snapshot.sealedSecret,
          expiresAt: new Date(Date.now() + 1500).toISOString(),
        },
      ],
    });
    const newToken = jwt.sign({ iss: other.snapshot.key, tenantKey: 'rotating' }, newSecret, { expiresIn: 600 });
    expect((await self(oldToken)).status).toBe(200);
    expect((await self(newToken)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await expectProblem(await self(oldToken), 401, 'invalid_signature');
    expect((await self(newToken)).status).toBe(200);
  });

  it('after two rotations in a row, accepts each previous secret until its own expiry', async () => {
    const other = await seedWorkspace(instance);
    const keyring = Keyring.parse(FIXTURE_KEYS);
    const token = (secret: string) =>
      jwt.sign({ iss: other.snapshot.key, tenantKey: 'twice' }, secret, { expiresIn: 600 });
    const firstToken = other.tenantToken('twice');
    const second = 'sbws_second-secret-0123456789abcdef0123456789';
    const third = 'sbws_third-secret-0123456789abcdef01234567890';
    const firstExpires = Date.now() + 1500;
    // Rotation 1: the first secret stays valid 1.5 s.
    await other.update({
      sealedSecret: keyring.encrypt(second),
      previousSecrets: [{ sealedSecret: other.snapshot.sealedSecret, expiresAt: new Date(firstExpires).toISOString() }],
    });
    const secondSealed = other.snapshot.sealedSecret;
    // Rotation 2, right after: the second secret stays valid 3 s, the first keeps its own promise.
    await other.update({
      sealedSecret: keyring.encrypt(third),
      previousSecrets: [
        { sealedSecret: secondSealed, expiresAt: new Date(Date.now() + 3000).toISOString() },
        ...other.snapshot.previousSecrets,
      ],
    });
    expect((await self(firstToken)).status).toBe(200);
    expect((await self(token(second))).status).toBe(200);
    expect((await self(token(third))).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstExpires - Date.now()) + 100));
    await expectProblem(await self(firstToken), 401, 'invalid_signature');
    expect((await self(token(second))).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await expectProblem(await self(token(second)), 401, 'invalid_signature');
    expect((await self(token(third))).status).toBe(200);
  }, 10_000);

  it.each([
    ['RS256', 'rsa', { modulusLength: 2048 }],
    ['ES256', 'ec', { namedCurve: 'prime256v1' }],
  ] as const)('verifies %s tokens with the workspace public keys', async (algorithm, type, options) => {
    const pair = generateKeyPairSync(type as 'rsa', options as { modulusLength: number });
    const stranger = generateKeyPairSync(type as 'rsa', options as { modulusLength: number });
    const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const other = await seedWorkspace(instance, { publicKeys: [publicPem] });
    const sign = (key: typeof pair.privateKey) =>
      jwt.sign({ iss: other.snapshot.key, tenantKey: 'signed' }, key, { algorithm, expiresIn: 60 });
    expect((await self(sign(pair.privateKey))).status).toBe(200);
    await expectProblem(await self(sign(stranger.privateKey)), 401, 'invalid_signature');
    // The public key used as an HMAC secret (algorithm confusion) is refused.
    const confused = jwt.sign({ iss: other.snapshot.key, tenantKey: 'signed', exp: now() + 60 }, publicPem, {
      algorithm: 'HS256',
    });
    await expectProblem(await self(confused), 401, 'invalid_signature');
  });

  function rsaToken(): string {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return jwt.sign({ iss: workspace.snapshot.key, tenantKey: 'x' }, privateKey, { algorithm: 'RS256', expiresIn: 60 });
  }
});

function now(): number {
  return Math.floor(Date.now() / 1000);
}
