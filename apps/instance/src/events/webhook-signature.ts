import { createHmac, type KeyObject } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Signature';

/** `sha256=<hex>`: the HMAC-SHA256 of the exact body bytes with the workspace secret. */
export function webhookSignature(secret: string | KeyObject, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}
