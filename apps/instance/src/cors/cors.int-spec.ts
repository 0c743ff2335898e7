import { request } from 'undici';

import { type InstanceHarness, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace } from '../../test/workspace-fixture.js';

/** A request as a browser sends it: undici, because fetch may not set `Origin`. */
async function send(url: string, method: string, headers: Record<string, string>) {
  const response = await request(url, { method: method as 'GET', headers });
  await response.body.dump();
  return { status: response.statusCode, headers: response.headers };
}

describe('CORS per workspace (settings.allowedOrigins)', () => {
  let instance: InstanceHarness;

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
  });

  afterAll(async () => {
    await instance?.close();
  });

  const preflight = (origin: string) =>
    send(`${instance.url}/self`, 'OPTIONS', {
      origin,
      'access-control-request-method': 'PATCH',
      'access-control-request-headers': 'authorization,content-type,membrane-api-version',
    });

  it("answers a preflight from a workspace's origin, and its actual request; another origin gets no CORS header", async () => {
    const allowed = 'https://app-a.example.com';
    const other = 'https://app-b.example.com';
    const a = await seedWorkspace(instance, { settings: { allowedOrigins: [allowed] } });
    const b = await seedWorkspace(instance, { settings: { allowedOrigins: [other] } });

    const granted = await preflight(allowed);
    expect(granted.status).toBe(204);
    expect(granted.headers['access-control-allow-origin']).toBe(allowed);
    expect(String(granted.headers['access-control-allow-methods'])).toContain('PATCH');
    expect(granted.headers['access-control-allow-headers']).toBe('authorization,content-type,membrane-api-version');
    expect(granted.headers['access-control-max-age']).toBe('600');
    expect(granted.headers['access-control-allow-credentials']).toBeUndefined();

    const stranger = await preflight('https://evil.example.net');
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();

    const actual = await send(`${instance.url}/self`, 'GET', {
      origin: allowed,
      authorization: `Bearer ${a.tenantToken('browser')}`,
    });
    expect(actual.status).toBe(200);
    expect(actual.headers['access-control-allow-origin']).toBe(allowed);
    expect(String(actual.headers['vary'])).toMatch(/origin/i);
    expect(String(actual.headers['access-control-expose-headers'])).toMatch(/x-correlation-id/i);

    // b's origin passes the preflight (it is some workspace's), but a's responses are not for b's pages.
    const crossed = await send(`${instance.url}/self`, 'GET', {
      origin: other,
      authorization: `Bearer ${a.tenantToken('browser')}`,
    });
    expect(crossed.status).toBe(200);
    expect(crossed.headers['access-control-allow-origin']).toBeUndefined();
    const own = await send(`${instance.url}/self`, 'GET', {
      origin: other,
      authorization: `Bearer ${b.tenantToken('browser')}`,
    });
    expect(own.headers['access-control-allow-origin']).toBe(other);
  });

  it('lets an allowed page read a 401, so that it can renew its token', async () => {
    const origin = 'https://renew.example.com';
    const workspace = await seedWorkspace(instance, { settings: { allowedOrigins: [origin] } });
    const expired = workspace.sign({ tenantKey: 'late' }, { expiresIn: -60 });
    const response = await send(`${instance.url}/self`, 'GET', { origin, authorization: `Bearer ${expired}` });
    expect(response.status).toBe(401);
    expect(response.headers['access-control-allow-origin']).toBe(origin);
  });

  it('"*" allows any origin; an archived workspace allows none', async () => {
    const open = await seedWorkspace(instance, { settings: { allowedOrigins: ['*'] } });
    const anywhere = await send(`${instance.url}/self`, 'GET', {
      origin: 'https://anywhere.example.org',
      authorization: `Bearer ${open.tenantToken('any')}`,
    });
    expect(anywhere.headers['access-control-allow-origin']).toBe('*');

    const origin = 'https://archived.example.com';
    const archived = await seedWorkspace(instance, { settings: { allowedOrigins: [origin] } });
    await archived.update({ archivedAt: new Date().toISOString() });
    const refused = await send(`${instance.url}/self`, 'GET', {
      origin,
      authorization: `Bearer ${archived.tenantToken('gone')}`,
    });
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('sends no CORS header to a request without Origin (not a browser, or same-origin)', async () => {
    const workspace = await seedWorkspace(instance, { settings: { allowedOrigins: ['*'] } });
    const response = await send(`${instance.url}/self`, 'GET', {
      authorization: `Bearer ${workspace.tenantToken('curl')}`,
    });
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});
