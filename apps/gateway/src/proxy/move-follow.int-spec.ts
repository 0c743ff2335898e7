import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';

import type { WorkspacePlacement } from '@switchboard/contracts';
import type { FastifyInstance } from 'fastify';
import jwt from 'jsonwebtoken';

import { PlacementTable } from '../placements/placement-table.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { createGatewayServer } from './gateway-server.js';

/** Held bodies all together may take this many bytes in this test: one body of BODY_BYTES, not two. */
const BUDGET_BYTES = 1000;
const BODY_BYTES = 600;

/**
 * The gateway's move-follow against two real HTTP servers standing in for a
 * moving workspace's source (answers `307` and, while it does, the Hub's new
 * placement names the target) and its target: request bodies held so that
 * they can be sent again stay within one budget for all requests at once, so
 * that many concurrent 1 MiB bodies cannot hold the gateway's memory.
 */
describe('gateway move-follow', () => {
  let source: Server;
  let target: Server;
  let gateway: FastifyInstance;
  let gatewayUrl: string;
  const table = new PlacementTable();
  let onSource: WorkspacePlacement;
  let onTarget: WorkspacePlacement;
  let releaseHeld: () => void = () => undefined;
  let heldArrived: () => void = () => undefined;
  const targetBodies: string[] = [];
  /** The workspaces the gateway said its table may be stale for. */
  const stale: string[] = [];
  const token = jwt.sign({ iss: 'ws-moving', tenantKey: 't' }, 'any secret');

  beforeAll(async () => {
    source = createServer((request, response) => void answerAsSource(request, response));
    target = createServer((request, response) => void answerAsTarget(request, response));
    for (const server of [source, target]) {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    }
    const workspaceId = crypto.randomUUID();
    const placed = (server: Server, instanceId: string, version: number): WorkspacePlacement => ({
      workspaceId,
      workspaceKey: 'ws-moving',
      instanceId,
      apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      version,
      archived: false,
    });
    onSource = placed(source, 'source', 1);
    onTarget = placed(target, 'target', 2);
    gateway = await createGatewayServer({
      table,
      metrics: new GatewayMetrics(table),
      upstreamTimeoutMs: 5000,
      connectTimeoutMs: 1000,
      connections: 16,
      metricsOnPublicPort: true,
      replayBudgetBytes: BUDGET_BYTES,
      // Every request here comes from one client (127.0.0.1): its share is no limit, the budget is what is tested.
      heldBytesPerClient: 2 * BUDGET_BYTES,
      onStalePlacement: (workspaceKey) => stale.push(workspaceKey),
      log: { warn: () => undefined },
    });
    await gateway.listen({ port: 0, host: '127.0.0.1' });
    gatewayUrl = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    releaseHeld();
    await gateway?.close();
    for (const server of [source, target]) {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    }
  });

  async function answerAsSource(request: IncomingMessage, response: ServerResponse): Promise<void> {
    for await (const chunk of request) void chunk;
    if (request.url === '/held') {
      // Answered only when the test says: its body stays held by the gateway until then.
      const released = new Promise<void>((resolve) => (releaseHeld = resolve));
      heldArrived();
      await released;
      response.writeHead(200, { 'content-type': 'text/plain' }).end('held');
      return;
    }
    if (request.url === '/stale') {
      // A move whose placement message the gateway never got: the table keeps naming the source.
      response.writeHead(307, { location: `${onTarget.apiUrl}${request.url}`, 'content-length': '0' }).end();
      return;
    }
    // The cutover: the Hub places the workspace on the target, the source redirects there.
    table.replaceAll([onTarget], table.begin());
    response.writeHead(307, { location: `${onTarget.apiUrl}${request.url}`, 'content-length': '0' }).end();
  }

  async function answerAsTarget(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    targetBodies.push(body);
    response.writeHead(201, { 'content-type': 'text/plain' }).end('applied');
  }

  const post = (path: string, fill: string) =>
    fetch(`${gatewayUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: fill.repeat(BODY_BYTES),
      redirect: 'manual',
    });

  it('follows a 307 with a held body, but holds no more bodies at once than its budget: the rest are a 503 gateway_busy', async () => {
    table.replaceAll([onSource], table.begin());
    const followed = await post('/writes', 'a');
    expect({ status: followed.status, body: await followed.text() }).toEqual({ status: 201, body: 'applied' });
    expect(targetBodies).toEqual(['a'.repeat(BODY_BYTES)]);

    // One body held (the source has not answered it yet): a second would go over the budget.
    table.replaceAll([onSource], table.begin());
    const arrived = new Promise<void>((resolve) => (heldArrived = resolve));
    const held = post('/held', 'h');
    await arrived;
    const refused = await post('/writes', 'b');
    // No room to read it before it is sent: refused, with when to try again, and sent nowhere.
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await refused.json()).toMatchObject({ status: 503, code: 'gateway_busy' });
    expect(targetBodies).toEqual(['a'.repeat(BODY_BYTES)]);
    const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_gateway_requests_total\{instance="none",status="503"\} 1/);

    // The held request answered, its bytes are free again.
    releaseHeld();
    expect((await held).status).toBe(200);
    table.replaceAll([onSource], table.begin());
    const again = await post('/writes', 'c');
    expect(again.status).toBe(201);
    expect(targetBodies).toEqual(['a'.repeat(BODY_BYTES), 'c'.repeat(BODY_BYTES)]);
  });

  it('answers 400 to a body that ends before its Content-Length, forwards nothing, and frees its bytes', async () => {
    table.replaceAll([onSource], table.begin());
    const port = (gateway.server.address() as AddressInfo).port;
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.write(
      `POST /writes HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: text/plain\r\nContent-Length: ${BODY_BYTES}\r\n\r\n${'x'.repeat(10)}`,
    );
    socket.end();
    await once(socket, 'close');
    // Node's parser or the gateway's body reader, whichever sees the end first, answers: a problem either way.
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer.toLowerCase()).toContain('content-type: application/problem+json');
    expect(targetBodies.filter((body) => body.startsWith('x'))).toEqual([]);
    // Its reservation was released, in the budget and in its client's share (no entry left for the client).
    const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(/^switchboard_gateway_held_body_bytes 0$/m);
    expect(metrics).toMatch(/^switchboard_gateway_held_body_clients 0$/m);
    // A full body is held (and followed) again.
    const followed = await post('/writes', 'd');
    expect(followed.status).toBe(201);
  });

  it('passes on a 307 that no placement change follows, and says the table may be stale', async () => {
    table.replaceAll([onSource], table.begin());
    const redirected = await post('/stale', 's');
    expect([redirected.status, redirected.headers.get('location')]).toEqual([307, `${onTarget.apiUrl}/stale`]);
    expect(stale).toEqual(['ws-moving']);
    expect(targetBodies.filter((body) => body.startsWith('s'))).toEqual([]);
  }, 15_000);
});
