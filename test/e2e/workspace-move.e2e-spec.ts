import { withClient } from '@switchboard/persistence';
import { type TestDatabase, waitFor } from '@switchboard/testing';

import { call, type Stack, startStack } from './stack.js';

/** The tables a move copies (the contract's MOVED_TABLE_NAMES), with the column naming the workspace. */
const TABLES: [string, string][] = [
  ['workspaces', 'id'],
  ['tenants', 'workspace_id'],
  ['integrations', 'workspace_id'],
  ['connections', 'workspace_id'],
  ['element_templates', 'workspace_id'],
  ['element_revisions', 'workspace_id'],
  ['element_customizations', 'workspace_id'],
  ['element_deployments', 'workspace_id'],
  ['event_subscriptions', 'workspace_id'],
  ['events', 'workspace_id'],
  ['event_deliveries', 'workspace_id'],
  ['usage_records', 'workspace_id'],
  ['balance_entries', 'workspace_id'],
  ['tenant_balances', 'workspace_id'],
  ['rate_limit_windows', 'workspace_id'],
  ['activity_logs', 'workspace_id'],
  ['idempotency_keys', 'workspace_id'],
  ['tenant_api_keys', 'workspace_id'],
];

/** Rows per table of one workspace, and an order-independent digest of them, read as the superuser (no RLS). */
async function contents(database: TestDatabase, workspaceId: string): Promise<Record<string, string>> {
  return withClient(database.adminUrl, async (client) => {
    const result: Record<string, string> = {};
    for (const [table, column] of TABLES) {
      const { rows } = await client.query<{ n: number; digest: string | null }>(
        `SELECT count(*)::int AS n, md5(string_agg(to_jsonb(t)::text, ',' ORDER BY to_jsonb(t)::text)) AS digest
         FROM ${table} t WHERE ${column} = $1`,
        [workspaceId],
      );
      result[table] = `${rows[0]?.n}:${rows[0]?.digest ?? ''}`;
    }
    return result;
  });
}

/** Every row of the workspace, per table, as JSON text. */
async function rowsOf(database: TestDatabase, workspaceId: string): Promise<Record<string, string[]>> {
  return withClient(database.adminUrl, async (client) => {
    const result: Record<string, string[]> = {};
    for (const [table, column] of TABLES) {
      const { rows } = await client.query<{ row: string }>(
        `SELECT to_jsonb(t)::text AS row FROM ${table} t WHERE ${column} = $1`,
        [workspaceId],
      );
      result[table] = rows.map((row) => row.row);
    }
    return result;
  });
}

/** The rows of the source's frozen copy that the target lacks or holds otherwise (writes after the move go on the target). */
async function missingOnTarget(source: TestDatabase, target: TestDatabase, workspaceId: string): Promise<string[]> {
  const [before, after] = await Promise.all([rowsOf(source, workspaceId), rowsOf(target, workspaceId)]);
  const missing: string[] = [];
  for (const [table] of TABLES) {
    if (table === 'workspaces') continue; // the Hub's new placement came with a new config version
    const present = new Set(after[table]);
    for (const row of before[table] ?? []) if (!present.has(row)) missing.push(`${table}: ${row}`);
  }
  return missing;
}

async function count(database: TestDatabase, sql: string, params: unknown[]): Promise<number> {
  return withClient(database.adminUrl, async (client) => {
    const { rows } = await client.query<{ n: number }>(sql, params);
    return rows[0]?.n ?? 0;
  });
}

/**
 * Moving a workspace between two instances, with the built Hub and instances
 * as processes (API.md, "Moving a workspace to another instance").
 */
