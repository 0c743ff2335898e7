import { Keyring } from '@switchboard/crypto';

import { liveSealedSecrets, liveSecrets, nextSecretExpiry } from '../workspaces/workspace-keys.js';

describe('live secrets of a workspace', () => {
  const keyring = Keyring.parse(Keyring.generateKeySpec('v1'));
  const NOW = Date.parse('2026-11-29T12:00:00Z');
  const at = (ms: number) => new Date(NOW + ms).toISOString();
  const workspace = {
    sealedSecret: keyring.encrypt('current'),
    previousSealedSecrets: [
      { sealedSecret: keyring.encrypt('rotated-last'), expiresAt: at(60_000) },
      { sealedSecret: keyring.encrypt('rotated-before'), expiresAt: at(5_000) },
      { sealedSecret: keyring.encrypt('expired'), expiresAt: at(-1) },
    ],
  };

  it('are the current secret first, then every unexpired previous one, newest rotation first', () => {
    expect(liveSecrets(workspace, keyring, NOW)).toEqual(['current', 'rotated-last', 'rotated-before']);
    expect(liveSealedSecrets(workspace, NOW)).toEqual([
      workspace.sealedSecret,
      workspace.previousSealedSecrets[0]!.sealedSecret,
      workspace.previousSealedSecrets[1]!.sealedSecret,
    ]);
  });

  it('lose each previous secret at its own expiry, not before', () => {
    expect(liveSecrets(workspace, keyring, NOW + 4_999)).toEqual(['current', 'rotated-last', 'rotated-before']);
    expect(liveSecrets(workspace, keyring, NOW + 5_000)).toEqual(['current', 'rotated-last']);
    expect(liveSecrets(workspace, keyring, NOW + 60_000)).toEqual(['current']);
  });

  it('name the soonest live expiry, or none', () => {
    expect(nextSecretExpiry(workspace, NOW)).toBe(NOW + 5_000);
    expect(nextSecretExpiry(workspace, NOW + 5_000)).toBe(NOW + 60_000);
    expect(nextSecretExpiry(workspace, NOW + 60_000)).toBe(Infinity);
  });

  it('throw a KeyringError for a secret sealed under a key the keyring lacks', () => {
    const stranger = Keyring.parse(Keyring.generateKeySpec('v9'));
    expect(() => liveSecrets({ ...workspace, sealedSecret: stranger.encrypt('x') }, keyring, NOW)).toThrow(
      /unknown key/,
    );
  });
});
