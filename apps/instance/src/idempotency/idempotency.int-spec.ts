import { Keyring } from '@switchboard/crypto';
import { withClient } from '@switchboard/persistence';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';

/** Idempotency-Key on the mutating POSTs: a repeat with the same key and body returns the first response. */
describe('Idempotency-Key', () => {
  let instance: InstanceHarness;

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS, DATABASE_POOL_SIZE: '10' });
  });

  afterAll(async () => {
    await instance?.close();
  });

  const call = (method: string, path: string, token: string, body?: unknown, key?: string) =>
    instance.request(method, path, { token, body, headers: key === undefined ? {} : { 'idempotency-key': key } });

  const tenantsNamed = async (workspace: WorkspaceFixture, internalId: string) =>
    (await json(await call('GET', `/tenants?internalId=${internalId}`, workspace.adminToken()))).items;

  const usedBy = async (workspace: WorkspaceFixture, tenantKey: string) => {
    const token = workspace.tenantToken(tenantKey);
    const tenant = await json(await call('GET', '/self', token));
    return (await json(await call('GET', `/tenants/${tenant.id}/usage`, token))).used30d as number;
  };

  it('replays the first response for the same key and body, creating one tenant', async () => {
    const workspace = await seedWorkspace(instance);
    const body = { internalId: 'once', name: 'Once' };
    const first = await call('POST', '/tenants', workspace.adminToken(), body, 'k-1');
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await call('POST', '/customers', workspace.adminToken(), body, 'k-1');
    // Another path is another request, even when it reaches the same handler.
    expect(again.status).toBe(422);
    const replayed = await call('POST', '/tenants', workspace.adminToken(), body, 'k-1');
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(replayed)).toEqual(await json(first));
    expect(await tenantsNamed(workspace, 'once')).toHaveLength(1);
  });

  it('replays a recorded usage, recording it once', async () => {
    const workspace = await seedWorkspace(instance);
    const token = workspace.tenantToken('spender');
    const first = await call('POST', '/usage', token, { credits: 5, kind: 'chat' }, 'u-1');
    expect(first.status).toBe(201);
    // The same body in another key order is the same request.
    const again = await call('POST', '/usage', token, { kind: 'chat', credits: 5 }, 'u-1');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(again)).toEqual(await json(first));
    expect(await usedBy(workspace, 'spender')).toBe(5);
  });

  it('replays a restore with its status', async () => {
    const workspace = await seedWorkspace(instance);
    const tenant = await json(await call('POST', '/tenants', workspace.adminToken(), { internalId: 'r', name: 'R' }));
    await call('DELETE', `/tenants/${tenant.id}`, workspace.adminToken());
    const first = await call('POST', `/tenants/${tenant.id}/restore`, workspace.adminToken(), undefined, 'r-1');
    const again = await call('POST', `/tenants/${tenant.id}/restore`, workspace.adminToken(), undefined, 'r-1');
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(again)).toEqual(await json(first));
  });

  it('refuses the same key with another body (422), and a malformed key (400)', async () => {
    const workspace = await seedWorkspace(instance);
    const token = workspace.tenantToken('reuser');
    expect((await call('POST', '/usage', token, { credits: 1 }, 'k-2')).status).toBe(201);
    const reused = await call('POST', '/usage', token, { credits: 2 }, 'k-2');
    expect(reused.status).toBe(422);
    expect(await json(reused)).toMatchObject({ code: 'idempotency_key_reused' });
    for (const key of ['x'.repeat(256), 'has space', 'ünïcode']) {
      const response = await call('POST', '/usage', token, { credits: 1 }, key);
      expect({ key, status: response.status }).toEqual({ key, status: 400 });
      expect(await json(response)).toMatchObject({ code: 'validation_failed' });
    }
    expect(await usedBy(workspace, 'reuser')).toBe(1);
  });

  it('remembers nothing for a failed request, so it can be fixed and retried with the same key', async () => {
    const workspace = await seedWorkspace(instance);
    const admin = workspace.adminToken();
    await call('POST', '/tenants', admin, { internalId: 'taken', name: 'Taken' });
    expect((await call('POST', '/tenants', admin, { internalId: 'taken', name: 'Again' }, 'k-3')).status).toBe(409);
    expect((await call('POST', '/tenants', admin, { internalId: '', name: 'Empty' }, 'k-3')).status).toBe(400);
    const fixed = await call('POST', '/tenants', admin, { internalId: 'fixed', name: 'Fixed' }, 'k-3');
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get('idempotent-replayed')).toBeNull();
  });

  it('makes one tenant and one usage record from concurrent requests with one key', async () => {
    const workspace = await seedWorkspace(instance);
    const admin = workspace.adminToken();
    const token = workspace.tenantToken('racer');
    const [creates, usages] = await Promise.all([
      Promise.all(
        Array.from({ length: 6 }, () => call('POST', '/tenants', admin, { internalId: 'race', name: 'R' }, 'k-4')),
      ),
      Promise.all(Array.from({ length: 6 }, () => call('POST', '/usage', token, { credits: 3 }, 'k-4'))),
    ]);
    for (const responses of [creates, usages]) {
      const statuses = responses.map((response) => response.status);
      expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
      expect(statuses).toContain(201);
    }
    expect(await tenantsNamed(workspace, 'race')).toHaveLength(1);
    expect(await usedBy(workspace, 'racer')).toBe(3);
  });

  it('keeps keys per principal: per tenant, per workspace admin, per workspace', async () => {
    const workspace = await seedWorkspace(instance);
    const other = await seedWorkspace(instance);
    const tenantA = workspace.tenantToken('a');
    const tenantB = workspace.tenantToken('b');
    const a = await json(await call('GET', '/self', tenantA));
    expect((await call('POST', '/usage', tenantA, { credits: 2 }, 'shared')).status).toBe(201);

    const forB = await call('POST', '/usage', tenantB, { credits: 2 }, 'shared');
    expect(forB.status).toBe(201);
    expect(forB.headers.get('idempotent-replayed')).toBeNull();
    // Were the admin's keys the tenant's, this other body would be refused with 422.
    const forAdmin = await call('POST', '/usage', workspace.adminToken(), { credits: 2, tenantId: a.id }, 'shared');
    expect(forAdmin.status).toBe(201);
    expect(forAdmin.headers.get('idempotent-replayed')).toBeNull();
    expect(await usedBy(workspace, 'a')).toBe(4);
    expect(await usedBy(workspace, 'b')).toBe(2);

    const body = { internalId: 'elsewhere', name: 'Elsewhere' };
    expect((await call('POST', '/tenants', other.adminToken(), body, 'across')).status).toBe(201);
    const inA = await call('POST', '/tenants', workspace.adminToken(), body, 'across');
    expect(inA.status).toBe(201);
    expect(inA.headers.get('idempotent-replayed')).toBeNull();
    expect(await tenantsNamed(workspace, 'elsewhere')).toHaveLength(1);
    expect(await tenantsNamed(other, 'elsewhere')).toHaveLength(1);
  });

  it("lets a tenant scope see none of the admin's or other tenants' keys in the database", async () => {
    const workspace = await seedWorkspace(instance);
    const tenantA = workspace.tenantToken('seen-a');
    const a = await json(await call('GET', '/self', tenantA));
    await call('POST', '/usage', tenantA, { credits: 1 }, 'mine');
    await call('POST', '/usage', workspace.tenantToken('seen-b'), { credits: 1 }, 'theirs');
    await call('POST', '/tenants', workspace.adminToken(), { internalId: 'by-admin', name: 'A' }, 'admins');
    const visibleKeys = (tenantId: string) =>
      withClient(instance.database.appUrl, async (client) => {
        await client.query('BEGIN');
        await client.query("SELECT set_config('app.workspace_id', $1, true), set_config('app.tenant_id', $2, true)", [
          workspace.snapshot.workspaceId,
          tenantId,
        ]);
        const { rows } = await client.query<{ key: string }>('SELECT key FROM idempotency_keys ORDER BY key');
        await client.query('COMMIT');
        return rows.map((row) => row.key);
      });
    expect(await visibleKeys(a.id)).toEqual(['mine']);
    expect(await visibleKeys('')).toEqual(['admins', 'mine', 'theirs']);
  });

  it('forgets keys after 24 hours, and a first request that never finished after 5 minutes', async () => {
    const workspace = await seedWorkspace(instance);
    const token = workspace.tenantToken('forgetful');
    await call('POST', '/usage', token, { credits: 1 }, 'old');
    await call('POST', '/usage', token, { credits: 1 }, 'abandoned');
    await withClient(instance.database.adminUrl, async (client) => {
      await client.query(
        `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE workspace_id = $1 AND key = 'old'`,
        [workspace.snapshot.workspaceId],
      );
      await client.query(
        `UPDATE idempotency_keys SET created_at = now() - interval '6 minutes', status_code = NULL
         WHERE workspace_id = $1 AND key = 'abandoned'`,
        [workspace.snapshot.workspaceId],
      );
    });
    for (const key of ['old', 'abandoned']) {
      const response = await call('POST', '/usage', token, { credits: 2 }, key);
      expect({ key, status: response.status }).toEqual({ key, status: 201 });
    }
    expect(await usedBy(workspace, 'forgetful')).toBe(6);
  });

  it('stores responses only sealed', async () => {
    const workspace = await seedWorkspace(instance);
    const body = { internalId: 'sealed-tenant', name: 'Sealed Name', credentials: { apiKey: 'sk_live_never_plain' } };
    const first = await json(await call('POST', '/tenants', workspace.adminToken(), body, 'k-5'));
    await withClient(instance.database.adminUrl, async (client) => {
      const { rows } = await client.query<{ sealed_response: string }>(
        "SELECT sealed_response FROM idempotency_keys WHERE workspace_id = $1 AND key = 'k-5'",
        [workspace.snapshot.workspaceId],
      );
      expect(rows).toHaveLength(1);
      for (const plain of ['sk_live_never_plain', 'Sealed Name', 'sealed-tenant', first.id]) {
        expect(rows[0]!.sealed_response).not.toContain(plain);
      }
      expect(Keyring.parse(FIXTURE_KEYS).decryptJson(rows[0]!.sealed_response)).toEqual(first);
    });
  });

  it('documents the header on every mutating POST', async () => {
    const SHOWN_ONCE = ['/tenants/{id}/api-keys', '/self/api-keys'];
    // Importing a document is idempotent by its content: the same document again changes nothing.
    const IDEMPOTENT_BY_CONTENT = ['/workspace/import'];
    // The universe is read-only on an instance: these POSTs always answer 403 and change nothing.
    const ALWAYS_REFUSED = ['/universe/{utype}', '/universe/{utype}/{key}/restore'];
    const document = (await (await fetch(`${instance.url}/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<string, { parameters?: { in: string; name: string }[]; responses?: Record<string, unknown> }>
      >;
    };
    const undocumented = Object.entries(document.paths)
      // A Membrane route Switchboard does not serve (a documented 501) changes nothing.
      .filter(([, operations]) => operations['post'] && !operations['post'].responses?.['501'])
      // Creating an API key answers with the key, shown once: an idempotency record would keep it at rest for 24 h.
      .filter(([path]) => !SHOWN_ONCE.includes(path))
      .filter(([path]) => !IDEMPOTENT_BY_CONTENT.includes(path) && !ALWAYS_REFUSED.includes(path))
      .filter(
        ([, operations]) =>
          !operations['post']!.parameters?.some((p) => p.in === 'header' && p.name === 'Idempotency-Key'),
      )
      .map(([path]) => path);
    expect(undocumented).toEqual([]);
  });
});
