import { withClient } from '@switchboard/persistence';
import { routesOf } from '@switchboard/server';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';
import { NOT_SUPPORTED_ROUTES } from '../membrane-compat/not-supported.js';
import { MAX_DEFINITION_BYTES, MAX_DEFINITION_DEPTH } from './definition-bounds.js';
import { ELEMENT_PATHS, ELEMENT_TYPES } from './element-type.js';

function nestedArrays(levels: number): unknown {
  let value: unknown = [];
  for (let level = 1; level < levels; level++) value = [value];
  return value;
}

describe('elements', () => {
  let instance: InstanceHarness;
  /** A fresh workspace per test, so that no test depends on another's elements. */
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
  const tenant = (key: string, claims: Record<string, unknown> = {}) => workspace.tenantToken(key, claims);
  const call = (method: string, path: string, token: string, body?: unknown) =>
    instance.request(method, path, { token, body });
  const ok = async (response: Response, status = 200) => {
    const body = await json(response);
    expect({ status: response.status, body }).toEqual({ status, body: expect.anything() });
    return body;
  };
  const problem = async (response: Response, status: number) => {
    const body = await json(response);
    expect({ status: response.status, type: response.headers.get('content-type') }).toEqual({
      status,
      type: expect.stringContaining('application/problem+json'),
    });
    expect(body).toMatchObject({ status, code: expect.any(String), detail: expect.any(String) });
    return body;
  };

  describe.each(ELEMENT_PATHS)('/%s', (path) => {
    it('creates a template, and each tenant sees it with its own customisation across changes and rollbacks', async () => {
      const created = await ok(
        await call('POST', `/${path}`, admin(), {
          key: 'greet',
          name: 'Greet',
          definition: { title: 'Hello {tenant.name}', config: { retries: 1, channel: 'email' }, steps: ['a', 'b'] },
        }),
        201,
      );
      expect(created).toMatchObject({
        id: expect.any(String),
        elementType: ELEMENT_TYPES[path],
        key: 'greet',
        name: 'Greet',
        revision: 1,
        isCustomized: false,
        archivedAt: null,
        definition: { title: 'Hello {tenant.name}' },
      });
      await problem(await call('POST', `/${path}`, admin(), { key: 'greet', name: 'Again', definition: {} }), 409);

      const alice = tenant('alice', { name: 'Alice' });
      const bob = tenant('bob', { name: 'Bob' });
      const customized = await ok(
        await call('PUT', `/${path}/greet/customization`, alice, {
          definition: { config: { retries: 5, channel: null }, steps: ['z'] },
        }),
      );
      expect(customized).toMatchObject({
        isCustomized: true,
        revision: 1,
        definition: { title: 'Hello Alice', config: { retries: 5 }, steps: ['z'] },
      });
      expect(customized.definition.config).not.toHaveProperty('channel');

      // A template change reaches every tenant at once; Alice's overlay stays on top of it.
      const updated = await ok(
        await call('PUT', `/${path}/greet`, admin(), {
          name: 'Greeting',
          definition: { title: 'Hi {tenant.name}', config: { retries: 2, channel: 'sms', timeout: 30 }, steps: ['c'] },
        }),
      );
      expect(updated).toMatchObject({ revision: 2, name: 'Greeting', isCustomized: false });
      expect((await ok(await call('GET', `/${path}/greet`, alice))).definition).toEqual({
        title: 'Hi Alice',
        config: { retries: 5, timeout: 30 },
        steps: ['z'],
      });
      expect(await ok(await call('GET', `/${path}/greet`, bob))).toMatchObject({
        isCustomized: false,
        revision: 2,
        definition: { title: 'Hi Bob', config: { retries: 2, channel: 'sms', timeout: 30 }, steps: ['c'] },
      });

      const history = await ok(await call('GET', `/${path}/greet/revisions`, admin()));
      expect(history.items.map((item: { revision: number; name: string }) => [item.revision, item.name])).toEqual([
        [2, 'Greeting'],
        [1, 'Greet'],
      ]);
      expect(history.items[1].definition).toEqual(created.definition);

      // A rollback is a new revision equal to the old one; the customisation survives it too.
      const rolledBack = await ok(await call('POST', `/${path}/greet/rollback`, admin(), { revision: 1 }));
      expect(rolledBack).toMatchObject({ revision: 3, name: 'Greet', definition: created.definition });
      expect(await ok(await call('GET', `/${path}/greet`, alice))).toMatchObject({
        revision: 3,
        isCustomized: true,
        definition: { title: 'Hello Alice', config: { retries: 5 }, steps: ['z'] },
      });
      const after = await ok(await call('GET', `/${path}/greet/revisions?limit=1`, admin()));
      expect(after.items.map((item: { revision: number }) => item.revision)).toEqual([3]);
      const rest = await ok(await call('GET', `/${path}/greet/revisions?limit=5&cursor=${after.cursor}`, admin()));
      expect(rest.items.map((item: { revision: number }) => item.revision)).toEqual([2, 1]);
      expect(rest.cursor).toBeNull();

      // The admin reads the template itself.
      expect(await ok(await call('GET', `/${path}/greet`, admin()))).toMatchObject({
        isCustomized: false,
        definition: created.definition,
      });

      // Reset: Alice is back on the template.
      expect(await ok(await call('DELETE', `/${path}/greet/customization`, alice))).toMatchObject({
        isCustomized: false,
        definition: { title: 'Hello Alice', config: { retries: 1, channel: 'email' } },
      });
      await problem(await call('GET', `/${path}/greet/customization`, alice), 404);
      expect((await call('DELETE', `/${path}/greet/customization`, alice)).status).toBe(200);

      // Archive hides it from tenants and freezes it; restore brings it back with customisations intact.
      await ok(await call('PUT', `/${path}/greet/customization`, bob, { definition: { extra: true } }));
      expect(await ok(await call('DELETE', `/${path}/greet`, admin()))).toMatchObject({
        archivedAt: expect.any(String),
      });
      await problem(await call('GET', `/${path}/greet`, bob), 404);
      expect((await ok(await call('GET', `/${path}`, bob))).items).toEqual([]);
      expect((await ok(await call('GET', `/${path}`, admin()))).items).toEqual([]);
      expect((await ok(await call('GET', `/${path}?includeArchived=true`, admin()))).items).toHaveLength(1);
      await problem(await call('PUT', `/${path}/greet`, admin(), { definition: {} }), 409);
      await problem(await call('POST', `/${path}/greet/rollback`, admin(), { revision: 1 }), 409);
      await problem(await call('PUT', `/${path}/greet/customization`, bob, { definition: {} }), 404);
      await problem(await call('POST', `/${path}`, admin(), { key: 'greet', name: 'Reuse', definition: {} }), 409);
      expect(await ok(await call('POST', `/${path}/greet/restore`, admin()))).toMatchObject({ archivedAt: null });
      expect(await ok(await call('GET', `/${path}/greet`, bob))).toMatchObject({
        isCustomized: true,
        definition: { extra: true },
      });
    });

    it('lists views in pages, oldest first, and finds an element by key, by id and by selector object', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const created = await ok(
          await call('POST', `/${path}`, admin(), {
            key: `item-${i}`,
            name: `Item ${i}`,
            definition: { who: '{tenant.internalId}', i },
          }),
          201,
        );
        ids.push(created.id);
      }
      const carol = tenant('carol');
      const seen: unknown[] = [];
      let cursor = '0';
      for (;;) {
        const page = await ok(await call('GET', `/${path}?limit=2&cursor=${cursor}`, carol));
        seen.push(...page.items.map((item: { key: string; definition: unknown }) => [item.key, item.definition]));
        if (!page.cursor) break;
        cursor = page.cursor;
      }
      expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => [`item-${i}`, { who: 'carol', i }]));
      const searched = await ok(await call('GET', `/${path}?search=ITEM 3`, carol));
      expect(searched.items.map((item: { key: string }) => item.key)).toEqual(['item-3']);

      expect(await ok(await call('GET', `/${path}/${ids[2]}`, carol))).toMatchObject({ key: 'item-2' });
      const singular = ELEMENT_TYPES[path];
      expect(await ok(await call('GET', `/${singular}?key=item-1`, carol))).toMatchObject({ id: ids[1] });
      expect(await ok(await call('GET', `/${singular}?id=${ids[4]}`, carol))).toMatchObject({ key: 'item-4' });
      await problem(await call('GET', `/${singular}`, carol), 400);
      await problem(await call('GET', `/${singular}?key=item-1&id=${ids[1]}`, carol), 400);
      await problem(await call('GET', `/${singular}?key=nope`, carol), 404);
    });
  });

  it('keeps the four types apart: the same key in each, never seen through another', async () => {
    for (const path of ELEMENT_PATHS) {
      await ok(await call('POST', `/${path}`, admin(), { key: 'shared', name: path, definition: { path } }), 201);
    }
    for (const path of ELEMENT_PATHS) {
      const element = await ok(await call('GET', `/${path}/shared`, tenant('dave')));
      expect(element).toMatchObject({ name: path, elementType: ELEMENT_TYPES[path], definition: { path } });
      expect((await ok(await call('GET', `/${path}`, admin()))).items).toHaveLength(1);
    }
  });

  it('fills placeholders from the tenant as stored now, nested and in arrays, and leaves unknown ones', async () => {
    await ok(
      await call('POST', '/flows', admin(), {
        key: 'sync',
        name: 'Sync',
        definition: {
          target: 'https://{tenant.fields.region}.example.com/{tenant.internalId}',
          nested: { deep: { list: ['{tenant.name}', 7, { owner: 'by {tenant.fields.owner.email}' }] } },
          unknown: '{tenant.fields.missing} {tenant.secret} {other}',
          count: '{tenant.fields.seats}',
        },
      }),
      201,
    );
    const token = tenant('erin', { name: 'Erin GmbH', fields: { region: 'eu', seats: 3, owner: { email: 'e@x' } } });
    expect((await ok(await call('GET', '/flows/sync', token))).definition).toEqual({
      target: 'https://eu.example.com/erin',
      nested: { deep: { list: ['Erin GmbH', 7, { owner: 'by e@x' }] } },
      unknown: '{tenant.fields.missing} {tenant.secret} {other}',
      count: '3',
    });
    // Placeholders in a customisation are filled too; a changed tenant shows at once.
    await ok(await call('PUT', '/flows/sync/customization', token, { definition: { note: '{tenant.fields.region}' } }));
    const moved = tenant('erin', { fields: { region: 'us' } });
    await ok(await call('PATCH', '/self', moved, { name: 'Erin AG' }));
    expect((await ok(await call('GET', '/flows', moved))).items[0].definition).toMatchObject({
      target: 'https://us.example.com/erin',
      note: 'us',
      nested: { deep: { list: ['Erin AG', 7, { owner: 'by {tenant.fields.owner.email}' }] } },
    });
    // The overlay itself is kept as written.
    expect((await ok(await call('GET', '/flows/sync/customization', moved))).definition).toEqual({
      note: '{tenant.fields.region}',
    });
  });

  it('keeps templates read-only to tenants and customisations to tenants (403)', async () => {
    await ok(await call('POST', '/actions', admin(), { key: 'ro', name: 'RO', definition: { a: 1 } }), 201);
    const frank = tenant('frank');
    // A tenant's POST creates its own element (elements-levels.int-spec); a template's key is a 409 there.
    await problem(await call('POST', '/actions', frank, { key: 'ro', name: 'Mine', definition: {} }), 409);
    await problem(await call('POST', '/actions/ro/publish', frank, { revision: 1 }), 403);
    await problem(await call('GET', '/actions/ro/deployment', frank), 403);
    await problem(await call('PUT', '/actions/ro', frank, { definition: { a: 2 } }), 403);
    await problem(await call('DELETE', '/actions/ro', frank), 403);
    await problem(await call('POST', '/actions/ro/restore', frank), 403);
    await problem(await call('POST', '/actions/ro/rollback', frank, { revision: 1 }), 403);
    await problem(await call('GET', '/actions/ro/revisions', frank), 403);
    await problem(await call('GET', '/actions?includeArchived=true', frank), 403);
    await problem(await call('PUT', '/actions/ro/customization', admin(), { definition: { a: 2 } }), 403);
    await problem(await call('DELETE', '/actions/ro/customization', admin()), 403);
    await problem(await call('GET', '/actions/ro/customization', admin()), 403);
    expect(await ok(await call('GET', '/actions/ro', admin()))).toMatchObject({ revision: 1, definition: { a: 1 } });
  });

  it('refuses template writes from a tenant scope in the database itself', async () => {
    const created = await ok(await call('POST', '/actions', admin(), { key: 'db', name: 'DB', definition: {} }), 201);
    const { id: tenantId } = await ok(await call('GET', '/self', tenant('gina')));
    await withClient(instance.database.appUrl, async (client) => {
      await client.query('BEGIN');
      await client.query("SELECT set_config('app.workspace_id', $1, true), set_config('app.tenant_id', $2, true)", [
        workspace.snapshot.workspaceId,
        tenantId,
      ]);
      // Tenants read templates...
      expect((await client.query('SELECT id FROM element_templates')).rows).toEqual([{ id: created.id }]);
      // ...but their writes match no row, and new rows are refused.
      expect((await client.query("UPDATE element_templates SET name = 'pwned'")).rowCount).toBe(0);
      expect((await client.query('DELETE FROM element_revisions')).rowCount).toBe(0);
      await expect(
        client.query(
          `INSERT INTO element_templates (workspace_id, element_type, key, name, definition, revision)
           VALUES ($1, 'action', 'sneak', 'S', '{}', 1)`,
          [workspace.snapshot.workspaceId],
        ),
      ).rejects.toThrow(/row-level security/);
      await client.query('ROLLBACK');
    });
    expect(await ok(await call('GET', '/actions/db', admin()))).toMatchObject({ name: 'DB' });
  });

  it("never shows one tenant another tenant's customisation", async () => {
    await ok(await call('POST', '/field-mappings', admin(), { key: 'map', name: 'Map', definition: { f: 'x' } }), 201);
    const henry = tenant('henry');
    const iris = tenant('iris');
    await ok(await call('PUT', '/field-mappings/map/customization', henry, { definition: { f: 'henry-only' } }));
    expect(await ok(await call('GET', '/field-mappings/map', iris))).toMatchObject({
      isCustomized: false,
      definition: { f: 'x' },
    });
    expect((await ok(await call('GET', '/field-mappings', iris))).items[0]).toMatchObject({
      isCustomized: false,
      definition: { f: 'x' },
    });
    await problem(await call('GET', '/field-mappings/map/customization', iris), 404);
    // Iris resetting hers leaves Henry's alone.
    await ok(await call('DELETE', '/field-mappings/map/customization', iris));
    expect((await ok(await call('GET', '/field-mappings/map', henry))).definition).toEqual({ f: 'henry-only' });
  });

  it("never shows one workspace another workspace's templates", async () => {
    await ok(await call('POST', '/data-sources', admin(), { key: 'src', name: 'Src', definition: { a: 1 } }), 201);
    const { id } = await ok(await call('GET', '/data-sources/src', admin()));
    const other = await seedWorkspace(instance);
    for (const token of [other.adminToken(), other.tenantToken('jack')]) {
      expect((await ok(await call('GET', '/data-sources', token))).items).toEqual([]);
      await problem(await call('GET', '/data-sources/src', token), 404);
      await problem(await call('GET', `/data-sources/${id}`, token), 404);
      await problem(await call('GET', `/data-source?id=${id}`, token), 404);
    }
    await problem(await call('PUT', '/data-sources/src', other.adminToken(), { definition: {} }), 404);
    await problem(await call('GET', '/data-sources/src/revisions', other.adminToken()), 404);
    await problem(
      await call('PUT', '/data-sources/src/customization', other.tenantToken('jack'), { definition: {} }),
      404,
    );
    // The key is free in the other workspace.
    await ok(
      await call('POST', '/data-sources', other.adminToken(), { key: 'src', name: 'Mine', definition: {} }),
      201,
    );
    expect(await ok(await call('GET', '/data-sources/src', admin()))).toMatchObject({ name: 'Src' });
  });

  it('documents every element route, with the merge rule, in the OpenAPI description', async () => {
    const document = (await json(await instance.request('GET', '/openapi.json'))) as {
      paths: Record<string, Record<string, { description?: string; security?: unknown[] }>>;
    };
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const prefixes = [...ELEMENT_PATHS, ...Object.values(ELEMENT_TYPES)].map((prefix) => `/${prefix}`);
    const served = routesOf(instance.app)
      .filter((route) => route.method !== 'HEAD' && prefixes.some((prefix) => route.url.split(/(?=\/)/)[0] === prefix))
      .map((route) => `${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
    // Fifteen routes per type and six by selector query, and the Membrane routes under these prefixes that answer 501.
    const notSupported = NOT_SUPPORTED_ROUTES.filter((route) =>
      prefixes.some((prefix) => route.path.split(/(?=\/)/)[0] === prefix),
    );
    expect(served).toHaveLength(ELEMENT_PATHS.length * (15 + 6) + notSupported.length);
    expect(served.filter((route) => !documented.has(route))).toEqual([]);
    for (const path of ELEMENT_PATHS) {
      expect(document.paths[`/${path}/{key}`]?.['get']?.description).toContain('RFC 7396');
      expect(document.paths[`/${path}/{key}/customization`]?.['put']?.security).toBeDefined();
    }
  });

  it('stores and shows a definition, a customisation and tenant fields with keys named "constructor" (JSON keys, not a 500)', async () => {
    const definition = { constructor: 'x', nested: { constructor: { name: 'Shape' }, list: [{ constructor: 1 }] } };
    const created = await ok(await call('POST', '/actions', admin(), { key: 'ctor', name: 'Ctor', definition }), 201);
    expect(created.definition).toEqual(definition);
    const alice = tenant('alice');
    const customized = await ok(
      await call('PUT', '/actions/ctor/customization', alice, { definition: { nested: { constructor: 'mine' } } }),
    );
    expect(customized.definition).toEqual({ ...definition, nested: { ...definition.nested, constructor: 'mine' } });
    expect(await ok(await call('GET', '/actions/ctor', tenant('bob')))).toMatchObject({ definition });
    const own = await ok(
      await call('POST', '/flows', alice, { key: 'own-ctor', name: 'Own', definition: { a: { constructor: 'y' } } }),
      201,
    );
    expect(own.definition).toEqual({ a: { constructor: 'y' } });
    // Unknown at the top level is still an unknown field.
    await problem(
      await call('POST', '/actions', admin(), { key: 'k2', name: 'K', definition: {}, constructor: 'x' }),
      400,
    );
  });

  describe('bad input', () => {
    const valid = { key: 'k', name: 'K', definition: { a: 1 } };
    const fieldsOf = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((error) => error.field);

    it('answers 404 for a type that does not exist', async () => {
      for (const path of ['/widgets', '/widgets/k', '/widget?key=k', '/actionz/k/revisions']) {
        await problem(await call('GET', path, admin()), 404);
      }
      await problem(await call('POST', '/widgets', admin(), valid), 404);
    });

    it('refuses bad bodies on create, with the field named', async () => {
      const cases: [unknown, string][] = [
        [{ ...valid, extra: 1 }, 'extra'],
        [{ ...valid, key: undefined }, 'key'],
        [{ ...valid, key: '' }, 'key'],
        [{ ...valid, key: 'has space' }, 'key'],
        [{ ...valid, key: 'a/b' }, 'key'],
        [{ ...valid, key: 'x'.repeat(101) }, 'key'],
        [{ ...valid, key: '-dash' }, 'key'],
        [{ ...valid, key: { nested: nestedArrays(MAX_DEFINITION_DEPTH + 5) } }, 'key'],
        [{ ...valid, key: 5 }, 'key'],
        [{ ...valid, name: '' }, 'name'],
        [{ ...valid, name: 'n'.repeat(201) }, 'name'],
        [{ ...valid, name: ['n'] }, 'name'],
        [{ ...valid, definition: undefined }, 'definition'],
        [{ ...valid, definition: null }, 'definition'],
        [{ ...valid, definition: [] }, 'definition'],
        [{ ...valid, definition: 'text' }, 'definition'],
        [{ ...valid, definition: 42 }, 'definition'],
      ];
      for (const [body, field] of cases) {
        const refused = await problem(await call('POST', '/actions', admin(), body), 400);
        expect({ body, fields: fieldsOf(refused) }).toEqual({ body, fields: expect.arrayContaining([field]) });
      }
      await problem(await instance.request('POST', '/actions', { token: admin(), body: '[' }), 400);
      expect((await ok(await call('GET', '/actions', admin()))).items).toEqual([]);
    });

    it('bounds the size and depth of a definition and of a customisation', async () => {
      const big = { blob: 'x'.repeat(MAX_DEFINITION_BYTES) };
      let deep: Record<string, unknown> = {};
      for (let level = 0; level < MAX_DEFINITION_DEPTH; level++) deep = { next: deep };
      // Too deep for JSON.stringify itself: written out by hand.
      const hostile = `{"hostile":${'['.repeat(20_000)}1${']'.repeat(20_000)}}`;
      const raw = (method: string, path: string, token: string, body: string) =>
        fetch(`${instance.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body,
        });
      const definitions = [JSON.stringify(big), JSON.stringify(deep), hostile];
      for (const definition of definitions) {
        const refused = await problem(
          await raw('POST', '/flows', admin(), `{"key":"k","name":"K","definition":${definition}}`),
          400,
        );
        expect(fieldsOf(refused)).toContain('definition');
      }
      await ok(await call('POST', '/flows', admin(), valid), 201);
      for (const definition of definitions) {
        await problem(await raw('PUT', '/flows/k', admin(), `{"definition":${definition}}`), 400);
        await problem(await raw('PUT', '/flows/k/customization', tenant('kim'), `{"definition":${definition}}`), 400);
      }
    });

    it('refuses bad bodies on update, rollback and customisation', async () => {
      await ok(await call('POST', '/actions', admin(), valid), 201);
      const kim = tenant('kim');
      for (const body of [{}, { definition: [] }, { definition: {}, key: 'other' }, { definition: {}, name: '' }]) {
        await problem(await call('PUT', '/actions/k', admin(), body), 400);
      }
      for (const body of [
        {},
        { revision: 0 },
        { revision: -1 },
        { revision: 1.5 },
        { revision: '1' },
        { revision: null },
        { revision: 2 ** 40 },
        { revision: 1, extra: true },
      ]) {
        const refused = await problem(await call('POST', '/actions/k/rollback', admin(), body), 400);
        expect({ body, fields: fieldsOf(refused) }).toEqual({
          body,
          fields: expect.arrayContaining([expect.any(String)]),
        });
      }
      await problem(await call('POST', '/actions/k/rollback', admin(), { revision: 99 }), 404);
      for (const body of [
        {},
        { definition: null },
        { definition: [1] },
        { definition: 'x' },
        { definition: {}, a: 1 },
      ]) {
        await problem(await call('PUT', '/actions/k/customization', kim, body), 400);
      }
      expect(await ok(await call('GET', '/actions/k', admin()))).toMatchObject({ revision: 1 });
    });

    it('refuses bad path parameters and queries with 400 or 404, never 500', async () => {
      await ok(await call('POST', '/actions', admin(), valid), 201);
      const kim = tenant('kim');
      for (const path of ['/actions/bad%20key', '/actions/a%2Fb', '/actions/-dash']) {
        await problem(await call('GET', path, kim), 400);
        await problem(await call('PUT', `${path}/customization`, kim, { definition: {} }), 400);
      }
      await problem(await call('GET', '/actions/nope', kim), 404);
      await problem(await call('GET', `/actions/${'x'.repeat(100)}`, kim), 404);
      await problem(await call('GET', '/actions/00000000-0000-4000-8000-000000000000', kim), 404);
      await problem(await call('PUT', '/actions/nope/customization', kim, { definition: {} }), 404);
      await problem(await call('POST', '/actions/nope/rollback', admin(), { revision: 1 }), 404);
      for (const query of ['limit=0', 'limit=1001', 'limit=x', 'cursor=garbage', 'includeArchived=maybe', 'other=1']) {
        await problem(await call('GET', `/actions?${query}`, admin()), 400);
      }
      await problem(await call('GET', '/actions/k/revisions?cursor=garbage', admin()), 400);
      const badRevisionCursor = Buffer.from(JSON.stringify([new Date().toISOString(), '99999999999'])).toString(
        'base64url',
      );
      await problem(await call('GET', `/actions/k/revisions?cursor=${badRevisionCursor}`, admin()), 400);
      const badListCursor = Buffer.from(JSON.stringify([new Date().toISOString(), 'not-a-uuid'])).toString('base64url');
      await problem(await call('GET', `/actions?cursor=${badListCursor}`, kim), 400);
      await problem(await call('GET', '/action?id=not-a-uuid', kim), 400);
      await problem(await call('GET', '/action?key=bad%20key', kim), 400);
    });

    it('refuses requests without a token', async () => {
      await problem(await instance.request('GET', '/actions'), 401);
      await problem(await instance.request('PUT', '/flows/k/customization', { body: { definition: {} } }), 401);
    });
  });
});
