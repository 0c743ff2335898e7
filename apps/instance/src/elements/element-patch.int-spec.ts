import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';
import { MAX_DEFINITION_BYTES } from './definition-bounds.js';
import { ELEMENT_PATHS } from './element-type.js';

/**
 * `PATCH /{type}/{key}`, as Membrane's SDK sends it: an admin patches the
 * template (a revision), a tenant its own customisation, both by JSON Merge
 * Patch, the rule tenants' views use.
 */
describe('PATCH on elements', () => {
  let instance: InstanceHarness;
  let workspace: WorkspaceFixture;

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
  });

  beforeEach(async () => {
    workspace = await seedWorkspace(instance);
  });

  afterAll(async () => {
    await instance?.close();
  });

  const admin = () => workspace.adminToken();
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await instance.request(method, path, { token, body });
    return { status: response.status, body: await json(response) };
  };
  const template = { title: 'Hello {tenant.name}', config: { retries: 1, channel: 'email' }, steps: ['a', 'b'] };

  describe.each(ELEMENT_PATHS)('/%s', (path) => {
    beforeEach(async () => {
      expect(
        (await call('POST', `/${path}`, admin(), { key: 'greet', name: 'Greet', definition: template })).status,
      ).toBe(201);
    });

    it('as admin: merges the patch into the template as a new revision, and keeps the history', async () => {
      const patched = await call('PATCH', `/${path}/greet`, admin(), {
        name: 'Greeting',
        definition: { config: { retries: 3, channel: null }, steps: ['c'] },
      });
      expect(patched).toMatchObject({
        status: 200,
        body: {
          name: 'Greeting',
          revision: 2,
          definition: { title: template.title, config: { retries: 3 }, steps: ['c'] },
        },
      });
      expect(patched.body.definition.config).not.toHaveProperty('channel');
      const renamed = await call('PATCH', `/${path}/greet`, admin(), { name: 'Only the name' });
      expect(renamed.body).toMatchObject({ revision: 3, name: 'Only the name', definition: patched.body.definition });
      const revisions = await call('GET', `/${path}/greet/revisions`, admin());
      expect(revisions.body.items.map((item: { revision: number }) => item.revision)).toEqual([3, 2, 1]);
    });

    it("as tenant: patches only its own customisation, layer on layer, and another tenant's view stays", async () => {
      const first = await call('PATCH', `/${path}/greet`, workspace.tenantToken('acme'), {
        definition: { config: { retries: 5 } },
      });
      expect(first).toMatchObject({
        status: 200,
        body: {
          isCustomized: true,
          revision: 1,
          definition: { title: 'Hello Tenant acme', config: { retries: 5, channel: 'email' } },
        },
      });
      const second = await call('PATCH', `/${path}/greet`, workspace.tenantToken('acme'), {
        definition: { config: { channel: null }, steps: ['mine'] },
      });
      expect(second.body.definition).toEqual({ title: 'Hello Tenant acme', config: { retries: 5 }, steps: ['mine'] });
      const overlay = await call('GET', `/${path}/greet/customization`, workspace.tenantToken('acme'));
      expect(overlay.body.definition).toEqual({ config: { retries: 5, channel: null }, steps: ['mine'] });

      const other = await call('GET', `/${path}/greet`, workspace.tenantToken('globex'));
      expect(other.body).toMatchObject({
        isCustomized: false,
        definition: { ...template, title: 'Hello Tenant globex' },
      });
      const asAdmin = await call('GET', `/${path}/greet`, admin());
      expect(asAdmin.body).toMatchObject({ revision: 1, definition: template });
    });

    it('refuses what it must: a tenant renaming, an empty patch, an archived template, a merge past the bounds', async () => {
      expect(
        await call('PATCH', `/${path}/greet`, workspace.tenantToken('acme'), { name: 'Mine', definition: {} }),
      ).toMatchObject({ status: 403, body: { code: 'forbidden' } });
      expect(await call('PATCH', `/${path}/greet`, admin(), {})).toMatchObject({
        status: 400,
        body: { code: 'validation_failed' },
      });
      expect(await call('PATCH', `/${path}/greet`, admin(), { definition: { x: 1 }, extra: 1 })).toMatchObject({
        status: 400,
      });
      expect(await call('PATCH', `/${path}/missing`, admin(), { definition: {} })).toMatchObject({ status: 404 });

      const half = 'x'.repeat(MAX_DEFINITION_BYTES / 2 + 10);
      expect((await call('PATCH', `/${path}/greet`, admin(), { definition: { a: half } })).status).toBe(200);
      expect(await call('PATCH', `/${path}/greet`, admin(), { definition: { b: half } })).toMatchObject({
        status: 400,
        body: { code: 'validation_failed' },
      });
      expect(
        (await call('PATCH', `/${path}/greet`, workspace.tenantToken('acme'), { definition: { c: half } })).status,
      ).toBe(200);
      expect(
        await call('PATCH', `/${path}/greet`, workspace.tenantToken('acme'), { definition: { d: half } }),
      ).toMatchObject({ status: 400, body: { code: 'validation_failed' } });

      expect((await call('DELETE', `/${path}/greet`, admin())).status).toBe(200);
      expect(await call('PATCH', `/${path}/greet`, admin(), { definition: {} })).toMatchObject({
        status: 409,
        body: { code: 'conflict' },
      });
      expect(
        await call('PATCH', `/${path}/greet`, workspace.tenantToken('acme'), { definition: { e: 1 } }),
      ).toMatchObject({ status: 404 });
    });
  });

  it("refuses (409) a tenant's view whose placeholders would fill in too much text, instead of building it", async () => {
    // 60 KB of fields, named 100 times by a 3 KB customisation: 6 MB per read (1 GB at the bounds).
    await call('POST', '/actions', admin(), { key: 'amp', name: 'Amp', definition: { x: 1 } });
    const token = workspace.tenantToken('acme');
    expect((await call('PATCH', '/self', token, { fields: { a: 'X'.repeat(60_000) } })).status).toBe(200);
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, '{tenant.fields.a}']));
    expect(await call('PATCH', '/action?key=amp', token, { definition: many })).toMatchObject({
      status: 409,
      body: { code: 'conflict' },
    });
    // The refused customisation was not stored; a modest one still fills.
    expect(await call('PATCH', '/actions/amp', token, { definition: { k: '{tenant.fields.a}' } })).toMatchObject({
      status: 200,
      body: { definition: { x: 1, k: 'X'.repeat(60_000) } },
    });
  });

  it("applies a tenant's concurrent patches one after the other, losing none", async () => {
    await call('POST', '/flows', admin(), { key: 'busy', name: 'Busy', definition: {} });
    const token = workspace.tenantToken('acme');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => call('PATCH', '/flows/busy', token, { definition: { [`k${i}`]: i } })),
    );
    expect(results.map((result) => result.status)).toEqual(Array(8).fill(200));
    const view = await call('GET', '/flows/busy', token);
    expect(view.body.definition).toEqual(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, i])));
  });
});
