import { randomUUID } from 'node:crypto';

import { waitFor } from '@switchboard/testing';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { type WebhookReceiver, webhookReceiver } from '../../test/webhook-receiver.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';

const SECRET = 'shared-credential-0b6f';

interface Connection {
  id: string;
  tenantId: string;
  name: string;
  shared: boolean;
  inherited: boolean;
  hasCredentials: boolean;
  archivedAt: string | null;
}

/**
 * Linked tenants (API.md, "Linked tenants"): one level of children, a
 * parent's shared connections usable by its children, never their
 * credentials; siblings isolated; a parent reads none of its children's
 * data; a child's events go to its parent's subscriptions too.
 */
describe('linked tenants', () => {
  let instance: InstanceHarness;
  let receiver: WebhookReceiver;
  let workspace: WorkspaceFixture;
  let other: WorkspaceFixture;
  /** Tenant ids by key; `x` is in the other workspace. */
  const ids: Record<string, string> = {};

  const admin = () => workspace.adminToken();
  const token = (key: string) => workspace.tenantToken(key);
  const call = (method: string, path: string, bearer: string, body?: unknown) =>
    instance.request(method, path, { token: bearer, body });
  const link = (child: string, parentId: string | null, bearer = admin()) =>
    call('PATCH', `/tenants/${ids[child]}`, bearer, { parentId });
  const connect = async (bearer: string, body: Record<string, unknown> = {}): Promise<Connection> => {
    const response = await call('POST', '/connections', bearer, {
      integrationKey: 'crm',
      credentials: { apiKey: SECRET },
      ...body,
    });
    expect(response.status).toBe(201);
    return (await json(response)) as Connection;
  };
  const listed = async (bearer: string): Promise<Connection[]> => {
    const response = await call('GET', '/connections?limit=1000', bearer);
    expect(response.status).toBe(200);
    return (await json(response)).items as Connection[];
  };

  beforeAll(async () => {
    receiver = await webhookReceiver();
    instance = await startInstance({
      ENCRYPTION_KEYS: FIXTURE_KEYS,
      EVENTS_POLL_INTERVAL_MS: '100',
      EVENTS_MIN_BACKOFF_MS: '20',
      EVENTS_MAX_BACKOFF_MS: '200',
      OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8',
    });
    workspace = await seedWorkspace(instance, { webhookUri: `${receiver.url}/workspace` });
    other = await seedWorkspace(instance);
    for (const key of ['parent', 'c1', 'c2', 'solo', 'grand', 'loner', 'k1', 'k2', 'k3', 'mother']) {
      ids[key] = (await json(await call('GET', '/self', token(key)))).id;
    }
    ids['x'] = (await json(await call('GET', '/self', other.tenantToken('x')))).id;
    for (const fixture of [workspace, other]) {
      const created = await call('POST', '/integrations', fixture.adminToken(), {
        key: 'crm',
        name: 'CRM',
        authType: 'api-key',
      });
      expect(created.status).toBe(201);
    }
    for (const child of ['c1', 'c2']) expect((await link(child, ids['parent']!)).status).toBe(200);
  });

  afterAll(async () => {
    await instance?.close();
    await receiver?.stop();
  });

  describe('linking', () => {
    it('links and unlinks, and shows parentId wherever the tenant is shown', async () => {
      const linked = await link('loner', ids['solo']!);
      expect(linked.status).toBe(200);
      expect((await json(linked)).parentId).toBe(ids['solo']);
      expect((await json(await call('GET', `/tenants/${ids['loner']}`, admin()))).parentId).toBe(ids['solo']);
      expect((await json(await call('GET', `/customers/${ids['loner']}`, admin()))).parentId).toBe(ids['solo']);
      expect((await json(await call('GET', '/self', token('loner')))).parentId).toBe(ids['solo']);
      expect((await json(await call('GET', '/self', token('solo')))).parentId).toBeNull();
      const page = await json(await call('GET', '/tenants?limit=1000', admin()));
      expect(page.items.find((tenant: { id: string }) => tenant.id === ids['loner']).parentId).toBe(ids['solo']);

      const unlinked = await link('loner', null);
      expect(unlinked.status).toBe(200);
      expect((await json(unlinked)).parentId).toBeNull();
      expect((await json(await call('GET', '/self', token('loner')))).parentId).toBeNull();

      // A PATCH without parentId leaves the link alone.
      const renamed = await call('PATCH', `/tenants/${ids['c1']}`, admin(), { name: 'Child one' });
      expect((await json(renamed)).parentId).toBe(ids['parent']);

      const log = await json(await call('GET', `/activity-logs?tenantId=${ids['loner']}&limit=1000`, admin()));
      expect(log.items.map((entry: { type: string }) => entry.type)).toEqual(
        expect.arrayContaining(['tenant.linked', 'tenant.unlinked']),
      );
    });

    it('refuses a second level, a self-link and a cycle with 409 problem+json', async () => {
      const refusals: [string, string | null, RegExp][] = [
        ['parent', ids['parent']!, /its own parent/],
        // c1 already has a parent: it cannot become one.
        ['grand', ids['c1']!, /parent already has a parent/],
        // parent has children: it cannot get a parent.
        ['parent', ids['solo']!, /has children/],
        // parent → c1 → parent would be a cycle.
        ['parent', ids['c1']!, /one level deep/],
      ];
      for (const [child, parentId, detail] of refusals) {
        const response = await link(child, parentId);
        expect({ child, parentId, status: response.status }).toEqual({ child, parentId, status: 409 });
        expect(response.headers.get('content-type')).toContain('application/problem+json');
        expect((await json(response)).detail).toMatch(detail);
      }
      expect((await json(await call('GET', `/tenants/${ids['parent']}`, admin()))).parentId).toBeNull();
      expect((await json(await call('GET', `/tenants/${ids['grand']}`, admin()))).parentId).toBeNull();
    });

    it('never makes two levels, however two links race', async () => {
      for (let round = 0; round < 10; round++) {
        // k1 → k2 and k2 → k3 at once: each alone is fine, both would make k1 a grandchild.
        const [first, second] = await Promise.all([link('k1', ids['k2']!), link('k2', ids['k3']!)]);
        expect([first.status, second.status].sort()).toEqual([200, 409]);
        const parents = await Promise.all(
          ['k1', 'k2', 'k3'].map(
            async (key) => (await json(await call('GET', `/tenants/${ids[key]}`, admin()))).parentId,
          ),
        );
        expect(parents.filter((parent) => parent !== null)).toHaveLength(1);
        for (const key of ['k1', 'k2']) expect((await link(key, null)).status).toBe(200);
      }
    });

    it("refuses another workspace's tenant as a parent exactly like a tenant that does not exist", async () => {
      const foreign = await link('solo', ids['x']!);
      const unknown = await link('solo', randomUUID());
      expect(foreign.status).toBe(400);
      expect(unknown.status).toBe(400);
      const [foreignBody, unknownBody] = [await json(foreign), await json(unknown)];
      expect(foreignBody.detail).toBe(unknownBody.detail);
      expect(foreignBody.errors).toEqual(unknownBody.errors);
      expect((await link('solo', 'not-a-uuid')).status).toBe(400);
      expect((await call('PATCH', `/tenants/${ids['solo']}`, admin(), { parentId: 7 })).status).toBe(400);
      // Another workspace's admin cannot link a tenant of this one, nor see it.
      expect((await call('PATCH', `/tenants/${ids['solo']}`, other.adminToken(), { parentId: ids['x'] })).status).toBe(
        404,
      );
      expect((await json(await call('GET', `/tenants/${ids['solo']}`, admin()))).parentId).toBeNull();
    });

    it('POST /tenants links the new tenant with parentId, with the rules of PATCH, and creates nothing it refuses', async () => {
      const create = (internalId: string, parentId: unknown, bearer = admin()) =>
        call('POST', '/tenants', bearer, { internalId, name: internalId, parentId });
      const created = await create('born-linked', ids['mother']);
      expect(created.status).toBe(201);
      const child = await json(created);
      expect(child.parentId).toBe(ids['mother']);
      expect((await json(await call('GET', `/tenants/${child.id}`, admin()))).parentId).toBe(ids['mother']);
      expect(
        (await json(await call('GET', '/self/children', token('mother')))).map((c: { id: string }) => c.id),
      ).toEqual([child.id]);
      const log = await json(await call('GET', `/activity-logs?tenantId=${child.id}&limit=1000`, admin()));
      expect(log.items.map((entry: { type: string }) => entry.type)).toEqual(
        expect.arrayContaining(['tenant.created', 'tenant.linked']),
      );
      const unlinked = await create('born-alone', null);
      expect(unlinked.status).toBe(201);
      expect((await json(unlinked)).parentId).toBeNull();

      // c1 has a parent: it cannot be one.
      const deep = await create('born-deep', ids['c1']);
      expect(deep.status).toBe(409);
      expect(deep.headers.get('content-type')).toContain('application/problem+json');
      expect((await json(deep)).detail).toMatch(/parent already has a parent/);
      const foreign = await create('born-foreign', ids['x']);
      const unknown = await create('born-unknown', randomUUID());
      expect([foreign.status, unknown.status]).toEqual([400, 400]);
      expect((await json(foreign)).errors).toEqual((await json(unknown)).errors);
      for (const bad of ['not-a-uuid', 7, {}]) expect((await create('born-bad', bad)).status).toBe(400);
      // Nothing refused was created.
      for (const key of ['born-deep', 'born-foreign', 'born-unknown', 'born-bad']) {
        const page = await json(await call('GET', `/tenants?internalId=${key}&includeArchived=true`, admin()));
        expect({ key, found: page.items.length }).toEqual({ key, found: 0 });
      }
      // Only admins create; PUT replaces a tenant but never takes parentId (PATCH does).
      expect((await create('born-by-tenant', ids['mother'], token('solo'))).status).toBe(403);
      const put = await call('PUT', `/tenants/${child.id}`, admin(), {
        internalId: 'born-linked',
        name: 'x',
        parentId: null,
      });
      expect(put.status).toBe(400);
      expect((await json(await call('GET', `/tenants/${child.id}`, admin()))).parentId).toBe(ids['mother']);
    });

    it('never makes two levels when creates name a tenant that concurrently gets a parent', async () => {
      for (let round = 0; round < 8; round++) {
        const [p, q] = [`race-p-${round}`, `race-q-${round}`];
        const [pId, qId] = await Promise.all(
          [p, q].map(
            async (key) => (await json(await call('POST', '/tenants', admin(), { internalId: key, name: key }))).id,
          ),
        );
        // Two creates under p, and p linked under q, all at once.
        const [first, second, linking] = await Promise.all([
          call('POST', '/tenants', admin(), { internalId: `race-a-${round}`, name: 'a', parentId: pId }),
          call('POST', '/tenants', admin(), { internalId: `race-b-${round}`, name: 'b', parentId: pId }),
          call('PATCH', `/tenants/${pId}`, admin(), { parentId: qId }),
        ]);
        const created = [first.status, second.status].filter((status) => status === 201).length;
        if (linking.status === 200) {
          expect([first.status, second.status]).toEqual([409, 409]);
        } else {
          expect(linking.status).toBe(409);
          expect(created).toBeGreaterThan(0);
          for (const response of [first, second]) expect([201, 409]).toContain(response.status);
        }
        const pParent = (await json(await call('GET', `/tenants/${pId}`, admin()))).parentId;
        const children = await json(await call('GET', `/tenants?limit=1000`, admin()));
        const underP = children.items.filter((tenant: { parentId: string | null }) => tenant.parentId === pId);
        expect({ round, twoLevels: pParent !== null && underP.length > 0 }).toEqual({ round, twoLevels: false });
        expect(underP).toHaveLength(linking.status === 200 ? 0 : created);
      }
    });

    it('is for admins only', async () => {
      expect((await link('solo', ids['parent']!, token('solo'))).status).toBe(403);
      expect((await link('solo', ids['parent']!, token('parent'))).status).toBe(403);
      expect((await call('PATCH', '/self', token('solo'), { parentId: ids['parent'] })).status).toBe(400);
      expect((await json(await call('GET', `/tenants/${ids['solo']}`, admin()))).parentId).toBeNull();
    });
  });

  describe('GET /self/children', () => {
    it("lists a parent's children by id, key and name, and nothing of anyone else", async () => {
      const response = await call('GET', '/self/children', token('parent'));
      expect(response.status).toBe(200);
      const children = await json(response);
      expect(children).toEqual([
        { id: ids['c1'], internalId: 'c1', key: 'c1', name: expect.any(String), archivedAt: null },
        { id: ids['c2'], internalId: 'c2', key: 'c2', name: expect.any(String), archivedAt: null },
      ]);
      expect(await json(await call('GET', '/self/children', token('c1')))).toEqual([]);
      expect(await json(await call('GET', '/self/children', token('solo')))).toEqual([]);
      expect((await call('GET', '/self/children', admin())).status).toBe(403);
    });
  });

  describe('shared connections', () => {
    let shared: Connection;
    let unshared: Connection;
    let ofC1: Connection;

    beforeAll(async () => {
      shared = await connect(token('parent'), { name: 'Parent shared', shared: true });
      unshared = await connect(token('parent'), { name: 'Parent private' });
      ofC1 = await connect(token('c1'), { name: 'C1 own', shared: true });
    });

    it('a child lists and reads its parent’s shared connection as inherited, never the unshared one', async () => {
      expect(shared).toMatchObject({ shared: true, inherited: false, tenantId: ids['parent'] });
      expect(unshared).toMatchObject({ shared: false, inherited: false });

      const ofChild = await listed(token('c1'));
      expect(ofChild.map((c) => [c.id, c.inherited])).toEqual([
        [shared.id, true],
        [ofC1.id, false],
      ]);
      const one = await call('GET', `/connections/${shared.id}`, token('c1'));
      expect(one.status).toBe(200);
      const body = await json(one);
      expect(body).toMatchObject({ id: shared.id, tenantId: ids['parent'], inherited: true, hasCredentials: true });
      expect(body).not.toHaveProperty('credentials');
      expect(JSON.stringify(body)).not.toContain(SECRET);
      // includeSecrets=false, as Membrane's SDK sends it, is a plain read.
      expect((await call('GET', `/connections/${shared.id}?includeSecrets=false`, token('c1'))).status).toBe(200);
      expect((await call('GET', `/connections/${unshared.id}`, token('c1'))).status).toBe(404);

      // The parent sees its own, not inherited, and the admin sees them as they are.
      expect((await listed(token('parent'))).map((c) => [c.id, c.inherited])).toEqual([
        [shared.id, false],
        [unshared.id, false],
      ]);
      const asAdmin = await json(await call('GET', `/connections/${shared.id}`, admin()));
      expect(asAdmin).toMatchObject({ shared: true, inherited: false });
    });

    it('a child cannot read the credentials of, change, replace or archive what it inherits', async () => {
      const c1 = token('c1');
      const refusals = [
        await call('GET', `/connections/${shared.id}/credentials`, c1),
        await call('GET', `/connections/${shared.id}?includeSecrets=true`, c1),
        await call('PATCH', `/connections/${shared.id}`, c1, { name: 'hijacked' }),
        await call('PATCH', `/connections/${shared.id}`, c1, { shared: false }),
        await call('PUT', `/connections/${shared.id}`, c1, { name: 'hijacked' }),
        await call('DELETE', `/connections/${shared.id}`, c1),
      ];
      for (const response of refusals) {
        expect(response.status).toBe(403);
        expect(await response.text()).not.toContain(SECRET);
      }
      const after = await json(await call('GET', `/connections/${shared.id}`, token('parent')));
      expect(after).toMatchObject({ name: 'Parent shared', shared: true, archivedAt: null });
      // Nor the tenant's own credentials.
      expect((await call('GET', `/tenants/${ids['parent']}/credentials`, c1)).status).toBe(403);
    });

    it('siblings see nothing of each other, and a parent reads none of its children’s connections', async () => {
      expect((await listed(token('c2'))).map((c) => c.id)).toEqual([shared.id]);
      expect((await call('GET', `/connections/${ofC1.id}`, token('c2'))).status).toBe(404);
      expect((await call('PATCH', `/connections/${ofC1.id}`, token('c2'), { name: 'x' })).status).toBe(404);
      expect((await call('GET', `/connections/${ofC1.id}`, token('parent'))).status).toBe(404);
      expect((await call('DELETE', `/connections/${ofC1.id}`, token('parent'))).status).toBe(404);
      expect((await listed(token('parent'))).map((c) => c.id)).not.toContain(ofC1.id);
      expect((await call('GET', `/tenants/${ids['c1']}`, token('parent'))).status).toBe(404);
      expect((await call('GET', `/tenants/${ids['parent']}`, token('c1'))).status).toBe(404);
      // A tenant token may not name its parent (or anyone) as the tenant of a listing.
      expect((await call('GET', `/connections?tenantId=${ids['parent']}`, token('c1'))).status).toBe(403);
      // Another workspace sees none of it.
      expect((await call('GET', `/connections/${shared.id}`, other.tenantToken('x'))).status).toBe(404);
    });

    it('sharing follows the link and the flag: unlinking or unsharing takes the connection away at once', async () => {
      expect((await link('c2', null)).status).toBe(200);
      expect((await listed(token('c2'))).map((c) => c.id)).toEqual([]);
      expect((await call('GET', `/connections/${shared.id}`, token('c2'))).status).toBe(404);
      expect((await link('c2', ids['parent']!)).status).toBe(200);
      expect((await listed(token('c2'))).map((c) => c.id)).toEqual([shared.id]);

      const toggled = await connect(token('parent'), { name: 'Toggled' });
      expect((await listed(token('c2'))).map((c) => c.id)).not.toContain(toggled.id);
      const sharing = await call('PATCH', `/connections/${toggled.id}`, token('parent'), { shared: true });
      expect((await json(sharing)).shared).toBe(true);
      expect((await listed(token('c2'))).map((c) => c.id)).toContain(toggled.id);
      await call('PATCH', `/connections/${toggled.id}`, token('parent'), { shared: false });
      expect((await listed(token('c2'))).map((c) => c.id)).not.toContain(toggled.id);
    });
    it('an archived parent shares nothing with its children; restoring it restores the sharing', async () => {
      expect((await call('DELETE', `/tenants/${ids['parent']}`, admin())).status).toBe(200);
      try {
        for (const child of ['c1', 'c2']) {
          expect((await listed(token(child))).map((c) => c.id)).not.toContain(shared.id);
          expect((await call('GET', `/connections/${shared.id}`, token(child))).status).toBe(404);
        }
        // The children keep their own, and the link itself stays.
        expect((await listed(token('c1'))).map((c) => c.id)).toContain(ofC1.id);
        expect((await json(await call('GET', `/tenants/${ids['c1']}`, admin()))).parentId).toBe(ids['parent']);
        expect((await call('GET', `/connections/${shared.id}`, admin())).status).toBe(200);
      } finally {
        expect((await call('POST', `/tenants/${ids['parent']}/restore`, admin())).status).toBe(200);
      }
      for (const child of ['c1', 'c2']) {
        expect((await listed(token(child))).map((c) => [c.id, c.inherited])).toContainEqual([shared.id, true]);
        expect((await call('GET', `/connections/${shared.id}`, token(child))).status).toBe(200);
      }
    });
  });

  describe('events', () => {
    it("go to the child's subscriptions and its parent's, with the child's tenantId; not to a sibling's", async () => {
      const subscribe = async (key: string, path: string) => {
        const response = await call('POST', '/event-subscriptions', token(key), {
          eventType: 'connection.created',
          webhookUri: `${receiver.url}${path}`,
        });
        expect(response.status).toBe(201);
      };
      await subscribe('parent', '/parent');
      await subscribe('c1', '/c1');
      await subscribe('c2', '/c2');

      const fromC1 = await connect(token('c1'), { name: 'Event from c1' });
      const fromParent = await connect(token('parent'), { name: 'Event from parent' });
      const byAdminForC2 = await connect(admin(), { name: 'Event for c2', tenantId: ids['c2'] });

      await waitFor(
        () =>
          receiver.accepted('/parent').length >= 3 &&
          receiver.accepted('/c1').length >= 1 &&
          receiver.accepted('/c2').length >= 1
            ? true
            : undefined,
        { what: 'deliveries to parent and children', timeoutMs: 10_000 },
      );
      const seen = (path: string) =>
        receiver.accepted(path).map((request) => [request.event.data['id'], request.event.data['tenantId']]);
      expect(seen('/parent')).toEqual([
        [fromC1.id, ids['c1']],
        [fromParent.id, ids['parent']],
        [byAdminForC2.id, ids['c2']],
      ]);
      expect(seen('/c1')).toEqual([[fromC1.id, ids['c1']]]);
      expect(seen('/c2')).toEqual([[byAdminForC2.id, ids['c2']]]);
      // The workspace's webhook gets each event once, not once more for the parent.
      await waitFor(
        () =>
          receiver
            .accepted('/workspace')
            .filter((request) => [fromC1.id, fromParent.id, byAdminForC2.id].includes(String(request.event.data['id'])))
            .length === 3
            ? true
            : undefined,
        { what: 'workspace deliveries', timeoutMs: 10_000 },
      );
      const atWorkspace = receiver.accepted('/workspace').filter((request) => request.event.data['id'] === fromC1.id);
      expect(atWorkspace).toHaveLength(1);

      // The parent's stream keeps only its own subscriptions' copies: a child's subscription never hears the parent.
      expect(seen('/c1').map(([id]) => id)).not.toContain(fromParent.id);
      // And the parent still cannot read the child's connection it was told about.
      expect((await call('GET', `/connections/${fromC1.id}`, token('parent'))).status).toBe(404);
    });
  });
});
