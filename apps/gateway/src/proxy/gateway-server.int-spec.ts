import { once } from 'node:events';
import {
  createServer,
  type IncomingMessage,
  request as httpRequest,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo, connect } from 'node:net';

import { freePort } from '@switchboard/testing';
import type { FastifyInstance } from 'fastify';
import jwt from 'jsonwebtoken';

import { PlacementTable } from '../placements/placement-table.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { createGatewayServer } from './gateway-server.js';

const CHUNK = Buffer.alloc(64 * 1024, 'x');
const BIG_BYTES = 96 * 1024 * 1024;
const TIMEOUT_MS = 1500;

/**
 * The gateway's HTTP side against a real HTTP server standing in for an
 * instance (what it answers is arranged per path): streaming both ways with
 * backpressure, hop-by-hop fields, trace context, timeouts (504), an instance
 * that is down (502), and what is never forwarded.
 */

/** A placed workspace, version 1, not archived. */
const placement = (workspaceKey: string, apiUrl: string, instanceId: string) => ({
  workspaceId: crypto.randomUUID(),
  workspaceKey,
  instanceId,
  apiUrl,
  version: 1,
  archived: false,
});

/** A placement table holding exactly these placements. */
const tableOf = (...placements: ReturnType<typeof placement>[]): PlacementTable => {
  const table = new PlacementTable();
  table.replaceAll(placements, table.begin());
  return table;
};