describe('moving a workspace to another instance', () => {
  let stack: Stack;
  let orgId: string;
  let workspace: { id: string; key: string; apiUrl: string };
  let bystander: { id: string; apiUrl: string };
  let urlOf: Record<string, string>;
  /** Linked tenants seeded: the parents' and children's keys, and what a child saw before the move. */
  const linked = { parents: ['parent-0', 'parent-1'], children: ['child-0-a', 'child-0-b', 'child-1-a'] };
  let seenBefore: Record<string, { sync: unknown; mine: unknown; connections: unknown }>;
  /** What a tenant sees of its elements and connections (the views the move must keep). */
  const viewOf = async (apiUrl: string, bearer: string) => {
    const [sync, mine, connections] = await Promise.all([
      call(apiUrl, 'GET', '/actions/sync', bearer),
      call(apiUrl, 'GET', '/actions/mine', bearer),
      call(apiUrl, 'GET', '/connections', bearer),
    ]);
    expect([sync.status, mine.status, connections.status]).toEqual([200, 200, 200]);
    const pick = (body: Record<string, unknown>) => ({
      revision: body['revision'],
      definition: body['definition'],
      isCustomized: body['isCustomized'],
      level: body['level'],
    });
    return {
      sync: pick(sync.body),
      mine: pick(mine.body),
      connections: (connections.body.items as Record<string, unknown>[])
        .map((item) => ({ id: item['id'], tenantId: item['tenantId'], inherited: item['inherited'] }))
        .sort((a, b) => String(a.id).localeCompare(String(b.id))),
    };
  };

  const hub = (method: string, path: string, body?: unknown, token = stack.adminToken) =>
    call(stack.hub.url, method, path, token, body);
  const token = async (id: string, tenantKey?: string) =>
    (await hub('POST', `/org-workspaces/${id}/access-token`, tenantKey ? { tenantKey } : { isAdmin: true })).body
      .token as string;
  const moved = (id: string, moveId: string, states = ['done']) =>
    waitFor(
      async () => {
        const move = await hub('GET', `/org-workspaces/${id}/move`);
        if (
          move.body?.id === moveId &&
          ['failed', 'aborted'].includes(move.body.state) &&
          !states.includes(move.body.state)
        ) {
          throw new Error(`the move ended ${move.body.state}: ${move.body.error}`);
        }
        return move.body?.id === moveId && states.includes(move.body.state) ? move.body : undefined;
      },
      { what: `move ${moveId} to reach ${states.join('/')}`, timeoutMs: 30_000, intervalMs: 50 },
    );
  const synced = (id: string, version: number) =>
    waitFor(
      async () => {
        const current = await hub('GET', `/org-workspaces/${id}`);
        return current.body.sync.appliedVersion >= version ? current.body : undefined;
      },
      { what: `version ${version} applied`, timeoutMs: 10_000, intervalMs: 20 },
    );
  /**
   * A write through the workspace's first API URL, following `307`s with the same method, body and token
   * (fetch drops `Authorization` on a redirect to another origin, so this follows them itself).
   */
  const write = async (apiUrl: string, path: string, bearer: string, body: unknown): Promise<Response> => {
    let url = `${apiUrl}${path}`;
    for (let hop = 0; ; hop++) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        redirect: 'manual',
      });
      const location = response.headers.get('location');
      if (response.status !== 307 || !location || hop > 2) return response;
      url = location;
    }
  };

  beforeAll(async () => {
    stack = await startStack({
      instanceIds: ['instance-a', 'instance-b'],
      env: { HUB_MOVE_RETENTION_SECONDS: '4' },
    });
    urlOf = Object.fromEntries(Object.entries(stack.instances).map(([id, service]) => [id, service.url]));
    const org = await hub('POST', '/orgs', { name: 'Movers' });
    orgId = org.body.id;
    const create = (name: string) =>
      waitFor(
        async () => {
          const created = await hub('POST', '/org-workspaces', { orgId, name, instanceId: 'instance-a' });
          return created.status === 201 ? created.body : undefined;
        },
        { what: 'both instances registered', timeoutMs: 15_000 },
      );
    workspace = await create('Moving');
    bystander = await create('Staying');
    await synced(workspace.id, 1);
    await synced(bystander.id, 1);

    // Seed: an integration, an action, 10 tenants with a connection (sealed credentials, events) and usage each.
    const admin = await token(workspace.id);
    expect(
      (await call(workspace.apiUrl, 'POST', '/integrations', admin, { key: 'crm', name: 'CRM', authType: 'api-key' }))
        .status,
    ).toBe(201);
    expect(
      (await call(workspace.apiUrl, 'POST', '/actions', admin, { key: 'sync', name: 'Sync', definition: { a: 1 } }))
        .status,
    ).toBe(201);
    for (let i = 0; i < 10; i++) {
      const tenant = await token(workspace.id, `seed-${i}`);
      const connection = await call(workspace.apiUrl, 'POST', '/connections', tenant, {
        integrationKey: 'crm',
        credentials: { apiKey: `secret-${i}` },
      });
      expect(connection.status).toBe(201);
      expect((await call(workspace.apiUrl, 'POST', '/usage', tenant, { credits: i + 1 })).status).toBe(201);
    }

    // Seed of the features added beside moves: an integration naming a connector; parents with a shared
    // connection and linked children (several, so that some child's id sorts before its parent's); a tenant's
    // own element in each child; a draft revision of a template published to one child only (a canary); a
    // customisation of that template by every child.
    const ok = async (status: number, response: Promise<{ status: number; body: any }>) => {
      const answer = await response;
      expect({ status: answer.status, body: answer.body }).toMatchObject({ status });
      return answer.body;
    };
    await ok(
      201,
      call(workspace.apiUrl, 'POST', '/connectors', admin, {
        key: 'erp-connector',
        name: 'ERP connector',
        definition: { spec: { name: 'Spec' } },
      }),
    );
    await ok(
      201,
      call(workspace.apiUrl, 'POST', '/integrations', admin, {
        key: 'erp',
        name: 'ERP',
        authType: 'api-key',
        connectorKey: 'erp-connector',
      }),
    );
    const idOf: Record<string, string> = {};
    const tokenOf: Record<string, string> = {};
    for (const key of [...linked.parents, ...linked.children]) {
      tokenOf[key] = await token(workspace.id, key);
      idOf[key] = (await ok(200, call(workspace.apiUrl, 'GET', '/self', tokenOf[key]))).id;
    }
    for (const parent of linked.parents) {
      await ok(
        201,
        call(workspace.apiUrl, 'POST', '/connections', tokenOf[parent], {
          integrationKey: 'erp',
          credentials: { apiKey: `shared-${parent}` },
          shared: true,
        }),
      );
    }
    for (const child of linked.children) {
      const parent = child.startsWith('child-0') ? 'parent-0' : 'parent-1';
      await ok(200, call(workspace.apiUrl, 'PATCH', `/tenants/${idOf[child]}`, admin, { parentId: idOf[parent] }));
      await ok(
        201,
        call(workspace.apiUrl, 'POST', '/actions', tokenOf[child], {
          key: 'mine',
          name: 'Mine',
          definition: { owner: child },
        }),
      );
    }
    await ok(200, call(workspace.apiUrl, 'PUT', '/actions/sync', admin, { definition: { a: 2 }, publish: false }));
    await ok(
      200,
      call(workspace.apiUrl, 'POST', '/actions/sync/publish', admin, {
        revision: 2,
        tenantIds: [idOf['child-0-a']],
      }),
    );
    for (const child of linked.children) {
      await ok(
        200,
        call(workspace.apiUrl, 'PUT', '/actions/sync/customization', tokenOf[child], {
          definition: { custom: child },
        }),
      );
    }
    seenBefore = {};
    for (const child of linked.children) seenBefore[child] = await viewOf(workspace.apiUrl, tokenOf[child]!);
    // The seed does what it should before the move, so that the comparison after it means something.
    expect(seenBefore['child-0-a']).toMatchObject({
      sync: { definition: { a: 2, custom: 'child-0-a' }, isCustomized: true },
      mine: { definition: { owner: 'child-0-a' }, level: 'tenant' },
      connections: [{ tenantId: idOf['parent-0'], inherited: true }],
    });
    expect(seenBefore['child-0-b']).toMatchObject({ sync: { definition: { a: 1, custom: 'child-0-b' } } });
    expect(
      await count(
        stack.instanceDatabases['instance-a']!,
        'SELECT count(*)::int AS n FROM element_deployments WHERE workspace_id = $1',
        [workspace.id],
      ),
    ).toBe(1);

    const bystanderAdmin = await token(bystander.id);
    await call(bystander.apiUrl, 'POST', '/integrations', bystanderAdmin, {
      key: 'crm',
      name: 'CRM',
      authType: 'api-key',
    });
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses bad requests with problems', async () => {
    expect((await hub('POST', `/org-workspaces/${workspace.id}/move`, {})).status).toBe(400);
    expect((await hub('POST', `/org-workspaces/${workspace.id}/move`, { instanceId: 'nowhere' })).status).toBe(400);
    expect((await hub('POST', `/org-workspaces/${workspace.id}/move`, { instanceId: 'instance-a' })).status).toBe(409);
    expect((await hub('POST', `/org-workspaces/not-a-uuid/move`, { instanceId: 'instance-b' })).status).toBe(400);
    // A registered instance that has sent no heartbeat for an hour is down: a move there could never begin.
    await withClient(stack.hubDatabase.adminUrl, (client) =>
      client.query(
        `INSERT INTO instances (id, name, api_url, last_seen_at) VALUES ('instance-gone', 'gone', 'http://127.0.0.1:1', now() - interval '1 hour')`,
      ),
    );
    try {
      const down = await hub('POST', `/org-workspaces/${workspace.id}/move`, { instanceId: 'instance-gone' });
      expect(down.status).toBe(409);
      expect(down.body).toMatchObject({ code: 'no_instance_available' });
      expect(down.body.detail).toMatch(/instance-gone is down: no heartbeat for \d+ s/);
      expect((await hub('GET', `/org-workspaces/${workspace.id}/move`)).status).toBe(404);
    } finally {
      await withClient(stack.hubDatabase.adminUrl, (client) =>
        client.query(`DELETE FROM instances WHERE id = 'instance-gone'`),
      );
    }
    expect((await hub('GET', `/org-workspaces/${workspace.id}/move`)).status).toBe(404);
    expect((await hub('POST', `/org-workspaces/${workspace.id}/move/abort`)).status).toBe(409);
    const outsider = await hub('POST', '/users', { email: 'outsider@example.test', name: 'Outsider' });
    const refused = await hub(
      'POST',
      `/org-workspaces/${workspace.id}/move`,
      { instanceId: 'instance-b' },
      outsider.body.token,
    );
    expect(refused.status).toBe(404);
    expect((await hub('GET', `/org-workspaces/${workspace.id}/move`, undefined, outsider.body.token)).status).toBe(404);
  });

  it('moves the workspace with writes going on, then the source answers 307 and finally forgets it', async () => {
    const tenantToken = await token(workspace.id, 'seed-0');
    const bystanderBefore = await contents(stack.instanceDatabases['instance-a']!, bystander.id);
    // A writer through the source URL throughout: every acknowledged connection must end up on the target once.
    const acknowledged: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const bearer = await token(workspace.id, `writer-${i % 5}`);
        const response = await write(workspace.apiUrl, '/connections', bearer, {
          integrationKey: 'crm',
          credentials: { apiKey: `w-${i}` },
        });
        if (response.status === 201) acknowledged.push(((await response.json()) as { id: string }).id);
        else if (response.status !== 503) throw new Error(`write ${i}: ${response.status} ${await response.text()}`);
      }
    })();
    // Linked tenants created throughout too (a parent, then its child): the copy or the catch-up carries both,
    // the child whatever the order of their ids.
    const adminToken = await token(workspace.id);
    const linkedPairs: { parent: string; child: string }[] = [];
    const linker = (async () => {
      for (let i = 0; writing; i++) {
        const parent = await write(workspace.apiUrl, '/tenants', adminToken, {
          internalId: `late-parent-${i}`,
          name: `Late parent ${i}`,
        });
        if (parent.status === 503) continue;
        if (parent.status !== 201) throw new Error(`parent ${i}: ${parent.status} ${await parent.text()}`);
        const parentId = ((await parent.json()) as { id: string }).id;
        for (;;) {
          const child = await write(workspace.apiUrl, '/tenants', adminToken, {
            internalId: `late-child-${i}`,
            name: `Late child ${i}`,
            parentId,
          });
          if (child.status === 503) continue;
          if (child.status !== 201) throw new Error(`child ${i}: ${child.status} ${await child.text()}`);
          linkedPairs.push({ parent: parentId, child: ((await child.json()) as { id: string }).id });
          break;
        }
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));

    const started = await hub('POST', `/org-workspaces/${workspace.id}/move`, { instanceId: 'instance-b' });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ fromInstanceId: 'instance-a', toInstanceId: 'instance-b', state: 'copying' });
    const done = await moved(workspace.id, started.body.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    writing = false;
    await writer;
    await linker;

    expect(done.rowsCopied).toBeGreaterThan(0);
    expect(done.writePauseMs).toBeGreaterThanOrEqual(0);
    expect(done.writePauseMs).toBeLessThan(1000);
    expect(done.finishedAt).not.toBeNull();
    expect(acknowledged.length).toBeGreaterThan(5);

    // Placement: the Hub hands out the target's URL with a new config version, which the target applied.
    const placed = await hub('GET', `/org-workspaces/${workspace.id}`);
    expect(placed.body).toMatchObject({ instanceId: 'instance-b', apiUrl: urlOf['instance-b'] });
    await synced(workspace.id, placed.body.sync.version);

    // Every row of the source's retained (frozen) copy is on the target as it was; every acknowledged write once.
    expect(
      await missingOnTarget(
        stack.instanceDatabases['instance-a']!,
        stack.instanceDatabases['instance-b']!,
        workspace.id,
      ),
    ).toEqual([]);
    for (const id of acknowledged) {
      expect(
        await count(
          stack.instanceDatabases['instance-b']!,
          'SELECT count(*)::int AS n FROM connections WHERE id = $1',
          [id],
        ),
      ).toBe(1);
    }
    expect(linkedPairs.length).toBeGreaterThan(2);
    for (const { parent, child } of linkedPairs) {
      expect({
        child,
        parents: await count(
          stack.instanceDatabases['instance-b']!,
          'SELECT count(*)::int AS n FROM tenants WHERE id = $1 AND parent_id = $2',
          [child, parent],
        ),
      }).toEqual({ child, parents: 1 });
    }
    // Linked tenants, their own elements, the canary and the customisations: each child sees on the target
    // what it saw before (the same revision and definition, the parent's shared connection inherited).
    for (const child of linked.children) {
      expect({ child, view: await viewOf(urlOf['instance-b']!, await token(workspace.id, child)) }).toEqual({
        child,
        view: seenBefore[child],
      });
    }
    // The seeded tables hold as many rows on the target as in the source's frozen copy.
    for (const table of [
      'integrations',
      'element_templates',
      'element_revisions',
      'element_customizations',
      'element_deployments',
    ]) {
      const sql = `SELECT count(*)::int AS n FROM ${table} WHERE workspace_id = $1`;
      const [before, after] = await Promise.all([
        count(stack.instanceDatabases['instance-a']!, sql, [workspace.id]),
        count(stack.instanceDatabases['instance-b']!, sql, [workspace.id]),
      ]);
      expect({ table, after }).toEqual({ table, after: before });
    }
    const linkedSql = `SELECT count(*)::int AS n FROM tenants WHERE workspace_id = $1 AND parent_id IS NOT NULL`;
    expect(await count(stack.instanceDatabases['instance-b']!, linkedSql, [workspace.id])).toBe(
      linked.children.length + linkedPairs.length,
    );
    expect(
      await count(
        stack.instanceDatabases['instance-b']!,
        'SELECT count(*)::int AS n FROM integrations WHERE workspace_id = $1 AND connector_key = $2',
        [workspace.id, 'erp-connector'],
      ),
    ).toBe(1);

    // The other workspace of the source was left alone.
    expect(await contents(stack.instanceDatabases['instance-a']!, bystander.id)).toEqual(bystanderBefore);
    expect(
      await count(stack.instanceDatabases['instance-b']!, 'SELECT count(*)::int AS n FROM workspaces WHERE id = $1', [
        bystander.id,
      ]),
    ).toBe(0);

    // The same token works on the target (sealed credentials open there too); the source redirects.
    expect((await call(urlOf['instance-b']!, 'GET', '/self', tenantToken)).status).toBe(200);
    const admin = await token(workspace.id);
    const connections = await call(urlOf['instance-b']!, 'GET', '/connections?limit=1', admin);
    expect(connections.status).toBe(200);
    const credentials = await call(
      urlOf['instance-b']!,
      'GET',
      `/connections/${connections.body.items[0].id}/credentials`,
      admin,
    );
    expect(credentials.status).toBe(200);
    expect(JSON.stringify(credentials.body)).toContain('secret-');
    const redirected = await fetch(`${urlOf['instance-a']}/self?x=1`, {
      headers: { authorization: `Bearer ${tenantToken}` },
      redirect: 'manual',
    });
    expect(redirected.status).toBe(307);
    expect(redirected.headers.get('location')).toBe(`${urlOf['instance-b']}/self?x=1`);
    // A workspace not moving is served by the source as before.
    expect((await call(urlOf['instance-a']!, 'GET', '/integrations', await token(bystander.id))).status).toBe(200);

    // After the retention the source deletes its copy.
    await waitFor(
      async () =>
        (await count(
          stack.instanceDatabases['instance-a']!,
          'SELECT count(*)::int AS n FROM tenants WHERE workspace_id = $1',
          [workspace.id],
        )) === 0 &&
        (await count(
          stack.instanceDatabases['instance-a']!,
          'SELECT count(*)::int AS n FROM workspaces WHERE id = $1',
          [workspace.id],
        )) === 0,
      { what: 'the source copy purged', timeoutMs: 15_000, intervalMs: 200 },
    );
    expect((await call(urlOf['instance-b']!, 'GET', '/self', tenantToken)).status).toBe(200);
  }, 60_000);

  it('aborts a move whose target is down: the target copy goes, the source stays authoritative', async () => {
    await stack.instances['instance-a']!.kill();
    const started = await hub('POST', `/org-workspaces/${workspace.id}/move`, { instanceId: 'instance-a' });
    expect(started.status).toBe(202);
    // A second move while one runs is refused.
    expect((await hub('POST', `/org-workspaces/${workspace.id}/move`, { instanceId: 'instance-a' })).status).toBe(409);
    const aborted = await hub('POST', `/org-workspaces/${workspace.id}/move/abort`);
    expect(aborted.status).toBe(200);
    expect(aborted.body).toMatchObject({ id: started.body.id, state: 'aborted' });
    await stack.restart('instance-a');
    const tenantToken = await token(workspace.id, 'seed-1');
    expect((await call(urlOf['instance-b']!, 'POST', '/usage', tenantToken, { credits: 3 })).status).toBe(201);
    expect((await hub('GET', `/org-workspaces/${workspace.id}`)).body.instanceId).toBe('instance-b');
    await waitFor(
      async () =>
        (await count(
          stack.instanceDatabases['instance-b']!,
          'SELECT count(*)::int AS n FROM workspace_move_sources WHERE workspace_id = $1',
          [workspace.id],
        )) === 0,
      { what: 'the source forgot the aborted move', timeoutMs: 15_000, intervalMs: 100 },
    );
  }, 60_000);

  it('moves it back right after, archived: restored, it is served by the first instance again', async () => {
    // A token issued before the archive (the Hub issues none for an archived workspace).
    const archivedToken = await token(workspace.id, 'seed-2');
    const archived = await hub('POST', `/org-workspaces/${workspace.id}/archive`);
    expect(archived.status).toBe(200);
    await synced(workspace.id, archived.body.sync.version);
    const started = await hub('POST', `/org-workspaces/${workspace.id}/move`, { instanceId: 'instance-a' });
    expect(started.status).toBe(202);
    await moved(workspace.id, started.body.id);
    const source = await contents(stack.instanceDatabases['instance-b']!, workspace.id);
    const target = await contents(stack.instanceDatabases['instance-a']!, workspace.id);
    expect(target).toEqual({ ...source, workspaces: target['workspaces'] });
    // Still archived after the move: the Hub places it on the first instance, which refuses its tokens, and the
    // second redirects them there rather than serving its retained copy.
    expect((await hub('GET', `/org-workspaces/${workspace.id}`)).body).toMatchObject({ instanceId: 'instance-a' });
    const refused = await call(urlOf['instance-a']!, 'GET', '/self', archivedToken);
    expect({ status: refused.status, code: refused.body?.code }).toEqual({ status: 403, code: 'workspace_archived' });
    const redirected = await fetch(`${urlOf['instance-b']}/self`, {
      headers: { authorization: `Bearer ${archivedToken}` },
      redirect: 'manual',
    });
    expect({ status: redirected.status, location: redirected.headers.get('location') }).toEqual({
      status: 307,
      location: `${urlOf['instance-a']}/self`,
    });
    const restored = await hub('POST', `/org-workspaces/${workspace.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body.apiUrl).toBe(urlOf['instance-a']);
    await synced(workspace.id, restored.body.sync.version);
    const tenantToken = await token(workspace.id, 'seed-2');
    expect((await call(urlOf['instance-a']!, 'GET', '/self', tenantToken)).status).toBe(200);
    expect((await call(urlOf['instance-a']!, 'GET', '/connections', tenantToken)).body.items).toHaveLength(1);
  }, 60_000);

  it('drains an instance: every workspace moves away, progress on GET /instances', async () => {
    expect((await hub('POST', '/instances/no-such-instance/drain')).status).toBe(404);
    const elsewhere = await hub('POST', '/org-workspaces', { orgId, name: 'Elsewhere', instanceId: 'instance-b' });
    expect(elsewhere.status).toBe(201);
    await withClient(stack.instanceDatabases['instance-b']!.adminUrl, async (client) => {
      // Holds the drain's moves in their copy: the target's import of their tenants waits for this lock.
      await client.query('BEGIN');
      await client.query('LOCK TABLE tenants IN SHARE MODE');
      try {
        const drained = await hub('POST', '/instances/instance-a/drain');
        expect(drained.status).toBe(202);
        expect(drained.body).toEqual({ instanceId: 'instance-a', started: 2 });
        // While instance-a is being emptied it takes no move in, not even a platform admin's.
        const into = await hub('POST', `/org-workspaces/${elsewhere.body.id}/move`, { instanceId: 'instance-a' });
        expect(into).toMatchObject({ status: 409, body: { code: 'conflict' } });
        expect(into.body.detail).toContain('instance-a is being drained');
      } finally {
        await client.query('COMMIT');
      }
    });
    const finished = await waitFor(
      async () => {
        const instances = await hub('GET', '/instances');
        const a = instances.body.items.find((item: { id: string }) => item.id === 'instance-a');
        return a?.drain?.state === 'drained' ? a : undefined;
      },
      { what: 'instance-a drained', timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(finished).toMatchObject({ acceptsNewWorkspaces: false, workspaceCount: 0, drain: { remaining: 0 } });
    for (const id of [workspace.id, bystander.id]) {
      expect((await hub('GET', `/org-workspaces/${id}`)).body.instanceId).toBe('instance-b');
    }
    const bystanderAdmin = await token(bystander.id);
    expect((await call(urlOf['instance-b']!, 'GET', '/integrations', bystanderAdmin)).body.items).toHaveLength(1);
  }, 60_000);
});
