import { withClient } from '@switchboard/persistence';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';

const WORKSPACES = 5;
const TENANTS = 10;
const RUNS = 5;
const OPERATIONS_PER_RUN = 2000;
const CONCURRENCY = 8;

/** Linked tenants, the same in every workspace: child index → parent index (one level; the others stand alone). */
const PARENT_OF: Record<number, number> = { 1: 0, 2: 0, 3: 0, 5: 4, 6: 4 };

interface World {
  workspaces: WorkspaceFixture[];
  /** tenants[w][t] = the tenant's id */
  tenants: string[][];
  /** connections[w][t] = the tenant's shared and private connection ids */
  connections: { shared: string; private: string }[][];
  /** The names the model expects, changed only by admin renames of the workspace's own tenants. */
  names: Map<string, string>;
}

type Caller =
  | { kind: 'tenant'; w: number; t: number }
  | { kind: 'key'; w: number; t: number }
  | { kind: 'admin'; w: number }
  | { kind: 'invalid'; how: 'expired' | 'wrong-secret' | 'unknown-workspace' | 'alg-none'; w: number; t: number };

type Operation =
  | { op: 'self' }
  | { op: 'get'; w: number; t: number }
  | { op: 'rename'; w: number; t: number; name: string }
  | { op: 'list' }
  | { op: 'lookup'; w: number; t: number }
  | { op: 'usage'; w: number; t: number }
  | { op: 'credentials'; w: number; t: number }
  | { op: 'logs' }
  | { op: 'spend'; w: number; t: number }
  | { op: 'balance'; w: number; t: number }
  | { op: 'topUp'; w: number; t: number; reference: string }
  | { op: 'keys'; w: number; t: number }
  | { op: 'connections' }
  | { op: 'connection'; w: number; t: number; shared: boolean }
  | { op: 'changeConnection'; w: number; t: number; shared: boolean }
  | { op: 'connectionCredentials'; w: number; t: number; shared: boolean }
  | { op: 'children' };

const index = (size: number) => fc.integer({ min: 0, max: size - 1 });
const caller: fc.Arbitrary<Caller> = fc.oneof(
  fc.record({ kind: fc.constant('tenant' as const), w: index(WORKSPACES), t: index(TENANTS) }),
  fc.record({ kind: fc.constant('admin' as const), w: index(WORKSPACES) }),
  fc.record({ kind: fc.constant('key' as const), w: index(WORKSPACES), t: index(TENANTS) }),
  fc.record({
    kind: fc.constant('invalid' as const),
    how: fc.constantFrom<'expired' | 'wrong-secret' | 'unknown-workspace' | 'alg-none'>(
      'expired',
      'wrong-secret',
      'unknown-workspace',
      'alg-none',
    ),
    w: index(WORKSPACES),
    t: index(TENANTS),
  }),
);
const target = { w: index(WORKSPACES), t: index(TENANTS) };
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.constant({ op: 'self' as const }),
  fc.record({ op: fc.constant('get' as const), ...target }),
  fc.record({ op: fc.constant('rename' as const), ...target, name: fc.string({ minLength: 1, maxLength: 20 }) }),
  fc.constant({ op: 'list' as const }),
  fc.record({ op: fc.constant('lookup' as const), ...target }),
  fc.record({ op: fc.constant('usage' as const), ...target }),
  fc.record({ op: fc.constant('credentials' as const), ...target }),
  fc.constant({ op: 'logs' as const }),
  fc.record({ op: fc.constant('spend' as const), ...target }),
  fc.record({ op: fc.constant('balance' as const), ...target }),
  fc.record({ op: fc.constant('topUp' as const), ...target, reference: fc.constantFrom('r1', 'r2', 'r3') }),
  fc.record({ op: fc.constant('keys' as const), ...target }),
  fc.constant({ op: 'connections' as const }),
  fc.record({ op: fc.constant('connection' as const), ...target, shared: fc.boolean() }),
  fc.record({ op: fc.constant('changeConnection' as const), ...target, shared: fc.boolean() }),
  fc.record({ op: fc.constant('connectionCredentials' as const), ...target, shared: fc.boolean() }),
  fc.constant({ op: 'children' as const }),
);

/**
 * Random operations by random callers — tenants, admins and invalid tokens —
 * across several workspaces. Whatever happens, nothing of one tenant or
 * workspace is visible to, or changed by, another. Some tenants are linked
 * (PARENT_OF) and every tenant has a shared and a private connection: a child
 * also sees (never changes, never reads the credentials of) its parent's
 * shared one; siblings see nothing of each other; a parent nothing of its
 * children but who they are (GET /self/children).
 */
