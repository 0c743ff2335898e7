import { MembraneClient } from '@membranehq/sdk';

import { type InstanceHarness, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';

/** Membrane's own SDK is a real client of ours: these tests drive it, not a copy of its requests. */
describe('@membranehq/sdk against an instance', () => {
  let instance: InstanceHarness;
  let workspace: WorkspaceFixture;

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    workspace = await seedWorkspace(instance);
  });

  afterAll(async () => {
    await instance?.close();
  });

  it('signs its own token from workspaceKey, workspaceSecret and tenantKey, and reads self', async () => {
    const sdk = new MembraneClient({
      apiUri: instance.url,
      workspaceKey: workspace.snapshot.key,
      workspaceSecret: workspace.secret,
      tenantKey: 'sdk-tenant',
    });
    const self = await sdk.self.get();
    expect(self).toMatchObject({ internalId: 'sdk-tenant', name: 'sdk-tenant', hasCredentials: false });
    // The SDK's types allow only credentials here; the route takes name and fields too (API.md).
    const patched = await sdk.self.patch({ name: 'SDK Tenant', fields: { source: 'sdk' } } as never);
    expect(patched).toMatchObject({ name: 'SDK Tenant', fields: { source: 'sdk' } });
  });

  // The SDK types a selector as { id }; at run time it sends any selector as the query (customer?internalId=…).
  const byInternalId = (internalId: string) => ({ internalId }) as unknown as { id: string };

  it('manages customers with an admin token', async () => {
    const sdk = new MembraneClient({ apiUri: instance.url, token: workspace.adminToken() });

    const created = await sdk.customers.create({ internalId: 'sdk-1', name: 'First' });
    expect(created).toMatchObject({ internalId: 'sdk-1', name: 'First' });
    await sdk.customers.create({ internalId: 'sdk-2', name: 'Second' });

    const page = await sdk.customers.find({ search: 'sdk-', limit: 2 });
    expect(page.items.map((item: { internalId: string }) => item.internalId)).toEqual(['sdk-tenant', 'sdk-1']);
    expect(page.cursor).toEqual(expect.any(String));
    const all = await sdk.customers.findAll();
    expect(all.map((item: { internalId: string }) => item.internalId)).toEqual(
      expect.arrayContaining(['sdk-1', 'sdk-2', 'sdk-tenant']),
    );

    expect(await sdk.customer(created.id).get()).toMatchObject({ id: created.id });
    expect(await sdk.customer(byInternalId('sdk-1')).get()).toMatchObject({ id: created.id });
    expect(await sdk.customer(created.id).patch({ name: 'Patched' })).toMatchObject({ name: 'Patched' });
    expect(await sdk.customer(byInternalId('sdk-1')).put({ internalId: 'sdk-1', name: 'Put' })).toMatchObject({
      name: 'Put',
    });

    await sdk.customer(byInternalId('sdk-1')).archive();
    expect((await sdk.customers.find({ internalId: 'sdk-1' } as never)).items).toEqual([]);
    const restored = await sdk.customer(byInternalId('sdk-1')).restore();
    expect(restored).toMatchObject({ id: created.id, archivedAt: null });
    await sdk.customer(created.id).archive();
    expect(await sdk.customer(created.id).restore()).toMatchObject({ archivedAt: null });
  });

  it('surfaces our problem responses as SDK errors', async () => {
    const sdk = new MembraneClient({ apiUri: instance.url, token: workspace.tenantToken('sdk-limited') });
    await expect(sdk.customers.create({ internalId: 'nope', name: 'Nope' })).rejects.toThrow();
  });
});
