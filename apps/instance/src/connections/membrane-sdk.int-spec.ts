import { MembraneClient } from '@membranehq/sdk';

import { type InstanceHarness, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';

/**
 * Membrane's own SDK against our integrations and connections routes: these
 * tests drive the real client, not a copy of its requests. Where its types
 * are narrower than our contract (authType on create, disconnected on patch),
 * the call casts; at run time the SDK sends what it is given.
 */
/** The HTTP status an SDK call failed with (the SDK rethrows axios errors for our problem responses). */
const statusOf = (call: Promise<unknown>) =>
  call.then(
    () => 'succeeded',
    (error: { response?: { status?: number } }) => error.response?.status,
  );

describe('@membranehq/sdk integrations and connections against an instance', () => {
  let instance: InstanceHarness;
  let workspace: WorkspaceFixture;
  let admin: MembraneClient;
  let tenant: MembraneClient;

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    workspace = await seedWorkspace(instance);
    admin = new MembraneClient({ apiUri: instance.url, token: workspace.adminToken() });
    tenant = new MembraneClient({
      apiUri: instance.url,
      workspaceKey: workspace.snapshot.key,
      workspaceSecret: workspace.secret,
      tenantKey: 'sdk-tenant',
    });
  });

  afterAll(async () => {
    await instance?.close();
  });

  it('manages integrations with an admin token: create, find, findAll, get by id or key, patch, put, archive, restore', async () => {
    const created = await admin.integrations.create({
      key: 'sdk-crm',
      name: 'SDK CRM',
      authType: 'oauth2',
      clientId: 'id-1',
      clientSecret: 'sdk-client-secret',
    } as never);
    expect(created).toMatchObject({ key: 'sdk-crm', name: 'SDK CRM', hasClientSecret: true });
    expect(JSON.stringify(created)).not.toContain('sdk-client-secret');
    await admin.integrations.create({ key: 'sdk-erp', name: 'SDK ERP', authType: 'api-key' } as never);

    const page = await admin.integrations.find({ limit: 1 });
    expect(page.items.map((item) => item.key)).toEqual(['sdk-crm']);
    expect(page.cursor).toEqual(expect.any(String));
    expect((await admin.integrations.find({ search: 'erp' })).items.map((item) => item.key)).toEqual(['sdk-erp']);
    expect((await admin.integrations.findAll()).map((item) => item.key)).toEqual(['sdk-crm', 'sdk-erp']);
    expect((await tenant.integrations.findAll()).map((item) => item.key)).toEqual(['sdk-crm', 'sdk-erp']);

    expect(await admin.integration(created.id).get()).toMatchObject({ id: created.id, key: 'sdk-crm' });
    expect(await tenant.integration('sdk-crm').get()).toMatchObject({ id: created.id });
    expect(await admin.integration('sdk-crm').patch({ name: 'Patched' })).toMatchObject({ name: 'Patched' });
    expect(
      await admin.integration(created.id).put({ key: 'sdk-crm', name: 'Put', authType: 'oauth2' } as never),
    ).toMatchObject({ name: 'Put', clientId: null, hasClientSecret: false });

    await admin.integration('sdk-erp').archive();
    expect((await admin.integrations.findAll()).map((item) => item.key)).toEqual(['sdk-crm']);
    expect((await admin.integrations.findAll({ includeArchived: true })).map((item) => item.key)).toEqual([
      'sdk-crm',
      'sdk-erp',
    ]);
    expect(await admin.integration('sdk-erp').restore()).toMatchObject({ key: 'sdk-erp', archivedAt: null });

    expect(await statusOf(tenant.integrations.create({ key: 'nope', name: 'Nope', authType: 'none' } as never))).toBe(
      403,
    );
    expect(await statusOf(tenant.integration('sdk-crm').patch({ name: 'pwned' }))).toBe(403);
  });

  it('manages connections: a tenant creates, finds, gets, patches, puts and archives its own', async () => {
    await admin.integrations.create({ key: 'sdk-mail', name: 'SDK Mail', authType: 'api-key' } as never);
    const created = await tenant.connections.create({
      integrationKey: 'sdk-mail',
      name: 'My mail',
      credentials: { apiKey: 'sdk-connection-secret' },
      input: { folder: 'inbox' },
    });
    expect(created).toMatchObject({
      name: 'My mail',
      integrationKey: 'sdk-mail',
      input: { folder: 'inbox' },
      hasCredentials: true,
      disconnected: false,
    });
    expect(created.userId).toEqual(expect.any(String));
    expect(JSON.stringify(created)).not.toContain('sdk-connection-secret');
    const byId = await tenant.connections.create({
      integrationId: created.integrationId,
      credentials: { apiKey: 'second' },
    });
    expect(byId).toMatchObject({ name: 'SDK Mail', integrationKey: 'sdk-mail' });

    const found = await tenant.connections.find({ integrationKey: 'sdk-mail' });
    expect(found.items.map((item) => item.id)).toEqual([created.id, byId.id]);
    expect(found.cursor).toBeNull();
    expect((await tenant.connections.find({ integrationId: created.integrationId, limit: 1 })).cursor).toEqual(
      expect.any(String),
    );

    // The SDK's get() sends includeSecrets=false by default: a tenant may read its own that way.
    const got = await tenant.connection(created.id).get();
    expect(got).toMatchObject({ id: created.id, name: 'My mail' });
    expect(got).not.toHaveProperty('credentials');
    expect(await statusOf(tenant.connection(created.id).get({ includeSecrets: true }))).toBe(403);

    expect(await tenant.connection(created.id).patch({ name: 'Renamed' })).toMatchObject({ name: 'Renamed' });
    expect(await tenant.connection(created.id).patch({ disconnected: true } as never)).toMatchObject({
      disconnected: true,
    });
    expect(
      await tenant.connection(created.id).put({ name: 'Replaced', credentials: { apiKey: 'rotated' } }),
    ).toMatchObject({ name: 'Replaced', disconnected: false, input: {}, hasCredentials: true });

    await tenant.connection(byId.id).archive();
    expect((await tenant.connections.find({})).items.map((item) => item.id)).toEqual([created.id]);
    expect((await tenant.connections.find({ includeArchived: true })).items.map((item) => item.id)).toEqual([
      created.id,
      byId.id,
    ]);
  });

  it('an admin reads any tenant’s connections, with secrets when it asks', async () => {
    await admin.integrations.create({ key: 'sdk-chat', name: 'SDK Chat', authType: 'api-key' } as never);
    const other = new MembraneClient({ apiUri: instance.url, token: workspace.tenantToken('sdk-other') });
    const theirs = await other.connections.create({
      integrationKey: 'sdk-chat',
      credentials: { token: 'chat-secret' },
    });

    const forTenant = await admin.connections.find({ tenantId: theirs.tenantId });
    expect(forTenant.items.map((item) => item.id)).toEqual([theirs.id]);
    const withSecrets = await admin.connection(theirs.id).get({ includeSecrets: true });
    expect(withSecrets).toMatchObject({ id: theirs.id, credentials: { token: 'chat-secret' } });

    // Another tenant's connection does not exist for this one.
    expect(await statusOf(tenant.connection(theirs.id).get())).toBe(404);
    expect(await statusOf(tenant.connection(theirs.id).archive())).toBe(404);
    expect(await statusOf(tenant.connections.find({ tenantId: theirs.tenantId }))).toBe(403);

    // Connecting to an archived integration is refused.
    await admin.integration('sdk-chat').archive();
    expect(await statusOf(other.connections.create({ integrationKey: 'sdk-chat', credentials: { token: 'x' } }))).toBe(
      422,
    );
  });
});
