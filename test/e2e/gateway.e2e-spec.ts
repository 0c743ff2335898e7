import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

import { withClient } from '@switchboard/persistence';
import { freePort, type ServiceProcess, waitFor } from '@switchboard/testing';
import jwt from 'jsonwebtoken';

import { PlacementSync } from '../../apps/gateway/src/placements/placement-sync.js';
import { PlacementTable } from '../../apps/gateway/src/placements/placement-table.js';
import { call, type Stack, startGateway, startStack } from './stack.js';

interface Workspace {
  id: string;
  key: string;
  instanceId: string;
  apiUrl: string;
}

/**
 * The gateway (apps/gateway) in front of a real Hub and two instances: one
 * URL for every workspace, routed by the token's workspace, following the
 * placements the Hub publishes (API.md, "Gateway: one URL for every instance").
 */
describe('the gateway in front of the Hub and two instances', () => {
  let stack: Stack;
  let gateway: ServiceProcess;
  let gatewayUrl: string;
  let orgId: string;
  /** On instance-a and on instance-b. */
  let onA: Workspace;
  let onB: Workspace;

  const tenantToken = async (workspace: Workspace, tenantKey: string) => {
    const issued = await call(stack.hub.url, 'POST', `/org-workspaces/${workspace.id}/access-token`, stack.adminToken, {
      tenantKey,
    });
    expect(issued.status).toBe(200);
    return issued.body as { token: string; apiUrl: string };
  };
  /** Which instance databases hold a tenant with this key in this workspace. */
  const holders = async (workspace: Workspace, tenantKey: string) => {
    const found: string[] = [];
    for (const [id, database] of Object.entries(stack.instanceDatabases)) {
      const rows = await withClient(database.adminUrl, async (client) =>
        client.query('SELECT 1 FROM tenants WHERE workspace_id = $1 AND internal_id = $2', [workspace.id, tenantKey]),
      );
      if (rows.rowCount) found.push(id);
    }
    return found;
  };
  const createWorkspace = async (name: string, instanceId: string): Promise<Workspace> => {
    const created = await waitFor(
      async () => {
        const response = await call(stack.hub.url, 'POST', '/org-workspaces', stack.adminToken, {
          orgId,
          name,
          instanceId,
        });
        return response.status === 201 ? (response.body as Workspace) : undefined;
      },
      { what: `${instanceId} to register with the Hub`, timeoutMs: 20_000 },
    );
    await waitFor(
      async () => {
        const sync = (await call(stack.hub.url, 'GET', `/org-workspaces/${created.id}`, stack.adminToken)).body.sync;
        return sync.state === 'synced' ? true : undefined;
      },
      { what: `${name} to sync to ${instanceId}` },
    );
    return created;
  };

  beforeAll(async () => {
    const port = await freePort();
    gatewayUrl = `http://127.0.0.1:${port}`;
    stack = await startStack({ serviceEnv: { hub: { HUB_GATEWAY_URL: gatewayUrl } } });
    // A resync far beyond the test: what the gateway learns here, it learns from the messages the Hub publishes.
    gateway = await startGateway(stack, port, { GATEWAY_RESYNC_INTERVAL_MS: '600000' });
    const org = await call(stack.hub.url, 'POST', '/orgs', stack.adminToken, { name: 'Gateway' });
    orgId = org.body.id;
    onA = await createWorkspace('On A', 'instance-a');
    onB = await createWorkspace('On B', 'instance-b');
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await stack?.stop();
  });

  it('is the apiUrl the Hub hands out, in workspace and access-token responses', async () => {
    expect(onA.apiUrl).toBe(gatewayUrl);
    expect((await call(stack.hub.url, 'GET', `/org-workspaces/${onB.id}`, stack.adminToken)).body.apiUrl).toBe(
      gatewayUrl,
    );
    const listed = await call(stack.hub.url, 'GET', `/org-workspaces?orgId=${orgId}`, stack.adminToken);
    expect(listed.body.items.map((item: Workspace) => item.apiUrl)).toEqual([gatewayUrl, gatewayUrl]);
    expect((await tenantToken(onA, 'issued')).apiUrl).toBe(gatewayUrl);
  });

  it('routes one client to its workspace on instance-a and another on instance-b, as a direct call would answer', async () => {
    for (const [workspace, instanceId] of [
      [onA, 'instance-a'],
      [onB, 'instance-b'],
    ] as const) {
      const tenantKey = `routed-${randomUUID()}`;
      const { token } = await tenantToken(workspace, tenantKey);
      const through = await call(gatewayUrl, 'GET', '/tenants/self', token);
      expect({ instanceId, status: through.status }).toEqual({ instanceId, status: 200 });
      expect(through.body).toMatchObject({ internalId: tenantKey });
      expect(await holders(workspace, tenantKey)).toEqual([instanceId]);
      const direct = await call(stack.instances[instanceId]!.url, 'GET', '/tenants/self', token);
      // The same tenant (activity fields move with the first request, so they are left out).
      const same = ({ id, internalId, name, createdAt }: Record<string, unknown>) => ({
        id,
        internalId,
        name,
        createdAt,
      });
      expect(same(direct.body)).toEqual(same(through.body));
    }
  });

  it('keeps answering a workspace while more clients than its pool has connections stall their bodies (unsigned tokens naming a workspace of that instance)', async () => {
    const { token } = await tenantToken(onA, `stalled-${randomUUID()}`);
    // The gateway cannot verify signatures: a token that names onA's key routes there whatever it is signed with.
    const unsigned = jwt.sign({ iss: onA.key, tenantKey: 'attacker' }, 'not the workspace secret');
    const target = new URL(gatewayUrl);
    const sockets: Socket[] = [];
    try {
      // More than the gateway's 128 connections to instance-a, each a chunked POST that sends one part and stalls.
      for (let index = 0; index < 140; index += 1) {
        const socket = connect(Number(target.port), target.hostname);
        socket.on('error', () => undefined);
        await once(socket, 'connect');
        socket.write(
          `POST /usage HTTP/1.1\r\nHost: ${target.host}\r\nAuthorization: Bearer ${unsigned}\r\n` +
            'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n',
        );
        sockets.push(socket);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      const started = performance.now();
      const through = await call(gatewayUrl, 'GET', '/tenants/self', token);
      expect(through.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  it('refuses one client address past its share of held bodies (429) while another address still writes (the attacker’s 1 MiB bodies, one byte short)', async () => {
    const { token } = await tenantToken(onA, `writer-${randomUUID()}`);
    const unsigned = jwt.sign({ iss: onA.key, tenantKey: 'attacker' }, 'not the workspace secret');
    const target = new URL(gatewayUrl);
    const open = async (localAddress: string, head: string, body: Buffer | string) => {
      const socket = connect({ port: Number(target.port), host: target.hostname, localAddress });
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
      socket.write(head);
      socket.write(body);
      return { socket, answer: () => answer };
    };
    const attack = (): Promise<{ socket: Socket; answer: () => string }> =>
      open(
        '127.0.0.1',
        `POST /usage HTTP/1.1\r\nHost: ${target.host}\r\nAuthorization: Bearer ${unsigned}\r\n` +
          'Content-Type: application/json\r\nContent-Length: 1048576\r\n\r\n',
        Buffer.alloc(1048575, ' '),
      );
    const sockets: Socket[] = [];
    try {
      // Eight such bodies are the 8 MiB one client may have held; the ninth is refused.
      for (let index = 0; index < 8; index += 1) sockets.push((await attack()).socket);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const ninth = await attack();
      sockets.push(ninth.socket);
      await once(ninth.socket, 'close');
      expect(ninth.answer().split(' ')[1]).toBe('429');
      expect(ninth.answer()).toContain('"code":"rate_limited"');
      // Another client address writes as if nothing were held.
      const body = JSON.stringify({ credits: 1 });
      const write = await open(
        '127.0.0.2',
        `POST /usage HTTP/1.1\r\nHost: ${target.host}\r\nAuthorization: Bearer ${token}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
        body,
      );
      sockets.push(write.socket);
      await once(write.socket, 'close');
      expect(write.answer().split(' ')[1]).toMatch(/^2\d\d$/);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  it('routes an API key, as X-API-Key or as a bearer credential, to its workspace', async () => {
    const tenantKey = `keyed-${randomUUID()}`;
    const { token } = await tenantToken(onB, tenantKey);
    const created = await call(gatewayUrl, 'POST', '/self/api-keys', token, { name: 'through the gateway' });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(key.startsWith(`sbk_${onB.key}_`)).toBe(true);
    const asHeader = await fetch(`${gatewayUrl}/tenants/self`, { headers: { 'x-api-key': key } });
    expect(asHeader.status).toBe(200);
    expect(await asHeader.json()).toMatchObject({ internalId: tenantKey });
    const asBearer = await call(gatewayUrl, 'GET', '/tenants/self', key);
    expect(asBearer).toMatchObject({ status: 200, body: { internalId: tenantKey } });
    // A key of a workspace the Hub never placed is not forwarded.
    const stranger = `sbk_nowhere-${randomUUID().slice(0, 8)}_${'A'.repeat(43)}`;
    const unknown = await fetch(`${gatewayUrl}/tenants/self`, { headers: { 'x-api-key': stranger } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'unknown_workspace' });
  });

  it('answers 401 without credentials or with unreadable ones, and 404 for an unknown workspace, as problem+json', async () => {
    const cases: [Record<string, string>, number, string][] = [
      [{}, 401, 'unauthenticated'],
      [{ authorization: 'Bearer not-a-jwt' }, 401, 'invalid_token'],
      [{ authorization: 'Basic dXNlcjpwYXNz' }, 401, 'invalid_token'],
      [{ authorization: `Bearer ${jwt.sign({ sub: 'no-issuer' }, 'secret')}` }, 401, 'invalid_token'],
      [{ 'x-api-key': 'sbk_short' }, 401, 'invalid_token'],
      [{ authorization: `Bearer a.${Buffer.from('[1]').toString('base64url')}.c` }, 401, 'invalid_token'],
      [{ authorization: `Bearer ${jwt.sign({ iss: `nowhere-${randomUUID()}` }, 'secret')}` }, 404, 'unknown_workspace'],
    ];
    for (const [headers, status, code] of cases) {
      for (const path of ['/tenants/self', '/connections?limit=1', '/']) {
        const response = await fetch(`${gatewayUrl}${path}`, { method: 'POST', headers, body: '{}' });
        expect({ headers, path, status: response.status, type: response.headers.get('content-type') }).toEqual({
          headers,
          path,
          status,
          type: 'application/problem+json; charset=utf-8',
        });
        expect(await response.json()).toMatchObject({ status, code });
      }
    }
    // A token the instance refuses (signed with another secret) is forwarded: the instance decides, and says so.
    const forged = jwt.sign({ iss: onA.key, tenantKey: 'x' }, 'not-the-secret', { expiresIn: 60 });
    const refused = await call(gatewayUrl, 'GET', '/tenants/self', forged);
    expect(refused.status).toBe(401);
    expect(refused.body.code).not.toBe('unknown_workspace');
  });

  it('answers a CORS preflight (which carries no token) as an instance that allows the origin does', async () => {
    const origin = 'https://app.gateway-test.example';
    const patched = await call(stack.hub.url, 'PATCH', `/org-workspaces/${onB.id}`, stack.adminToken, {
      settings: { allowedOrigins: [origin] },
    });
    expect(patched.status).toBe(200);
    const preflight = (base: string, from: string) =>
      fetch(`${base}/tenants/self`, {
        method: 'OPTIONS',
        headers: {
          origin: from,
          'access-control-request-method': 'PATCH',
          'access-control-request-headers': 'authorization',
        },
      });
    await waitFor(
      async () => {
        const response = await preflight(stack.instances['instance-b']!.url, origin);
        return response.headers.get('access-control-allow-origin') === origin ? true : undefined;
      },
      { what: 'instance-b to apply the allowed origin', timeoutMs: 20_000 },
    );
    const granted = await preflight(gatewayUrl, origin);
    expect(granted.headers.get('access-control-allow-origin')).toBe(origin);
    expect(granted.status).toBe(204);
    expect(granted.headers.get('access-control-allow-methods')).toContain('PATCH');
    const stranger = await preflight(gatewayUrl, 'https://evil.example.net');
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('follows a placement change the Hub publishes: the next requests go to the new instance', async () => {
    const tenantKey = `moved-${randomUUID()}`;
    const { token } = await tenantToken(onA, tenantKey);
    expect((await call(gatewayUrl, 'GET', '/tenants/self', token)).status).toBe(200);
    expect(await holders(onA, tenantKey)).toEqual(['instance-a']);

    // What a move's cutover does to the Hub's row (the move itself is another feature): another instance, a new
    // version; then a configuration change through the Hub's own code path, which publishes the placement after commit.
    await withClient(stack.hubDatabase.adminUrl, (client) =>
      client.query(
        "UPDATE org_workspaces SET instance_id = 'instance-b', config_version = config_version + 1 WHERE id = $1",
        [onA.id],
      ),
    );
    const patched = await call(stack.hub.url, 'PATCH', `/org-workspaces/${onA.id}`, stack.adminToken, {
      name: 'On A, now on B',
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ instanceId: 'instance-b', apiUrl: gatewayUrl });
    // The relay delivers the snapshot to instance-b; the gateway routes there as soon as the message arrives
    // (well before its resync, ten minutes away).
    await waitFor(
      async () => {
        const response = await call(gatewayUrl, 'GET', '/tenants/self', token);
        return response.status === 200 && (await holders(onA, tenantKey)).includes('instance-b') ? true : undefined;
      },
      { what: 'the gateway to route the workspace to instance-b', timeoutMs: 10_000 },
    );
    const onceMoved = `after-move-${randomUUID()}`;
    const { token: fresh } = await tenantToken(onA, onceMoved);
    expect((await call(gatewayUrl, 'GET', '/tenants/self', fresh)).status).toBe(200);
    expect(await holders(onA, onceMoved)).toEqual(['instance-b']);
  });

  it('reads the whole table a page at a time, and a resync makes good a change whose message never came', async () => {
    const table = new PlacementTable();
    const sync = new PlacementSync(table, {
      natsUrl: stack.natsUrl,
      namespace: stack.namespace,
      credentials: {},
      requestTimeoutMs: 2000,
      resyncIntervalMs: 300,
      pageSize: 1,
      log: { info: () => undefined, warn: () => undefined },
    });
    await sync.start();
    try {
      await waitFor(() => Promise.resolve(table.ready ? true : undefined), { what: 'the first table' });
      expect(table.lookup(onB.key)).toMatchObject({ workspaceId: onB.id, instanceId: 'instance-b', archived: false });
      expect(table.lookup(onB.key)?.apiUrl).toBe(stack.instances['instance-b']!.url);
      expect(table.size).toBe(2);
      // Changed in the Hub's database with no message at all: the next resync sees it.
      await withClient(stack.hubDatabase.adminUrl, (client) =>
        client.query(
          'UPDATE org_workspaces SET archived_at = now(), config_version = config_version + 1 WHERE id = $1',
          [onB.id],
        ),
      );
      await waitFor(() => Promise.resolve(table.lookup(onB.key)?.archived ? true : undefined), {
        what: 'the resync to see the archived workspace',
      });
      await withClient(stack.hubDatabase.adminUrl, (client) =>
        client.query(
          'UPDATE org_workspaces SET archived_at = NULL, config_version = config_version + 1 WHERE id = $1',
          [onB.id],
        ),
      );
      await waitFor(() => Promise.resolve(table.lookup(onB.key)?.archived === false ? true : undefined), {
        what: 'the resync to see the restored workspace',
      });
    } finally {
      await sync.stop();
    }
  });

  it('serves /openapi.json of an instance with the gateway as its server, and its health', async () => {
    const document = await call(gatewayUrl, 'GET', '/openapi.json');
    expect(document.status).toBe(200);
    expect(document.body.servers).toEqual([{ url: gatewayUrl }]);
    expect(document.body.paths['/tenants/self']).toBeDefined();
    expect((await call(gatewayUrl, 'GET', '/health/live')).status).toBe(200);
    expect(await call(gatewayUrl, 'GET', '/health/ready')).toEqual({
      status: 200,
      body: { status: 'ok', info: { placements: 2 } },
    });
    const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_gateway_requests_total\{instance="instance-a",status="200"\} \d+/);
    expect(metrics).toMatch(/switchboard_gateway_requests_total\{instance="none",status="401"\} \d+/);
    expect(metrics).toMatch(/switchboard_gateway_request_duration_seconds_bucket\{[^}]*instance="instance-b"/);
  });

  it('answers 502 when the instance that holds the workspace is down', async () => {
    const { token } = await tenantToken(onB, `down-${randomUUID()}`);
    await stack.instances['instance-b']!.kill();
    const response = await fetch(`${gatewayUrl}/tenants/self`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await response.json()).toMatchObject({ status: 502, code: 'bad_gateway' });
  });
});
