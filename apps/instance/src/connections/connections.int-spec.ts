import { randomUUID } from 'node:crypto';

import { Keyring } from '@switchboard/crypto';
import { withClient } from '@switchboard/persistence';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';

const SECRET = 'connection-credential-7c1e';
const CREDENTIALS = { apiKey: SECRET };
const MISSING = '00000000-0000-4000-8000-000000000000';

interface Connection {
  id: string;
  tenantId: string;
  integrationId: string;
  integrationKey: string;
  name: string;
  disconnected: boolean;
  archivedAt: string | null;
}

describe('connections', () => {
  let instance: InstanceHarness;
  let workspace: WorkspaceFixture;
  let other: WorkspaceFixture;
  let crm: { id: string; key: string; name: string };
  let foreignIntegration: { id: string };
  const tenants: Record<'alice' | 'bob' | 'carol', { id: string; token: () => string }> = {} as never;
  /** Every response body and where it came from, to prove where credentials appear. */
  const bodies: { path: string; body: string }[] = [];

  const admin = () => workspace.adminToken();
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await instance.request(method, path, { token, body });
    bodies.push({ path, body: await response.clone().text() });
    return response;
  };
  const connect = async (token: string, body: Record<string, unknown> = {}): Promise<Connection> => {
    const response = await call('POST', '/connections', token, {
      integrationKey: 'crm',
      credentials: CREDENTIALS,
      ...body,
    });
    expect(response.status).toBe(201);
    return (await json(response)) as Connection;
  };
  const events = (connectionId: string) =>
    withClient(instance.database.adminUrl, async (client) => {
      const { rows } = await client.query<{ type: string; tenant_id: string; data: Record<string, unknown> }>(
        "SELECT type, tenant_id, data FROM events WHERE data->>'id' = $1 ORDER BY seq",
        [connectionId],
      );
      return rows;
    });
  const activity = async (tenantId: string) =>
    (await json(await call('GET', `/activity-logs?tenantId=${tenantId}&limit=1000`, admin()))).items as {
      type: string;
      data: Record<string, unknown>;
    }[];

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    workspace = await seedWorkspace(instance);
    other = await seedWorkspace(instance);
    const integration = (fixture: WorkspaceFixture, key: string) =>
      instance
        .request('POST', '/integrations', {
          token: fixture.adminToken(),
          body: { key, name: `The ${key}`, authType: 'api-key' },
        })
        .then(json);
    crm = await integration(workspace, 'crm');
    await integration(workspace, 'billing');
    await integration(workspace, 'retired');
    await instance.request('DELETE', '/integrations/retired', { token: admin() });
    foreignIntegration = await integration(other, 'crm');
    for (const [name, fixture] of [
      ['alice', workspace],
      ['bob', workspace],
      ['carol', other],
    ] as const) {
      const token = () => fixture.tenantToken(name);
      const self = await json(await instance.request('GET', '/self', { token: token() }));
      tenants[name] = { id: self.id, token };
    }
  });

  afterAll(async () => {
    await instance?.close();
  });

  it('a tenant connects itself; credentials are stored encrypted, never returned, and an event is enqueued', async () => {
    const connection = await connect(tenants.alice.token(), { input: { region: 'eu' } });
    expect(connection).toEqual({
      id: expect.any(String),
      tenantId: tenants.alice.id,
      userId: tenants.alice.id,
      integrationId: crm.id,
      integrationKey: 'crm',
      name: 'The crm',
      input: { region: 'eu' },
      disconnected: false,
      hasCredentials: true,
      shared: false,
      inherited: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      archivedAt: null,
    });
    const [row] = await withClient(instance.database.adminUrl, async (client) => {
      const { rows } = await client.query<{ workspace_id: string; tenant_id: string; sealed_credentials: string }>(
        'SELECT workspace_id, tenant_id, sealed_credentials FROM connections WHERE id = $1',
        [connection.id],
      );
      return rows;
    });
    expect(row).toMatchObject({ workspace_id: workspace.snapshot.workspaceId, tenant_id: tenants.alice.id });
    expect(row!.sealed_credentials).not.toContain(SECRET);
    expect(Keyring.parse(FIXTURE_KEYS).decryptJson(row!.sealed_credentials)).toEqual(CREDENTIALS);
    expect(await events(connection.id)).toEqual([
      { type: 'connection.created', tenant_id: tenants.alice.id, data: connection },
    ]);
    expect((await activity(tenants.alice.id)).map((entry) => entry.type)).toContain('connection.created');
  });

  it('an admin connects the tenant it names; a tenant token may name only itself', async () => {
    const named = await connect(admin(), { tenantId: tenants.bob.id, name: 'Bob via admin' });
    expect(named).toMatchObject({ tenantId: tenants.bob.id, name: 'Bob via admin' });

    const unnamed = await call('POST', '/connections', admin(), { integrationKey: 'crm', credentials: CREDENTIALS });
    expect(unnamed.status).toBe(400);
    expect((await json(unnamed)).errors).toEqual([expect.objectContaining({ field: 'tenantId' })]);
    const itself = await connect(tenants.alice.token(), { tenantId: tenants.alice.id, name: 'Alice, named' });
    expect(itself).toMatchObject({ tenantId: tenants.alice.id, name: 'Alice, named' });
    for (const tenantId of [tenants.bob.id, tenants.carol.id, MISSING]) {
      const response = await call('POST', '/connections', tenants.alice.token(), {
        integrationKey: 'crm',
        credentials: CREDENTIALS,
        tenantId,
      });
      expect(response.status).toBe(403);
    }
    for (const tenantId of [tenants.carol.id, MISSING]) {
      const response = await call('POST', '/connections', admin(), {
        integrationKey: 'crm',
        credentials: CREDENTIALS,
        tenantId,
      });
      expect(response.status).toBe(404);
    }
    const leaving = await json(await call('GET', '/self', workspace.tenantToken('leaving')));
    expect((await call('DELETE', `/tenants/${leaving.id}`, admin())).status).toBe(200);
    const archived = await call('POST', '/connections', admin(), {
      integrationKey: 'crm',
      credentials: CREDENTIALS,
      tenantId: leaving.id,
    });
    expect(archived.status).toBe(422);
  });

  it('refuses unknown and archived integrations with a clear 422; takes integrationId too', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ integrationKey: 'nope' }, 'integrationKey', /does not exist/],
      [{ integrationKey: 'retired' }, 'integrationKey', /archived/],
      [{ integrationId: foreignIntegration.id }, 'integrationId', /does not exist/],
      [{ integrationId: MISSING }, 'integrationId', /does not exist/],
    ];
    for (const [body, field, detail] of cases) {
      const response = await call('POST', '/connections', tenants.alice.token(), { credentials: CREDENTIALS, ...body });
      expect(response.status).toBe(422);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
      const problem = await json(response);
      expect(problem).toMatchObject({ code: 'validation_failed', errors: [{ field }] });
      expect(problem.detail).toMatch(detail);
    }
    const byId = await connect(tenants.alice.token(), { integrationKey: undefined, integrationId: crm.id });
    expect(byId).toMatchObject({ integrationKey: 'crm', integrationId: crm.id });
    const both = await call('POST', '/connections', tenants.alice.token(), {
      integrationKey: 'crm',
      integrationId: crm.id,
      credentials: CREDENTIALS,
    });
    expect(both.status).toBe(400);
  });

  it('lists: a tenant its own, an admin every tenant or one; by integration; archived only when asked', async () => {
    const fixture = await seedWorkspace(instance);
    await instance.request('POST', '/integrations', {
      token: fixture.adminToken(),
      body: { key: 'crm', name: 'CRM', authType: 'oauth2' },
    });
    await instance.request('POST', '/integrations', {
      token: fixture.adminToken(),
      body: { key: 'erp', name: 'ERP', authType: 'oauth2' },
    });
    const dave = fixture.tenantToken('dave');
    const erin = fixture.tenantToken('erin');
    const daveCrm = await connect(dave, { name: 'dave-crm' });
    const daveErp = await connect(dave, { name: 'dave-erp', integrationKey: 'erp' });
    const erinCrm = await connect(erin, { name: 'erin-crm' });
    const names = async (path: string, token: string) =>
      (await json(await call('GET', path, token))).items.map((item: Connection) => item.name);

    expect(await names('/connections', dave)).toEqual(['dave-crm', 'dave-erp']);
    expect(await names('/connections', erin)).toEqual(['erin-crm']);
    expect(await names('/connections', fixture.adminToken())).toEqual(['dave-crm', 'dave-erp', 'erin-crm']);
    expect(await names(`/connections?tenantId=${erinCrm.tenantId}`, fixture.adminToken())).toEqual(['erin-crm']);
    expect(await names(`/connections?userId=${daveCrm.tenantId}`, fixture.adminToken())).toEqual([
      'dave-crm',
      'dave-erp',
    ]);
    expect(await names('/connections?integrationKey=erp', fixture.adminToken())).toEqual(['dave-erp']);
    expect(await names(`/connections?integrationId=${daveErp.integrationId}`, dave)).toEqual(['dave-erp']);
    expect(await names('/connections?search=ERIN', fixture.adminToken())).toEqual(['erin-crm']);
    expect((await call('GET', `/connections?tenantId=${erinCrm.tenantId}`, dave)).status).toBe(403);
    expect(await names(`/connections?tenantId=${daveCrm.tenantId}`, dave)).toEqual(['dave-crm', 'dave-erp']);

    await call('PATCH', `/connections/${daveErp.id}`, dave, { disconnected: true });
    expect(await names('/connections?disconnected=true', dave)).toEqual(['dave-erp']);
    await call('DELETE', `/connections/${daveCrm.id}`, dave);
    expect(await names('/connections', dave)).toEqual(['dave-erp']);
    expect(await names('/connections?includeArchived=true', dave)).toEqual(['dave-crm', 'dave-erp']);

    const seen: string[] = [];
    let cursor = '0';
    for (;;) {
      const page = await json(
        await call('GET', `/connections?includeArchived=true&limit=2&cursor=${cursor}`, fixture.adminToken()),
      );
      seen.push(...page.items.map((item: Connection) => item.name));
      if (!page.cursor) break;
      cursor = page.cursor;
    }
    expect(seen).toEqual(['dave-crm', 'dave-erp', 'erin-crm']);
  });

  it('the owner or an admin changes (PATCH) and replaces (PUT); disconnecting emits one event', async () => {
    const connection = await connect(tenants.alice.token(), { name: 'Mine', input: { a: 1 } });
    const patched = await json(
      await call('PATCH', `/connections/${connection.id}`, tenants.alice.token(), { name: 'Renamed' }),
    );
    expect(patched).toMatchObject({ name: 'Renamed', input: { a: 1 }, hasCredentials: true, disconnected: false });
    const disconnected = await json(
      await call('PATCH', `/connections/${connection.id}`, admin(), { disconnected: true, input: { a: 2 } }),
    );
    expect(disconnected).toMatchObject({ name: 'Renamed', input: { a: 2 }, disconnected: true });
    await call('PATCH', `/connections/${connection.id}`, tenants.alice.token(), { disconnected: true });
    const cleared = await json(
      await call('PATCH', `/connections/${connection.id}`, tenants.alice.token(), { credentials: null }),
    );
    expect(cleared.hasCredentials).toBe(false);
    const replaced = await json(
      await call('PUT', `/connections/${connection.id}`, tenants.alice.token(), { credentials: CREDENTIALS }),
    );
    expect(replaced).toMatchObject({
      id: connection.id,
      name: 'The crm',
      input: {},
      disconnected: false,
      hasCredentials: true,
      integrationKey: 'crm',
      tenantId: tenants.alice.id,
    });
    expect((await events(connection.id)).map((event) => event.type)).toEqual([
      'connection.created',
      'connection.disconnected',
    ]);
    const [, disconnectEvent] = await events(connection.id);
    expect(disconnectEvent!.data).toEqual(disconnected);
  });

  it('DELETE archives (the owner or an admin) and emits connection.archived once', async () => {
    const mine = await connect(tenants.alice.token());
    const archived = await call('DELETE', `/connections/${mine.id}`, tenants.alice.token());
    expect(archived.status).toBe(200);
    const body = await json(archived);
    expect(body.archivedAt).toEqual(expect.any(String));
    expect((await call('DELETE', `/connections/${mine.id}`, admin())).status).toBe(200);
    expect(await json(await call('GET', `/connections/${mine.id}`, tenants.alice.token()))).toEqual(body);
    expect((await events(mine.id)).map((event) => [event.type, event.data.archivedAt])).toEqual([
      ['connection.created', null],
      ['connection.archived', body.archivedAt],
    ]);
    const bobs = await connect(tenants.bob.token());
    expect((await call('DELETE', `/connections/${bobs.id}`, admin())).status).toBe(200);
  });

  it('reveals credentials only to admins, through /credentials or includeSecrets=true, each read logged', async () => {
    const connection = await connect(tenants.bob.token());
    const owner = tenants.bob.token();
    expect((await call('GET', `/connections/${connection.id}/credentials`, owner)).status).toBe(403);
    expect((await call('GET', `/connections/${connection.id}?includeSecrets=true`, owner)).status).toBe(403);
    const plain = await call('GET', `/connections/${connection.id}?includeSecrets=false`, owner);
    expect(plain.status).toBe(200);
    expect(await json(plain)).not.toHaveProperty('credentials');

    const read = await json(await call('GET', `/connections/${connection.id}/credentials`, admin()));
    expect(read).toEqual({ credentials: CREDENTIALS });
    const withSecrets = await json(await call('GET', `/connections/${connection.id}?includeSecrets=true`, admin()));
    expect(withSecrets).toMatchObject({ id: connection.id, credentials: CREDENTIALS });
    const reads = (await activity(tenants.bob.id)).filter(
      (entry) => entry.type === 'connection.credentials_read' && entry.data['connectionId'] === connection.id,
    );
    expect(reads).toHaveLength(2);
    expect(JSON.stringify(reads)).not.toContain(SECRET);
  });

  it("another tenant can do nothing with a tenant's connection: every route is 404 (or 403 for admin-only ones)", async () => {
    const connection = await connect(tenants.alice.token());
    const bob = tenants.bob.token();
    const path = `/connections/${connection.id}`;
    expect((await call('GET', path, bob)).status).toBe(404);
    expect((await call('GET', `${path}?includeSecrets=false`, bob)).status).toBe(404);
    expect((await call('PATCH', path, bob, { name: 'pwned', disconnected: true })).status).toBe(404);
    expect((await call('PUT', path, bob, { name: 'pwned' })).status).toBe(404);
    expect((await call('DELETE', path, bob)).status).toBe(404);
    expect((await call('GET', `${path}/credentials`, bob)).status).toBe(403);
    expect((await call('GET', `${path}?includeSecrets=true`, bob)).status).toBe(403);
    const listed = await json(await call('GET', '/connections?includeArchived=true&limit=1000', bob));
    expect(listed.items.length).toBeGreaterThan(0);
    expect(listed.items.every((item: Connection) => item.tenantId === tenants.bob.id)).toBe(true);
    expect((await call('GET', `/connections?tenantId=${tenants.alice.id}`, bob)).status).toBe(403);
    // Unchanged by any of it.
    expect(await json(await call('GET', path, tenants.alice.token()))).toEqual(connection);
    expect(await events(connection.id)).toHaveLength(1);
  });

  it("an admin or tenant of another workspace sees nothing of this workspace's integrations and connections", async () => {
    const connection = await connect(tenants.alice.token());
    const path = `/connections/${connection.id}`;
    for (const token of [other.adminToken(), tenants.carol.token()]) {
      expect((await call('GET', path, token)).status).toBe(404);
      expect((await call('PATCH', path, token, { name: 'pwned' })).status).toBe(404);
      expect((await call('PUT', path, token, { name: 'pwned' })).status).toBe(404);
      expect((await call('DELETE', path, token)).status).toBe(404);
      expect((await call('GET', `/integrations/${crm.id}`, token)).status).toBe(404);
      const listed = await json(await call('GET', '/connections?includeArchived=true&limit=1000', token));
      expect(listed.items.find((item: Connection) => item.id === connection.id)).toBeUndefined();
      const integrations = await json(await call('GET', '/integrations?includeArchived=true&limit=1000', token));
      expect(integrations.items.find((item: { id: string }) => item.id === crm.id)).toBeUndefined();
    }
    expect((await call('GET', `${path}/credentials`, other.adminToken())).status).toBe(404);
    expect((await call('GET', `${path}?includeSecrets=true`, other.adminToken())).status).toBe(404);
    expect((await call('GET', `/connections?tenantId=${tenants.alice.id}`, other.adminToken())).status).toBe(200);
    expect(
      (await json(await call('GET', `/connections?tenantId=${tenants.alice.id}`, other.adminToken()))).items,
    ).toEqual([]);
    expect(await json(await call('GET', path, admin()))).toEqual(connection);
  });

  describe('in the database', () => {
    it("a connection cannot point at another workspace's integration or tenant", async () => {
      await withClient(instance.database.adminUrl, async (client) => {
        const insert = (tenantId: string, integrationId: string) =>
          client.query(
            "INSERT INTO connections (workspace_id, tenant_id, integration_id, name) VALUES ($1, $2, $3, 'x')",
            [workspace.snapshot.workspaceId, tenantId, integrationId],
          );
        await expect(insert(tenants.alice.id, foreignIntegration.id)).rejects.toThrow(/foreign key/);
        await expect(insert(tenants.carol.id, crm.id)).rejects.toThrow(/foreign key/);
      });
    });

    it("the application role in a tenant scope sees only that tenant's connections and cannot write integrations", async () => {
      await connect(tenants.bob.token());
      await withClient(instance.database.appUrl, async (client) => {
        const inScope = async <T>(tenantId: string, work: () => Promise<T>): Promise<T> => {
          await client.query('BEGIN');
          try {
            await client.query(
              "SELECT set_config('app.workspace_id', $1, true), set_config('app.tenant_id', $2, true)",
              [workspace.snapshot.workspaceId, tenantId],
            );
            return await work();
          } finally {
            await client.query('ROLLBACK');
          }
        };
        const owners = await inScope(tenants.alice.id, async () => {
          const { rows } = await client.query<{ tenant_id: string }>('SELECT DISTINCT tenant_id FROM connections');
          return rows.map((row) => row.tenant_id);
        });
        expect(owners).toEqual([tenants.alice.id]);
        const visible = await inScope(tenants.alice.id, async () => {
          const { rows } = await client.query<{ key: string }>('SELECT key FROM integrations ORDER BY key');
          return rows.map((row) => row.key);
        });
        expect(visible).toEqual(['billing', 'crm', 'retired']);
        await expect(
          inScope(tenants.alice.id, () =>
            client.query(
              "INSERT INTO integrations (workspace_id, key, name, auth_type) VALUES ($1, 'x', 'X', 'none')",
              [workspace.snapshot.workspaceId],
            ),
          ),
        ).rejects.toThrow(/row-level security/);
        await expect(
          inScope(tenants.alice.id, () => client.query("UPDATE integrations SET name = 'pwned'")),
        ).rejects.toThrow(/row-level security/);
        const noScope = await client.query('SELECT count(*)::int AS count FROM connections');
        expect(noScope.rows).toEqual([{ count: 0 }]);
      });
    });
  });

  describe('bad input', () => {
    const valid = { integrationKey: 'crm', credentials: CREDENTIALS };
    it.each([
      [{ credentials: CREDENTIALS }, 'integrationKey'],
      [{ ...valid, integrationKey: 7 }, 'integrationKey'],
      [{ ...valid, integrationKey: '' }, 'integrationKey'],
      [{ ...valid, integrationKey: 'not a key' }, 'integrationKey'],
      [{ credentials: CREDENTIALS, integrationId: 'not-a-uuid' }, 'integrationId'],
      [{ integrationKey: 'crm' }, 'credentials'],
      [{ ...valid, credentials: 'secret' }, 'credentials'],
      [{ ...valid, credentials: [SECRET] }, 'credentials'],
      [{ ...valid, credentials: null }, 'credentials'],
      [{ ...valid, name: '' }, 'name'],
      [{ ...valid, name: 12 }, 'name'],
      [{ ...valid, input: 'x' }, 'input'],
      [{ ...valid, input: [1] }, 'input'],
      [{ ...valid, tenantId: 'not-a-uuid' }, 'tenantId'],
      [{ ...valid, disconnected: true }, 'disconnected'],
      [{ ...valid, extra: 1 }, 'extra'],
    ])('POST %j → 400 naming %s', async (body, field) => {
      const response = await call('POST', '/connections', tenants.alice.token(), body);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
      const problem = await json(response);
      expect(problem.code).toBe('validation_failed');
      expect(problem.errors.map((error: { field: string }) => error.field)).toContain(field);
    });

    it.each([
      ['PATCH', { name: '' }, 'name'],
      ['PATCH', { name: false }, 'name'],
      ['PATCH', { credentials: 'x' }, 'credentials'],
      ['PATCH', { input: null }, 'input'],
      ['PATCH', { name: null }, 'name'],
      ['PATCH', { disconnected: null }, 'disconnected'],
      ['PATCH', { disconnected: 'yes' }, 'disconnected'],
      ['PATCH', { integrationKey: 'billing' }, 'integrationKey'],
      ['PATCH', { tenantId: randomUUID() }, 'tenantId'],
      ['PUT', { credentials: [1] }, 'credentials'],
      ['PUT', { disconnected: 1 }, 'disconnected'],
      ['PUT', { archivedAt: null }, 'archivedAt'],
    ])('%s %j → 400 naming %s', async (method, body, field) => {
      const connection = await connect(tenants.alice.token());
      const response = await call(method, `/connections/${connection.id}`, tenants.alice.token(), body);
      expect(response.status).toBe(400);
      expect((await json(response)).errors.map((error: { field: string }) => error.field)).toContain(field);
    });

    it.each([
      ['GET', '/connections/not-a-uuid'],
      ['GET', '/connections/123/credentials'],
      ['PATCH', '/connections/not-a-uuid'],
      ['PUT', '/connections/not-a-uuid'],
      ['DELETE', '/connections/not-a-uuid'],
      ['GET', `/connections/${MISSING}?includeSecrets=maybe`],
      ['GET', `/connections/${MISSING}?other=1`],
      ['GET', '/connections?limit=0'],
      ['GET', '/connections?limit=1001'],
      ['GET', '/connections?cursor=garbage'],
      ['GET', '/connections?includeArchived=maybe'],
      ['GET', '/connections?disconnected=2'],
      ['GET', '/connections?tenantId=nope'],
      ['GET', '/connections?integrationId=nope'],
      ['GET', '/connections?includeSecrets=true'],
    ])('%s %s → 400', async (method, path) => {
      const response = await call(method, path, admin(), method === 'PATCH' || method === 'PUT' ? {} : undefined);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    });

    it('an unknown connection id is 404 on every route, and malformed JSON is 400', async () => {
      for (const [method, path] of [
        ['GET', `/connections/${MISSING}`],
        ['PATCH', `/connections/${MISSING}`],
        ['PUT', `/connections/${MISSING}`],
        ['DELETE', `/connections/${MISSING}`],
        ['GET', `/connections/${MISSING}/credentials`],
      ]) {
        const response = await call(method!, path!, admin(), method === 'PATCH' || method === 'PUT' ? {} : undefined);
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
      }
      const malformed = await fetch(`${instance.url}/connections`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenants.alice.token()}`, 'content-type': 'application/json' },
        body: '{"integrationKey": ',
      });
      expect(malformed.status).toBe(400);
    });
  });

  // Last, after every other test here has called the API.
  it('credentials appeared in no response but the admin credentials reads', () => {
    const leaks = bodies.filter(
      ({ path, body }) => body.includes(SECRET) && !/\/credentials$|includeSecrets=true/.test(path),
    );
    expect(bodies.filter(({ body }) => body.includes(SECRET)).length).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
  });
});
