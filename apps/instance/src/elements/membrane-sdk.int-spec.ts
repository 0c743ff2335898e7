import { MembraneClient } from '@membranehq/sdk';

import { type InstanceHarness, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';

interface Element {
  id: string;
  key: string;
  name: string;
  definition: Record<string, unknown>;
  revision: number;
  isCustomized: boolean;
  archivedAt: string | null;
}

/**
 * Membrane's SDK drives these element routes itself: `sdk.actions.find()` is
 * `GET /actions`, `sdk.action('key-or-id').get()` is `GET /actions/key-or-id`,
 * `sdk.action({ key }).get()` is `GET /action?key=…`, and `reset()` is
 * `POST /actions/key/reset`; likewise for flows, field mappings and data sources.
 */
describe('@membranehq/sdk element accessors against an instance', () => {
  let instance: InstanceHarness;
  let workspace: WorkspaceFixture;

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    workspace = await seedWorkspace(instance);
  });

  afterAll(async () => {
    await instance?.close();
  });

  // The SDK's request types describe Membrane's own element fields; ours carry a `definition`.
  const untyped = <T>(value: unknown) => value as T;
  // The SDK types a selector object as integration-specific; a plain { key } or { id } is what it sends.
  const selector = (value: { key: string } | { id: string }) => untyped<{ key?: string; id?: string }>(value);

  const adminSdk = () => new MembraneClient({ apiUri: instance.url, token: workspace.adminToken() });
  const tenantSdk = (tenantKey: string) =>
    new MembraneClient({
      apiUri: instance.url,
      workspaceKey: workspace.snapshot.key,
      workspaceSecret: workspace.secret,
      tenantKey,
    });

  it('lists and gets each kind of element as a tenant sees it, by key, by id and by selector object', async () => {
    const admin = adminSdk();
    const accessors = [
      { list: admin.actions, one: (s: string) => admin.action(s), kind: 'actions' },
      { list: admin.flows, one: (s: string) => admin.flow(s), kind: 'flows' },
      { list: admin.fieldMappings, one: (s: string) => admin.fieldMapping(s), kind: 'fieldMappings' },
      { list: admin.dataSources, one: (s: string) => admin.dataSource(s), kind: 'dataSources' },
    ] as const;
    for (const { list, kind } of accessors) {
      for (const key of ['first', 'second', 'third']) {
        await list.create(untyped({ key, name: `${kind} ${key}`, definition: { kind, owner: '{tenant.internalId}' } }));
      }
    }
    expect(await accessors[0].one('first').get()).toMatchObject({ key: 'first', revision: 1, isCustomized: false });

    const sdk = tenantSdk('sdk-tenant');
    const lists = {
      actions: sdk.actions,
      flows: sdk.flows,
      fieldMappings: sdk.fieldMappings,
      dataSources: sdk.dataSources,
    };
    const ones = {
      actions: (s: string | { key?: string; id?: string }) => sdk.action(s),
      flows: (s: string | { key?: string; id?: string }) => sdk.flow(s),
      fieldMappings: (s: string | { key?: string; id?: string }) => sdk.fieldMapping(s),
      dataSources: (s: string | { key?: string; id?: string }) => sdk.dataSource(s),
    };
    for (const kind of ['actions', 'flows', 'fieldMappings', 'dataSources'] as const) {
      const page = untyped<{ items: Element[]; cursor: string | null }>(await lists[kind].find({ limit: 2 }));
      expect(page.items.map((item) => item.key)).toEqual(['first', 'second']);
      expect(page.cursor).toEqual(expect.any(String));
      const all = untyped<Element[]>(await lists[kind].findAll());
      expect(all.map((item) => item.key)).toEqual(['first', 'second', 'third']);
      expect(all[0]!.definition).toEqual({ kind, owner: 'sdk-tenant' });

      const byKey = untyped<Element>(await ones[kind]('second').get());
      expect(byKey).toMatchObject({ key: 'second', definition: { kind, owner: 'sdk-tenant' } });
      expect(await ones[kind](byKey.id).get()).toMatchObject({ key: 'second' });
      expect(await ones[kind](selector({ key: 'third' })).get()).toMatchObject({ key: 'third' });
      expect(await ones[kind](selector({ id: byKey.id })).get()).toMatchObject({ key: 'second' });
      await expect(ones[kind]('missing').get()).rejects.toThrow();
    }
  });

  it("resets a tenant's customisation with reset(), and changes, archives and restores a template as admin", async () => {
    const admin = adminSdk();
    await admin.flows.create(untyped({ key: 'resettable', name: 'Resettable', definition: { step: 'a' } }));
    const sdk = tenantSdk('sdk-resetter');
    await instance.request('PUT', '/flows/resettable/customization', {
      token: workspace.tenantToken('sdk-resetter'),
      body: { definition: { step: 'mine' } },
    });
    expect(await sdk.flow('resettable').get()).toMatchObject({ isCustomized: true, definition: { step: 'mine' } });
    expect(await sdk.flow('resettable').reset()).toMatchObject({ isCustomized: false, definition: { step: 'a' } });

    expect(await admin.flow('resettable').put(untyped({ definition: { step: 'b' } }))).toMatchObject({ revision: 2 });
    expect(await sdk.flow('resettable').get()).toMatchObject({ definition: { step: 'b' } });
    await admin.flow('resettable').archive();
    await expect(sdk.flow('resettable').get()).rejects.toThrow();
    expect(await admin.flow('resettable').restore()).toMatchObject({ archivedAt: null });
    expect(await sdk.flow('resettable').get()).toMatchObject({ revision: 2 });

    // A tenant's SDK cannot change a template.
    await expect(sdk.flow('resettable').put(untyped({ definition: { step: 'evil' } }))).rejects.toThrow();
  });
});
