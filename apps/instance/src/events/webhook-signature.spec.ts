import { Webhook } from 'standardwebhooks';

import { standardWebhookHeaders } from './webhook-signature.js';

describe('standardWebhookHeaders', () => {
  const body = JSON.stringify({ eventType: 'tenant.created', data: { tenantId: 't' }, id: 'evt', createdAt: 'now' });
  const at = new Date('2026-11-29T10:00:00.000Z');
  const seconds = at.getTime() / 1000;

  it('signs "id.timestamp.body" as the standardwebhooks library does, keyed with the UTF-8 bytes of the secret', () => {
    const secret = 'sbws_ünïcode-secret';
    const sut = standardWebhookHeaders('evt_1', seconds + 0.9, body, [secret]);
    expect(sut).toEqual({
      'webhook-id': 'evt_1',
      'webhook-timestamp': String(seconds),
      'webhook-signature': new Webhook(Buffer.from(secret, 'utf8').toString('base64')).sign('evt_1', at, body),
    });
  });

  it('gives one space-separated signature per live secret, current first', () => {
    const sut = standardWebhookHeaders('evt_2', seconds, body, ['current', 'previous']);
    const [current, previous] = sut['webhook-signature'].split(' ');
    expect(current).toBe(new Webhook(Buffer.from('current').toString('base64')).sign('evt_2', at, body));
    expect(previous).toBe(new Webhook(Buffer.from('previous').toString('base64')).sign('evt_2', at, body));
  });

  it('refuses to sign with no secret', () => {
    expect(() => standardWebhookHeaders('evt_3', seconds, body, [])).toThrow(/at least one secret/);
  });
});
