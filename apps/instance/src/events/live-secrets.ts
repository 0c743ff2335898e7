import type { Keyring } from '@switchboard/crypto';

/** The secret columns of a `workspaces` row, as the delivery worker reads them. */
export interface WorkspaceSecretColumns {
  sealed_secret: string;
  previous_sealed_secret: string | null;
  previous_secret_expires_at: Date | null;
}

/**
 * The workspace secrets a webhook is signed with, current first, then each
 * previous one whose grace period has not ended at `now` (API.md, "Webhook
 * signatures" and "Secret rotation"): a receiver that has not yet switched to
 * the new secret still verifies. The one place that knows where previous
 * secrets are kept, so that a change of that storage changes only this.
 * Throws what `Keyring.decrypt` throws for a value it cannot open.
 */
export function liveWebhookSecrets(row: WorkspaceSecretColumns, keyring: Keyring, now = new Date()): string[] {
  const secrets = [keyring.decrypt(row.sealed_secret)];
  if (row.previous_sealed_secret !== null && row.previous_secret_expires_at !== null) {
    if (row.previous_secret_expires_at.getTime() > now.getTime()) {
      secrets.push(keyring.decrypt(row.previous_sealed_secret));
    }
  }
  return secrets;
}
