import { withClient } from '@switchboard/persistence';

import { HubFixtures, json } from '../../test/hub-fixtures.js';
import { type HubHarness, startHub } from '../../test/hub-harness.js';

/** Idempotency-Key on the mutating POSTs: a repeat with the same key and body returns the first response. */
describe('Idempotency-Key', () => {
  let hub: HubHarness;
  let fixtures: HubFixtures;
  const withKey = (key: string) => ({ 'idempotency-key': key });

  beforeAll(async () => {
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '600000' });
    fixtures = new HubFixtures(hub);
    await fixtures.registerInstance('idem');
  });

  afterAll(async () => {
    await fixtures?.quiesceRelay();
    await hub?.close();
  });

  it('replays the first response for the same key and body, once per user', async () => {
    const user = await fixtures.user('idem');
    const other = await fixtures.user('idem-other');
    const first = await fixtures.call('POST', '/orgs', user.token, { name: 'Once' }, withKey('k-1'));
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await fixtures.call('POST', '/orgs', user.token, { name: 'Once' }, withKey('k-1'));
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(again)).toEqual(await json(first));
    expect((await fixtures.ok('GET', '/orgs', user.token)).items).toHaveLength(1);
    // Keys belong to their user: another user's k-1 is another request.
    expect((await fixtures.call('POST', '/orgs', other.token, { name: 'Once' }, withKey('k-1'))).status).toBe(201);
    expect((await fixtures.ok('GET', '/orgs', other.token)).items).toHaveLength(1);
  });

  it('refuses the same key with another body or path (422), and a malformed key (400)', async () => {
    const user = await fixtures.user('idem-reuse');
    await fixtures.call('POST', '/orgs', user.token, { name: 'A' }, withKey('k-2'));
    const reused = await fixtures.call('POST', '/orgs', user.token, { name: 'B' }, withKey('k-2'));
    expect(reused.status).toBe(422);
    expect(await json(reused)).toMatchObject({ code: 'idempotency_key_reused' });
    const elsewhere = await fixtures.call('POST', '/users/me/tokens', user.token, { name: 'A' }, withKey('k-2'));
    expect(elsewhere.status).toBe(422);
    for (const key of ['x'.repeat(256), 'has space', 'ünïcode']) {
      const response = await fixtures.call('POST', '/orgs', user.token, { name: 'C' }, withKey(key));
      expect({ key, status: response.status }).toEqual({ key, status: 400 });
    }
  });

  it('remembers nothing for a failed request, so it can be fixed and retried with the same key', async () => {
    const user = await fixtures.user('idem-retry');
    const bad = await fixtures.call('POST', '/orgs', user.token, { name: '' }, withKey('k-3'));
    expect(bad.status).toBe(400);
    const fixed = await fixtures.call('POST', '/orgs', user.token, { name: 'Fixed' }, withKey('k-3'));
    expect(fixed.status).toBe(201);
  });

  it('makes one org from concurrent requests with one key', async () => {
    const user = await fixtures.user('idem-race');
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => fixtures.call('POST', '/orgs', user.token, { name: 'Race' }, withKey('k-4'))),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    expect(statuses).toContain(201);
    expect((await fixtures.ok('GET', '/orgs', user.token)).items).toHaveLength(1);
  });

  it('replays a created workspace with its secret, which it stores only encrypted', async () => {
    const org = await fixtures.org();
    const body = { orgId: org.orgId, name: 'Replayed' };
    const first = await json(await fixtures.call('POST', '/org-workspaces', org.owner.token, body, withKey('k-5')));
    const again = await json(await fixtures.call('POST', '/org-workspaces', org.owner.token, body, withKey('k-5')));
    expect(again).toEqual(first);
    expect(first.secret).toMatch(/^sbws_/);
    const listed = await fixtures.ok('GET', `/org-workspaces?orgId=${org.orgId}`, org.owner.token);
    expect(listed.items.filter((item: { name: string }) => item.name === 'Replayed')).toHaveLength(1);
    await withClient(hub.database.adminUrl, async (client) => {
      const { rows } = await client.query<{ sealed_response: string }>(
        "SELECT sealed_response FROM idempotency_keys WHERE key = 'k-5'",
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.sealed_response).not.toContain(first.secret);
      expect(rows[0]!.sealed_response).not.toContain('Replayed');
    });
  });
});
