import { randomUUID } from 'node:crypto';

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
 * source instance runs as its own process (the built app), as it would in
 * production. (Two instance apps in one process no longer share token checks:
 * apps/instance/src/auth/two-apps.int-spec.ts.)
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

  /** The actions an import reports, over all its sections. */
  const actionsOf = (result: { changes: Record<string, { action: string }[]> }) =>
    new Set(Object.values(result.changes).flatMap((list) => list.map((change) => change.action)));

  /** Row counts and the latest change time of every table an import could write, in the whole database. */
  const footprint = (instance: InstanceHarness) =>
    withClient(instance.database.adminUrl, async (client) => {
      const tables = [
        'workspaces',
        'integrations',
        'element_templates',
        'element_revisions',
        'element_customizations',
        'element_deployments',
        'tenants',
        'connections',
        'activity_logs',
        'events',
        'event_subscriptions',
      ];
      const result: Record<string, unknown> = {};
      for (const table of tables) {
        const { rows } = await client.query(`SELECT count(*)::int AS count FROM ${table}`);
        result[table] = rows[0].count;
      }
      for (const table of [
        'workspaces',
        'integrations',
        'element_templates',
        'tenants',
        'element_customizations',
        'element_deployments',
      ]) {
        const { rows } = await client.query(`SELECT max(updated_at)::text AS at FROM ${table}`);
        result[`${table}.updated_at`] = rows[0].at;
      }
      return result;
    });

  /**
   * Writes a universe element into an instance's database as the universe
   * sync does (a transaction that set `app.universe_sync`); kept if there.
   */
  const universe = (databaseUrl: string, type: string, key: string, definition: Record<string, unknown>) =>
    withClient(databaseUrl, async (client) => {
      await client.query('BEGIN');
      await client.query("SELECT set_config('app.universe_sync', 'on', true)");
      await client.query(
        `INSERT INTO universe_elements (id, element_type, key, name, definition, revision, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 1, now(), now()) ON CONFLICT (element_type, key) DO NOTHING`,
        [randomUUID(), type, key, `Universe ${key}`, JSON.stringify(definition)],
      );
      await client.query('COMMIT');
    });
  /** The same universe elements on both instances, as the Hub syncs them everywhere. */
  const seedUniverse = async () => {
    for (const url of [sourceDatabase.adminUrl, target.database.adminUrl]) {
      await universe(url, 'flow', 'u-flow', { steps: ['fetch', 'store'], retry: { times: 3 } });
      await universe(url, 'action', 'u-action', { to: 'universe', subject: 'Hi' });
    }
  };

  /** A hand-written template, published at its last revision, with no parent. */
  const template = (type: string, key: string, revisions: Record<string, unknown>[]) => ({
    type,
    key,
    parentKey: null,
    archived: false,
    publishedRevision: revisions[revisions.length - 1]!['revision'],
    revisions,
  });

  /** A hand-written tenant's own element: a template's shape without `publishedRevision`. */
  const ownElement = (type: string, key: string, revisions: Record<string, unknown>[]) => {
    const { publishedRevision: _, ...element } = template(type, key, revisions);
    return element;
  };

  /** A hand-written version-2 tenant with nothing hanging off it but its subscriptions. */
  const linkedTenant = (
    internalId: string,
    parentInternalId: string | null,
    subscriptions: { eventType: string; webhookUri: string }[] = [],
  ) => ({
    internalId,
    parentInternalId,
    name: internalId.toUpperCase(),
    fields: {},
    isTest: false,
    aiCreditsRolling30DayLimit: null,
    archived: false,
    customizations: [],
    elements: [],
    deployments: [],
    subscriptions,
  });
  const tenantsDocument = (tenants: unknown[], version = 2) => ({
    format: 'switchboard.workspace',
    version,
    settings: { tenantFieldSchema: null },
    integrations: [],
    elements: [],
    tenants,
  });
  /** The same tenant as a version-1 document holds it (no parent, no subscriptions), with `change` laid over it. */
  const v1Tenant = (internalId: string, change: Record<string, unknown> = {}) => {
    const { parentInternalId: _, subscriptions: __, ...tenant } = linkedTenant(internalId, null);
    return { ...tenant, ...change };
  };

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
    // An integration on a connector of the workspace; a template laid over a universe flow; a draft.
    await ok(source, 'PATCH', '/integrations/crm', admin, { connectorKey: 'greet' });
    await ok(source, 'POST', '/flows', admin, {
      key: 'over',
      name: 'Over',
      parentKey: 'u-flow',
      definition: { retry: { times: 5 } },
    });
    await ok(source, 'PUT', '/field-mappings/greet', admin, { definition: { draft: true }, publish: false });
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
    // A canary: acme sees the draft. Its own element, and a customisation of a universe element.
    await ok(source, 'POST', '/field-mappings/greet/publish', admin, { revision: 4, tenantIds: [tenant.id] });
    await ok(source, 'POST', '/data-sources', acme, { key: 'acme-own', name: 'Own', definition: { v: 1 } });
    await ok(source, 'PUT', '/data-sources/acme-own', acme, { definition: { v: 2 } });
    await ok(source, 'PUT', '/actions/u-action/customization', acme, { definition: { subject: 'Hi Acme' } });
    await ok(source, 'POST', '/connections', acme, {
      integrationKey: 'crm',
      credentials: { password: CONNECTION_SECRET },
    });
    // A tenant created on first sight by its token, then linked to acme; subscriptions, one deleted, one twice.
    await ok(source, 'PUT', '/flows/greet/customization', workspace.tenantToken('beta', { name: 'Beta' }), {
      definition: { title: null },
    });
    const beta = await ok(source, 'GET', '/tenants?search=beta', admin);
    await ok(source, 'PATCH', `/tenants/${beta.items[0].id}`, admin, { parentId: tenant.id });
    for (const [eventType, webhookUri] of [
      ['connection.archived', 'https://hooks.example.com/acme?token=abc'],
      ['connection.archived', 'https://hooks.example.com/acme?token=abc'],
      ['connection.disconnected', 'https://hooks.example.com/acme'],
      ['connection.disconnected', 'https://hooks.example.com/deleted'],
    ]) {
      await ok(source, 'POST', '/event-subscriptions', acme, { eventType, webhookUri });
    }
    const listed = await ok(source, 'GET', '/event-subscriptions', acme);
    const deleted = listed.items.find((s: { webhookUri: string }) => s.webhookUri.endsWith('/deleted'));
    expect((await call(source, 'DELETE', `/event-subscriptions/${deleted.id}`, acme)).status).toBe(204);
    await ok(source, 'POST', '/event-subscriptions', workspace.tenantToken('beta'), {
      eventType: 'connection.archived',
      webhookUri: 'https://hooks.example.com/beta',
    });
    return { workspace, apiKey: apiKey.key };
  }

  it('exports, imports into another instance and exports the same bytes; a second import changes nothing', async () => {
    await seedUniverse();
    const { workspace: from, apiKey } = await seedSource();
    const into = await seedWorkspace(target);
    const bystander = await seedWorkspace(target);
    await ok(target, 'POST', '/actions', bystander.adminToken(), {
      key: 'greet',
      name: 'Mine',
      definition: { mine: 1 },
    });
    // The bystander's tenants have the document's keys, the other way round: beta the parent of acme.
    const bystanderBeta = await ok(target, 'POST', '/tenants', bystander.adminToken(), {
      internalId: 'beta',
      name: 'B',
    });
    await ok(target, 'POST', '/tenants', bystander.adminToken(), {
      internalId: 'acme',
      name: 'A',
      parentId: bystanderBeta.id,
    });
    await ok(target, 'POST', '/event-subscriptions', bystander.tenantToken('acme'), {
      eventType: 'connection.archived',
      webhookUri: 'https://hooks.example.com/acme?token=abc',
    });
    const bystanderBefore = await exportText(target, bystander);

    const text = await exportText(source, from);
    const document = JSON.parse(text);
    // Deterministic: the same state, the same bytes.
    expect(await exportText(source, from)).toBe(text);
    expect(document).toMatchObject({
      format: 'switchboard.workspace',
      version: 2,
      settings: { tenantFieldSchema: { type: 'object', properties: { plan: { type: 'string' } } } },
      integrations: [
        {
          key: 'crm',
          name: 'CRM',
          authType: 'oauth2',
          clientId: 'crm-client',
          connectorKey: 'greet',
          archived: false,
        },
        { key: 'old', connectorKey: null, archived: true },
      ],
    });
    // Every type's templates, and nothing of the universe.
    expect(document.elements).toHaveLength(ELEMENT_PATHS.length * 2 + 1);
    expect(new Set(document.elements.map((e: { type: string }) => e.type))).toEqual(
      new Set(Object.values(ELEMENT_TYPES)),
    );
    expect(document.elements.filter((e: { key: string }) => e.key.startsWith('u-'))).toEqual([]);
    expect(document.elements.find((e: { key: string }) => e.key === 'over')).toEqual({
      type: 'flow',
      key: 'over',
      parentKey: 'u-flow',
      archived: false,
      publishedRevision: 1,
      revisions: [{ revision: 1, name: 'Over', definition: { retry: { times: 5 } } }],
    });
    expect(
      document.elements.find((e: { type: string; key: string }) => e.type === 'field-mapping' && e.key === 'greet'),
    ).toMatchObject({
      publishedRevision: 3,
      revisions: expect.arrayContaining([expect.objectContaining({ revision: 4 })]),
    });
    const greet = document.elements.find(
      (e: { type: string; key: string }) => e.type === 'action' && e.key === 'greet',
    );
    expect(greet).toEqual({
      type: 'action',
      key: 'greet',
      parentKey: null,
      archived: false,
      publishedRevision: 3,
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
        parentInternalId: null,
        name: 'Acme',
        fields: { plan: 'pro' },
        isTest: true,
        aiCreditsRolling30DayLimit: 500,
        archived: false,
        customizations: [
          { type: 'action', key: 'greet', definition: { n: 9, extra: { on: true } } },
          { type: 'action', key: 'u-action', definition: { subject: 'Hi Acme' } },
        ],
        elements: [
          {
            type: 'data-source',
            key: 'acme-own',
            parentKey: null,
            archived: false,
            revisions: [
              { revision: 1, name: 'Own', definition: { v: 1 } },
              { revision: 2, name: 'Own', definition: { v: 2 } },
            ],
          },
        ],
        deployments: [{ type: 'field-mapping', key: 'greet', revision: 4 }],
        // Live ones only, by type then URI; the same one twice is two.
        subscriptions: [
          { eventType: 'connection.archived', webhookUri: 'https://hooks.example.com/acme?token=abc' },
          { eventType: 'connection.archived', webhookUri: 'https://hooks.example.com/acme?token=abc' },
          { eventType: 'connection.disconnected', webhookUri: 'https://hooks.example.com/acme' },
        ],
      },
      expect.objectContaining({
        internalId: 'beta',
        parentInternalId: 'acme',
        customizations: [{ type: 'flow', key: 'greet', definition: { title: null } }],
        elements: [],
        deployments: [],
        subscriptions: [{ eventType: 'connection.archived', webhookUri: 'https://hooks.example.com/beta' }],
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
        { internalId: 'acme', type: 'action', key: 'u-action', action: 'created' },
        { internalId: 'beta', type: 'flow', key: 'greet', action: 'created' },
      ],
      tenantElements: [{ internalId: 'acme', type: 'data-source', key: 'acme-own', action: 'created' }],
      deployments: [{ internalId: 'acme', type: 'field-mapping', key: 'greet', action: 'created' }],
      subscriptions: [...document.tenants[0].subscriptions, ...document.tenants[1].subscriptions].map(
        (subscription: Record<string, string>, at: number) => ({
          internalId: at < 3 ? 'acme' : 'beta',
          ...subscription,
          action: 'created',
        }),
      ),
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
    const acmeToken = into.tenantToken('acme');
    expect(await ok(target, 'GET', '/actions/greet', acmeToken)).toMatchObject({
      isCustomized: true,
      definition: { title: 'Hi Acme', n: 9, extra: { on: true } },
    });
    // Levels as on the source: the template over its universe parent, the customised universe element,
    // the tenant's own element (to it alone), the canary pin and the draft.
    expect(await ok(target, 'GET', '/flows/over', acmeToken)).toMatchObject({
      level: 'workspace',
      parentKey: 'u-flow',
      definition: { steps: ['fetch', 'store'], retry: { times: 5 } },
    });
    expect(await ok(target, 'GET', '/actions/u-action', acmeToken)).toMatchObject({
      level: 'universe',
      isCustomized: true,
      definition: { to: 'universe', subject: 'Hi Acme' },
    });
    expect(await ok(target, 'GET', '/data-sources/acme-own', acmeToken)).toMatchObject({
      level: 'tenant',
      revision: 2,
      definition: { v: 2 },
    });
    expect((await call(target, 'GET', '/data-sources/acme-own', into.tenantToken('beta'))).status).toBe(404);
    expect(await ok(target, 'GET', '/field-mappings/greet', acmeToken)).toMatchObject({
      revision: 4,
      definition: { draft: true },
    });
    expect(await ok(target, 'GET', '/field-mappings/greet', into.tenantToken('beta'))).toMatchObject({
      revision: 3,
      publishedRevision: 3,
      latestRevision: 4,
    });
    expect(await ok(target, 'GET', '/integrations/crm', into.adminToken())).toMatchObject({ connectorKey: 'greet' });
    // No secret came across: the integration has no client secret, the tenant no credentials.
    expect(await ok(target, 'GET', '/integrations/crm', into.adminToken())).toMatchObject({ hasClientSecret: false });
    const acme = await ok(target, 'GET', '/tenants?search=acme', into.adminToken());
    expect(await ok(target, 'GET', `/tenants/${acme.items[0].id}/credentials`, into.adminToken())).toEqual({
      credentials: null,
    });
    // Linked by key to the target's acme: beta uses acme's id here, and acme lists it as its child.
    expect((await ok(target, 'GET', '/tenants?search=beta', into.adminToken())).items[0]).toMatchObject({
      parentId: acme.items[0].id,
    });
    expect(await ok(target, 'GET', '/self/children', acmeToken)).toEqual([
      expect.objectContaining({ internalId: 'beta' }),
    ]);
    const acmeSubscriptions = await ok(target, 'GET', '/event-subscriptions', acmeToken);
    expect(acmeSubscriptions.items).toHaveLength(3);
    expect(acmeSubscriptions.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ tenantId: acme.items[0].id, webhookUri: 'https://hooks.example.com/acme' }),
      ]),
    );

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
      tenantElements: [],
      deployments: [],
      subscriptions: [],
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

  it('brings an existing template to the published revision and draft of the document, with its canary pins', async () => {
    const from = await seedOnSource();
    const into = await seedWorkspace(target);
    const admin = from.adminToken();
    await ok(source, 'POST', '/actions', admin, { key: 'd', name: 'D', definition: { v: 1 } });
    await importDocument(target, into, JSON.parse(await exportText(source, from, false)), false);
    // The source moves on: a published revision, a draft, and a tenant pinned to the draft.
    const x = await ok(source, 'POST', '/tenants', admin, { internalId: 'x', name: 'X' });
    await ok(source, 'PUT', '/actions/d', admin, { definition: { v: 2 } });
    await ok(source, 'PUT', '/actions/d', admin, { definition: { v: 3 }, publish: false });
    await ok(source, 'POST', '/actions/d/publish', admin, { revision: 3, tenantIds: [x.id] });
    const document = JSON.parse(await exportText(source, from));
    expect(document.elements).toEqual([expect.objectContaining({ key: 'd', publishedRevision: 2 })]);

    const changes = {
      settings: [{ key: 'tenantFieldSchema', action: 'unchanged' }],
      integrations: [],
      elements: [{ type: 'action', key: 'd', action: 'updated' }],
      tenants: [{ internalId: 'x', action: 'created' }],
      customizations: [],
      tenantElements: [],
      deployments: [{ internalId: 'x', type: 'action', key: 'd', action: 'created' }],
      subscriptions: [],
    };
    const before = await footprint(target);
    expect(await importDocument(target, into, document, true)).toEqual({ dryRun: true, changes });
    expect(await footprint(target)).toEqual(before);
    expect(await importDocument(target, into, document, false)).toEqual({ dryRun: false, changes });
    expect(await exportText(target, into)).toBe(await exportText(source, from));
    expect(await ok(target, 'GET', '/actions/d', into.adminToken())).toMatchObject({
      revision: 3,
      publishedRevision: 2,
      definition: { v: 3 },
    });
    expect(await ok(target, 'GET', '/actions/d', into.tenantToken('x'))).toMatchObject({ definition: { v: 3 } });
    expect(await ok(target, 'GET', '/actions/d', into.tenantToken('y'))).toMatchObject({ definition: { v: 2 } });
    const settled = await footprint(target);
    const again = await importDocument(target, into, document, false);
    expect(
      Object.values(again.changes)
        .flat()
        .map((change) => (change as { action: string }).action),
    ).toEqual(Array(4).fill('unchanged'));
    expect(await footprint(target)).toEqual(settled);

    // The target published something of its own (dropping the pin): the document's published revision and
    // draft come back as new revisions, and the pin lands on the target revision that holds the draft.
    await ok(target, 'PUT', '/actions/d', into.adminToken(), { definition: { v: 'local' } });
    const diverged = await importDocument(target, into, document, false);
    expect(diverged.changes.elements).toEqual([{ type: 'action', key: 'd', action: 'updated' }]);
    expect(diverged.changes.deployments).toEqual([{ internalId: 'x', type: 'action', key: 'd', action: 'created' }]);
    expect(await ok(target, 'GET', '/actions/d', into.adminToken())).toMatchObject({
      revision: 6,
      publishedRevision: 5,
      definition: { v: 3 },
    });
    expect(await ok(target, 'GET', '/actions/d', into.tenantToken('x'))).toMatchObject({ definition: { v: 3 } });
    expect(await ok(target, 'GET', '/actions/d', into.tenantToken('y'))).toMatchObject({
      revision: 5,
      definition: { v: 2 },
    });
    expect(actionsOf(await importDocument(target, into, document, false))).toEqual(new Set(['unchanged']));
  });

  const parentsOf = async (workspace: WorkspaceFixture) => {
    const document = JSON.parse(await exportText(target, workspace));
    return Object.fromEntries(
      document.tenants.map((t: { internalId: string; parentInternalId: string | null }) => [
        t.internalId,
        t.parentInternalId,
      ]),
    );
  };

  it('links tenants by their keys within the document, children listed before parents, and relinks on import', async () => {
    const into = await seedWorkspace(target);
    const admin = into.adminToken();
    const hook = { eventType: 'connection.archived', webhookUri: 'https://hooks.example.com/p' };
    const document = tenantsDocument([
      linkedTenant('child', 'parent'),
      linkedTenant('parent', null, [hook]),
      linkedTenant('other', 'parent'),
    ]);
    const created = await importDocument(target, into, document, false);
    expect(created.changes.tenants.map((t: { action: string }) => t.action)).toEqual(['created', 'created', 'created']);
    expect(await parentsOf(into)).toEqual({ child: 'parent', other: 'parent', parent: null });
    expect(
      (await ok(target, 'GET', '/self/children', into.tenantToken('parent'))).map((c: { key: string }) => c.key),
    ).toEqual(expect.arrayContaining(['child', 'other']));
    // The parent's subscription came with it.
    expect((await ok(target, 'GET', '/event-subscriptions', into.tenantToken('parent'))).items).toEqual([
      expect.objectContaining(hook),
    ]);
    let settled = await footprint(target);
    expect(actionsOf(await importDocument(target, into, document, false))).toEqual(new Set(['unchanged']));
    expect(await footprint(target)).toEqual(settled);

    // Relinked and unlinked by the document: only the link differs, the tenant is `updated`.
    const relinked = tenantsDocument([
      linkedTenant('child', 'other'),
      linkedTenant('parent', null, [hook]),
      linkedTenant('other', null),
    ]);
    expect((await importDocument(target, into, relinked, true)).changes.tenants).toEqual([
      { internalId: 'child', action: 'updated' },
      { internalId: 'parent', action: 'unchanged' },
      { internalId: 'other', action: 'updated' },
    ]);
    expect(await parentsOf(into)).toEqual({ child: 'parent', other: 'parent', parent: null });
    await importDocument(target, into, relinked, false);
    expect(await parentsOf(into)).toEqual({ child: 'other', other: null, parent: null });

    // A version-1 document names no parents and no subscriptions: it leaves both as they are.
    const { parentInternalId: _, subscriptions: __, ...v1 } = linkedTenant('child', null);
    settled = await footprint(target);
    expect((await importDocument(target, into, tenantsDocument([v1], 1), false)).changes).toMatchObject({
      tenants: [{ internalId: 'child', action: 'unchanged' }],
      subscriptions: [],
    });
    expect(await footprint(target)).toEqual(settled);
    expect(await parentsOf(into)).toEqual({ child: 'other', other: null, parent: null });

    // A tenant the document makes a child while it keeps a child here the document does not name: 409.
    await ok(target, 'POST', '/tenants', admin, { internalId: 'outside', name: 'Outside' });
    const outside = await ok(target, 'GET', '/tenants?search=outside', admin);
    const parent = await ok(target, 'GET', '/tenants?search=parent', admin);
    await ok(target, 'PATCH', `/tenants/${outside.items[0].id}`, admin, { parentId: parent.items[0].id });
    settled = await footprint(target);
    const deeper = tenantsDocument([linkedTenant('parent', 'other'), linkedTenant('other', null)]);
    for (const dryRun of [true, false]) {
      const response = await call(target, 'POST', `/workspace/import?dryRun=${dryRun}`, admin, deeper);
      expect({ status: response.status, type: response.type }).toEqual({
        status: 409,
        type: expect.stringContaining('application/problem+json'),
      });
      expect(JSON.parse(response.text).detail).toContain(
        '/tenants/0/parentInternalId: "parent" has children here the document does not name ("outside")',
      );
    }
    expect(await footprint(target)).toEqual(settled);
    // Named by the document, the same child is the document's to relink: it goes through.
    await importDocument(target, into, tenantsDocument([...deeper.tenants, linkedTenant('outside', null)]), false);
    expect(await parentsOf(into)).toMatchObject({ parent: 'other', outside: null, other: null });
  });

  it('creates the subscriptions a tenant lacks, by content, within its cap; refuses what POST /event-subscriptions refuses', async () => {
    const into = await seedWorkspace(target);
    const admin = into.adminToken();
    const a = { eventType: 'connection.archived', webhookUri: 'https://hooks.example.com/a' };
    const b = { eventType: 'connection.disconnected', webhookUri: 'https://hooks.example.com/b' };
    await ok(target, 'POST', '/tenants', admin, { internalId: 't', name: 'T' });
    await ok(target, 'POST', '/event-subscriptions', into.tenantToken('t'), a);
    const document = tenantsDocument([linkedTenant('t', null, [a, a, b])]);
    const expected = [
      { internalId: 't', ...a, action: 'unchanged' },
      { internalId: 't', ...a, action: 'created' },
      { internalId: 't', ...b, action: 'created' },
    ];
    expect((await importDocument(target, into, document, true)).changes.subscriptions).toEqual(expected);
    expect((await importDocument(target, into, document, false)).changes.subscriptions).toEqual(expected);
    const settled = await footprint(target);
    expect((await importDocument(target, into, document, false)).changes.subscriptions).toEqual(
      expected.map((change) => ({ ...change, action: 'unchanged' })),
    );
    expect(await footprint(target)).toEqual(settled);
    // A subscription the document does not list stays: an import deletes nothing.
    expect(
      (await importDocument(target, into, tenantsDocument([linkedTenant('t', null, [])]), false)).changes.subscriptions,
    ).toEqual([]);
    expect((await ok(target, 'GET', '/event-subscriptions', into.tenantToken('t'))).items).toHaveLength(3);

    // The cap counts what the tenant holds: 3 held + 98 listed beyond them is one too many (409, nothing written).
    const many = Array.from({ length: 98 }, (_, i) => ({ ...a, webhookUri: `https://hooks.example.com/${i}` }));
    for (const dryRun of [true, false]) {
      const response = await call(
        target,
        'POST',
        `/workspace/import?dryRun=${dryRun}`,
        admin,
        tenantsDocument([linkedTenant('t', null, many)]),
      );
      expect(response.status).toBe(409);
      expect(JSON.parse(response.text).detail).toContain('/tenants/0/subscriptions: the tenant would hold 101');
    }
    expect(await footprint(target)).toEqual(settled);
    expect(
      (await importDocument(target, into, tenantsDocument([linkedTenant('t', null, many.slice(1))]), false)).changes
        .subscriptions,
    ).toHaveLength(97);
  });

  it('refuses a key the target holds at the other level (409) and writes nothing', async () => {
    const into = await seedWorkspace(target);
    const admin = into.adminToken();
    await ok(target, 'POST', '/tenants', admin, { internalId: 'x', name: 'X' });
    await ok(target, 'POST', '/actions', into.tenantToken('x'), { key: 'mine', name: 'Mine', definition: {} });
    await ok(target, 'POST', '/flows', admin, { key: 'tpl', name: 'Tpl', definition: {} });
    const base = {
      format: 'switchboard.workspace',
      version: 1,
      settings: { tenantFieldSchema: null },
      integrations: [],
      elements: [],
    };
    const before = await footprint(target);
    for (const dryRun of [true, false]) {
      const asTemplate = await call(target, 'POST', `/workspace/import?dryRun=${dryRun}`, admin, {
        ...base,
        elements: [template('action', 'mine', [{ revision: 1, name: 'M', definition: {} }])],
      });
      expect(asTemplate.status).toBe(409);
      expect(JSON.parse(asTemplate.text).detail).toContain("/elements/0/key: action/mine is a tenant's own element");
      const asOwn = await call(target, 'POST', `/workspace/import?dryRun=${dryRun}`, admin, {
        ...base,
        tenants: [
          v1Tenant('x', { elements: [ownElement('flow', 'tpl', [{ revision: 1, name: 'T', definition: {} }])] }),
        ],
      });
      expect({ status: asOwn.status, type: asOwn.type }).toEqual({
        status: 409,
        type: expect.stringContaining('application/problem+json'),
      });
      expect(JSON.parse(asOwn.text).detail).toContain('/tenants/0/elements/0/key: flow/tpl is a workspace template');
    }
    expect(await footprint(target)).toEqual(before);
  });

  it('is all or nothing: a failure in the middle of an import leaves the workspace as it was', async () => {
    const into = await seedWorkspace(target);
    const document = {
      format: 'switchboard.workspace',
      version: 1,
      settings: { tenantFieldSchema: { type: 'object' } },
      integrations: [
        {
          key: 'crm',
          name: 'CRM',
          authType: 'none',
          clientId: null,
          settings: {},
          connectorKey: null,
          archived: false,
        },
      ],
      elements: [
        template('action', 'a', [{ revision: 1, name: 'A', definition: {} }]),
        template('action', 'boom', [{ revision: 1, name: 'B', definition: {} }]),
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
      integrations: [
        {
          key: 'crm',
          name: 'CRM',
          authType: 'none',
          clientId: null,
          settings: {},
          connectorKey: null,
          archived: false,
        },
      ],
      elements: ELEMENT_PATHS.map((path) =>
        template(ELEMENT_TYPES[path], 'same', [{ revision: 1, name: 'S', definition: { path } }]),
      ),
      tenants: [v1Tenant('one')],
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
      elements: [template('flow', 'f', [{ revision: 1, name: 'F', definition: {} }])],
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
    await bad({ ...valid(), version: 3 }, '/version', /unknown version 3: this instance reads versions 1 and 2/);
    await bad({ ...valid(), format: 'other' }, '/format');
    await bad([], '/');
    await bad({ ...valid(), extra: true }, '/extra', /not a known field/);
    await bad({ ...valid(), elements: undefined }, '/elements', /required/);
    const element = (change: Record<string, unknown>, revision: Record<string, unknown> = {}) => ({
      ...valid(),
      elements: [{ ...template('flow', 'f', [{ revision: 1, name: 'F', definition: {}, ...revision }]), ...change }],
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
    const integration = {
      key: 'crm',
      name: 'CRM',
      authType: 'oauth2',
      clientId: null,
      settings: {},
      connectorKey: null,
      archived: false,
    };
    await bad({ ...valid(), integrations: [{ ...integration, clientSecret: 'x' }] }, '/integrations/0/clientSecret');
    await bad({ ...valid(), integrations: [{ ...integration, authType: 'magic' }] }, '/integrations/0/authType');
    await bad(
      { ...valid(), integrations: [{ ...integration, key: '0b0b0b0b-0000-4000-8000-000000000000' }] },
      '/integrations/0/key',
    );
    const tenantOf = (change: Record<string, unknown>) => ({ ...valid(), tenants: [v1Tenant('t', change)] });
    await bad(tenantOf({ credentials: { a: 1 } }), '/tenants/0/credentials');
    await bad(
      tenantOf({ customizations: [{ type: 'action', key: 'f', definition: [] }] }),
      '/tenants/0/customizations/0/definition',
    );
    await bad(element({ publishedRevision: 2 }), '/elements/0/publishedRevision', /one of the revisions/);
    await bad(element({ parentKey: 'no spaces' }), '/elements/0/parentKey');
    await bad(
      tenantOf({ elements: [ownElement('flow', 'f', [{ revision: 1, name: 'F', definition: {} }])] }),
      '/tenants/0/elements/0/key',
      /template's key too/,
    );
    await bad(
      tenantOf({ deployments: [{ type: 'flow', key: 'f', revision: 7 }] }),
      '/tenants/0/deployments/0/revision',
    );
    // What only the target can tell: a parent its universe lacks, a connector nobody has (400, by path).
    await bad(element({ parentKey: 'not-in-this-universe' }), '/elements/0/parentKey', /universe flow/);
    await bad(
      tenantOf({
        elements: [{ ...ownElement('action', 'own', [{ revision: 1, name: 'O', definition: {} }]), parentKey: 'nope' }],
      }),
      '/tenants/0/elements/0/parentKey',
    );
    await bad(
      { ...valid(), integrations: [{ ...integration, connectorKey: 'no-such-connector' }] },
      '/integrations/0/connectorKey',
      /no connector/,
    );
    await bad(
      {
        ...tenantOf({ fields: { plan: 3 } }),
        settings: { tenantFieldSchema: { properties: { plan: { type: 'string' } } } },
      },
      '/tenants/0/fields',
    );
    await bad({ ...valid(), settings: { tenantFieldSchema: { type: 'no-such-type' } } }, '/settings/tenantFieldSchema');
    // Version 2: parents by key within the document, subscriptions as POST /event-subscriptions takes them.
    const v2 = (...tenants: unknown[]) => ({ ...valid(), version: 2, tenants });
    await bad(v2(tenantOf({}).tenants[0]), '/tenants/0/parentInternalId', /required/);
    await bad(v2(linkedTenant('a', 'nobody')), '/tenants/0/parentInternalId', /names no tenant of the document/);
    await bad(v2(linkedTenant('a', 'b'), linkedTenant('b', 'a')), '/tenants/1/parentInternalId', /cycle/);
    await bad(
      v2(linkedTenant('a', null), linkedTenant('b', 'a'), linkedTenant('c', 'b')),
      '/tenants/2/parentInternalId',
      /one level/,
    );
    await bad(v2({ ...linkedTenant('a', null), parentInternalId: 7 }), '/tenants/0/parentInternalId');
    const hooked = (subscription: Record<string, unknown>) => v2(linkedTenant('a', null, [subscription as never]));
    await bad(
      hooked({ eventType: 'tenant.exploded', webhookUri: 'https://e.com' }),
      '/tenants/0/subscriptions/0/eventType',
    );
    await bad(
      hooked({ eventType: 'tenant.created', webhookUri: 'ftp://e.com' }),
      '/tenants/0/subscriptions/0/webhookUri',
    );
    await bad(
      hooked({ eventType: 'tenant.created', webhookUri: 'http://169.254.169.254/latest' }),
      '/tenants/0/subscriptions/0/webhookUri',
    );
    await bad(
      hooked({ eventType: 'tenant.created', webhookUri: 'https://user:pw@e.com/' }),
      '/tenants/0/subscriptions/0/webhookUri',
      /user-info/,
    );
    await bad(
      hooked({ eventType: 'tenant.created', webhookUri: 'https://e.com', secret: 's' }),
      '/tenants/0/subscriptions/0/secret',
      /not a known field/,
    );
    await bad(
      v2(linkedTenant('a', null, Array(101).fill({ eventType: 'tenant.created', webhookUri: 'https://e.com' }))),
      '/tenants/0/subscriptions',
    );
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