describe('isolation property', () => {
  let instance: InstanceHarness;
  const world: World = { workspaces: [], tenants: [], connections: [], names: new Map() };
  /** `tenantId:reference` of every top-up that succeeded: each added one credit, once. */
  const toppedUp = new Set<string>();
  /** One owner API key per tenant, by workspace and tenant index. */
  const apiKeys: string[][] = [];

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS, DATABASE_POOL_SIZE: '10' });
    for (let w = 0; w < WORKSPACES; w++) {
      const workspace = await seedWorkspace(instance);
      world.workspaces.push(workspace);
      const ids: string[] = [];
      for (let t = 0; t < TENANTS; t++) {
        const tenant = await json(await instance.request('GET', '/self', { token: workspace.tenantToken(`t${t}`) }));
        ids.push(tenant.id);
        world.names.set(tenant.id, tenant.name);
      }
      world.tenants.push(ids);
      const keys: string[] = [];
      for (const id of ids) {
        const created = await instance.request('POST', `/tenants/${id}/api-keys`, {
          token: workspace.adminToken(),
          body: { name: 'isolation', role: 'owner' },
        });
        keys.push((await json(created)).key);
      }
      apiKeys.push(keys);
      for (const [child, parent] of Object.entries(PARENT_OF)) {
        const linked = await instance.request('PATCH', `/tenants/${ids[Number(child)]}`, {
          token: workspace.adminToken(),
          body: { parentId: ids[parent] },
        });
        expect(linked.status).toBe(200);
      }
      await instance.request('POST', '/integrations', {
        token: workspace.adminToken(),
        body: { key: 'crm', name: 'CRM', authType: 'api-key' },
      });
      const connections: { shared: string; private: string }[] = [];
      for (let t = 0; t < TENANTS; t++) {
        const connect = async (shared: boolean) => {
          const response = await instance.request('POST', '/connections', {
            token: workspace.tenantToken(`t${t}`),
            body: { integrationKey: 'crm', credentials: { secret: `w${w}t${t}` }, shared },
          });
          expect(response.status).toBe(201);
          return (await json(response)).id as string;
        };
        connections.push({ shared: await connect(true), private: await connect(false) });
      }
      world.connections.push(connections);
    }
  }, 60_000);

  afterAll(async () => {
    await instance?.close();
  });

  const tokenOf = (who: Caller): string => {
    const workspace = world.workspaces[who.w]!;
    switch (who.kind) {
      case 'tenant':
        return workspace.tenantToken(`t${who.t}`);
      case 'key':
        return apiKeys[who.w]![who.t]!;
      case 'admin':
        return workspace.adminToken();
      case 'invalid':
        switch (who.how) {
          case 'expired':
            return workspace.sign({ tenantKey: `t${who.t}` }, { expiresIn: -60 });
          case 'wrong-secret':
            return jwt.sign({ iss: workspace.snapshot.key, tenantKey: `t${who.t}` }, 'not-the-secret', {
              expiresIn: 60,
            });
          case 'unknown-workspace':
            return jwt.sign({ iss: 'nobody', tenantKey: `t${who.t}` }, workspace.secret, { expiresIn: 60 });
          case 'alg-none':
            return jwt.sign(
              { iss: workspace.snapshot.key, isAdmin: true, exp: Math.floor(Date.now() / 1000) + 60 },
              '',
              {
                algorithm: 'none',
              },
            );
        }
    }
  };

  /** Where a connection id belongs, by id. */
  const ownerOf = (connectionId: string): { w: number; t: number; shared: boolean } | undefined => {
    for (let w = 0; w < world.connections.length; w++) {
      for (let t = 0; t < TENANTS; t++) {
        const pair = world.connections[w]![t]!;
        if (pair.shared === connectionId) return { w, t, shared: true };
        if (pair.private === connectionId) return { w, t, shared: false };
      }
    }
    return undefined;
  };

  /** Whether the caller may read a connection: its owner, the owner's children when shared, its workspace's admin. */
  const connectionVisible = (who: Caller, connectionId: string): boolean => {
    const owner = ownerOf(connectionId);
    if (!owner || who.kind === 'invalid' || owner.w !== who.w) return false;
    if (who.kind === 'admin') return true;
    return owner.t === who.t || (owner.shared && PARENT_OF[who.t] === owner.t);
  };

  /** Whether the caller may change a connection or read its credentials: its owner or its workspace's admin. */
  const connectionOwned = (who: Caller, connectionId: string, credentials: boolean): boolean => {
    const owner = ownerOf(connectionId);
    if (!owner || who.kind === 'invalid' || owner.w !== who.w) return false;
    if (who.kind === 'admin') return true;
    return !credentials && owner.t === who.t;
  };

  /** Which tenants of which workspace the caller may see. */
  const visible = (who: Caller, tenantId: string): boolean => {
    if (who.kind === 'invalid') return false;
    if (who.kind === 'admin') return world.tenants[who.w]!.includes(tenantId);
    return world.tenants[who.w]![who.t] === tenantId;
  };

  async function check(who: Caller, operation: Operation): Promise<void> {
    const token = tokenOf(who);
    const targetId = 'w' in operation ? world.tenants[operation.w]![operation.t] : undefined;
    const connectionId =
      'shared' in operation
        ? world.connections[operation.w]![operation.t]![operation.shared ? 'shared' : 'private']
        : undefined;
    const request = (method: string, path: string, body?: unknown) => instance.request(method, path, { token, body });
    const response = await (async () => {
      switch (operation.op) {
        case 'self':
          return request('GET', '/self');
        case 'get':
          return request('GET', `/tenants/${targetId}`);
        case 'rename':
          return request('PATCH', `/tenants/${targetId}`, { name: operation.name });
        case 'list':
          return request('GET', '/tenants?limit=1000');
        case 'lookup':
          return request('GET', `/tenant?internalId=t${operation.t}`);
        case 'usage':
          return request('GET', `/tenants/${targetId}/usage`);
        case 'credentials':
          return request('GET', `/tenants/${targetId}/credentials`);
        case 'logs':
          return request('GET', '/activity-logs?limit=1000');
        case 'spend':
          return request('POST', '/usage', who.kind === 'admin' ? { credits: 1, tenantId: targetId } : { credits: 1 });
        case 'balance':
          return request('GET', `/tenants/${targetId}/balance`);
        case 'topUp':
          return request('POST', `/tenants/${targetId}/balance/top-ups`, {
            credits: 1,
            reference: operation.reference,
          });
        case 'keys':
          return request('GET', `/tenants/${targetId}/api-keys`);
        case 'connections':
          return request('GET', '/connections?limit=1000');
        case 'connection':
          return request('GET', `/connections/${connectionId}`);
        case 'changeConnection':
          return request('PATCH', `/connections/${connectionId}`, { input: { by: JSON.stringify(who) } });
        case 'connectionCredentials':
          return request('GET', `/connections/${connectionId}/credentials`);
        case 'children':
          return request('GET', '/self/children');
      }
    })();
    const body = await json(response);
    const context = JSON.stringify({ who, operation, status: response.status });

    if (who.kind === 'invalid') {
      expect({ context, status: response.status }).toEqual({ context, status: 401 });
      return;
    }
    expect({ context, serverError: response.status >= 500 }).toEqual({ context, serverError: false });
    if (response.status >= 400) return;

    if (operation.op === 'children') {
      // Only a tenant's own children, and only who they are.
      expect({ context, admin: who.kind === 'admin' }).toEqual({ context, admin: false });
      const expected = Object.entries(PARENT_OF)
        .filter(([, parent]) => parent === (who as { t: number }).t)
        .map(([child]) => world.tenants[who.w]![Number(child)]);
      expect({ context, children: (body as { id: string }[]).map((child) => child.id) }).toEqual({
        context,
        children: expected,
      });
      for (const child of body as Record<string, unknown>[]) {
        expect({ context, keys: Object.keys(child).sort() }).toEqual({
          context,
          keys: ['archivedAt', 'id', 'internalId', 'key', 'name'],
        });
      }
      return;
    }
    if (
      operation.op === 'connections' ||
      operation.op === 'connection' ||
      operation.op === 'changeConnection' ||
      operation.op === 'connectionCredentials'
    ) {
      const items = (operation.op === 'connections' ? body.items : [body]) as {
        id?: string;
        tenantId?: string;
        inherited?: boolean;
      }[];
      if (operation.op === 'connectionCredentials') {
        expect({ context, owned: connectionOwned(who, connectionId!, true) }).toEqual({ context, owned: true });
        return;
      }
      if (operation.op === 'changeConnection') {
        expect({ context, owned: connectionOwned(who, connectionId!, false) }).toEqual({ context, owned: true });
      }
      for (const item of items) {
        expect({ context, id: item.id, visible: connectionVisible(who, item.id!) }).toEqual({
          context,
          id: item.id,
          visible: true,
        });
        const inherited = who.kind !== 'admin' && item.tenantId !== world.tenants[who.w]![who.t];
        expect({ context, id: item.id, inherited: item.inherited }).toEqual({ context, id: item.id, inherited });
      }
      if (operation.op === 'connections' && who.kind !== 'admin') {
        // Exactly its own two and its parent's shared one: nothing missing either.
        const parent = PARENT_OF[who.t];
        const expected = [
          world.connections[who.w]![who.t]!.shared,
          world.connections[who.w]![who.t]!.private,
          ...(parent === undefined ? [] : [world.connections[who.w]![parent]!.shared]),
        ].sort();
        expect({ context, ids: items.map((item) => item.id).sort() }).toEqual({ context, ids: expected });
      }
      return;
    }

    // Every tenant that comes back is one the caller may see.
    const tenantsIn = (value: unknown): string[] =>
      value && typeof value === 'object'
        ? [
            ...('internalId' in value && 'id' in value ? [String((value as { id: string }).id)] : []),
            ...('tenantId' in value && value.tenantId ? [String((value as { tenantId: string }).tenantId)] : []),
            ...Object.values(value).flatMap(tenantsIn),
          ]
        : [];
    for (const id of tenantsIn(body))
      expect({ context, id, visible: visible(who, id) }).toEqual({ context, id, visible: true });
    if (
      operation.op === 'rename' ||
      operation.op === 'get' ||
      operation.op === 'usage' ||
      operation.op === 'credentials' ||
      operation.op === 'balance' ||
      operation.op === 'keys'
    ) {
      expect({ context, visible: visible(who, targetId!) }).toEqual({ context, visible: true });
    }
    if (operation.op === 'spend' && who.kind === 'admin') {
      expect({ context, visible: visible(who, targetId!) }).toEqual({ context, visible: true });
    }
    if (operation.op === 'topUp') {
      expect({ context, admin: who.kind === 'admin', visible: visible(who, targetId!) }).toEqual({
        context,
        admin: true,
        visible: true,
      });
      toppedUp.add(`${targetId}:${operation.reference}`);
    }
    if (operation.op === 'rename') world.names.set(targetId!, operation.name);
  }

  it(`holds over ${RUNS * OPERATIONS_PER_RUN} random operations`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(caller, operation), { minLength: OPERATIONS_PER_RUN, maxLength: OPERATIONS_PER_RUN }),
        async (steps) => {
          for (let i = 0; i < steps.length; i += CONCURRENCY) {
            // Renames of one tenant within a batch would race the model; run a batch's renames one after another.
            const batch = steps.slice(i, i + CONCURRENCY);
            await Promise.all(batch.filter(([, op]) => op.op !== 'rename').map(([who, op]) => check(who, op)));
            for (const [who, op] of batch.filter(([, op]) => op.op === 'rename')) await check(who, op);
          }
        },
      ),
      { numRuns: RUNS },
    );

    // Every balance is its top-ups (one credit per reference, however often replayed) less its debits, as its
    // ledger says: no top-up landed on a tenant its caller could not see, and none twice.
    const books = await withClient(instance.database.adminUrl, async (client) => {
      const { rows } = await client.query<{ tenant_id: string; balance: string; top_ups: string; ledger: string }>(
        `SELECT b.tenant_id, b.balance,
           (SELECT COALESCE(SUM(credits), 0) FROM balance_entries e WHERE e.tenant_id = b.tenant_id AND credits > 0) AS top_ups,
           (SELECT COALESCE(SUM(credits), 0) FROM balance_entries e WHERE e.tenant_id = b.tenant_id) AS ledger
         FROM tenant_balances b`,
      );
      return rows;
    });
    const credited = new Map<string, number>();
    for (const key of toppedUp) credited.set(key.split(':')[0]!, (credited.get(key.split(':')[0]!) ?? 0) + 1);
    expect(new Set(books.map((row) => row.tenant_id))).toEqual(new Set(credited.keys()));
    for (const row of books) {
      expect({ tenant: row.tenant_id, topUps: Number(row.top_ups), ledger: Number(row.ledger) }).toEqual({
        tenant: row.tenant_id,
        topUps: credited.get(row.tenant_id),
        ledger: Number(row.balance),
      });
    }

    // Every connection was last changed, if at all, by its owner or its workspace's admin: never by a child it is
    // shared with, a sibling, a parent of its owner or another workspace.
    const changed = await withClient(instance.database.adminUrl, async (client) => {
      const { rows } = await client.query<{ id: string; by: string }>(
        "SELECT id, input->>'by' AS by FROM connections WHERE input ? 'by'",
      );
      return rows;
    });
    expect(changed.length).toBeGreaterThan(0);
    for (const row of changed) {
      const by = JSON.parse(row.by) as Caller;
      expect({ id: row.id, by, owned: connectionOwned(by, row.id, false) }).toEqual({ id: row.id, by, owned: true });
    }

    // Nothing was changed by anyone who could not see it: every name is the model's.
    for (let w = 0; w < WORKSPACES; w++) {
      const listed = await json(
        await instance.request('GET', '/tenants?limit=1000', { token: world.workspaces[w]!.adminToken() }),
      );
      expect(listed.items).toHaveLength(TENANTS);
      for (const tenant of listed.items as { id: string; name: string }[]) {
        expect({ id: tenant.id, name: tenant.name }).toEqual({ id: tenant.id, name: world.names.get(tenant.id) });
      }
    }
  }, 300_000);
});
