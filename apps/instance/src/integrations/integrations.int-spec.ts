import { Keyring } from '@switchboard/crypto';
import { withClient } from '@switchboard/persistence';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';

const SECRET = 'integration-client-secret-4f9a';

describe('integrations', () => {
  let instance: InstanceHarness;
  let workspace: WorkspaceFixture;
  let other: WorkspaceFixture;
  /** Every response body, to prove that the client secret is in none of them. */
  const bodies: string[] = [];

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    workspace = await seedWorkspace(instance);
    other = await seedWorkspace(instance);
  });

  afterAll(async () => {
    await instance?.close();
  });

  const admin = () => workspace.adminToken();
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await instance.request(method, path, { token, body });
    bodies.push(await response.clone().text());
    return response;
  };
  const create = async (key: string, extra: Record<string, unknown> = {}, fixture = workspace) => {
    const response = await call('POST', '/integrations', fixture.adminToken(), {
      key,
      name: `Integration ${key}`,
      authType: 'oauth2',
      ...extra,
    });
    expect(response.status).toBe(201);
    return json(response);
  };

  it('an admin creates one; the client secret is stored encrypted and never returned', async () => {
    const integration = await create('hubspot', {
      clientId: 'client-1',
      clientSecret: SECRET,
      settings: { scopes: ['contacts'] },
    });
    expect(integration).toEqual({
      id: expect.any(String),
      key: 'hubspot',
      name: 'Integration hubspot',
      authType: 'oauth2',
      clientId: 'client-1',
      hasClientSecret: true,
      settings: { scopes: ['contacts'] },
      connectorKey: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      archivedAt: null,
    });
    const [row] = await withClient(instance.database.adminUrl, async (client) => {
      const { rows } = await client.query<{ workspace_id: string; sealed_client_secret: string }>(
        'SELECT workspace_id, sealed_client_secret FROM integrations WHERE id = $1',
        [integration.id],
      );
      return rows;
    });
    expect(row!.workspace_id).toBe(workspace.snapshot.workspaceId);
    expect(row!.sealed_client_secret).not.toContain(SECRET);
    expect(Keyring.parse(FIXTURE_KEYS).decrypt(row!.sealed_client_secret)).toBe(SECRET);
  });

  it('refuses a used key with 409, within the workspace only', async () => {
    await create('dup');
    const again = await call('POST', '/integrations', admin(), { key: 'dup', name: 'Again', authType: 'api-key' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/problem\+json/);
    expect(await json(again)).toMatchObject({ code: 'conflict' });
    await create('dup', {}, other);
    const renamed = await create('dup-2');
    expect((await call('PATCH', `/integrations/${renamed.id}`, admin(), { key: 'dup' })).status).toBe(409);
  });

  it('any token reads them, by id or by key; lists page with cursor=0 as the start', async () => {
    const integration = await create('reader');
    const tenant = workspace.tenantToken('reader-tenant');
    expect(await json(await call('GET', `/integrations/${integration.id}`, tenant))).toEqual(integration);
    expect(await json(await call('GET', '/integrations/reader', tenant))).toEqual(integration);
    expect((await call('GET', '/integrations/no-such-key', tenant)).status).toBe(404);
    expect((await call('GET', '/integrations/00000000-0000-4000-8000-000000000000', tenant)).status).toBe(404);

    const paged = await seedWorkspace(instance);
    for (let i = 0; i < 5; i++) await create(`paged-${i}`, {}, paged);
    const seen: string[] = [];
    let cursor = '0';
    for (;;) {
      const page = await json(await call('GET', `/integrations?limit=2&cursor=${cursor}`, paged.tenantToken('t')));
      seen.push(...page.items.map((item: { key: string }) => item.key));
      if (!page.cursor) break;
      cursor = page.cursor;
    }
    expect(seen).toEqual(['paged-0', 'paged-1', 'paged-2', 'paged-3', 'paged-4']);
    const searched = await json(await call('GET', '/integrations?search=PAGED-3', paged.adminToken()));
    expect(searched.items.map((item: { key: string }) => item.key)).toEqual(['paged-3']);
  });

  it('changes with PATCH (null clears the secret) and replaces with PUT', async () => {
    const integration = await create('changing', { clientId: 'c', clientSecret: SECRET, settings: { a: 1 } });
    const patched = await json(
      await call('PATCH', '/integrations/changing', admin(), { name: 'Changed', key: 'changed' }),
    );
    expect(patched).toMatchObject({ id: integration.id, key: 'changed', name: 'Changed', hasClientSecret: true });
    const cleared = await json(await call('PATCH', `/integrations/${integration.id}`, admin(), { clientSecret: null }));
    expect(cleared).toMatchObject({ hasClientSecret: false, clientId: 'c', settings: { a: 1 } });
    const replaced = await json(
      await call('PUT', '/integrations/changed', admin(), { key: 'changed', name: 'Put', authType: 'basic' }),
    );
    expect(replaced).toMatchObject({ name: 'Put', authType: 'basic', clientId: null, settings: {} });
  });

  it('archives: hidden from lists unless includeArchived=true, still readable, restorable', async () => {
    const fixture = await seedWorkspace(instance);
    const integration = await create('leaving', {}, fixture);
    const archived = await call('DELETE', '/integrations/leaving', fixture.adminToken());
    expect(archived.status).toBe(200);
    expect((await json(archived)).archivedAt).toEqual(expect.any(String));
    expect((await json(await call('GET', '/integrations', fixture.adminToken()))).items).toEqual([]);
    const all = await json(await call('GET', '/integrations?includeArchived=true', fixture.adminToken()));
    expect(all.items.map((item: { id: string }) => item.id)).toEqual([integration.id]);
    expect(
      (await json(await call('GET', `/integrations/${integration.id}`, fixture.tenantToken('t')))).archivedAt,
    ).not.toBeNull();
    const restored = await call('POST', '/integrations/leaving/restore', fixture.adminToken());
    expect(restored.status).toBe(200);
    expect(await json(restored)).toMatchObject({ id: integration.id, archivedAt: null });
  });

  it('tenants cannot write integrations (403)', async () => {
    const integration = await create('guarded');
    const tenant = workspace.tenantToken('writer');
    const attempts: [string, string, unknown][] = [
      ['POST', '/integrations', { key: 'mine', name: 'Mine', authType: 'none' }],
      ['PATCH', `/integrations/${integration.id}`, { name: 'pwned' }],
      ['PUT', '/integrations/guarded', { key: 'guarded', name: 'pwned', authType: 'none' }],
      ['DELETE', '/integrations/guarded', undefined],
      ['POST', '/integrations/guarded/restore', undefined],
    ];
    for (const [method, path, body] of attempts) {
      const response = await call(method, path, tenant, body);
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 403 });
      expect(await json(response)).toMatchObject({ code: 'forbidden' });
    }
    expect(await json(await call('GET', '/integrations/guarded', admin()))).toEqual(integration);
  });

  it("an admin of another workspace sees nothing of this one's integrations", async () => {
    const integration = await create('private');
    const stranger = other.adminToken();
    for (const path of [`/integrations/${integration.id}`, '/integrations/private']) {
      expect((await call('GET', path, stranger)).status).toBe(404);
      expect((await call('PATCH', path, stranger, { name: 'pwned' })).status).toBe(404);
      expect((await call('PUT', path, stranger, { key: 'private', name: 'x', authType: 'none' })).status).toBe(404);
      expect((await call('DELETE', path, stranger)).status).toBe(404);
      expect((await call('POST', `${path}/restore`, stranger)).status).toBe(404);
    }
    expect((await call('GET', `/integrations/${integration.id}`, other.tenantToken('t'))).status).toBe(404);
    const listed = await json(await call('GET', '/integrations?limit=1000&includeArchived=true', stranger));
    expect(listed.items.find((item: { id: string }) => item.id === integration.id)).toBeUndefined();
    expect(await json(await call('GET', '/integrations/private', admin()))).toEqual(integration);
  });

  describe('bad input', () => {
    const valid = { key: 'valid', name: 'Valid', authType: 'oauth2' };
    it.each([
      [{ name: 'no key', authType: 'oauth2' }, 'key'],
      [{ ...valid, key: '' }, 'key'],
      [{ ...valid, key: 'has space' }, 'key'],
      [{ ...valid, key: '-leading-dash' }, 'key'],
      [{ ...valid, key: '0b2e8f6c-3c1d-4e55-9a6e-1f2d3c4b5a69' }, 'key'],
      [{ ...valid, key: 'k'.repeat(101) }, 'key'],
      [{ ...valid, key: 42 }, 'key'],
      [{ key: 'x', authType: 'oauth2' }, 'name'],
      [{ ...valid, name: 7 }, 'name'],
      [{ key: 'x', name: 'x' }, 'authType'],
      [{ ...valid, authType: 'magic' }, 'authType'],
      [{ ...valid, clientId: 12 }, 'clientId'],
      [{ ...valid, clientSecret: { nested: true } }, 'clientSecret'],
      [{ ...valid, clientSecret: '' }, 'clientSecret'],
      [{ ...valid, settings: 'not an object' }, 'settings'],
      [{ ...valid, settings: [1, 2] }, 'settings'],
      [{ ...valid, extra: true }, 'extra'],
    ])('POST %j → 400 naming %s', async (body, field) => {
      const response = await call('POST', '/integrations', admin(), body);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
      const problem = await json(response);
      expect(problem.code).toBe('validation_failed');
      expect(problem.errors.map((error: { field: string }) => error.field)).toContain(field);
    });

    it.each([
      [{ key: 'bad key' }, 'key'],
      [{ name: '' }, 'name'],
      [{ authType: 'magic' }, 'authType'],
      [{ clientId: false }, 'clientId'],
      [{ clientSecret: 5 }, 'clientSecret'],
      [{ settings: 'x' }, 'settings'],
      [{ archivedAt: null }, 'archivedAt'],
      [{ name: null }, 'name'],
      [{ key: null }, 'key'],
      [{ settings: null }, 'settings'],
    ])('PATCH %j → 400 naming %s', async (body, field) => {
      await call('POST', '/integrations', admin(), { key: 'patch-target', name: 'P', authType: 'none' });
      const response = await call('PATCH', '/integrations/patch-target', admin(), body);
      expect(response.status).toBe(400);
      expect((await json(response)).errors.map((error: { field: string }) => error.field)).toContain(field);
    });

    it.each([
      ['GET', '/integrations/not%20a%20key'],
      ['GET', '/integrations/%E2%9C%93'],
      ['PATCH', '/integrations/bad%20key'],
      ['PUT', '/integrations/bad%20key'],
      ['DELETE', '/integrations/bad%20key'],
      ['POST', '/integrations/bad%20key/restore'],
      ['GET', '/integrations?limit=0'],
      ['GET', '/integrations?limit=5000'],
      ['GET', '/integrations?cursor=garbage'],
      ['GET', '/integrations?includeArchived=maybe'],
      ['GET', '/integrations?unknown=1'],
    ])('%s %s → 400', async (method, path) => {
      const body = method === 'PATCH' ? {} : method === 'PUT' ? valid : undefined;
      const response = await call(method, path, admin(), body);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    });

    // Fastify's router answers 414 itself for a path parameter over 100 characters
    // (keys are at most 100, so no valid one is refused); a 4xx either way, never a 500.
    it('refuses an over-long idOrKey with a 4xx', async () => {
      const response = await call('GET', `/integrations/${'k'.repeat(101)}`, admin());
      expect([400, 414]).toContain(response.status);
    });

    it('refuses malformed JSON and a body that is not an object without a 500', async () => {
      const malformed = await fetch(`${instance.url}/integrations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin()}`, 'content-type': 'application/json' },
        body: '{"key": ',
      });
      expect(malformed.status).toBe(400);
      expect((await call('POST', '/integrations', admin(), [valid])).status).toBe(400);
    });
  });

  // Last, after every other test here has called the API.
  it('no response carried the client secret', () => {
    expect(bodies.length).toBeGreaterThan(50);
    expect(bodies.filter((body) => body.includes(SECRET))).toEqual([]);
  });
});
