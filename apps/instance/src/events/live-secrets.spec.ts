import { Keyring } from '@switchboard/crypto';

import { liveWebhookSecrets } from './live-secrets.js';

describe('liveWebhookSecrets', () => {
  const keyring = Keyring.parse(Keyring.generateKeySpec('test'));
  const now = new Date('2026-11-29T10:00:00.000Z');
  const row = (previousExpiresAt: Date | null) => ({
    sealed_secret: keyring.encrypt('current'),
    previous_sealed_secret: previousExpiresAt ? keyring.encrypt('previous') : null,
    previous_secret_expires_at: previousExpiresAt,
  });

  it('is the current secret first, then a previous one still within its grace period', () => {
    expect(liveWebhookSecrets(row(new Date(now.getTime() + 1)), keyring, now)).toEqual(['current', 'previous']);
  });

  it('leaves out a previous secret whose grace period has ended, or that there is none', () => {
    expect(liveWebhookSecrets(row(now), keyring, now)).toEqual(['current']);
    expect(liveWebhookSecrets(row(new Date(now.getTime() - 1)), keyring, now)).toEqual(['current']);
    expect(liveWebhookSecrets(row(null), keyring, now)).toEqual(['current']);
  });
});
