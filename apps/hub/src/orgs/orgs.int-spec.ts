import { withClient } from '@switchboard/persistence';
import { waitFor } from '@switchboard/testing';

import { type HubHarness, startHub } from '../../test/hub-harness.js';

/** Orgs, members and roles, users and their tokens, and the instance registry — with the role rules. */
describe('orgs, members, users and tokens', () => {
  let hub: HubHarness;
  const json = async (response: Response): Promise<any> => response.json();
  const call = (method: string, path: string, token?: string, body?: unknown) =>
    hub.request(method, path, { token, body });
  const newUser = async (email: string) => json(await call('POST', '/users', hub.adminToken, { email, name: email }));

  beforeAll(async () => {
    hub = await startHub();
  });

  afterAll(async () => {
    await hub?.close();
  });

  it('lets owners manage members, keeps one owner, and hides orgs from non-members', async () => {
    const owner = await newUser('owner@example.test');
    const admin = await newUser('org-admin@example.test');
    const member = await newUser('member@example.test');
    const stranger = await newUser('stranger@example.test');
    const org = await json(await call('POST', '/orgs', owner.token, { name: 'Roles' }));

    expect(
      (await call('POST', `/orgs/${org.id}/members`, owner.token, { userId: admin.id, role: 'admin' })).status,
    ).toBe(201);
    expect(
      (await call('POST', `/orgs/${org.id}/members`, owner.token, { userId: member.id, role: 'member' })).status,
    ).toBe(201);
    expect(
      (await call('POST', `/orgs/${org.id}/members`, owner.token, { userId: member.id, role: 'admin' })).status,
    ).toBe(409);

    // Who may do what.
    expect((await call('GET', `/orgs/${org.id}`, member.token)).status).toBe(200);
    expect((await call('PATCH', `/orgs/${org.id}`, member.token, { name: 'x' })).status).toBe(403);
    expect((await call('PATCH', `/orgs/${org.id}`, admin.token, { name: 'Renamed' })).status).toBe(200);
    expect((await call('GET', `/orgs/${org.id}/members`, admin.token)).status).toBe(403);
    expect(
      (await call('POST', `/orgs/${org.id}/members`, admin.token, { userId: stranger.id, role: 'owner' })).status,
    ).toBe(403);
    for (const [method, path, body] of [
      ['GET', `/orgs/${org.id}`],
      ['PATCH', `/orgs/${org.id}`, { name: 'pwned' }],
      ['GET', `/orgs/${org.id}/members`],
      ['POST', `/orgs/${org.id}/members`, { userId: stranger.id, role: 'owner' }],
    ] as [string, string, unknown?][]) {
      expect({ path, status: (await call(method, path, stranger.token, body)).status }).toEqual({ path, status: 404 });
    }
    const strangersOrgs = await json(await call('GET', '/orgs', stranger.token));
    expect(strangersOrgs.items).toEqual([]);
    const membersOrgs = await json(await call('GET', '/orgs', member.token));
    expect(membersOrgs.items).toEqual([expect.objectContaining({ id: org.id, role: 'member', name: 'Renamed' })]);

    // An org always keeps an owner.
    expect((await call('PATCH', `/orgs/${org.id}/members/${owner.id}`, owner.token, { role: 'admin' })).status).toBe(
      409,
    );
    expect((await call('DELETE', `/orgs/${org.id}/members/${owner.id}`, owner.token)).status).toBe(409);
    expect((await call('PATCH', `/orgs/${org.id}/members/${admin.id}`, owner.token, { role: 'owner' })).status).toBe(
      200,
    );
    expect((await call('PATCH', `/orgs/${org.id}/members/${owner.id}`, owner.token, { role: 'member' })).status).toBe(
      200,
    );
    const members = await json(await call('GET', `/orgs/${org.id}/members`, admin.token));
    expect(members.items.filter((m: { role: string }) => m.role === 'owner')).toHaveLength(1);
    expect((await call('DELETE', `/orgs/${org.id}/members/${member.id}`, admin.token)).status).toBe(204);
    expect((await call('GET', `/orgs/${org.id}`, member.token)).status).toBe(404);
  });

  it('keeps an append-only audit log that owners and admins read, newest first', async () => {
    const owner = await newUser('audited-owner@example.test');
    const member = await newUser('audited-member@example.test');
    const stranger = await newUser('audited-stranger@example.test');
    const org = await json(await call('POST', '/orgs', owner.token, { name: 'Audited' }));
    await call('PATCH', `/orgs/${org.id}`, owner.token, { name: 'Audited 2' });
    await call('POST', `/orgs/${org.id}/members`, owner.token, { userId: member.id, role: 'member' });
    const log = await json(await call('GET', `/orgs/${org.id}/audit-log`, owner.token));
    expect(log.items.map((entry: { action: string }) => entry.action)).toEqual([
      'member.added',
      'org.renamed',
      'org.created',
    ]);
    expect(log.items[1]).toMatchObject({
      actorUserId: owner.id,
      targetId: org.id,
      changes: { name: { from: 'Audited', to: 'Audited 2' } },
    });
    const page = await json(await call('GET', `/orgs/${org.id}/audit-log?limit=2`, owner.token));
    const rest = await json(await call('GET', `/orgs/${org.id}/audit-log?limit=2&cursor=${page.cursor}`, owner.token));
    expect([...page.items, ...rest.items].map((entry: { id: string }) => entry.id)).toEqual(
      log.items.map((entry: { id: string }) => entry.id),
    );
    expect((await call('GET', `/orgs/${org.id}/audit-log`, member.token)).status).toBe(403);
    expect((await call('GET', `/orgs/${org.id}/audit-log`, stranger.token)).status).toBe(404);
    // The application role can insert and read, not change or delete.
    await withClient(hub.database.appUrl, async (client) => {
      await expect(client.query("UPDATE audit_log SET action = 'forged'")).rejects.toThrow(/append-only/);
      await expect(client.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    });
  });

  it('refuses bad member input', async () => {
    const owner = await newUser('owner2@example.test');
    const org = await json(await call('POST', '/orgs', owner.token, { name: 'Bad input' }));
    for (const body of [
      { userId: 'nope', role: 'admin' },
      { userId: owner.id, role: 'king' },
      {},
      { userId: owner.id, role: 'admin', x: 1 },
    ]) {
      const response = await call('POST', `/orgs/${org.id}/members`, owner.token, body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
    }
    expect(
      (
        await call('POST', `/orgs/${org.id}/members`, owner.token, {
          userId: '00000000-0000-4000-8000-000000000000',
          role: 'admin',
        })
      ).status,
    ).toBe(404);
    expect((await call('PATCH', `/orgs/${org.id}/members/not-a-uuid`, owner.token, { role: 'admin' })).status).toBe(
      400,
    );
    expect((await call('POST', '/orgs', owner.token, { name: '' })).status).toBe(400);
    expect((await call('POST', '/users', hub.adminToken, { email: 'not-an-email', name: 'x' })).status).toBe(400);
    expect((await call('POST', '/users', hub.adminToken, { email: 'OWNER2@example.test', name: 'dup' })).status).toBe(
      409,
    );
  });

  it('issues, lists and revokes personal access tokens; revoked and expired ones stop at once', async () => {
    const user = await newUser('tokens@example.test');
    const created = await json(await call('POST', '/users/me/tokens', user.token, { name: 'ci' }));
    expect(created).toMatchObject({
      name: 'ci',
      prefix: expect.stringMatching(/^sbp_/),
      token: expect.stringMatching(/^sbp_[A-Za-z0-9_-]{43}$/),
    });
    expect((await call('GET', '/users/me', created.token)).status).toBe(200);
    const listed = await json(await call('GET', '/users/me/tokens', user.token));
    expect(listed.items.map((t: { name: string }) => t.name)).toEqual(['first token', 'ci']);
    expect(JSON.stringify(listed)).not.toContain(created.token);
    // lastUsedAt is written after the request that used the token, off its path.
    await waitFor(
      async () => {
        const again = await json(await call('GET', '/users/me/tokens', user.token));
        return again.items[1].lastUsedAt !== null ? true : undefined;
      },
      { what: 'lastUsedAt to be recorded' },
    );

    const other = await newUser('other-tokens@example.test');
    expect((await call('DELETE', `/users/me/tokens/${created.id}`, other.token)).status).toBe(404);
    expect((await call('DELETE', `/users/me/tokens/${created.id}`, user.token)).status).toBe(204);
    const revoked = await call('GET', '/users/me', created.token);
    expect(revoked.status).toBe(401);
    expect(await json(revoked)).toMatchObject({ code: 'token_revoked' });

    const soon = await json(
      await call('POST', '/users/me/tokens', user.token, {
        name: 'short',
        expiresAt: new Date(Date.now() + 1000).toISOString(),
      }),
    );
    expect((await call('GET', '/users/me', soon.token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await json(await call('GET', '/users/me', soon.token))).toMatchObject({ code: 'token_expired' });
    expect(
      (await call('POST', '/users/me/tokens', user.token, { name: 'past', expiresAt: '2001-01-01T00:00:00Z' })).status,
    ).toBe(400);
    expect(await json(await call('GET', '/users/me', 'sbp_not-a-real-token'))).toMatchObject({ code: 'invalid_token' });
  });

  it('refuses a token revoked by another replica within a second (PRINCIPAL_CACHE_MS)', async () => {
    const user = await newUser('elsewhere@example.test');
    expect((await call('GET', '/users/me', user.token)).status).toBe(200);
    // Another replica revokes it: this one learns of it from Postgres once its cached entry is a second old.
    await withClient(hub.database.adminUrl, (client) =>
      client.query('UPDATE personal_access_tokens SET revoked_at = now() WHERE user_id = $1', [user.id]),
    );
    const started = Date.now();
    await waitFor(async () => ((await call('GET', '/users/me', user.token)).status === 401 ? true : undefined), {
      what: 'the revocation to take effect',
      timeoutMs: 3000,
      intervalMs: 50,
    });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('shows the instance registry to platform admins only', async () => {
    const user = await newUser('registry@example.test');
    expect((await call('GET', '/instances', user.token)).status).toBe(403);
    const listed = await json(await call('GET', '/instances', hub.adminToken));
    expect(listed.items).toEqual([]);
    expect((await call('PATCH', '/instances/none', hub.adminToken, { acceptsNewWorkspaces: false })).status).toBe(404);
    expect((await call('PATCH', '/instances/none', hub.adminToken, { labels: { zone: 1 } })).status).toBe(400);
  });
});
