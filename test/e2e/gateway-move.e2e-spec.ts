import { withClient } from '@switchboard/persistence';
import { freePort, type ServiceProcess, waitFor } from '@switchboard/testing';

import { call, type Stack, startGateway, startStack } from './stack.js';

/** Activity log rows written by SQL on the source, so that the copy takes a while under the client's load. */
const BULK_ROWS = 5000;
/** Rounds of requests the client makes once the source has forgotten the workspace (its retention over). */
const ROUNDS_AFTER = 10;

/**
 * A client that holds one access token and talks to the gateway sees nothing
 * of a move of its workspace (API.md, "Gateway": "a moved workspace is
 * followed without the client noticing"): the built Hub, two instances and
 * the gateway as processes, the client reading and writing without pause
 * while a real move runs to `done` and until the source has purged its copy.
 * Every answer is a 2xx — no 307 from the source, no 503 of the freeze, no
 * 409, no 401 from a source that forgot the workspace — and every write it
 * was answered for is on the target afterwards, once.
 */
describe('a client of the gateway across a move of its workspace', () => {
  let stack: Stack;
  let gateway: ServiceProcess;
  let gatewayUrl: string;
  let workspace: { id: string; key: string; apiUrl: string };

  const hub = (method: string, path: string, body?: unknown) =>
    call(stack.hub.url, method, path, stack.adminToken, body);
  const count = async (instanceId: string, sql: string, params: unknown[]): Promise<number> =>
    withClient(stack.instanceDatabases[instanceId]!.adminUrl, async (client) => {
      const { rows } = await client.query<{ n: number }>(sql, params);
      return rows[0]?.n ?? 0;
    });

  beforeAll(async () => {
    const port = await freePort();
    gatewayUrl = `http://127.0.0.1:${port}`;
    stack = await startStack({
      instanceIds: ['instance-a', 'instance-b'],
      // The source forgets the workspace a second after the move: the gateway must not need it by then.
      env: { HUB_MOVE_RETENTION_SECONDS: '1' },
      serviceEnv: { hub: { HUB_GATEWAY_URL: gatewayUrl } },
    });
    // No resync within the test: the gateway follows the move from what the Hub publishes, and the instances say.
    gateway = await startGateway(stack, port, { GATEWAY_RESYNC_INTERVAL_MS: '600000' });
    const org = await hub('POST', '/orgs', { name: 'Gateway movers' });
    workspace = await waitFor(
      async () => {
        const created = await hub('POST', '/org-workspaces', {
          orgId: org.body.id,
          name: 'Moving behind the gateway',
          instanceId: 'instance-a',
        });
        return created.status === 201 ? created.body : undefined;
      },
      { what: 'both instances registered', timeoutMs: 20_000 },
    );
    expect(workspace.apiUrl).toBe(gatewayUrl);
    await waitFor(
      async () =>
        (await hub('GET', `/org-workspaces/${workspace.id}`)).body.sync.state === 'synced' ? true : undefined,
      { what: 'the workspace synced', timeoutMs: 10_000 },
    );
    const admin = (await hub('POST', `/org-workspaces/${workspace.id}/access-token`, { isAdmin: true })).body.token;
    const integration = await call(gatewayUrl, 'POST', '/integrations', admin, {
      key: 'crm',
      name: 'CRM',
      authType: 'api-key',
    });
    expect(integration.status).toBe(201);
    await withClient(stack.instanceDatabases['instance-a']!.adminUrl, async (client) => {
      const tenant = await client.query<{ id: string }>(
        `INSERT INTO tenants (workspace_id, internal_id, name) VALUES ($1, 'bulk', 'Bulk') RETURNING id`,
        [workspace.id],
      );
      await client.query(
        `INSERT INTO activity_logs (workspace_id, tenant_id, type, actor, data)
         SELECT $1, $2, 'bulk.row', 'system', jsonb_build_object('n', n, 'pad', repeat('x', 200))
         FROM generate_series(1, $3::int) n`,
        [workspace.id, tenant.rows[0]!.id, BULK_ROWS],
      );
    });
  }, 90_000);

  afterAll(async () => {
    await gateway?.stop();
    await stack?.stop();
  });

  it('answers every read and write with a 2xx while the workspace moves, and the writes are on the target', async () => {
    const issued = await hub('POST', `/org-workspaces/${workspace.id}/access-token`, {
      tenantKey: 'steady-client',
      expiresIn: 3600,
    });
    expect(issued.status).toBe(200);
    const bearer = issued.body.token as string;

    const answers: string[] = [];
    const connections: string[] = [];
    let credits = 0;
    let purged = false;
    let roundsAfter = 0;
    /** One request as a client makes it: no redirect followed, any answer but a 2xx noted. */
    const request = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${gatewayUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${bearer}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'manual',
      });
      const text = await response.text();
      if (response.status < 200 || response.status > 299) {
        answers.push(`${method} ${path}: ${response.status} ${response.headers.get('location') ?? ''} ${text}`);
      }
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    };
    const client = (async () => {
      for (let i = 0; !purged || roundsAfter < ROUNDS_AFTER; i++) {
        if (purged) roundsAfter += 1;
        await request('GET', '/tenants/self');
        const created = await request('POST', '/connections', {
          integrationKey: 'crm',
          credentials: { apiKey: `steady-${i}` },
        });
        if (created.status === 201) connections.push(created.body.id as string);
        const used = await request('POST', '/usage', { credits: 1 });
        if (used.status === 201) credits += 1;
        if (answers.length > 20) return;
      }
    })();

    await waitFor(() => Promise.resolve(connections.length > 2 ? true : undefined), { what: 'the client going' });
    const started = await hub('POST', `/org-workspaces/${workspace.id}/move`, { instanceId: 'instance-b' });
    expect(started.status).toBe(202);
    const states = new Set<string>();
    let last: unknown;
    const moved = await waitFor(
      async () => {
        const move = (await hub('GET', `/org-workspaces/${workspace.id}/move`)).body;
        last = move;
        states.add(move.state);
        if (move.state === 'failed' || move.state === 'aborted')
          throw new Error(`the move ${move.state}: ${move.error}`);
        return move.state === 'done' ? move : undefined;
      },
      { what: 'the move done', timeoutMs: 60_000, intervalMs: 50 },
    ).catch((error: unknown) => {
      throw new Error(
        `${String(error)}; the move: ${JSON.stringify(last)}; the client's answers: ${answers.join('; ')}`,
      );
    });
    await waitFor(
      async () =>
        (await count('instance-a', 'SELECT count(*)::int AS n FROM workspaces WHERE id = $1', [workspace.id])) === 0
          ? true
          : undefined,
      { what: 'the source copy purged', timeoutMs: 20_000, intervalMs: 100 },
    ).finally(() => {
      purged = true;
    });
    await client;

    expect(answers).toEqual([]);
    expect(moved.id).toBe(started.body.id);
    expect([...states]).toContain('copying');
    expect((await hub('GET', `/org-workspaces/${workspace.id}`)).body.instanceId).toBe('instance-b');
    // Every write the client was answered for is on the target, once; the client's tenant too, once.
    expect(connections.length).toBeGreaterThan(ROUNDS_AFTER);
    expect(
      await count('instance-b', 'SELECT count(*)::int AS n FROM connections WHERE id = ANY($1::uuid[])', [connections]),
    ).toBe(connections.length);
    expect(
      await count(
        'instance-b',
        `SELECT count(*)::int AS n FROM connections c JOIN tenants t ON t.id = c.tenant_id
         WHERE t.workspace_id = $1 AND t.internal_id = 'steady-client'`,
        [workspace.id],
      ),
    ).toBe(connections.length);
    expect(
      await count(
        'instance-b',
        `SELECT COALESCE(sum(u.credits), 0)::int AS n FROM usage_records u JOIN tenants t ON t.id = u.tenant_id
         WHERE t.workspace_id = $1 AND t.internal_id = 'steady-client'`,
        [workspace.id],
      ),
    ).toBe(credits);
    expect(
      await count('instance-a', 'SELECT count(*)::int AS n FROM tenants WHERE workspace_id = $1', [workspace.id]),
    ).toBe(0);
  }, 85_000);
});
