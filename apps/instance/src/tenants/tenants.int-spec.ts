import { randomUUID } from 'node:crypto';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';
import { MAX_TENANT_FIELDS_BYTES } from './tenants.dto.js';

describe('tenants', () => {
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

  describe('created from tokens', () => {
    it('makes exactly one tenant from concurrent first requests with one key', async () => {
      const token = workspace.tenantToken('racer', { fields: { n: 1 } });
      const responses = await Promise.all(Array.from({ length: 12 }, () => call('GET', '/self', token)));
      const ids = new Set(await Promise.all(responses.map(async (response) => (await json(response)).id)));
      expect(responses.every((response) => response.status === 200)).toBe(true);
      expect(ids.size).toBe(1);
      const listed = await json(await call('GET', '/tenants?internalId=racer', admin()));
      expect(listed.items).toHaveLength(1);
      const log = await json(await call('GET', `/activity-logs?tenantId=${listed.items[0].id}`, admin()));
      expect(log.items.filter((entry: { type: string }) => entry.type === 'tenant.created')).toHaveLength(1);
    });

    it('shares one creation path with POST /tenants: either one first, the other finds or refuses it', async () => {
      const byToken = await json(await call('GET', '/self', workspace.tenantToken('token-first', { name: 'T' })));
      const refused = await call('POST', '/tenants', admin(), { internalId: 'token-first', name: 'Again' });
      expect(refused.status).toBe(409);
      expect(await json(refused)).toMatchObject({
        code: 'conflict',
        detail: 'A tenant with internalId "token-first" already exists in this workspace.',
      });

      const created = await json(await call('POST', '/tenants', admin(), { internalId: 'admin-first', name: 'A' }));
      const byKey = await json(await call('GET', '/self', workspace.tenantToken('admin-first', { name: 'Other' })));
      expect(byKey).toMatchObject({ id: created.id, name: 'A' });

      // Both write the same activity entry, with their own actor.
      for (const [id, actor] of [
        [byToken.id, 'token'],
        [created.id, 'admin'],
      ]) {
        const log = await json(await call('GET', `/activity-logs?tenantId=${id}`, admin()));
        const entries = log.items.filter((entry: { type: string }) => entry.type === 'tenant.created');
        expect(entries).toHaveLength(1);
        expect(entries[0]).toMatchObject({ actor: { type: actor } });
      }
    });

    it('makes one tenant when POST /tenants and first token requests race, and answers the losing POSTs 409', async () => {
      const token = workspace.tenantToken('contested');
      const responses = await Promise.all([
        ...Array.from({ length: 4 }, () => call('GET', '/self', token)),
        ...Array.from({ length: 4 }, () => call('POST', '/tenants', admin(), { internalId: 'contested', name: 'C' })),
      ]);
      const selves = responses.slice(0, 4);
      const posts = responses.slice(4);
      expect(selves.map((response) => response.status)).toEqual([200, 200, 200, 200]);
      expect(posts.filter((response) => response.status === 201).length).toBeLessThanOrEqual(1);
      expect(posts.every((response) => response.status === 201 || response.status === 409)).toBe(true);
      const listed = await json(await call('GET', '/tenants?internalId=contested', admin()));
      expect(listed.items).toHaveLength(1);
      const ids = new Set(await Promise.all(selves.map(async (response) => (await json(response)).id)));
      expect([...ids]).toEqual([listed.items[0].id]);
    });

    it('replaces stored fields when the fields claim changes', async () => {
      await call('GET', '/self', workspace.tenantToken('fields', { fields: { plan: 'free', seats: 1 } }));
      const after = await json(
        await call('GET', '/self', workspace.tenantToken('fields', { fields: { plan: 'pro' } })),
      );
      expect(after.fields).toEqual({ plan: 'pro' });
      const unchanged = await json(await call('GET', '/self', workspace.tenantToken('fields')));
      expect(unchanged.fields).toEqual({ plan: 'pro' });
    });
  });

  describe('admin API', () => {
    it('creates, finds, pages, searches, changes and replaces tenants', async () => {
      const created = await call('POST', '/tenants', admin(), {
        internalId: 'cust-1',
        name: 'Customer One',
        fields: { region: 'eu' },
        credentials: { apiKey: 'very-secret' },
        aiCreditsRolling30DayLimit: 100,
      });
      expect(created.status).toBe(201);
      const tenant = await json(created);
      expect(tenant).toMatchObject({ internalId: 'cust-1', hasCredentials: true, aiCreditsRolling30DayLimit: 100 });
      expect(JSON.stringify(tenant)).not.toContain('very-secret');

      expect((await call('POST', '/customers', admin(), { internalId: 'cust-1', name: 'Again' })).status).toBe(409);
      expect(await json(await call('GET', '/tenant?internalId=cust-1', admin()))).toMatchObject({ id: tenant.id });
      expect(await json(await call('GET', '/customer?internalId=cust-1', admin()))).toMatchObject({ id: tenant.id });
      expect((await call('GET', '/tenant?internalId=nobody', admin())).status).toBe(404);

      for (let i = 0; i < 5; i++)
        await call('POST', '/tenants', admin(), { internalId: `page-${i}`, name: `Paged ${i}` });
      const seen: string[] = [];
      let cursor = '0';
      for (;;) {
        const page = await json(await call('GET', `/tenants?search=paged&limit=2&cursor=${cursor}`, admin()));
        seen.push(...page.items.map((item: { internalId: string }) => item.internalId));
        if (!page.cursor) break;
        cursor = page.cursor;
      }
      expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);

      const patched = await json(await call('PATCH', `/tenants/${tenant.id}`, admin(), { name: 'Renamed' }));
      expect(patched).toMatchObject({ name: 'Renamed', fields: { region: 'eu' }, hasCredentials: true });
      const replaced = await json(
        await call('PUT', `/tenants/${tenant.id}`, admin(), { internalId: 'cust-1', name: 'Replaced' }),
      );
      expect(replaced).toMatchObject({
        name: 'Replaced',
        fields: {},
        hasCredentials: false,
        aiCreditsRolling30DayLimit: null,
      });
    });

    it('archives: tokens are refused and the key does not create the tenant again; restore brings it back', async () => {
      const token = workspace.tenantToken('leaving');
      const tenant = await json(await call('GET', '/self', token));
      expect((await call('DELETE', `/tenants/${tenant.id}`, admin())).status).toBe(200);
      const refused = await call('GET', '/self', token);
      expect(refused.status).toBe(403);
      expect(await json(refused)).toMatchObject({ code: 'tenant_archived' });
      const listed = await json(await call('GET', '/tenants?internalId=leaving', admin()));
      expect(listed.items).toHaveLength(0);
      const all = await json(await call('GET', '/tenants?internalId=leaving&includeArchived=true', admin()));
      expect(all.items).toHaveLength(1);
      expect((await call('POST', `/tenants/${tenant.id}/restore`, admin())).status).toBe(200);
      expect((await call('GET', '/self', token)).status).toBe(200);
    });

    it('reveals credentials only through the audited admin route', async () => {
      const tenantToken = workspace.tenantToken('with-credentials');
      const tenant = await json(await call('PATCH', '/self', tenantToken, { credentials: { token: 'abc' } }));
      expect(tenant.hasCredentials).toBe(true);
      expect((await call('GET', `/tenants/${tenant.id}/credentials`, tenantToken)).status).toBe(403);
      const read = await json(await call('GET', `/tenants/${tenant.id}/credentials`, admin()));
      expect(read).toEqual({ credentials: { token: 'abc' } });
      const log = await json(await call('GET', '/activity-logs', tenantToken));
      expect(log.items.map((entry: { type: string }) => entry.type)).toEqual(
        expect.arrayContaining(['tenant.created', 'tenant.credentials_set', 'tenant.credentials_read']),
      );
    });
  });

  describe('isolation', () => {
    it("a tenant sees only itself: another tenant's id is 404, admin routes are 403", async () => {
      const alice = workspace.tenantToken('alice');
      const bob = workspace.tenantToken('bob');
      const aliceTenant = await json(await call('GET', '/self', alice));
      const bobTenant = await json(await call('GET', '/self', bob));
      expect((await call('GET', `/tenants/${aliceTenant.id}`, alice)).status).toBe(200);
      expect((await call('GET', `/tenants/${bobTenant.id}`, alice)).status).toBe(404);
      expect((await call('GET', `/tenants/${bobTenant.id}/usage`, alice)).status).toBe(404);
      expect((await call('GET', '/tenants', alice)).status).toBe(403);
      expect((await call('PATCH', `/tenants/${bobTenant.id}`, alice, { name: 'x' })).status).toBe(403);
      expect((await call('DELETE', `/tenants/${bobTenant.id}`, alice)).status).toBe(403);
      expect((await call('GET', `/activity-logs?tenantId=${bobTenant.id}`, alice)).status).toBe(403);
      const aliceLog = await json(await call('GET', '/activity-logs', alice));
      expect(aliceLog.items.every((entry: { tenantId: string }) => entry.tenantId === aliceTenant.id)).toBe(true);
    });

    it("an admin of another workspace sees nothing of this one's tenants", async () => {
      const tenant = await json(await call('GET', '/self', workspace.tenantToken('private')));
      const stranger = other.adminToken();
      expect((await call('GET', `/tenants/${tenant.id}`, stranger)).status).toBe(404);
      expect((await call('PATCH', `/tenants/${tenant.id}`, stranger, { name: 'pwned' })).status).toBe(404);
      expect((await call('DELETE', `/tenants/${tenant.id}`, stranger)).status).toBe(404);
      expect((await call('GET', `/tenants/${tenant.id}/credentials`, stranger)).status).toBe(404);
      expect((await call('GET', '/tenant?internalId=private', stranger)).status).toBe(404);
      const listed = await json(await call('GET', '/tenants?limit=1000', stranger));
      expect(listed.items.find((item: { id: string }) => item.id === tenant.id)).toBeUndefined();
      // The same internalId in another workspace is another tenant.
      const twin = await json(await call('GET', '/self', other.tenantToken('private')));
      expect(twin.id).not.toBe(tenant.id);
    });
  });

  describe('tenant field schema', () => {
    it('refuses fields that break the schema, in tokens, creates and updates, naming the field', async () => {
      const schemaed = await seedWorkspace(instance);
      const schema = {
        type: 'object',
        properties: { plan: { enum: ['free', 'pro'] }, seats: { type: 'integer', minimum: 1 } },
        required: ['plan'],
      };
      const put = await call('PUT', '/workspace/tenant-field-schema', schemaed.adminToken(), schema);
      expect(put.status).toBe(200);
      expect((await json(put)).tenantFieldSchema).toEqual(schema);

      const badToken = await call('GET', '/self', schemaed.tenantToken('t', { fields: { plan: 'gold' } }));
      expect(badToken.status).toBe(422);
      expect(await json(badToken)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'fields.plan' }] });
      const missing = await call('POST', '/tenants', schemaed.adminToken(), { internalId: 'm', name: 'M', fields: {} });
      expect(missing.status).toBe(422);
      expect((await json(missing)).errors).toEqual([expect.objectContaining({ field: 'fields.plan' })]);
      const ok = await json(
        await call('GET', '/self', schemaed.tenantToken('t', { fields: { plan: 'pro', seats: 2 } })),
      );
      const badUpdate = await call('PATCH', `/tenants/${ok.id}`, schemaed.adminToken(), {
        fields: { plan: 'pro', seats: 0 },
      });
      expect(badUpdate.status).toBe(422);
      expect((await json(badUpdate)).errors).toEqual([expect.objectContaining({ field: 'fields.seats' })]);
      const badSelf = await call('PATCH', '/self', schemaed.tenantToken('t'), { fields: { seats: 3 } });
      expect(badSelf.status).toBe(422);
    });

    it('refuses a schema that is not JSON Schema, and refuses tenants changing it', async () => {
      const bad = await call('PUT', '/workspace/tenant-field-schema', admin(), { type: 'no-such-type' });
      expect(bad.status).toBe(400);
      expect(await json(bad)).toMatchObject({ code: 'validation_failed' });
      expect(
        (await call('PUT', '/workspace/tenant-field-schema', workspace.tenantToken('x'), { type: 'object' })).status,
      ).toBe(403);
    });
  });

  describe('bad input', () => {
    it.each([
      ['POST', '/tenants', { name: 'no internal id' }, 'internalId'],
      ['POST', '/tenants', { internalId: 'x', name: '' }, 'name'],
      ['POST', '/tenants', { internalId: 'x', name: 'x', fields: 'not an object' }, 'fields'],
      [
        'POST',
        '/tenants',
        { internalId: 'x', name: 'x', aiCreditsRolling30DayLimit: -1 },
        'aiCreditsRolling30DayLimit',
      ],
      ['POST', '/tenants', { internalId: 'x', name: 'x', extra: true }, 'extra'],
      ['POST', '/tenants', [1, 2], undefined],
    ])('%s %s %j → 400 naming %s', async (method, path, body, field) => {
      const response = await call(method, path, admin(), body);
      expect(response.status).toBe(400);
      const problem = await json(response);
      expect(problem.code).toBe('validation_failed');
      if (field) expect(problem.errors.map((error: { field: string }) => error.field)).toContain(field);
    });

    it.each([
      ['GET', '/tenants/not-a-uuid'],
      ['PATCH', '/tenants/123'],
      ['GET', '/tenants?limit=0'],
      ['GET', '/tenants?limit=5000'],
      ['GET', '/tenants?cursor=garbage'],
      // Well-formed but forged: the id would reach Postgres as a uuid.
      ['GET', `/tenants?cursor=${Buffer.from(JSON.stringify([new Date().toISOString(), 'x'])).toString('base64url')}`],
      ['GET', `/tenants?cursor=${Buffer.from(JSON.stringify(['2026', randomUUID()])).toString('base64url')}`],
      ['GET', '/tenants?includeArchived=maybe'],
      ['GET', '/tenant'],
    ])('%s %s → 400', async (method, path) => {
      const response = await call(method, path, admin(), method === 'PATCH' ? {} : undefined);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    });

    it('refuses a body nested too deeply for class-transformer to copy (400, not a stack overflow)', async () => {
      const body = `{"internalId":"deep","name":"x","fields":{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
      const response = await fetch(`${instance.url}/tenants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin()}`, 'content-type': 'application/json' },
        body,
      });
      expect(response.status).toBe(400);
      expect(await json(response)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'fields' }] });
    });

    it('bounds fields and credentials at 64 KB of JSON, from an admin and from the tenant itself', async () => {
      const big = { a: 'x'.repeat(MAX_TENANT_FIELDS_BYTES) };
      const fits = { a: 'x'.repeat(MAX_TENANT_FIELDS_BYTES - 20) };
      const refusals: [string, string, string, unknown, string][] = [
        ['POST', '/tenants', admin(), { internalId: 'big', name: 'Big', fields: big }, 'fields'],
        ['POST', '/tenants', admin(), { internalId: 'big', name: 'Big', credentials: big }, 'credentials'],
        ['PATCH', '/self', workspace.tenantToken('grower'), { fields: big }, 'fields'],
        ['PATCH', '/self', workspace.tenantToken('grower'), { credentials: big }, 'credentials'],
      ];
      for (const [method, path, token, body, field] of refusals) {
        const response = await call(method, path, token, body);
        expect({ path, field, status: response.status }).toEqual({ path, field, status: 400 });
        expect((await json(response)).errors.map((error: { field: string }) => error.field)).toContain(field);
      }
      expect((await call('PATCH', '/self', workspace.tenantToken('grower'), { fields: fits })).status).toBe(200);
    });

    it('refuses malformed JSON and unknown tenant ids without a 500', async () => {
      const malformed = await fetch(`${instance.url}/tenants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin()}`, 'content-type': 'application/json' },
        body: '{"internalId": ',
      });
      expect(malformed.status).toBe(400);
      expect((await call('GET', '/tenants/00000000-0000-4000-8000-000000000000', admin())).status).toBe(404);
    });
  });
});
