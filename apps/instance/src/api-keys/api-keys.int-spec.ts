import { randomBytes } from 'node:crypto';

import { withClient } from '@switchboard/persistence';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';

const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;

/** Tenant API keys, tenant roles and JWT revocation, on two replicas of one instance (one database). */
describe('tenant API keys and roles', () => {
  let first: InstanceHarness;
  let second: InstanceHarness;
  let workspace: WorkspaceFixture;
  let other: WorkspaceFixture;

  beforeAll(async () => {
    first = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    second = await startInstance(
      { ENCRYPTION_KEYS: FIXTURE_KEYS, NATS_NAMESPACE: first.namespace },
      { database: first.database },
    );
    workspace = await seedWorkspace(first);
    other = await seedWorkspace(first);
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  async function tenant(fixture = workspace): Promise<{ id: string; token: string }> {
    const token = fixture.tenantToken(unique('tenant'));
    const self = await json(await first.request('GET', '/self', { token }));
    return { id: self.id, token };
  }

  async function createKey(tenantId: string, body: Record<string, unknown>, fixture = workspace): Promise<any> {
    const response = await first.request('POST', `/tenants/${tenantId}/api-keys`, {
      token: fixture.adminToken(),
      body,
    });
    expect(response.status).toBe(201);
    return json(response);
  }

  it('lifecycle: shown once, used by both headers, listed without the key, revoked → 401 on the other replica', async () => {
    const owner = await tenant();
    const created = await json(
      await first.request('POST', '/self/api-keys', { token: owner.token, body: { name: 'ci', role: 'member' } }),
    );
    expect(created).toMatchObject({ name: 'ci', role: 'member', userId: null, expiresAt: null });
    expect(created.key).toMatch(new RegExp(`^sbk_${workspace.snapshot.key}_[A-Za-z0-9_-]{43}$`));
    expect(created.key.startsWith(created.prefix)).toBe(true);

    // Stored only as SHA-256: the key itself is nowhere in the table.
    await withClient(first.database.migrationUrl, async (client) => {
      await client.query(`SELECT set_config('app.workspace_id', $1, false)`, [workspace.snapshot.workspaceId]);
      const { rows } = await client.query(
        `SELECT encode(key_hash, 'hex') AS hash, row_to_json(k)::text AS everything FROM tenant_api_keys k WHERE id = $1`,
        [created.id],
      );
      expect(rows[0].everything).not.toContain(created.key.slice(-43));
      const expected = (await import('node:crypto')).createHash('sha256').update(created.key).digest('hex');
      expect(rows[0].hash).toBe(expected);
    });

    const byHeader = await second.request('GET', '/self', { headers: { 'x-api-key': created.key } });
    expect(byHeader.status).toBe(200);
    expect((await json(byHeader)).id).toBe(owner.id);
    const byBearer = await second.request('GET', '/tenants/self', { token: created.key });
    expect(byBearer.status).toBe(200);

    const listed = await json(await first.request('GET', '/self/api-keys', { token: owner.token }));
    expect(listed.cursor).toBeNull();
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({ id: created.id, prefix: created.prefix, role: 'member' });
    expect(listed.items[0].key).toBeUndefined();
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect(listed.items[0].lastUsedAt).not.toBeNull();

    expect((await first.request('DELETE', `/self/api-keys/${created.id}`, { token: owner.token })).status).toBe(204);
    const refused = await second.request('GET', '/self', { headers: { 'x-api-key': created.key } });
    expect(refused.status).toBe(401);
    expect((await json(refused)).code).toBe('token_revoked');
    expect((await second.request('GET', '/self', { token: created.key })).status).toBe(401);
    expect((await json(await first.request('GET', '/self/api-keys', { token: owner.token }))).items).toEqual([]);
    // Revoked once; a second revoke finds nothing.
    expect((await first.request('DELETE', `/self/api-keys/${created.id}`, { token: owner.token })).status).toBe(404);
  });

  it('refuses to create a key with a Switch Account token (act): the key would outlive its hour', async () => {
    const internalId = unique('switched');
    const acting = workspace.tenantToken(internalId, { act: { sub: '6f1c1c8e-6a55-4d7e-9d0c-2f2b8a1e0b11' } });
    const self = await json(await first.request('GET', '/self', { token: acting }));
    for (const path of ['/self/api-keys', `/tenants/${self.id}/api-keys`]) {
      const refused = await first.request('POST', path, { token: acting, body: { name: 'kept', role: 'owner' } });
      expect(refused.status).toBe(403);
      expect(await json(refused)).toMatchObject({
        code: 'forbidden',
        detail: expect.stringContaining('Switch Account'),
      });
    }
    // Nothing was created; the tenant's own token (no act) still may.
    const owner = workspace.tenantToken(internalId);
    expect((await json(await first.request('GET', '/self/api-keys', { token: owner }))).items).toEqual([]);
    expect((await first.request('POST', '/self/api-keys', { token: owner, body: { name: 'own' } })).status).toBe(201);
  });

  it('refuses an expired key', async () => {
    const owner = await tenant();
    const created = await createKey(owner.id, { name: 'short', expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await first.request('GET', '/self', { headers: { 'x-api-key': created.key } })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const refused = await first.request('GET', '/self', { headers: { 'x-api-key': created.key } });
    expect(refused.status).toBe(401);
    expect((await json(refused)).code).toBe('token_expired');
    const past = await first.request('POST', `/tenants/${owner.id}/api-keys`, {
      token: workspace.adminToken(),
      body: { name: 'past', expiresAt: new Date(Date.now() - 1000).toISOString() },
    });
    expect(past.status).toBe(400);
  });

  it("refuses another workspace's key, and a key re-labelled with another workspace", async () => {
    const foreign = await tenant(other);
    const created = await createKey(foreign.id, { name: 'theirs', role: 'owner' }, other);
    // Their key works for them, never for workspace A's data.
    expect((await first.request('GET', '/self', { headers: { 'x-api-key': created.key } })).status).toBe(200);
    const relabelled = created.key.replace(`sbk_${other.snapshot.key}_`, `sbk_${workspace.snapshot.key}_`);
    expect((await first.request('GET', '/self', { headers: { 'x-api-key': relabelled } })).status).toBe(401);
    // An admin of A cannot list or revoke B's tenant's keys: B's tenant does not exist for it.
    const mine = await tenant();
    expect(
      (await first.request('GET', `/tenants/${foreign.id}/api-keys`, { token: workspace.adminToken() })).status,
    ).toBe(404);
    expect(
      (
        await first.request('DELETE', `/tenants/${mine.id}/api-keys/${created.id}`, {
          token: workspace.adminToken(),
        })
      ).status,
    ).toBe(404);
    expect((await first.request('GET', '/self', { headers: { 'x-api-key': 'sbk_nope' } })).status).toBe(401);
  });

  it('refuses a key whose row is gone, on a replica that has authenticated it before', async () => {
    const owner = await tenant();
    const created = await createKey(owner.id, { name: 'gone' });
    for (let i = 0; i < 2; i++) {
      expect((await second.request('GET', '/self', { headers: { 'x-api-key': created.key } })).status).toBe(200);
    }
    await withClient(first.database.migrationUrl, async (client) => {
      await client.query(`SELECT set_config('app.workspace_id', $1, false)`, [workspace.snapshot.workspaceId]);
      expect((await client.query('DELETE FROM tenant_api_keys WHERE id = $1', [created.id])).rowCount).toBe(1);
    });
    for (let i = 0; i < 2; i++) {
      const refused = await second.request('GET', '/self', { headers: { 'x-api-key': created.key } });
      expect(refused.status).toBe(401);
      expect((await json(refused)).code).toBe('invalid_token');
    }
  });

  it("refuses a well-formed key it does not hold, and an archived tenant's key until the tenant is restored", async () => {
    const unknown = `sbk_${workspace.snapshot.key}_${randomBytes(32).toString('base64url')}`;
    const refused = await first.request('GET', '/self', { headers: { 'x-api-key': unknown } });
    expect(refused.status).toBe(401);
    expect((await json(refused)).code).toBe('invalid_token');

    const owner = await tenant();
    const created = await createKey(owner.id, { name: 'archived' });
    const admin = { token: workspace.adminToken() };
    expect((await first.request('DELETE', `/tenants/${owner.id}`, admin)).status).toBe(200);
    const archived = await second.request('GET', '/self', { headers: { 'x-api-key': created.key } });
    expect(archived.status).toBe(403);
    expect((await json(archived)).code).toBe('tenant_archived');
    expect((await first.request('POST', `/tenants/${owner.id}/restore`, admin)).status).toBe(200);
    const restored = await second.request('GET', '/self', { headers: { 'x-api-key': created.key } });
    expect(restored.status).toBe(200);
    expect((await json(restored)).id).toBe(owner.id);
  });

  it("enforces a key's role: a viewer reads but cannot write; a member cannot manage keys or credentials", async () => {
    const owner = await tenant();
    const viewer = await createKey(owner.id, { name: 'viewer', role: 'viewer' });
    const member = await createKey(owner.id, { name: 'member', role: 'member', userId: 'user-7' });
    const asViewer = { headers: { 'x-api-key': viewer.key } };
    const asMember = { headers: { 'x-api-key': member.key } };

    expect((await first.request('GET', '/self', asViewer)).status).toBe(200);
    const write = await first.request('PATCH', '/self', { ...asViewer, body: { name: 'Renamed' } });
    expect(write.status).toBe(403);
    expect((await json(write)).code).toBe('forbidden');
    expect((await first.request('POST', '/usage', { ...asViewer, body: { credits: 1 } })).status).toBe(403);

    expect((await first.request('PATCH', '/self', { ...asMember, body: { name: 'Renamed' } })).status).toBe(200);
    expect(
      (await first.request('PATCH', '/self', { ...asMember, body: { credentials: { apiKey: 'x' } } })).status,
    ).toBe(403);
    expect((await first.request('GET', '/self/api-keys', asMember)).status).toBe(403);
    expect((await first.request('POST', '/self/api-keys', { ...asMember, body: { name: 'more' } })).status).toBe(403);

    // Activity logs name the caller: the member's key and its user; the admin that made the keys.
    const logs = await json(await first.request('GET', '/activity-logs', { token: owner.token }));
    const renamed = logs.items.find((entry: { type: string }) => entry.type === 'tenant.renamed');
    expect(renamed?.actor).toEqual({ type: 'api_key', id: member.id, userId: 'user-7' });
    const created = logs.items.filter((entry: { type: string }) => entry.type === 'api_key.created');
    expect(created.map((entry: { actor: unknown }) => entry.actor)).toEqual([
      { type: 'admin', id: null },
      { type: 'admin', id: null },
    ]);

    // A JWT's role claim is honoured the same way.
    const viewerToken = workspace.tenantToken(unique('jwt-viewer'), { role: 'viewer' });
    expect((await first.request('GET', '/self', { token: viewerToken })).status).toBe(200);
    expect((await first.request('PATCH', '/self', { token: viewerToken, body: { name: 'x' } })).status).toBe(403);
    const badRole = workspace.tenantToken(unique('jwt-bad'), { role: 'root' });
    expect((await first.request('GET', '/self', { token: badRole })).status).toBe(401);
  });

  it("revokes a tenant's JWTs issued before now, on both replicas, leaving its API keys working", async () => {
    const internalId = unique('revoked');
    const token = workspace.tenantToken(internalId);
    const self = await json(await first.request('GET', '/self', { token }));
    expect((await second.request('GET', '/self', { token })).status).toBe(200); // cached on the second replica
    const key = await createKey(self.id, { name: 'survives', role: 'viewer' });

    const tenantRevoke = await first.request('POST', `/tenants/${self.id}/revoke-tokens`, { token });
    expect(tenantRevoke.status).toBe(403);
    const revoked = await first.request('POST', `/tenants/${self.id}/revoke-tokens`, { token: workspace.adminToken() });
    expect(revoked.status).toBe(200);
    const { revokedBefore } = await json(revoked);

    for (const replica of [first, second]) {
      let status = 0;
      for (let attempt = 0; attempt < 20 && status !== 401; attempt++) {
        const response = await replica.request('GET', '/self', { token });
        status = response.status;
        if (status === 401) expect((await json(response)).code).toBe('token_revoked');
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status).toBe(401);
    }
    // A token issued after the revocation is accepted.
    const fresh = workspace.sign({ tenantKey: internalId, iat: Math.floor(Date.parse(revokedBefore) / 1000) + 1 });
    expect((await second.request('GET', '/self', { token: fresh })).status).toBe(200);
    expect((await second.request('GET', '/self', { headers: { 'x-api-key': key.key } })).status).toBe(200);
  });
});
