import { createHmac, type KeyObject } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Signature';

/** `sha256=<hex>`: the HMAC-SHA256 of the exact body bytes with the workspace secret. Kept for existing receivers. */
export function webhookSignature(secret: string | KeyObject, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** The headers of the Standard Webhooks specification (standardwebhooks.com, "Signature scheme"). */
export interface StandardWebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Standard Webhooks headers for one attempt: `webhook-id` (the event's id,
 * the same on every retry so receivers can deduplicate), `webhook-timestamp`
 * (Unix seconds of this attempt) and `webhook-signature`: `v1,<base64
 * HMAC-SHA256 of "id.timestamp.body">` per secret, space-separated, keyed
 * with the UTF-8 bytes of each secret (API.md, "Webhook signatures"; a
 * receiver using a Standard Webhooks library passes the secret base64-encoded).
 * `secrets` are the workspace's live ones, current first: during a
 * rotation's grace period a receiver still holding the previous secret
 * verifies as well. Throws if `secrets` is empty (nothing could verify it).
 */
export function standardWebhookHeaders(
  id: string,
  timestampSeconds: number,
  body: string,
  secrets: readonly string[],
): StandardWebhookHeaders {
  if (secrets.length === 0) throw new Error('a webhook needs at least one secret to be signed with');
  const timestamp = String(Math.floor(timestampSeconds));
  const signed = `${id}.${timestamp}.${body}`;
  const signatures = secrets.map(
    (secret) => `v1,${createHmac('sha256', Buffer.from(secret, 'utf8')).update(signed, 'utf8').digest('base64')}`,
  );
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
}
