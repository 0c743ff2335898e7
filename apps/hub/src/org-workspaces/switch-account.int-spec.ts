import { withClient } from '@switchboard/persistence';
import jwt from 'jsonwebtoken';

import { HubFixtures, json, type OrgFixture, type TestUser } from '../../test/hub-fixtures.js';
import { type HubHarness, startHub } from '../../test/hub-harness.js';

/**
 * Switch Account (API.md): every access-token issuance is in the org's audit
 * log; a platform admin grants `switch_account` (PATCH /users/{id}); its
 * holder issues tokens for any org's workspace with a reason, for at most an
 * hour, carrying `act: {sub}` (RFC 8693 §4.1).
 */
describe('Switch Account on the Hub', () => {
  let hub: HubHarness;
  let fixtures: HubFixtures;
  let org: OrgFixture;
  let support: TestUser;
  const issue = (token: string, body: object, workspaceId = org.workspaceId) =>
    fixtures.call('POST', `/org-workspaces/${workspaceId}/access-token`, token, body);

  /** The org's `access_token_issued` rows, newest first, as the database holds them. */
  const issuedRows = (orgId: string) =>
    withClient(hub.database.adminUrl, async (client) => {
      const result = await client.query(
        `SELECT actor_user_id, target_id, changes FROM audit_log
         WHERE org_id = $1 AND action = 'access_token_issued' ORDER BY created_at DESC`,
        [orgId],
      );
      return result.rows as { actor_user_id: string; target_id: string; changes: Record<string, unknown> }[];
    });

  beforeAll(async () => {
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '600000' });
    fixtures = new HubFixtures(hub);
    await fixtures.registerInstance('switch-instance');
    org = await fixtures.org();
    support = await fixtures.user('support');
  });

  afterAll(async () => {
    await fixtures?.quiesceRelay();
    await hub?.close();
  });

  it('audits an ordinary issuance: tenant, admin or not, expiry, never the token', async () => {
    const response = await issue(org.admin.token, { tenantKey: 'audited', expiresIn: 120 });
    expect(response.status).toBe(200);
    const issued = await json(response);
    const [row] = await issuedRows(org.orgId);
    expect(row).toEqual({
      actor_user_id: org.admin.id,
      target_id: org.workspaceId,
      changes: { isAdmin: false, tenantKey: 'audited', expiresAt: issued.expiresAt },
    });
    expect(JSON.stringify(row)).not.toContain(issued.token);
    expect(jwt.decode(issued.token)).not.toHaveProperty('act');

    const log = await fixtures.ok('GET', `/orgs/${org.orgId}/audit-log`, org.owner.token);
    expect(log.items[0]).toMatchObject({ action: 'access_token_issued', actorUserId: org.admin.id });
  });

  it('audits every one of many concurrent issuances (batched writes lose none)', async () => {
    const before = (await issuedRows(org.orgId)).length;
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => issue(org.owner.token, { tenantKey: `burst-${i}`, expiresIn: 60 })),
    );
    expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200));
    const rows = await issuedRows(org.orgId);
    expect(rows.length - before).toBe(60);
    const keys = rows.map((row) => row.changes['tenantKey']).filter((key) => String(key).startsWith('burst-'));
    expect(new Set(keys).size).toBe(60);
  });

  it('refuses a user without the permission: 404 outside the org, 403 as a plain member', async () => {
    const outsider = await issue(support.token, { tenantKey: 't', reason: 'ticket 1' });
    expect(outsider.status).toBe(404);
    const member = await issue(org.member.token, { tenantKey: 't', reason: 'ticket 1' });
    expect(member.status).toBe(403);
  });

  it('lets only platform admins grant permissions, and only known ones', async () => {
    const notAdmin = await fixtures.call('PATCH', `/users/${support.id}`, org.owner.token, {
      permissions: ['switch_account'],
    });
    expect(notAdmin.status).toBe(403);
    const unknown = await fixtures.call('PATCH', `/users/${support.id}`, hub.adminToken, { permissions: ['root'] });
    expect(unknown.status).toBe(400);
    const missing = await fixtures.call('PATCH', '/users/00000000-0000-4000-8000-000000000000', hub.adminToken, {
      permissions: [],
    });
    expect(missing.status).toBe(404);
  });

  describe('with the permission', () => {
    beforeAll(async () => {
      const granted = await fixtures.ok('PATCH', `/users/${support.id}`, hub.adminToken, {
        permissions: ['switch_account'],
      });
      expect(granted.permissions).toEqual(['switch_account']);
      // The principal cache of the Hub holds a user for up to a second.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await fixtures.ok('GET', '/users/me', support.token)).permissions).toEqual(['switch_account']);
    });

    it('issues a token carrying act for a workspace of an org the user is not in, and audits it', async () => {
      const before = Date.now();
      const response = await issue(support.token, { tenantKey: 'customer-7', reason: 'ticket 4711' });
      expect(response.status).toBe(200);
      const issued = await json(response);
      const claims = jwt.decode(issued.token) as Record<string, unknown>;
      expect(claims.act).toEqual({ sub: support.id });
      expect(claims.tenantKey).toBe('customer-7');
      expect(Date.parse(issued.expiresAt) - before).toBeLessThanOrEqual(3600_000 + 1000);

      const [row] = await issuedRows(org.orgId);
      expect(row).toEqual({
        actor_user_id: support.id,
        target_id: org.workspaceId,
        changes: {
          isAdmin: false,
          tenantKey: 'customer-7',
          expiresAt: issued.expiresAt,
          reason: 'ticket 4711',
          switchAccount: true,
          act: { sub: support.id },
        },
      });
    });

    it('needs a reason and at most an hour', async () => {
      const noReason = await issue(support.token, { tenantKey: 'customer-7' });
      expect(noReason.status).toBe(400);
      expect((await json(noReason)).errors[0].field).toBe('reason');
      const blank = await issue(support.token, { tenantKey: 'customer-7', reason: '   ' });
      expect(blank.status).toBe(400);
      const tooLong = await issue(support.token, { tenantKey: 'customer-7', reason: 'r', expiresIn: 3601 });
      expect(tooLong.status).toBe(400);
      expect((await json(tooLong)).errors[0].field).toBe('expiresIn');
      const hour = await issue(support.token, { isAdmin: true, reason: 'r', expiresIn: 3600 });
      expect(hour.status).toBe(200);
      expect(jwt.decode((await json(hour)).token)).toMatchObject({ isAdmin: true, act: { sub: support.id } });
    });

    it('sets nothing of the tenant: name and fields are refused, so acting as a customer cannot rewrite them unseen', async () => {
      for (const [field, value] of [
        ['name', 'Renamed by support'],
        ['fields', { plan: 'enterprise' }],
      ] as const) {
        const refused = await issue(support.token, { tenantKey: 'customer-7', reason: 'r', [field]: value });
        expect(refused.status).toBe(400);
        expect((await json(refused)).errors[0].field).toBe(field);
      }
    });

    it('still answers 404 for a workspace that does not exist, and 400 for a malformed id', async () => {
      expect(
        (await issue(support.token, { isAdmin: true, reason: 'r' }, '00000000-0000-4000-8000-000000000000')).status,
      ).toBe(404);
      expect((await issue(support.token, { isAdmin: true, reason: 'r' }, 'nope')).status).toBe(400);
    });

    it('stops working once the permission is revoked (after the principal cache second)', async () => {
      await fixtures.ok('PATCH', `/users/${support.id}`, hub.adminToken, { permissions: [] });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await issue(support.token, { tenantKey: 'customer-7', reason: 'r' })).status).toBe(404);
    });
  });
});
