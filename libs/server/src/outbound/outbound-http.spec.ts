import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { OutboundConnectionRefused, OutboundHttp, type Resolve } from './outbound-http.js';
import { OutboundPolicy } from './outbound-policy.js';

/** The error `fetch` rejected with, and its cause. */
async function failure(request: Promise<unknown>): Promise<{ error: Error; cause: unknown }> {
  const error = await request.then(
    () => undefined,
    (reason: unknown) => reason as Error,
  );
  if (!error) throw new Error('the request succeeded');
  return { error, cause: (error as Error & { cause?: unknown }).cause };
}

describe('OutboundHttp', () => {
  let server: Server;
  let port: number;
  let hits: string[];
  const clients: OutboundHttp[] = [];

  const client = (allowed: string, resolve?: Resolve) => {
    const sut = new OutboundHttp(OutboundPolicy.fromAllowedCidrs(allowed), { resolve });
    clients.push(sut);
    return sut;
  };

  beforeAll(async () => {
    server = createServer((request, response) => {
      hits.push(`${request.headers.host} ${request.url}`);
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  beforeEach(() => {
    hits = [];
  });

  afterAll(async () => {
    await Promise.all(clients.map((sut) => sut.onApplicationShutdown()));
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses to connect to a loopback IP literal, and never reaches it', async () => {
    const sut = client('');
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]']) {
      const { cause } = await failure(sut.fetch(`http://${host}:${port}/literal`));
      expect(cause).toBeInstanceOf(OutboundConnectionRefused);
      expect((cause as Error).message).toMatch(/refused: .*(loopback|IPv4-mapped)/);
    }
    expect(hits).toEqual([]);
  });

  it('refuses a name whose DNS answer is loopback (localhost, from the system resolver)', async () => {
    const { error, cause } = await failure(client('').fetch(`http://localhost:${port}/dns`));
    expect(error.message).toBe('fetch failed');
    expect(cause).toMatchObject({ code: 'ERR_OUTBOUND_REFUSED' });
    expect((cause as Error).message).toMatch(/^outbound connection to localhost refused: 127\.0\.0\.1 is a loopback/);
    expect(hits).toEqual([]);
  });

  it('judges the answer the socket connects to: a name that passed a write-time check and now resolves inside is refused', async () => {
    // DNS rebinding: the name looked public when it was stored; today it answers 127.0.0.1.
    const rebound: Resolve = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    const { cause } = await failure(client('', rebound).fetch(`http://hooks.example.com:${port}/rebound`));
    expect((cause as Error).message).toMatch(/hooks\.example\.com refused: 127\.0\.0\.1 is a loopback/);
    const metadata: Resolve = () =>
      Promise.resolve([
        { address: '169.254.169.254', family: 4 },
        { address: 'fd00:ec2::254', family: 6 },
      ]);
    const refused = await failure(client('', metadata).fetch(`http://hooks.example.com:${port}/metadata`));
    expect((refused.cause as Error).message).toMatch(/link-local.*; fd00:ec2::254 is a unique local/);
    expect(hits).toEqual([]);
  });

  it('connects only to the allowed addresses of a mixed answer', async () => {
    const mixed: Resolve = () =>
      Promise.resolve([
        { address: '10.0.0.1', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ]);
    const response = await client('127.0.0.0/8', mixed).fetch(`http://receiver.example.test:${port}/mixed`);
    expect(response.status).toBe(204);
    expect(hits).toEqual([`receiver.example.test:${port} /mixed`]);
  });

  it('reaches loopback when an operator allows it, by literal and by name', async () => {
    const sut = client('127.0.0.0/8');
    expect((await sut.fetch(`http://127.0.0.1:${port}/literal`)).status).toBe(204);
    expect((await sut.fetch(`http://localhost:${port}/name`, { method: 'POST', body: '{}' })).status).toBe(204);
    expect(hits).toEqual([`127.0.0.1:${port} /literal`, `localhost:${port} /name`]);
  });

  it('refuses a scheme other than http and https before any connection', async () => {
    const sut = client('0.0.0.0/0,::/0');
    for (const url of ['data:text/plain,hello', 'file:///etc/passwd', 'ftp://127.0.0.1/']) {
      await expect(sut.fetch(url)).rejects.toBeInstanceOf(OutboundConnectionRefused);
    }
  });
});
