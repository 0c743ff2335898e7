import { withClient } from '@switchboard/persistence';
import {
  createTestDatabase,
  freePort,
  httpClient,
  type HttpRequest,
  type ServiceProcess,
  startServiceProcess,
  TEST_HUB_KEYS,
  type TestDatabase,
} from '@switchboard/testing';

import { type InstanceHarness, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';
import { ELEMENT_PATHS, ELEMENT_TYPES } from '../elements/element-type.js';

const CLIENT_SECRET = 'client-secret-3f9a1c0d7e';
const TENANT_SECRET = 'tenant-credential-81b2c4';
const CONNECTION_SECRET = 'connection-credential-5d6e7f';
const TARGET_CLIENT_SECRET = 'target-client-secret-0a0b0c';

/** An instance the test talks to over HTTP. */
interface Node {
  request: HttpRequest;
}

/**
 * Export on one instance, import into a workspace of another instance (its
 * own database), export again: equal bytes. Real Postgres and NATS. The
 * source instance runs as its own process (the built app): two instance apps
 * in one process would share Passport's strategy registry, and with it one
 * app's workspaces.
 */
describe('workspace export and import', () => {
  const SOURCE_ID = 'transfer-source';
  let sourceDatabase: TestDatabase;
  let sourceProcess: ServiceProcess;
  let source: Node;
  let target: InstanceHarness;

  beforeAll(async () => {
    target = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS, INSTANCE_ID: 'transfer-target' });
    sourceDatabase = await createTestDatabase('instance');
    const port = await freePort();
    sourceProcess = await startServiceProcess({
      name: SOURCE_ID,
      script: 'apps/instance/dist/main.js',
      port,
      env: {
        INSTANCE_ID: SOURCE_ID,
        INSTANCE_PORT: String(port),
        INSTANCE_HOST: '127.0.0.1',
        INSTANCE_API_URL: `http://127.0.0.1:${port}`,
        DATABASE_URL: sourceDatabase.appUrl,
        DATABASE_POOL_SIZE: '3',
        NATS_URL: target.config.NATS_URL,
        NATS_NAMESPACE: target.namespace,
        ENCRYPTION_KEYS: FIXTURE_KEYS,
        HUB_PUBLIC_KEY: TEST_HUB_KEYS.publicKey,
      },
    });
    source = { request: httpClient(sourceProcess.url) };
  }, 90_000);

  afterAll(async () => {
    await sourceProcess?.stop();
    await sourceDatabase?.drop();
    await target?.close();
  });

  /** A workspace on the source instance, delivered over NATS as the Hub would (through the target's connection). */
  const seedOnSource = () =>
    seedWorkspace({ app: target.app, config: { ...target.config, INSTANCE_ID: SOURCE_ID } } as InstanceHarness);

  const call = async (instance: Node, method: string, path: string, token: string, body?: unknown) => {
    const response = await instance.request(method, path, { token, body });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };
  const ok = async (instance: Node, method: string, path: string, token: string, body?: unknown) => {
    const response = await call(instance, method, path, token, body);
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
    return JSON.parse(response.text);
  };
  const exportText = async (instance: Node, workspace: WorkspaceFixture, includeTenants = true) => {
    const response = await call(
      instance,
      'GET',
      `/workspace/export?includeTenants=${includeTenants}`,
      workspace.adminToken(),
    );
    expect(response).toMatchObject({ status: 200, type: expect.stringContaining('application/json') });
    return response.text;
  };
  const importDocument = async (
    instance: InstanceHarness,
    workspace: WorkspaceFixture,
    document: unknown,
    dryRun: boolean,
  ) => ok(instance, 'POST', `/workspace/import?dryRun=${dryRun}`, workspace.adminToken(), document);

  /** Row counts and the latest change time of every table an import could write, in the whole database. */
  const footprint = (instance: InstanceHarness) =>
    withClient(instance.database.adminUrl, async (client) => {
      const tables = [
        'workspaces',
        'integrations',
        'element_templates',
        'element_revisions',
        'element_customizations',
        'tenants',
        'connections',
        'activity_logs',
        'events',
      ];
      const result: Record<string, unknown> = {};
      for (const table of tables) {
        const { rows } = await client.query(`SELECT count(*)::int AS count FROM ${table}`);
        result[table] = rows[0].count;
      }
      for (const table of ['workspaces', 'integrations', 'element_templates', 'tenants', 'element_customizations']) {
        const { rows } = await client.query(`SELECT max(updated_at)::text AS at FROM ${table}`);
        result[`${table}.updated_at`] = rows[0].at;
      }
      return result;
    });

  /** A workspace with something of every kind, secrets included. */
  async function seedSource(): Promise<{ workspace: WorkspaceFixture; apiKey: string }> {
    const workspace = await seedOnSource();
    const admin = workspace.adminToken();
    await ok(source, 'PUT', '/workspace/tenant-field-schema', admin, {
      type: 'object',
      properties: { plan: { type: 'string' } },
    });
    await ok(source, 'POST', '/integrations', admin, {
      key: 'crm',
      name: 'CRM',
      authType: 'oauth2',
      clientId: 'crm-client',
      clientSecret: CLIENT_SECRET,
      settings: { scopes: ['read', 'write'], region: 'eu' },
    });
    await ok(source, 'POST', '/integrations', admin, { key: 'old', name: 'Old', authType: 'api-key' });
    await ok(source, 'DELETE', '/integrations/old', admin);
    for (const path of ELEMENT_PATHS) {
      await ok(source, 'POST', `/${path}`, admin, {
        key: 'greet',
        name: 'Greet',
        definition: { title: 'Hi {tenant.name}', n: 1 },
      });
      await ok(source, 'PUT', `/${path}/greet`, admin, {
        name: 'Greeting',
        definition: { title: 'Hello', n: 2, z: [1, 2] },
      });
      await ok(source, 'POST', `/${path}/greet/rollback`, admin, { revision: 1 });
      await ok(source, 'POST', `/${path}`, admin, { key: 'a-first', name: 'First', definition: {} });
    }
    await ok(source, 'DELETE', '/flows/a-first', admin);
    const tenant = await ok(source, 'POST', '/tenants', admin, {
      internalId: 'acme',
      name: 'Acme',
      fields: { plan: 'pro' },
      credentials: { apiToken: TENANT_SECRET },
      isTest: true,
      aiCreditsRolling30DayLimit: 500,
    });
    const apiKey = await ok(source, 'POST', `/tenants/${tenant.id}/api-keys`, admin, { name: 'ci' });
    const acme = workspace.tenantToken('acme');
    await ok(source, 'PUT', '/actions/greet/customization', acme, { definition: { n: 9, extra: { on: true } } });
    await ok(source, 'POST', '/connections', acme, {
      integrationKey: 'crm',
      credentials: { password: CONNECTION_SECRET },
    });
    // A tenant created on first sight by its token.
    await ok(source, 'PUT', '/flows/greet/customization', workspace.tenantToken('beta', { name: 'Beta' }), {
      definition: { title: null },
    });
    return { workspace, apiKey: apiKey.key };
  }

  it('exports, imports into another instance and exports the same bytes; a second import changes nothing', async () => {
    const { workspace: from, apiKey } = await seedSource();
    const into = await seedWorkspace(target);
    const bystander = await seedWorkspace(target);
    await ok(target, 'POST', '/actions', bystander.adminToken(), {
      key: 'greet',
      name: 'Mine',
      definition: { mine: 1 },
    });
    const bystanderBefore = await exportText(target, bystander);

    const text = await exportText(source, from);
    const document = JSON.parse(text);
    // Deterministic: the same state, the same bytes.
    expect(await exportText(source, from)).toBe(text);
    expect(document).toMatchObject({
      format: 'switchboard.workspace',
      version: 1,
      settings: { tenantFieldSchema: { type: 'object', properties: { plan: { type: 'string' } } } },
      integrations: [
        { key: 'crm', name: 'CRM', authType: 'oauth2', clientId: 'crm-client', archived: false },
        { key: 'old', archived: true },
      ],
    });
    expect(document.elements).toHaveLength(ELEMENT_PATHS.length * 2);
    const greet = document.elements.find(
      (e: { type: string; key: string }) => e.type === 'action' && e.key === 'greet',
    );
    expect(greet).toEqual({
      type: 'action',
      key: 'greet',
      archived: false,
      revisions: [
        { revision: 1, name: 'Greet', definition: { title: 'Hi {tenant.name}', n: 1 } },
        { revision: 2, name: 'Greeting', definition: { title: 'Hello', n: 2, z: [1, 2] } },
        { revision: 3, name: 'Greet', definition: { title: 'Hi {tenant.name}', n: 1 } },
      ],
    });
    expect(
      document.elements.find((e: { type: string; key: string }) => e.type === 'flow' && e.key === 'a-first'),
    ).toMatchObject({
      archived: true,
    });
    expect(document.tenants).toEqual([
      {
        internalId: 'acme',
        name: 'Acme',
        fields: { plan: 'pro' },
        isTest: true,
        aiCreditsRolling30DayLimit: 500,
        archived: false,
        customizations: [{ type: 'action', key: 'greet', definition: { n: 9, extra: { on: true } } }],
      },
      expect.objectContaining({
        internalId: 'beta',
        customizations: [{ type: 'flow', key: 'greet', definition: { title: null } }],
      }),
    ]);
    // No secret, sealed value, id or workspace identity anywhere in it.
    for (const secret of [
      CLIENT_SECRET,
      TENANT_SECRET,
      CONNECTION_SECRET,
      apiKey,
      from.secret,
      from.snapshot.sealedSecret,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/secret|credential|password|apiToken|sealed/i);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
    expect(text).not.toContain(from.snapshot.workspaceId);
    expect(text).not.toContain(from.snapshot.key);

    // Dry run: the whole diff, and nothing written anywhere.
    const emptyText = await exportText(target, into);
    const before = await footprint(target);
    const dry = await importDocument(target, into, document, true);
    const allCreated = {
      settings: [{ key: 'tenantFieldSchema', action: 'updated' }],
      integrations: [
        { key: 'crm', action: 'created' },
        { key: 'old', action: 'created' },
      ],
      elements: document.elements.map((e: { type: string; key: string }) => ({
        type: e.type,
        key: e.key,
        action: 'created',
      })),
      tenants: [
        { internalId: 'acme', action: 'created' },
        { internalId: 'beta', action: 'created' },
      ],
      customizations: [
        { internalId: 'acme', type: 'action', key: 'greet', action: 'created' },
        { internalId: 'beta', type: 'flow', key: 'greet', action: 'created' },
      ],
    };
    expect(dry).toEqual({ dryRun: true, changes: allCreated });
    expect(await footprint(target)).toEqual(before);
    expect(await exportText(target, into)).toBe(emptyText);

    // The import, then the target's export is byte for byte the source's.
    expect(await importDocument(target, into, document, false)).toEqual({ dryRun: false, changes: allCreated });
    expect(await exportText(target, into)).toBe(text);
    expect(await exportText(target, into, false)).toBe(await exportText(source, from, false));
    // Elements took their history: revision numbers and archived state as in the source.
    expect(await ok(target, 'GET', '/actions/greet', into.adminToken())).toMatchObject({ revision: 3, name: 'Greet' });
    const history = await ok(target, 'GET', '/actions/greet/revisions', into.adminToken());
    expect(history.items.map((item: { revision: number }) => item.revision)).toEqual([3, 2, 1]);
    // The tenant sees its customisation on the target, merged as on the source.
    expect(await ok(target, 'GET', '/actions/greet', into.tenantToken('acme'))).toMatchObject({
      isCustomized: true,
      definition: { title: 'Hi Acme', n: 9, extra: { on: true } },
    });
    // No secret came across: the integration has no client secret, the tenant no credentials.
    expect(await ok(target, 'GET', '/integrations/crm', into.adminToken())).toMatchObject({ hasClientSecret: false });
    const acme = await ok(target, 'GET', '/tenants?search=acme', into.adminToken());
    expect(await ok(target, 'GET', `/tenants/${acme.items[0].id}/credentials`, into.adminToken())).toEqual({
      credentials: null,
    });

    // Idempotent: the same document again is all unchanged and writes nothing.
    const settled = await footprint(target);
    const again = await importDocument(target, into, document, false);
    const unchanged = (list: { action: string }[]) => list.map((item) => ({ ...item, action: 'unchanged' }));
    expect(again).toEqual({
      dryRun: false,
      changes: Object.fromEntries(Object.entries(allCreated).map(([section, list]) => [section, unchanged(list)])),
    });
    expect(await footprint(target)).toEqual(settled);

    // Another workspace of the target instance was not touched.
    expect(await exportText(target, bystander)).toBe(bystanderBefore);
    expect(await ok(target, 'GET', '/actions/greet', bystander.adminToken())).toMatchObject({
      name: 'Mine',
      revision: 1,
      definition: { mine: 1 },
    });
  });

  it('imports a changed element as a new revision, keeps the target client secret, and shows the diff in a dry run', async () => {
    const from = await seedOnSource();
    const into = await seedWorkspace(target);
    const admin = from.adminToken();
    await ok(source, 'POST', '/integrations', admin, { key: 'crm', name: 'CRM', authType: 'oauth2', clientId: 'a' });
    await ok(source, 'POST', '/data-sources', admin, { key: 'list', name: 'List', definition: { v: 1 } });
    await ok(source, 'POST', '/data-sources', admin, { key: 'same', name: 'Same', definition: { v: 1 } });
    await importDocument(target, into, JSON.parse(await exportText(source, from, false)), false);
    // The target sets its own client secret (a production credential); the source changes.
    await ok(target, 'PATCH', '/integrations/crm', into.adminToken(), { clientSecret: TARGET_CLIENT_SECRET });
    await ok(source, 'PATCH', '/integrations/crm', admin, { name: 'CRM 2' });
    await ok(source, 'PUT', '/data-sources/list', admin, { definition: { v: 2 } });
    await ok(source, 'DELETE', '/data-sources/same', admin);
    const document = JSON.parse(await exportText(source, from, false));

    const before = await footprint(target);
    const expected = {
      settings: [{ key: 'tenantFieldSchema', action: 'unchanged' }],
      integrations: [{ key: 'crm', action: 'updated' }],
      elements: [
        { type: 'data-source', key: 'list', action: 'updated' },
        { type: 'data-source', key: 'same', action: 'updated' },
      ],
      tenants: [],
      customizations: [],
    };
    expect(await importDocument(target, into, document, true)).toEqual({ dryRun: true, changes: expected });
    expect(await footprint(target)).toEqual(before);
    expect(await importDocument(target, into, document, false)).toEqual({ dryRun: false, changes: expected });

    expect(await ok(target, 'GET', '/integrations/crm', into.adminToken())).toMatchObject({
      name: 'CRM 2',
      hasClientSecret: true,
    });
    expect(await ok(target, 'GET', '/data-sources/list', into.adminToken())).toMatchObject({
      revision: 2,
      definition: { v: 2 },
    });
    expect((await ok(target, 'GET', '/data-sources/same', into.adminToken())).archivedAt).not.toBeNull();
    expect(await exportText(target, into, false)).toBe(await exportText(source, from, false));
    // The target's secret never leaves it either.
    expect(await exportText(target, into)).not.toContain(TARGET_CLIENT_SECRET);

    // The target moved on independently: an import whose definition differs from its latest is a new revision.
    await ok(target, 'PUT', '/data-sources/list', into.adminToken(), { definition: { v: 'local' } });
    const changes = await importDocument(target, into, document, false);
    expect(changes.changes.elements).toEqual([
      { type: 'data-source', key: 'list', action: 'updated' },
      { type: 'data-source', key: 'same', action: 'unchanged' },
    ]);
    expect(await ok(target, 'GET', '/data-sources/list', into.adminToken())).toMatchObject({
      revision: 4,
      definition: { v: 2 },
    });
  });

  it('is all or nothing: a failure in the middle of an import leaves the workspace as it was', async () => {
    const into = await seedWorkspace(target);
    const document = {
      format: 'switchboard.workspace',
      version: 1,
      settings: { tenantFieldSchema: { type: 'object' } },
      integrations: [{ key: 'crm', name: 'CRM', authType: 'none', clientId: null, settings: {}, archived: false }],
      elements: [
        { type: 'action', key: 'a', archived: false, revisions: [{ revision: 1, name: 'A', definition: {} }] },
        { type: 'action', key: 'boom', archived: false, revisions: [{ revision: 1, name: 'B', definition: {} }] },
      ],
    };
    // A real failure from Postgres after the first writes of the import.
    await withClient(target.database.adminUrl, (client) =>
      client.query(`
        CREATE FUNCTION transfer_test_boom() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.key = 'boom' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER transfer_test_boom BEFORE INSERT ON element_templates
          FOR EACH ROW EXECUTE FUNCTION transfer_test_boom();`),
    );
    try {
      const before = await footprint(target);
      const emptyText = await exportText(target, into);
      const response = await call(target, 'POST', '/workspace/import', into.adminToken(), document);
      expect(response.status).toBe(500);
      expect(await footprint(target)).toEqual(before);
      expect(await exportText(target, into)).toBe(emptyText);
    } finally {
      await withClient(target.database.adminUrl, (client) =>
        client.query('DROP TRIGGER transfer_test_boom ON element_templates; DROP FUNCTION transfer_test_boom();'),
      );
    }
    expect((await importDocument(target, into, document, false)).changes.elements).toEqual([
      { type: 'action', key: 'a', action: 'created' },
      { type: 'action', key: 'boom', action: 'created' },
    ]);
  });

  it('runs concurrent imports into one workspace one after the other: one creates, the other finds it unchanged', async () => {
    const into = await seedWorkspace(target);
    const document = {
      format: 'switchboard.workspace',
      version: 1,
      settings: { tenantFieldSchema: null },
      integrations: [{ key: 'crm', name: 'CRM', authType: 'none', clientId: null, settings: {}, archived: false }],
      elements: ELEMENT_PATHS.map((path) => ({
        type: ELEMENT_TYPES[path],
        key: 'same',
        archived: false,
        revisions: [{ revision: 1, name: 'S', definition: { path } }],
      })),
      tenants: [
        {
          internalId: 'one',
          name: 'One',
          fields: {},
          isTest: false,
          aiCreditsRolling30DayLimit: null,
          archived: false,
          customizations: [],
        },
      ],
    };
    const results = await Promise.all(Array.from({ length: 4 }, () => importDocument(target, into, document, false)));
    const actions = results.map((result) => result.changes.integrations[0].action).sort();
    expect(actions).toEqual(['created', 'unchanged', 'unchanged', 'unchanged']);
    for (const result of results) {
      const created = result.changes.integrations[0].action === 'created';
      expect(new Set(result.changes.elements.map((e: { action: string }) => e.action))).toEqual(
        new Set([created ? 'created' : 'unchanged']),
      );
    }
    expect(JSON.parse(await exportText(target, into)).tenants).toHaveLength(1);
  });

  it('refuses tenant tokens (403) and bad documents (400 naming the path, 413 when huge)', async () => {
    const workspace = await seedWorkspace(target);
    const admin = workspace.adminToken();
    const tenant = workspace.tenantToken('nosy');
    const problem = async (method: string, path: string, token: string, body: unknown, status: number) => {
      const response = await call(target, method, path, token, body);
      expect({ status: response.status, type: response.type }).toEqual({
        status,
        type: expect.stringContaining('application/problem+json'),
      });
      return JSON.parse(response.text);
    };
    const valid = () => ({
      format: 'switchboard.workspace',
      version: 1,
      settings: { tenantFieldSchema: null },
      integrations: [],
      elements: [{ type: 'flow', key: 'f', archived: false, revisions: [{ revision: 1, name: 'F', definition: {} }] }],
      tenants: [],
    });
    await problem('GET', '/workspace/export', tenant, undefined, 403);
    await problem('GET', '/workspace/export?includeTenants=true', tenant, undefined, 403);
    await problem('POST', '/workspace/import?dryRun=true', tenant, valid(), 403);
    await problem('POST', '/workspace/import', tenant, valid(), 403);
    await problem('GET', '/workspace/export?includeTenants=maybe', admin, undefined, 400);
    await problem('POST', '/workspace/import?dryRun=perhaps', admin, valid(), 400);

    const before = await footprint(target);
    const bad = async (document: unknown, path: string, message?: RegExp) => {
      const body = await problem('POST', '/workspace/import', admin, document, 400);
      expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: path })]));
      if (message) expect(body.detail).toMatch(message);
    };
    await bad({ ...valid(), version: 2 }, '/version', /unknown version 2/);
    await bad({ ...valid(), format: 'other' }, '/format');
    await bad([], '/');
    await bad({ ...valid(), extra: true }, '/extra', /not a known field/);
    await bad({ ...valid(), elements: undefined }, '/elements', /required/);
    const element = (change: Record<string, unknown>, revision: Record<string, unknown> = {}) => ({
      ...valid(),
      elements: [
        {
          type: 'flow',
          key: 'f',
          archived: false,
          revisions: [{ revision: 1, name: 'F', definition: {}, ...revision }],
          ...change,
        },
      ],
    });
    await bad(element({ type: 'widget' }), '/elements/0/type');
    await bad(element({ key: 'no spaces' }), '/elements/0/key');
    await bad(element({}, { definition: [] }), '/elements/0/revisions/0/definition');
    await bad(
      element({}, { definition: { big: 'x'.repeat(300 * 1024) } }),
      '/elements/0/revisions/0/definition',
      /bytes/,
    );
    await bad(element({}, { revision: 0 }), '/elements/0/revisions/0/revision');
    await bad(element({ revisions: [] }), '/elements/0/revisions');
    await bad(
      element({
        revisions: [
          { revision: 2, name: 'F', definition: {} },
          { revision: 1, name: 'F', definition: {} },
        ],
      }),
      '/elements/0/revisions/1/revision',
      /ascending/,
    );
    await bad({ ...valid(), elements: [...valid().elements, ...valid().elements] }, '/elements/1/key', /twice/);
    const integration = { key: 'crm', name: 'CRM', authType: 'oauth2', clientId: null, settings: {}, archived: false };
    await bad({ ...valid(), integrations: [{ ...integration, clientSecret: 'x' }] }, '/integrations/0/clientSecret');
    await bad({ ...valid(), integrations: [{ ...integration, authType: 'magic' }] }, '/integrations/0/authType');
    await bad(
      { ...valid(), integrations: [{ ...integration, key: '0b0b0b0b-0000-4000-8000-000000000000' }] },
      '/integrations/0/key',
    );
    const tenantOf = (change: Record<string, unknown>) => ({
      ...valid(),
      tenants: [
        {
          internalId: 't',
          name: 'T',
          fields: {},
          isTest: false,
          aiCreditsRolling30DayLimit: null,
          archived: false,
          customizations: [],
          ...change,
        },
      ],
    });
    await bad(tenantOf({ credentials: { a: 1 } }), '/tenants/0/credentials');
    await bad(
      tenantOf({ customizations: [{ type: 'action', key: 'f', definition: {} }] }),
      '/tenants/0/customizations/0/key',
      /names no element/,
    );
    await bad(
      {
        ...tenantOf({ fields: { plan: 3 } }),
        settings: { tenantFieldSchema: { properties: { plan: { type: 'string' } } } },
      },
      '/tenants/0/fields',
    );
    await bad({ ...valid(), settings: { tenantFieldSchema: { type: 'no-such-type' } } }, '/settings/tenantFieldSchema');
    // Larger than the service's 1 MiB body limit is fine here; over 16 MiB is a 413.
    const large = { ...valid(), integrations: [{ ...integration, settings: { blob: 'x'.repeat(2 * 1024 * 1024) } }] };
    expect((await importDocument(target, workspace, large, true)).changes.integrations).toEqual([
      { key: 'crm', action: 'created' },
    ]);
    const huge = { ...valid(), integrations: [{ ...integration, settings: { blob: 'x'.repeat(17 * 1024 * 1024) } }] };
    await problem('POST', '/workspace/import', admin, huge, 413);
    // Other routes keep the service's limit.
    await problem('POST', '/integrations', admin, large.integrations[0], 413);
    expect(await footprint(target)).toEqual(before);

    // The valid one goes through.
    expect((await importDocument(target, workspace, valid(), false)).changes.elements).toEqual([
      { type: ELEMENT_TYPES.flows, key: 'f', action: 'created' },
    ]);
  });
});