describe('gateway server', () => {
  let upstream: Server;
  let upstreamUrl: string;
  let gateway: FastifyInstance;
  let gatewayUrl: string;
  /** What the upstream saw, per path. */
  const seen = { requests: 0, bigWritten: 0, uploadChunks: [] as number[] };
  let readFirstPart: () => void = () => undefined;
  const firstPartRead = new Promise<void>((resolve) => (readFirstPart = resolve));
  const tokenFor = (workspaceKey: string) => jwt.sign({ iss: workspaceKey, tenantKey: 't' }, 'any secret');

  beforeAll(async () => {
    upstream = createServer((request, response) => void answer(request, response));
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const closedPort = await freePort();
    const table = tableOf(
      placement('ws-up', `${upstreamUrl}/`, 'up'),
      placement('ws-down', `http://127.0.0.1:${closedPort}`, 'down'),
    );
    gateway = await createGatewayServer({
      table,
      metrics: new GatewayMetrics(table),
      upstreamTimeoutMs: TIMEOUT_MS,
      connectTimeoutMs: 1000,
      connections: 16,
      metricsOnPublicPort: true,
      log: { warn: () => undefined },
    });
    await gateway.listen({ port: 0, host: '127.0.0.1' });
    gatewayUrl = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await gateway?.close();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    seen.requests += 1;
    const path = request.url ?? '/';
    if (path.startsWith('/echo')) {
      response.setHeader('connection', 'keep-alive, x-upstream-private');
      response.setHeader('x-upstream-private', 'for the gateway only');
      response.setHeader('proxy-authenticate', 'Basic');
      response.setHeader('x-end-to-end', 'kept');
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ method: request.method, url: path, headers: request.headers }));
      return;
    }
    if (path === '/big') {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BIG_BYTES });
      while (seen.bigWritten < BIG_BYTES) {
        seen.bigWritten += CHUNK.length;
        if (!response.write(CHUNK)) await once(response, 'drain');
      }
      response.end();
      return;
    }
    if (path === '/slow') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('first part\n');
      // The rest only once the client has read the first part: a gateway that buffered would never pass it on.
      await firstPartRead;
      response.end('second part\n');
      return;
    }
    if (path === '/stalls-midway') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('a start, then nothing\n');
      return;
    }
    if (path === '/upload') {
      // A client that stalls is cut off in the end (by the test or the gateway): its upload breaks off.
      request.on('error', () => undefined);
      try {
        for await (const chunk of request) seen.uploadChunks.push((chunk as Buffer).length);
      } catch {
        return;
      }
      response.end(JSON.stringify({ received: seen.uploadChunks.reduce((sum, size) => sum + size, 0) }));
      return;
    }
    if (path === '/small-stalls' || path === '/small-breaks') {
      // A small answer announced whole, of which only a part comes: then silence, or the connection is cut.
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': 100, 'x-end-to-end': 'lost' });
      response.write('{"part":');
      if (path === '/small-breaks') setTimeout(() => response.socket?.destroy(), 50);
      return;
    }
    if (path === '/hang') return;
    response.writeHead(404).end();
  }

  it('forwards method, path and query, end-to-end fields and trace context, and drops hop-by-hop fields both ways', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const token = tokenFor('ws-up');
    const response = await fetch(`${gatewayUrl}/echo/tenants?limit=2&cursor=a%2Fb`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${token}`,
        traceparent,
        tracestate: 'vendor=value',
        'x-correlation-id': 'corr-1',
        'proxy-authorization': 'Basic c2VjcmV0',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ name: 'x' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-end-to-end')).toBe('kept');
    expect(response.headers.get('x-upstream-private')).toBeNull();
    expect(response.headers.get('proxy-authenticate')).toBeNull();
    const echoed = (await response.json()) as { method: string; url: string; headers: Record<string, string> };
    expect(echoed.method).toBe('PATCH');
    expect(echoed.url).toBe('/echo/tenants?limit=2&cursor=a%2Fb');
    expect(echoed.headers).toMatchObject({
      traceparent,
      tracestate: 'vendor=value',
      'x-correlation-id': 'corr-1',
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      host: new URL(upstreamUrl).host,
    });
    expect(echoed.headers['proxy-authorization']).toBeUndefined();

    // Fields fetch refuses to send, and one the client's Connection names: node's own client sends them.
    const raw = await rawRequest('/echo', {
      authorization: `Bearer ${tokenFor('ws-up')}`,
      connection: 'keep-alive, x-private',
      'x-private': 'hop',
      'keep-alive': 'timeout=5',
      te: 'trailers',
      upgrade: 'websocket-not-really',
      'x-kept': 'yes',
    });
    const rawHeaders = JSON.parse(raw.body).headers as Record<string, string>;
    expect(rawHeaders['x-kept']).toBe('yes');
    for (const field of ['x-private', 'keep-alive', 'te', 'upgrade']) {
      expect({ field, value: rawHeaders[field] }).toEqual({ field, value: undefined });
    }
  });

  it('streams a large response with backpressure: a client that stops reading stops the instance writing', async () => {
    const received = await new Promise<{ first: number; response: IncomingMessage }>((resolve, reject) => {
      const request = httpRequest(`${gatewayUrl}/big`, {
        headers: { authorization: `Bearer ${tokenFor('ws-up')}` },
      });
      request.on('response', (response) => {
        response.once('data', (chunk: Buffer) => {
          response.pause();
          resolve({ first: chunk.length, response });
        });
      });
      request.on('error', reject);
      request.end();
    });
    expect(received.first).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Socket buffers on the way hold a few MB at most; a gateway that buffered would have let all 96 MB through.
    const written = seen.bigWritten;
    expect(written).toBeLessThan(32 * 1024 * 1024);
    received.response.resume();
    let total = received.first;
    for await (const chunk of received.response) total += (chunk as Buffer).length;
    expect(total).toBe(BIG_BYTES);
  }, 60_000);

  it('passes the first bytes on before the instance has finished (no buffering of a slow response)', async () => {
    const response = await fetch(`${gatewayUrl}/slow`, { headers: { authorization: `Bearer ${tokenFor('ws-up')}` } });
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('first part');
    readFirstPart();
    let rest = '';
    for (let part = await reader.read(); !part.done; part = await reader.read())
      rest += new TextDecoder().decode(part.value);
    expect(rest).toContain('second part');
  });

  it('streams a request body larger than it holds (1 MiB) to the instance as it arrives', async () => {
    seen.uploadChunks = [];
    const request = httpRequest(`${gatewayUrl}/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenFor('ws-up')}`, 'content-type': 'application/octet-stream' },
    });
    const response = new Promise<IncomingMessage>((resolve) => request.on('response', resolve));
    const firstParts = 17; // 17 × 64 KiB: just over the 1 MiB the gateway reads before it sends
    for (let part = 0; part < firstParts; part += 1) request.write(CHUNK);
    // The instance has the first parts while the client still holds the rest.
    const deadline = Date.now() + 2000;
    while (seen.uploadChunks.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(seen.uploadChunks.length).toBeGreaterThan(0);
    request.end(CHUNK);
    const answered = await response;
    let text = '';
    for await (const chunk of answered) text += String(chunk);
    expect(JSON.parse(text)).toEqual({ received: (firstParts + 1) * CHUNK.length });
  });

  it('takes no connection to the instance for a body still arriving: more stalled uploads than the pool holds do not hold up other requests', async () => {
    seen.uploadChunks = [];
    const before = seen.requests;
    const token = tokenFor('ws-up');
    // Chunked and with a Content-Length, each sends a part of its body, then nothing: twice the pool's 16 connections.
    const stalled = await Promise.all(
      Array.from({ length: 32 }, (_, index) =>
        openSocket(
          `POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n` +
            (index % 2 === 0 ? 'Transfer-Encoding: chunked\r\n\r\n1\r\n{\r\n' : 'Content-Length: 100\r\n\r\n{"a":'),
        ),
      ),
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      // None of them reached the instance.
      expect(seen.requests).toBe(before);
      for (const method of ['GET', 'POST']) {
        const started = performance.now();
        const response = await fetch(`${gatewayUrl}/echo`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          ...(method === 'POST' ? { body: '{"small":true}' } : {}),
          signal: AbortSignal.timeout(5000),
        });
        expect({ method, status: response.status }).toEqual({ method, status: 200 });
        expect(performance.now() - started).toBeLessThan(1000);
      }
      // A stalled body that comes whole after all is forwarded then.
      stalled[0]!.socket.write('9\r\n"late":1}\r\n0\r\n\r\n');
      await waitFor(() => stalled[0]!.answer().includes('"received":10'));
    } finally {
      for (const { socket } of stalled) socket.destroy();
    }
  });

  it('streams at most an eighth of the pool of larger bodies to an instance at once: the rest are a 503 gateway_busy', async () => {
    const token = tokenFor('ws-up');
    const head =
      `POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n` +
      'Content-Length: 4194304\r\n\r\n';
    const large: Array<Awaited<ReturnType<typeof openSocket>>> = [];
    try {
      // 16 connections: 2 streamed bodies at once; each sends 1 MiB and a bit, then stalls. Each from a client
      // address of its own: one client may stream only one at once (its share, a quarter of the 2, at least 1).
      for (let index = 0; index < 4; index += 1) {
        const opened = await openSocket(head, undefined, `127.0.0.${index + 1}`);
        opened.socket.write(Buffer.alloc(1024 * 1024 + 10, 'x'));
        large.push(opened);
      }
      await waitFor(() => large.filter(({ answer }) => answer().startsWith('HTTP/1.1 503')).length === 2);
      const refused = large.find(({ answer }) => answer().startsWith('HTTP/1.1 503'))!.answer();
      expect(refused.toLowerCase()).toContain('retry-after: 1');
      expect(refused).toContain('"code":"gateway_busy"');
      // The pool still has room for everyone else.
      const response = await fetch(`${gatewayUrl}/echo`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(5000),
      });
      expect(response.status).toBe(200);
    } finally {
      for (const { socket } of large) socket.destroy();
    }
  });

  it('answers a request whose body has not arrived within the request timeout with a 408 problem, and closes it', async () => {
    const table = tableOf(placement('ws-up', upstreamUrl, 'up'));
    const quick = await createGatewayServer({
      table,
      metrics: new GatewayMetrics(table),
      upstreamTimeoutMs: TIMEOUT_MS,
      connectTimeoutMs: 1000,
      connections: 16,
      metricsOnPublicPort: false,
      requestTimeouts: { requestTimeoutMs: 1000, headersTimeoutMs: 500 },
      log: { warn: () => undefined },
    });
    await quick.listen({ port: 0, host: '127.0.0.1' });
    try {
      const port = (quick.server.address() as AddressInfo).port;
      for (const [label, bytes] of [
        [
          'a body that stalls',
          `POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokenFor('ws-up')}\r\n` +
            'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n',
        ],
        ['headers that stall', 'POST /upload HTTP/1.1\r\nHost: x\r\n'],
      ] as const) {
        const started = performance.now();
        const opened = await openSocket(bytes, port);
        await once(opened.socket, 'close');
        const elapsed = performance.now() - started;
        expect({ label, status: opened.answer().split(' ')[1] }).toEqual({ label, status: '408' });
        expect(opened.answer().toLowerCase()).toContain('content-type: application/problem+json');
        expect(opened.answer()).toContain('"status":408');
        expect(elapsed).toBeLessThan(3000);
      }
    } finally {
      await quick.close();
    }
  });

  it('answers 504 when the instance sends no headers in time, and cuts a body that stalls', async () => {
    const started = performance.now();
    const response = await fetch(`${gatewayUrl}/hang`, { headers: { authorization: `Bearer ${tokenFor('ws-up')}` } });
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ status: 504, code: 'gateway_timeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 10_000);

    // Headers sent, then silence: the status is out already, so the body is cut rather than left hanging.
    const stalled = await fetch(`${gatewayUrl}/stalls-midway`, {
      headers: { authorization: `Bearer ${tokenFor('ws-up')}` },
    });
    expect(stalled.status).toBe(200);
    await expect(stalled.text()).rejects.toThrow();
  });

  it('answers a problem, not part of a body, when a small answer stalls (504) or breaks off (502) before it is whole', async () => {
    for (const [path, status, code] of [
      ['/small-stalls', 504, 'gateway_timeout'],
      ['/small-breaks', 502, 'bad_gateway'],
    ] as const) {
      const response = await fetch(`${gatewayUrl}${path}`, {
        headers: { authorization: `Bearer ${tokenFor('ws-up')}` },
      });
      expect({ path, status: response.status }).toEqual({ path, status });
      // None of the instance's fields describe the problem sent instead.
      expect(response.headers.get('x-end-to-end')).toBeNull();
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ status, code });
    }
    // Counted as what the client got.
    const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_gateway_requests_total\{instance="up",status="504"\} [1-9]/);
    expect(metrics).toMatch(/switchboard_gateway_requests_total\{instance="up",status="502"\} [1-9]/);
  });

  it('answers 502 when the instance cannot be reached', async () => {
    const response = await fetch(`${gatewayUrl}/tenants/self`, {
      headers: { authorization: `Bearer ${tokenFor('ws-down')}` },
    });
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ status: 502, code: 'bad_gateway' });
  });

  it('forwards nothing without a placed workspace, and says why', async () => {
    const before = seen.requests;
    for (const [headers, status, code] of [
      [{}, 401, 'unauthenticated'],
      [{ authorization: 'Bearer x.y' }, 401, 'invalid_token'],
      [{ authorization: `Bearer ${tokenFor('ws-unknown')}` }, 404, 'unknown_workspace'],
    ] as const) {
      const response = await fetch(`${gatewayUrl}/echo`, { method: 'DELETE', headers });
      expect({ headers, status: response.status }).toEqual({ headers, status });
      expect(await response.json()).toMatchObject({ code });
    }
    expect(seen.requests).toBe(before);
  });

  it('answers a request target that is not a path (absolute-form, asterisk-form) or climbs with .. with a 400 problem, forwarding nothing', async () => {
    const before = seen.requests;
    const token = tokenFor('ws-up');
    for (const target of ['http://evil.example/echo', 'OPTIONS *', '/a/../echo', '/a/%2e%2e/echo']) {
      const [method, path] = target.startsWith('OPTIONS ') ? ['OPTIONS', '*'] : ['GET', target];
      const raw = await rawSocket(
        `${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      );
      expect({ target, status: raw.split(' ')[1] }).toEqual({ target, status: '400' });
      expect(raw.toLowerCase()).toContain('content-type: application/problem+json');
      expect(raw).toContain('"code":"bad_request"');
    }
    expect(seen.requests).toBe(before);
  });

  it('answers a request target whose percent-encoding is not UTF-8 (in the path or the query) with a 400 problem, forwarding nothing', async () => {
    const before = seen.requests;
    const token = tokenFor('ws-up');
    for (const target of ['/echo/%ff', '/echo?search=%ff', '/echo?a=%c3%28', '/echo?a=%e2%80']) {
      const response = await fetch(`${gatewayUrl}${target}`, { headers: { authorization: `Bearer ${token}` } });
      expect({ target, status: response.status }).toEqual({ target, status: 400 });
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ status: 400, code: 'malformed_request' });
    }
    expect(seen.requests).toBe(before);
  });

  it('gives up on an instance that does not answer a CORS preflight within the upstream timeout', async () => {
    const started = performance.now();
    const response = await fetch(`${gatewayUrl}/hang`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
      signal: AbortSignal.timeout(TIMEOUT_MS + 5000),
    });
    expect(response.status).toBeLessThan(500);
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 2000);
  }, 20_000);

  it('forwards a request that sent Expect: 100-continue (curl does for bodies over 1 MB), the body included', async () => {
    const raw = await rawSocket(
      `POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokenFor('ws-up')}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n{}',
    );
    expect(raw.slice(0, 200)).toContain('HTTP/1.1 100 Continue');
    const final = raw.slice(raw.indexOf('HTTP/1.1', 1));
    expect(final.split(' ')[1]).toBe('200');
    const echoed = JSON.parse(final.slice(final.indexOf('\r\n\r\n') + 4)) as { headers: Record<string, string> };
    expect(echoed.headers['content-length']).toBe('2');
    expect(echoed.headers.expect).toBeUndefined();
  });

  it('answers an Expect other than 100-continue with a 417 problem, forwarding nothing', async () => {
    const before = seen.requests;
    const raw = await rawSocket(
      `POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokenFor('ws-up')}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 2\r\nExpect: 200-ok\r\n\r\n{}',
    );
    expect(raw.split(' ')[1]).toBe('417');
    expect(raw.toLowerCase()).toContain('content-type: application/problem+json');
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({
      status: 417,
      code: 'malformed_request',
    });
    expect(seen.requests).toBe(before);
  });

  describe('each client address has its share of the bodies held and streamed', () => {
    /** A gateway holding bodies of up to 1000 bytes, 8000 in all, 2500 (and one streamed body) per client. */
    let shared: FastifyInstance;
    let port: number;
    const token = tokenFor('ws-up');
    const TRUSTED_PROXY = '127.0.0.10';
    /** A POST announcing `length` bytes of which `sent` come now, from `from`, with these extra fields. */
    const holding = (length: number, sent: number, from: string, extra = '') =>
      openSocket(
        `POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: text/plain\r\n` +
          `${extra}Content-Length: ${length}\r\n\r\n${'x'.repeat(sent)}`,
        port,
        from,
      );
    const statusOf = (answer: string) => answer.split(' ')[1];
    const metricsText = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const heldGauges = async () => {
      const text = await metricsText();
      const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
      return {
        bytes: gauge('switchboard_gateway_held_body_bytes'),
        clients: gauge('switchboard_gateway_held_body_clients'),
      };
    };

    beforeAll(async () => {
      const table = tableOf(placement('ws-up', upstreamUrl, 'up'));
      shared = await createGatewayServer({
        table,
        metrics: new GatewayMetrics(table),
        upstreamTimeoutMs: TIMEOUT_MS,
        connectTimeoutMs: 1000,
        connections: 16,
        metricsOnPublicPort: true,
        replayBodyBytes: 1000,
        replayBudgetBytes: 8000,
        heldBytesPerClient: 2500,
        streamedBodiesPerInstance: 4,
        trustedProxies: [`${TRUSTED_PROXY}/32`],
        requestTimeouts: { requestTimeoutMs: 1500, headersTimeoutMs: 1000 },
        log: { warn: () => undefined },
      });
      await shared.listen({ port: 0, host: '127.0.0.1' });
      port = (shared.server.address() as AddressInfo).port;
    });

    afterAll(async () => {
      await shared?.close();
    });

    it('answers 429 rate_limited to a client past its share, forwarding nothing, while another client address gets through', async () => {
      const before = seen.requests;
      const held = [await holding(1000, 900, '127.0.0.1'), await holding(1000, 900, '127.0.0.1')];
      try {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const third = await holding(1000, 800, '127.0.0.1');
        await once(third.socket, 'close');
        const refused = third.answer();
        expect(statusOf(refused)).toBe('429');
        expect(refused.toLowerCase()).toContain('retry-after: 1');
        expect(refused.toLowerCase()).toContain('content-type: application/problem+json');
        expect(refused).toContain('"code":"rate_limited"');
        expect(seen.requests).toBe(before);

        // Another client address: its own share, forwarded.
        const other = await holding(1000, 1000, '127.0.0.2');
        await waitFor(() => statusOf(other.answer()) !== undefined);
        expect(statusOf(other.answer())).toBe('200');
        other.socket.destroy();
        expect(await metricsText()).toMatch(/switchboard_gateway_requests_total\{instance="none",status="429"\} 1/);
      } finally {
        for (const { socket } of held) socket.destroy();
      }
    });

    it('counts a trusted proxy’s request against the client its X-Forwarded-For names, and ignores the field from any other peer', async () => {
      const viaProxy = (client: string, sent: number) =>
        holding(1000, sent, TRUSTED_PROXY, `X-Forwarded-For: ${client}\r\n`);
      const held = [await viaProxy('198.51.100.7', 900), await viaProxy('198.51.100.7', 900)];
      // An untrusted peer naming another client each time: counted against the peer itself.
      const untrusted = [
        await holding(1000, 900, '127.0.0.3', 'X-Forwarded-For: 198.51.100.20\r\n'),
        await holding(1000, 900, '127.0.0.3', 'X-Forwarded-For: 198.51.100.21\r\n'),
      ];
      try {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const sameClient = await viaProxy('198.51.100.7', 800);
        await once(sameClient.socket, 'close');
        expect(statusOf(sameClient.answer())).toBe('429');

        const otherClient = await viaProxy('198.51.100.8', 1000);
        await waitFor(() => statusOf(otherClient.answer()) !== undefined);
        expect(statusOf(otherClient.answer())).toBe('200');
        otherClient.socket.destroy();

        const renamed = await holding(1000, 800, '127.0.0.3', 'X-Forwarded-For: 198.51.100.22\r\n');
        await once(renamed.socket, 'close');
        expect(statusOf(renamed.answer())).toBe('429');
      } finally {
        for (const { socket } of [...held, ...untrusted]) socket.destroy();
      }
    });

    it('releases every client’s share on every path: broken off, timed out, refused, streamed, answered', async () => {
      // What the tests before held is given back once their sockets have closed.
      await waitFor(async () => (await heldGauges()).bytes === 0);
      const large = (from: string) =>
        openSocket(
          `POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: text/plain\r\n` +
            `Content-Length: 5000\r\n\r\n${'x'.repeat(1100)}`,
          port,
          from,
        );
      const opened: Array<Awaited<ReturnType<typeof openSocket>>> = [];
      try {
        // Two clients each stream a large body, and one more past their share of streamed bodies (429); three
        // others hold stalled bodies, the fifth past their share of held bytes (429). 2 × 1100 + 3 × 2400 bytes
        // held: the last ones find no room in the 8000 (503).
        for (const from of ['127.0.0.21', '127.0.0.22']) opened.push(await large(from), await large(from));
        for (const from of ['127.0.0.23', '127.0.0.24', '127.0.0.25']) {
          for (let index = 0; index < 5; index += 1) opened.push(await holding(1000, 600, from));
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect((await heldGauges()).clients).toBeGreaterThan(0);
        const statuses = opened.map(({ answer }) => statusOf(answer()));
        expect(statuses).toEqual(expect.arrayContaining(['429', '503']));
        // A body broken off, the rest left to time out (408) or closed after their refusal.
        for (const { socket } of opened.slice(0, 7)) socket.destroy();
        await waitFor(() => opened.every(({ socket }) => socket.readyState === 'closed'), 10_000);
      } finally {
        for (const { socket } of opened) socket.destroy();
      }
      await waitFor(async () => {
        const gauges = await heldGauges();
        return gauges.bytes === 0 && gauges.clients === 0;
      }, 10_000);
      // Whole again: a client holds its full share.
      const again = await holding(1000, 1000, '127.0.0.21');
      await waitFor(() => statusOf(again.answer()) !== undefined);
      expect(statusOf(again.answer())).toBe('200');
      again.socket.destroy();
    }, 30_000);
  });

  /**
   * A connection to the gateway (or `port`) from `localAddress` (any of 127/8: a client address of its own) that
   * has sent `bytes` and stays open; what came back so far.
   */
  async function openSocket(
    bytes: string,
    port = (gateway.server.address() as AddressInfo).port,
    localAddress = '127.0.0.1',
  ) {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    await once(socket, 'connect');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.write(bytes);
    return { socket, answer: () => answer };
  }

  async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('timed out waiting');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Bytes written to the gateway as they are (a request target fetch and node's client would not send); the whole answer. */
  async function rawSocket(bytes: string): Promise<string> {
    const socket = connect((gateway.server.address() as AddressInfo).port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.write(bytes);
    await once(socket, 'close');
    return answer;
  }

  /** A request written by hand, so that it may carry fields fetch refuses (Connection). */
  async function rawRequest(path: string, headers: Record<string, string>): Promise<{ body: string }> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(`${gatewayUrl}${path}`, { headers });
      request.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', () => resolve({ body }));
      });
      request.on('error', reject);
      request.end();
    });
  }
});
