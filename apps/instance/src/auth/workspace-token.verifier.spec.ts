import { jest } from '@jest/globals';
import { Keyring } from '@switchboard/crypto';
import { DomainException } from '@switchboard/server';
import jwt from 'jsonwebtoken';

import type { Workspace } from '../workspaces/workspace.entity.js';
import type { WorkspaceCache } from '../workspaces/workspace-cache.js';
import { WorkspaceKeys } from '../workspaces/workspace-keys.js';
import { VerifiedTokens } from './verified-tokens.js';
import { WorkspaceTokenVerifier } from './workspace-token.verifier.js';

describe('WorkspaceTokenVerifier', () => {
  const keyring = Keyring.parse(Keyring.generateKeySpec('v1'));
  const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();
  const seconds = () => Math.floor(Date.now() / 1000);
  let workspace: Workspace;
  let sut: WorkspaceTokenVerifier;
  let verify: jest.SpiedFunction<typeof jwt.verify>;

  beforeEach(() => {
    workspace = {
      key: 'ws',
      configVersion: 1,
      sealedSecret: keyring.encrypt('current'),
      previousSealedSecrets: [
        { sealedSecret: keyring.encrypt('previous'), expiresAt: inAnHour() },
        { sealedSecret: keyring.encrypt('before'), expiresAt: inAnHour() },
      ],
      publicKeys: [],
    } as Partial<Workspace> as Workspace;
    const workspaces = { byKey: (key: string) => Promise.resolve(key === 'ws' ? workspace : null) };
    sut = new WorkspaceTokenVerifier(workspaces as WorkspaceCache, new WorkspaceKeys(keyring), new VerifiedTokens());
    verify = jest.spyOn(jwt, 'verify');
  });

  afterEach(() => verify.mockRestore());

  const sign = (secret: string, claims: Record<string, unknown> = {}) =>
    jwt.sign({ iss: 'ws', tenantKey: 't', exp: seconds() + 600, ...claims }, secret, { algorithm: 'HS256' });

  const codeOf = async (promise: Promise<unknown>): Promise<string | undefined> => {
    const error: unknown = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    return error instanceof DomainException ? error.code : `not a DomainException: ${String(error)}`;
  };

  it('checks a signature once per candidate key, stops at the one that matches, and never again after', async () => {
    await expect(sut.verify(sign('current'))).resolves.toMatchObject({ iss: 'ws', tenantKey: 't' });
    expect(verify).toHaveBeenCalledTimes(1);

    verify.mockClear();
    const byPrevious = sign('previous');
    await expect(sut.verify(byPrevious)).resolves.toMatchObject({ tenantKey: 't' });
    expect(verify).toHaveBeenCalledTimes(2); // current (no match), previous (match): "before" is never tried

    verify.mockClear();
    await expect(sut.verify(byPrevious)).resolves.toMatchObject({ tenantKey: 't' });
    expect(verify).not.toHaveBeenCalled(); // reused (VerifiedTokens)
  });

  it('checks again once the workspace key material changed', async () => {
    const token = sign('current');
    await sut.verify(token);
    workspace = { ...workspace, configVersion: 2, sealedSecret: keyring.encrypt('rotated') };
    verify.mockClear();
    expect(await codeOf(sut.verify(token))).toBe('invalid_signature');
    expect(verify).toHaveBeenCalledTimes(3);
  });

  it('answers an expired token signed with a previous secret as expired, not as a bad signature', async () => {
    expect(await codeOf(sut.verify(sign('previous', { exp: seconds() - 10 })))).toBe('token_expired');
    expect(await codeOf(sut.verify(sign('before', { nbf: seconds() + 600 })))).toBe('token_not_yet_valid');
  });

  it('answers a token no live key signed as a bad signature, after trying each key once', async () => {
    expect(await codeOf(sut.verify(sign('someone-else')))).toBe('invalid_signature');
    expect(verify).toHaveBeenCalledTimes(3);
  });

  it.each([
    ['not a JWT', 'not-a-jwt', 'invalid_token'],
    [
      'a crit header',
      jwt.sign({ iss: 'ws', exp: 1 }, 'current', { header: { alg: 'HS256', crit: ['x'] } }),
      'invalid_token',
    ],
    ['alg none', jwt.sign({ iss: 'ws', exp: 1 }, '', { algorithm: 'none' }), 'token_algorithm_refused'],
    [
      'a non-numeric exp',
      jwt
        .sign({ iss: 'ws' }, 'current')
        .replace(/\..*\./, `.${Buffer.from(JSON.stringify({ iss: 'ws', exp: 'soon' })).toString('base64url')}.`),
      'invalid_token',
    ],
    ['a NUL in a claim', jwt.sign({ iss: 'ws', exp: 1, name: 'a\u0000b' }, 'current'), 'invalid_token'],
    ['no workspace', jwt.sign({ exp: 1 }, 'current'), 'invalid_token'],
    ['an unknown workspace', jwt.sign({ iss: 'other', exp: 1 }, 'current'), 'unknown_workspace'],
  ])('refuses %s before checking any signature', async (_, token, code) => {
    expect(await codeOf(sut.verify(token))).toBe(code);
    expect(verify).not.toHaveBeenCalled();
  });

  it('answers a secret this keyring cannot decrypt with 503 workspace_keys_unavailable', async () => {
    const other = Keyring.parse(Keyring.generateKeySpec('v9'));
    workspace = { ...workspace, sealedSecret: other.encrypt('current'), previousSealedSecrets: [] };
    const error: unknown = await sut.verify(sign('current')).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(DomainException);
    expect(error).toMatchObject({ status: 503, code: 'workspace_keys_unavailable' });
  });
});
