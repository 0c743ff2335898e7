import { randomUUID } from 'node:crypto';

import { MembraneClient } from '@membranehq/sdk';
import { withClient } from '@switchboard/persistence';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';

/**
 * Elements at every level (API.md "Elements at every level"): universe ⊕
 * workspace template ⊕ tenant customisation, tenants' own elements, staged
 * rollout, connectors. Universe rows are written the way the universe sync
 * writes them: in a transaction that set `app.universe_sync`.
 */
describe('elements at every level', () => {
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
    expect({ status: response.status, type: response.headers.get('content-type'), body }).toEqual({
      status,
      type: expect.stringContaining('application/problem+json'),
      body: expect.objectContaining({ status }),
    });
    return body;
  };
  const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

  /** Writes (or replaces) a universe element as the universe sync would; the revision goes up by one on a replace. */
  const universe = async (
    type: string,
    key: string,
    definition: Record<string, unknown>,
    options: { archived?: boolean; name?: string } = {},
  ) =>
    withClient(instance.database.adminUrl, async (client) => {
      await client.query('BEGIN');
      await client.query("SELECT set_config('app.universe_sync', 'on', true)");
      await client.query(
        `INSERT INTO universe_elements (id, element_type, key, name, definition, revision, created_at, updated_at, archived_at)
         VALUES ($1, $2, $3, $4, $5, 1, now(), now(), CASE WHEN $6 THEN now() END)
         ON CONFLICT (element_type, key) DO UPDATE SET definition = EXCLUDED.definition, name = EXCLUDED.name,
           revision = universe_elements.revision + 1, updated_at = now(), archived_at = EXCLUDED.archived_at`,
        [
          randomUUID(),
          type,
          key,
          options.name ?? `Universe ${key}`,
          JSON.stringify(definition),
          options.archived ?? false,
        ],
      );
      await client.query('COMMIT');
    });

  it('merges universe ⊕ template ⊕ customisation, follows universe revisions, and keeps the customisation through all of it', async () => {
    const key = unique('sync');
    await universe('flow', key, { steps: ['fetch', 'store'], retry: { times: 3, backoff: 'linear' }, label: 'U' });
    const template = unique('sync-tpl');
    const created = await ok(
      await call('POST', '/flows', admin(), {
        key: template,
        name: 'Sync',
        parentKey: key,
        definition: { retry: { times: 5 }, owner: '{tenant.internalId}', stamped: '{date}' },
      }),
      201,
    );
    expect(created).toMatchObject({
      level: 'workspace',
      parentKey: key,
      parentRevision: 1,
      parentArchived: false,
      definition: {
        steps: ['fetch', 'store'],
        retry: { times: 5, backoff: 'linear' },
        label: 'U',
        owner: '{tenant.internalId}',
      },
    });
    const alice = tenant(unique('alice'));
    const aliceView = await ok(
      await call('PUT', `/flows/${template}/customization`, alice, {
        definition: { retry: { backoff: null }, label: 'A' },
      }),
    );
    const today = new Date().toISOString().slice(0, 10);
    expect(aliceView).toMatchObject({
      level: 'workspace',
      isCustomized: true,
      definition: { steps: ['fetch', 'store'], retry: { times: 5 }, label: 'A', stamped: today },
    });
    expect(aliceView.definition.owner).toMatch(/^alice-/);

    // A new universe revision flows through the template that names it, under the customisation.
    await universe('flow', key, {
      steps: ['fetch', 'transform', 'store'],
      retry: { times: 1, backoff: 'exp' },
      extra: true,
    });
    expect(await ok(await call('GET', `/flows/${template}`, alice))).toMatchObject({
      revision: 1,
      parentRevision: 2,
      isCustomized: true,
      definition: { steps: ['fetch', 'transform', 'store'], retry: { times: 5 }, label: 'A', extra: true },
    });
    // The template changes too: still under the customisation.
    await ok(await call('PUT', `/flows/${template}`, admin(), { definition: { retry: { times: 9 } } }));
    expect((await ok(await call('GET', `/flows/${template}`, alice))).definition).toEqual({
      steps: ['fetch', 'transform', 'store'],
      retry: { times: 9 },
      extra: true,
      label: 'A',
    });
    // The tenant customises the universe element itself (no template by that key): one rule, one code path.
    const universeView = await ok(
      await call('PUT', `/flows/${key}/customization`, alice, { definition: { label: 'mine' } }),
    );
    expect(universeView).toMatchObject({
      level: 'universe',
      revision: 2,
      isCustomized: true,
      definition: { label: 'mine', extra: true },
    });
    // Archiving the template leaves the customisation; restoring it brings the tenant's view back unchanged.
    await ok(await call('DELETE', `/flows/${template}`, admin()));
    await problem(await call('GET', `/flows/${template}`, alice), 404);
    await ok(await call('POST', `/flows/${template}/restore`, admin()));
    expect(await ok(await call('GET', `/flows/${template}`, alice))).toMatchObject({
      isCustomized: true,
      definition: { label: 'A' },
    });
    // Another tenant sees neither customisation.
    const bob = tenant(unique('bob'));
    expect(await ok(await call('GET', `/flows/${template}`, bob))).toMatchObject({
      isCustomized: false,
      definition: { steps: ['fetch', 'transform', 'store'], retry: { times: 9, backoff: 'exp' }, extra: true },
    });
  });

  it('lets a template with the universe key shadow it, and a customisation outlive the template by falling through to the universe', async () => {
    const key = unique('mail');
    await universe('action', key, { to: 'universe', subject: 'Hi' });
    const carol = tenant(unique('carol'));
    await ok(
      await call('PUT', `/actions/${key}/customization`, carol, { definition: { subject: 'Yo {tenant.name}' } }),
    );
    expect(await ok(await call('GET', `/actions/${key}`, carol))).toMatchObject({
      level: 'universe',
      definition: { to: 'universe', subject: expect.stringMatching(/^Yo Tenant carol-/) },
    });
    await ok(await call('POST', '/actions', admin(), { key, name: 'Mail', definition: { to: 'workspace' } }), 201);
    expect(await ok(await call('GET', `/actions/${key}`, carol))).toMatchObject({
      level: 'workspace',
      isCustomized: true,
      definition: { to: 'workspace', subject: expect.stringMatching(/^Yo /) },
    });
    const listed = await ok(await call('GET', '/actions', carol));
    expect(listed.items.filter((item: { key: string }) => item.key === key)).toEqual([
      expect.objectContaining({ level: 'workspace' }),
    ]);
    await ok(await call('DELETE', `/actions/${key}`, admin()));
    expect(await ok(await call('GET', `/actions/${key}`, carol))).toMatchObject({
      level: 'universe',
      isCustomized: true,
      definition: { to: 'universe' },
    });
    // Universe elements are read-only to everyone here.
    const plain = unique('plain');
    await universe('action', plain, { x: 1 });
    await problem(await call('PUT', `/actions/${plain}`, carol, { definition: {} }), 403);
    await problem(await call('PUT', `/actions/${plain}`, admin(), { definition: {} }), 404);
    await problem(await call('DELETE', `/actions/${plain}`, admin()), 404);
  });

  it('keeps merging an archived universe parent under its template, hides the archived element itself, and refuses it as a new parent', async () => {
    const key = unique('old');
    await universe('data-source', key, { collection: 'contacts', pageSize: 50 });
    const template = unique('ds');
    await ok(
      await call('POST', '/data-sources', admin(), {
        key: template,
        name: 'DS',
        parentKey: key,
        definition: { pageSize: 10 },
      }),
      201,
    );
    await universe('data-source', key, { collection: 'contacts', pageSize: 50 }, { archived: true });
    const dave = tenant(unique('dave'));
    expect(await ok(await call('GET', `/data-sources/${template}`, dave))).toMatchObject({
      parentArchived: true,
      definition: { collection: 'contacts', pageSize: 10 },
    });
    await problem(await call('GET', `/data-sources/${key}`, dave), 404);
    const problemBody = await problem(
      await call('POST', '/data-sources', admin(), { key: unique('ds2'), name: 'DS2', parentKey: key, definition: {} }),
      400,
    );
    expect(JSON.stringify(problemBody)).toContain('parentKey');
    await problem(
      await call('POST', '/data-sources', admin(), {
        key: unique('ds3'),
        name: 'DS3',
        parentKey: 'nope',
        definition: {},
      }),
      400,
    );
    // Changing the template without naming the parent keeps it; naming null drops it.
    await ok(await call('PUT', `/data-sources/${template}`, admin(), { definition: { pageSize: 20 } }));
    expect((await ok(await call('GET', `/data-sources/${template}`, dave))).definition).toEqual({
      collection: 'contacts',
      pageSize: 20,
    });
    await ok(
      await call('PUT', `/data-sources/${template}`, admin(), { definition: { pageSize: 20 }, parentKey: null }),
    );
    expect((await ok(await call('GET', `/data-sources/${template}`, dave))).definition).toEqual({ pageSize: 20 });
  });

  it("shows a tenant's own element to that tenant only, to admins with ?tenantId=, never to another workspace; keys never collide with templates", async () => {
    const erin = tenant('erin');
    const frank = tenant('frank');
    const { id: erinId } = await ok(await call('GET', '/self', erin));
    const own = await ok(
      await call('POST', '/field-mappings', erin, { key: 'mine', name: 'Mine', definition: { who: '{tenant.name}' } }),
      201,
    );
    expect(own).toMatchObject({ level: 'tenant', tenantId: erinId, revision: 1, definition: { who: 'Tenant erin' } });
    expect(await ok(await call('GET', '/field-mappings/mine', erin))).toMatchObject({ level: 'tenant' });
    expect((await ok(await call('GET', '/field-mappings', erin))).items.map((i: { key: string }) => i.key)).toEqual([
      'mine',
    ]);
    await problem(await call('GET', '/field-mappings/mine', frank), 404);
    await problem(await call('GET', `/field-mappings/${own.id}`, frank), 404);
    await problem(await call('PUT', '/field-mappings/mine', frank, { definition: {} }), 404);
    await problem(await call('DELETE', '/field-mappings/mine', frank), 404);
    expect((await ok(await call('GET', '/field-mappings', frank))).items).toEqual([]);
    // Admins: not in the workspace's view, but with ?tenantId= exactly as the tenant sees it.
    await problem(await call('GET', '/field-mappings/mine', admin()), 404);
    expect(await ok(await call('GET', `/field-mappings/mine?tenantId=${erinId}`, admin()))).toMatchObject({
      level: 'tenant',
      definition: { who: 'Tenant erin' },
    });
    expect((await ok(await call('GET', `/field-mappings?tenantId=${erinId}`, admin()))).items).toHaveLength(1);
    await problem(await call('GET', `/field-mappings/mine?tenantId=${erinId}`, frank), 403);
    // Another workspace, even a tenant with the same key, sees nothing of it.
    const other = await seedWorkspace(instance);
    const otherErin = other.tenantToken('erin');
    await problem(await instance.request('GET', '/field-mappings/mine', { token: otherErin }), 404);
    await problem(await instance.request('GET', `/field-mappings/${own.id}`, { token: other.adminToken() }), 404);
    await problem(
      await instance.request('GET', `/field-mappings/mine?tenantId=${erinId}`, { token: other.adminToken() }),
      404,
    );
    // The owner changes it (a new revision, no drafts), archives and restores it; a viewer cannot write.
    expect(await ok(await call('PUT', '/field-mappings/mine', erin, { definition: { who: 'me' } }))).toMatchObject({
      revision: 2,
      definition: { who: 'me' },
    });
    await problem(await call('PUT', '/field-mappings/mine', erin, { definition: {}, publish: false }), 400);
    expect(await ok(await call('PATCH', '/field-mappings/mine', erin, { definition: { also: 1 } }))).toMatchObject({
      revision: 3,
      isCustomized: false,
      definition: { who: 'me', also: 1 },
    });
    await problem(
      await call('PUT', '/field-mappings/mine', tenant('erin', { role: 'viewer' }), { definition: { who: 'viewer' } }),
      403,
    );
    expect(
      (await ok(await call('GET', '/field-mappings/mine/revisions', erin))).items.map(
        (r: { revision: number }) => r.revision,
      ),
    ).toEqual([3, 2, 1]);
    await problem(await call('GET', '/field-mappings/mine/revisions', frank), 404);
    await ok(await call('DELETE', '/field-mappings/mine', erin));
    await problem(await call('GET', '/field-mappings/mine', erin), 404);
    await ok(await call('POST', '/field-mappings/mine/restore', erin));
    // Collisions: a tenant may not take a template's key, nor an admin a tenant's; two tenants may share one.
    await ok(await call('POST', '/field-mappings', admin(), { key: 'shared', name: 'T', definition: {} }), 201);
    await problem(await call('POST', '/field-mappings', frank, { key: 'shared', name: 'F', definition: {} }), 409);
    await problem(await call('POST', '/field-mappings', admin(), { key: 'mine', name: 'T', definition: {} }), 409);
    await problem(await call('POST', '/field-mappings', erin, { key: 'mine', name: 'Again', definition: {} }), 409);
    await ok(await call('POST', '/field-mappings', frank, { key: 'mine', name: 'Frank', definition: { f: 1 } }), 201);
    expect(await ok(await call('GET', '/field-mappings/mine', erin))).toMatchObject({ name: 'Mine' });
    expect(await ok(await call('GET', '/field-mappings/mine', frank))).toMatchObject({ name: 'Frank' });
  });

  it('lets exactly one level win when an admin and tenants create the same key at once', async () => {
    const tokens = ['r1', 'r2', 'r3'].map((key) => tenant(key));
    for (const token of tokens) await ok(await call('GET', '/self', token));
    for (let attempt = 0; attempt < 5; attempt++) {
      const key = unique('race');
      const responses = await Promise.all([
        call('POST', '/flows', admin(), { key, name: 'Admin', definition: {} }),
        ...tokens.map((token) => call('POST', '/flows', token, { key, name: 'Tenant', definition: {} })),
      ]);
      const statuses = responses.map((response) => response.status);
      const [adminStatus, ...tenantStatuses] = statuses;
      // Either the template won (every tenant 409) or it lost to tenants (admin 409, tenants 201).
      if (adminStatus === 201) expect(tenantStatuses).toEqual([409, 409, 409]);
      else expect({ adminStatus, tenantStatuses }).toEqual({ adminStatus: 409, tenantStatuses: [201, 201, 201] });
      for (const response of responses) await response.body?.cancel();
    }
  });

  it("enforces tenants' own rows in the database itself", async () => {
    const gina = tenant('gina');
    const hal = tenant('hal');
    const { id: ginaId } = await ok(await call('GET', '/self', gina));
    const { id: halId } = await ok(await call('GET', '/self', hal));
    await ok(await call('POST', '/actions', gina, { key: 'g', name: 'G', definition: {} }), 201);
    await ok(await call('POST', '/actions', admin(), { key: 't', name: 'T', definition: {} }), 201);
    await withClient(instance.database.appUrl, async (client) => {
      await client.query('BEGIN');
      await client.query("SELECT set_config('app.workspace_id', $1, true), set_config('app.tenant_id', $2, true)", [
        workspace.snapshot.workspaceId,
        halId,
      ]);
      expect((await client.query('SELECT key FROM element_templates ORDER BY key')).rows).toEqual([{ key: 't' }]);
      expect((await client.query("UPDATE element_templates SET name = 'pwned'")).rowCount).toBe(0);
      expect((await client.query('SELECT count(*)::int AS n FROM element_revisions')).rows).toEqual([{ n: 1 }]);
      await client.query('SAVEPOINT before');
      await expect(
        client.query(
          `INSERT INTO element_templates (workspace_id, tenant_id, element_type, key, name, definition, revision, published_revision)
           VALUES ($1, $2, 'action', 'sneak', 'S', '{}', 1, 1)`,
          [workspace.snapshot.workspaceId, ginaId],
        ),
      ).rejects.toThrow(/row-level security/);
      await client.query('ROLLBACK TO SAVEPOINT before');
      await expect(
        client.query(
          `INSERT INTO element_deployments (workspace_id, element_id, tenant_id, revision)
           SELECT workspace_id, id, $1, 1 FROM element_templates WHERE key = 't'`,
          [halId],
        ),
      ).rejects.toThrow(/row-level security/);
      await client.query('ROLLBACK');
    });
  });

  it('stages a rollout: drafts, a canary to listed tenants, the deployment summary, rollback; customisations survive', async () => {
    const tenants = ['t1', 't2', 't3', 't4'].map((key) => tenant(key));
    const ids: string[] = [];
    for (const token of tenants) ids.push((await ok(await call('GET', '/self', token))).id);
    const [t1, t2, t3] = tenants as [string, string, string, string];
    await ok(
      await call('POST', '/actions', admin(), { key: 'roll', name: 'Roll', definition: { v: 1, color: 'red' } }),
      201,
    );
    await ok(await call('PUT', '/actions/roll/customization', t3, { definition: { color: 'blue' } }));
    // A draft: the admin sees it, tenants do not.
    const draft = await ok(
      await call('PUT', '/actions/roll', admin(), { definition: { v: 2, color: 'green' }, publish: false }),
    );
    expect(draft).toMatchObject({ revision: 2, latestRevision: 2, publishedRevision: 1, definition: { v: 2 } });
    for (const token of tenants)
      expect(await ok(await call('GET', '/actions/roll', token))).toMatchObject({ revision: 1, definition: { v: 1 } });
    expect(await ok(await call('GET', '/actions/roll/deployment', admin()))).toEqual({
      publishedRevision: 1,
      latestRevision: 2,
      tenants: [{ revision: 1, count: 4 }],
    });
    // Canary: t1 and t3 see revision 2, the others still 1; t3 keeps its customisation.
    expect(
      await ok(await call('POST', '/actions/roll/publish', admin(), { revision: 2, tenantIds: [ids[0], ids[2]] })),
    ).toEqual({
      publishedRevision: 1,
      latestRevision: 2,
      tenants: [
        { revision: 1, count: 2 },
        { revision: 2, count: 2 },
      ],
    });
    expect(await ok(await call('GET', '/actions/roll', t1))).toMatchObject({
      revision: 2,
      definition: { v: 2, color: 'green' },
    });
    expect(await ok(await call('GET', '/actions/roll', t2))).toMatchObject({
      revision: 1,
      definition: { v: 1, color: 'red' },
    });
    expect(await ok(await call('GET', '/actions/roll', t3))).toMatchObject({
      revision: 2,
      definition: { v: 2, color: 'blue' },
    });
    // Lists resolve the same way (universe actions of other tests show up too: the universe is instance-wide).
    const t1List = await ok(await call('GET', '/actions?search=roll', t1));
    expect(t1List.items.filter((item: { level: string }) => item.level !== 'universe')).toEqual([
      expect.objectContaining({ key: 'roll', revision: 2 }),
    ]);
    // Unknown tenants and revisions: 404, nothing changes.
    await problem(
      await call('POST', '/actions/roll/publish', admin(), { revision: 2, tenantIds: [randomUUID()] }),
      404,
    );
    await problem(await call('POST', '/actions/roll/publish', admin(), { revision: 9 }), 404);
    await problem(await call('POST', '/actions/roll/publish', admin(), { revision: 2, tenantIds: ['nope'] }), 400);
    // Rollback of the canary: t1 back on revision 1 (pinned to the published one = unpinned).
    await ok(await call('POST', '/actions/roll/rollback', admin(), { revision: 1, tenantIds: [ids[0]] }));
    expect(await ok(await call('GET', '/actions/roll', t1))).toMatchObject({ revision: 1 });
    expect((await ok(await call('GET', '/actions/roll/deployment', admin()))).tenants).toEqual([
      { revision: 1, count: 3 },
      { revision: 2, count: 1 },
    ]);
    // Publish to all: every pin dropped.
    expect(await ok(await call('POST', '/actions/roll/publish', admin(), { revision: 2 }))).toEqual({
      publishedRevision: 2,
      latestRevision: 2,
      tenants: [{ revision: 2, count: 4 }],
    });
    // Rollback for all: a new revision 3 equal to 1, live everywhere; t3's customisation still applies.
    expect(await ok(await call('POST', '/actions/roll/rollback', admin(), { revision: 1 }))).toMatchObject({
      revision: 3,
      publishedRevision: 3,
      definition: { v: 1, color: 'red' },
    });
    expect(await ok(await call('GET', '/actions/roll', t3))).toMatchObject({
      revision: 3,
      definition: { v: 1, color: 'blue' },
    });
    expect((await ok(await call('GET', '/actions/roll/deployment', admin()))).tenants).toEqual([
      { revision: 3, count: 4 },
    ]);
    // A default PUT goes live for everyone at once, as before.
    await ok(await call('PUT', '/actions/roll', admin(), { definition: { v: 4 } }));
    expect(await ok(await call('GET', '/actions/roll', t2))).toMatchObject({ revision: 4, definition: { v: 4 } });
    // Tenants neither publish nor read deployments.
    await problem(await call('POST', '/actions/roll/publish', t1, { revision: 1 }), 403);
    await problem(await call('GET', '/actions/roll/deployment', t1), 403);
  });

  it('serves connectors like every other type, integrations that name one, and the connector spec through the SDK', async () => {
    await universe('connector', 'hubspot-u', { spec: { name: 'HubSpot', auth: { type: 'oauth2' } }, logo: 'u.png' });
    const own = await ok(
      await call('POST', '/connectors', admin(), {
        key: 'crm',
        name: 'CRM',
        parentKey: 'hubspot-u',
        definition: { spec: { name: 'Our CRM' } },
      }),
      201,
    );
    expect(own).toMatchObject({ elementType: 'connector', level: 'workspace', definition: { logo: 'u.png' } });
    const listed = await ok(await call('GET', '/connectors', tenant('ivy')));
    expect(listed.items.map((i: { key: string; level: string }) => [i.key, i.level])).toEqual(
      expect.arrayContaining([
        ['hubspot-u', 'universe'],
        ['crm', 'workspace'],
      ]),
    );
    // connectorKey: a workspace connector, a universe one, or a 400.
    const withOwn = await ok(
      await call('POST', '/integrations', admin(), {
        key: 'crm-int',
        name: 'CRM',
        authType: 'oauth2',
        connectorKey: 'crm',
      }),
      201,
    );
    expect(withOwn).toMatchObject({ connectorKey: 'crm' });
    await ok(
      await call('POST', '/integrations', admin(), {
        key: 'hs',
        name: 'HS',
        authType: 'oauth2',
        connectorKey: 'hubspot-u',
      }),
      201,
    );
    await problem(
      await call('POST', '/integrations', admin(), {
        key: 'bad',
        name: 'Bad',
        authType: 'oauth2',
        connectorKey: 'nope',
      }),
      400,
    );
    // A tenant's own connector is no workspace connector.
    await ok(await call('POST', '/connectors', tenant('ivy'), { key: 'ivy-conn', name: 'Ivy', definition: {} }), 201);
    await problem(await call('PATCH', '/integrations/hs', admin(), { connectorKey: 'ivy-conn' }), 400);
    expect(await ok(await call('PATCH', '/integrations/hs', admin(), { connectorKey: null }))).toMatchObject({
      connectorKey: null,
    });
    await problem(await call('GET', '/integrations/hs/connector-spec', admin()), 404);

    // Membrane's SDK: integration(key).getConnectorSpec() is the connector's spec, as the caller reads it.
    const sdk = new MembraneClient({
      apiUri: instance.url,
      workspaceKey: workspace.snapshot.key,
      workspaceSecret: workspace.secret,
      tenantKey: 'ivy',
    });
    expect(await sdk.integration('crm-int').getConnectorSpec()).toEqual({ name: 'Our CRM', auth: { type: 'oauth2' } });
    await ok(
      await call('PUT', '/connectors/crm/customization', tenant('ivy'), { definition: { spec: { name: 'Ivy CRM' } } }),
    );
    expect(await sdk.integration('crm-int').getConnectorSpec()).toMatchObject({ name: 'Ivy CRM' });
    // The SDK's generic client reaches the connectors routes (this SDK version has no `connectors` accessor).
    const page = await sdk.get<{ items: Array<{ key: string }> }>('connectors');
    expect(page.items.map((item) => item.key)).toEqual(expect.arrayContaining(['crm', 'hubspot-u', 'ivy-conn']));
  });
});
