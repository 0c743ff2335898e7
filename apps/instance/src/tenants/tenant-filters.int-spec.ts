import { withClient } from '@switchboard/persistence';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';

interface Listed {
  id: string;
  internalId: string;
  isTest: boolean;
  isActive: boolean;
  lastActiveAt: string | null;
}

/** Tenants' isTest, isActive and lastActiveAt, and the list filters Membrane's SDK sends (tenants and connections). */
describe('tenant activity and list filters', () => {
  let instance: InstanceHarness;
  let workspace: WorkspaceFixture;
  let other: WorkspaceFixture;

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    workspace = await seedWorkspace(instance);
    other = await seedWorkspace(instance);
  });

  afterAll(async () => {
    await instance?.close();
  });

  const admin = () => workspace.adminToken();
  const call = (method: string, path: string, token: string, body?: unknown) =>
    instance.request(method, path, { token, body });
  const sql = <Row extends object>(text: string, values: unknown[] = []) =>
    withClient(instance.database.adminUrl, async (client) => (await client.query<Row & object>(text, values)).rows);
  const ids = async (path: string, token = admin()): Promise<string[]> => {
    const response = await call('GET', path, token);
    expect(response.status).toBe(200);
    return ((await json(response)).items as Listed[]).map((tenant) => tenant.internalId).sort();
  };
  const create = async (internalId: string, body: Record<string, unknown> = {}): Promise<Listed> => {
    const response = await call('POST', '/tenants', admin(), { internalId, name: internalId, ...body });
    expect(response.status).toBe(201);
    return (await json(response)) as Listed;
  };
  const lastActiveAt = async (id: string): Promise<Date | null> => {
    const [row] = await sql<{ last_active_at: Date | null }>('SELECT last_active_at FROM tenants WHERE id = $1', [id]);
    return row?.last_active_at ?? null;
  };
  /** The activity write is not awaited by the request: wait (bounded) for it to land. */
  const until = async (check: () => Promise<boolean>): Promise<void> => {
    for (let i = 0; i < 100; i++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('timed out waiting');
  };

  it('isTest: set on create and PATCH, cleared by PUT, filtered by ?isTest on /tenants and /customers', async () => {
    const test = await create('f-test', { isTest: true });
    const real = await create('f-real');
    expect(test).toMatchObject({ isTest: true, isActive: false, lastActiveAt: null });
    expect(real).toMatchObject({ isTest: false });

    for (const base of ['/tenants', '/customers']) {
      expect(await ids(`${base}?search=f-&isTest=true`)).toEqual(['f-test']);
      expect(await ids(`${base}?search=f-&isTest=false`)).toEqual(['f-real']);
      expect(await ids(`${base}?search=f-`)).toEqual(['f-real', 'f-test']);
    }

    expect(await json(await call('PATCH', `/tenants/${real.id}`, admin(), { isTest: true }))).toMatchObject({
      isTest: true,
    });
    expect(await ids('/tenants?search=f-&isTest=true')).toEqual(['f-real', 'f-test']);
    expect(await ids('/tenants?search=f-&isTest=false')).toEqual([]);
    // PATCH without isTest keeps it; PUT without it resets it.
    expect(await json(await call('PATCH', `/tenants/${real.id}`, admin(), { name: 'R' }))).toMatchObject({
      isTest: true,
    });
    expect(
      await json(await call('PUT', `/tenants/${real.id}`, admin(), { internalId: 'f-real', name: 'R' })),
    ).toMatchObject({ isTest: false });
  });

  it('lastActiveAt follows token requests; isActive means active within 30 days, and ?isActive filters on it', async () => {
    const idle = await create('a-idle');
    const self = await json(await call('GET', '/self', workspace.tenantToken('a-busy')));
    // The request that created the tenant is its first activity.
    await until(async () => (await lastActiveAt(self.id)) !== null);
    const got = await json(await call('GET', `/tenants/${self.id}`, admin()));
    expect(got.isActive).toBe(true);
    expect(Date.now() - Date.parse(got.lastActiveAt)).toBeLessThan(60_000);
    expect(await lastActiveAt(idle.id)).toBeNull();

    expect(await ids('/tenants?search=a-&isActive=true')).toEqual(['a-busy']);
    expect(await ids('/customers?search=a-&isActive=false')).toEqual(['a-idle']);
    expect(await ids('/tenants?search=a-&isActive=true&isTest=true')).toEqual([]);

    // Activity older than the window does not count.
    await sql("UPDATE tenants SET last_active_at = now() - interval '31 days' WHERE id = $1", [self.id]);
    expect(await ids('/tenants?search=a-&isActive=true')).toEqual([]);
    expect(await ids('/tenants?search=a-&isActive=false')).toEqual(['a-busy', 'a-idle']);
    expect(await json(await call('GET', `/tenants/${self.id}`, admin()))).toMatchObject({ isActive: false });
  });

  it('touches a tenant row at most once a minute, whatever the number of requests or replicas', async () => {
    const token = workspace.tenantToken('t-touch');
    const { id } = await json(await call('GET', '/self', token));
    await until(async () => (await lastActiveAt(id)) !== null);
    const first = await lastActiveAt(id);
    const [before] = await sql<{ xmin: string }>('SELECT xmin FROM tenants WHERE id = $1', [id]);
    await Promise.all(Array.from({ length: 20 }, () => call('GET', '/self', token)));
    // The database side alone, as another replica would call it: a touch within the minute writes no row version.
    const touch = () =>
      withClient(instance.database.appUrl, (client) =>
        client.query('SELECT touch_tenant_activity($1, $2)', [workspace.snapshot.workspaceId, id]),
      );
    await touch();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [after] = await sql<{ xmin: string }>('SELECT xmin FROM tenants WHERE id = $1', [id]);
    expect(after?.xmin).toBe(before?.xmin);
    expect(await lastActiveAt(id)).toEqual(first);

    // Older than a minute: the next touch moves it.
    await sql("UPDATE tenants SET last_active_at = now() - interval '2 minutes' WHERE id = $1", [id]);
    await touch();
    expect(Date.now() - (await lastActiveAt(id))!.getTime()).toBeLessThan(10_000);
  });

  it('admin requests are no tenant activity; another workspace cannot touch or filter this one', async () => {
    const quiet = await create('i-quiet');
    await call('GET', `/tenants/${quiet.id}`, admin());
    await call('GET', '/tenants?search=i-', admin());
    // A touch in another workspace's scope finds no row (row-level security).
    await withClient(instance.database.appUrl, (client) =>
      client.query('SELECT touch_tenant_activity($1, $2)', [other.snapshot.workspaceId, quiet.id]),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await lastActiveAt(quiet.id)).toBeNull();

    // Filters do not widen what a caller sees.
    expect(await ids('/tenants?search=i-&isActive=false', other.adminToken())).toEqual([]);
    expect(await ids('/tenants?isTest=false', other.adminToken())).toEqual([]);
    const asTenant = await call('GET', '/tenants?isTest=false', workspace.tenantToken('i-tenant'));
    expect(asTenant.status).toBe(403);
  });

  describe('connections', () => {
    beforeAll(async () => {
      for (const key of ['fcrm', 'ferp']) {
        const response = await call('POST', '/integrations', admin(), { key, name: key, authType: 'api-key' });
        expect(response.status).toBe(201);
      }
    });

    it('filters by connected (the opposite of disconnected) and integrationKey', async () => {
      const token = workspace.tenantToken('c-owner');
      const made: Record<string, string> = {};
      for (const [name, integrationKey] of [
        ['crm-on', 'fcrm'],
        ['crm-off', 'fcrm'],
        ['erp-on', 'ferp'],
      ] as const) {
        const response = await call('POST', '/connections', token, { integrationKey, name, credentials: { k: 1 } });
        expect(response.status).toBe(201);
        made[name] = (await json(response)).id;
      }
      const off = await call('PATCH', `/connections/${made['crm-off']}`, token, { disconnected: true });
      expect(off.status).toBe(200);
      const names = async (query: string, as = token) => {
        const response = await call('GET', `/connections?${query}`, as);
        expect(response.status).toBe(200);
        return ((await json(response)).items as { name: string }[]).map((c) => c.name).sort();
      };
      expect(await names('connected=true')).toEqual(['crm-on', 'erp-on']);
      expect(await names('connected=false')).toEqual(['crm-off']);
      expect(await names('connected=true&disconnected=false')).toEqual(['crm-on', 'erp-on']);
      expect(await names('integrationKey=fcrm')).toEqual(['crm-off', 'crm-on']);
      expect(await names('integrationKey=ferp&connected=false')).toEqual([]);
      expect(await names('integrationKey=nothing')).toEqual([]);
      // Another tenant, and another workspace's admin, see none of them whatever the filters.
      expect(await names('connected=true', workspace.tenantToken('c-stranger'))).toEqual([]);
      expect(await names('connected=true&integrationKey=fcrm', other.adminToken())).toEqual([]);
    });
  });

  describe('bad values → 400 problem+json', () => {
    it.each([
      ['GET', '/tenants?isTest=maybe', undefined],
      ['GET', '/tenants?isTest=1', undefined],
      ['GET', '/tenants?isTest=', undefined],
      ['GET', '/customers?isActive=yes', undefined],
      ['GET', '/tenants?isActive=TRUE', undefined],
      ['GET', '/tenants?isTest=true&isTest=false', undefined],
      ['GET', '/connections?connected=maybe', undefined],
      ['GET', '/connections?connected=true&disconnected=true', undefined],
      ['GET', '/connections?connected=false&disconnected=false', undefined],
      ['GET', `/connections?integrationKey=${'k'.repeat(101)}`, undefined],
      ['POST', '/tenants', { internalId: 'bad', name: 'bad', isTest: 'true' }],
      ['PATCH', '/tenants/00000000-0000-4000-8000-000000000000', { isTest: 1 }],
    ])('%s %s %j', async (method: string, path: string, body: unknown) => {
      const response = await call(method, path, admin(), body);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    });
  });
});
