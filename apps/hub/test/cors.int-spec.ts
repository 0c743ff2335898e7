import { ConfigError, loadConfig } from '@switchboard/config';
import { request } from 'undici';

import { HubConfig } from '../src/config.js';
import { type HubHarness, startHub } from './hub-harness.js';

async function send(url: string, method: string, headers: Record<string, string>) {
  const response = await request(url, { method: method as 'GET', headers });
  await response.body.dump();
  return { status: response.statusCode, headers: response.headers };
}

describe('Hub CORS (HUB_CORS_ORIGINS)', () => {
  const console = 'https://console.example.com';
  let hub: HubHarness;

  beforeAll(async () => {
    hub = await startHub({ HUB_CORS_ORIGINS: `${console}, http://localhost:5173` });
  });

  afterAll(async () => {
    await hub?.close();
  });

  it('answers the preflight and the actual request of a listed origin, and neither of another', async () => {
    const preflight = (origin: string) =>
      send(`${hub.url}/users/me`, 'OPTIONS', {
        origin,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      });
    const granted = await preflight(console);
    expect(granted.status).toBe(204);
    expect(granted.headers['access-control-allow-origin']).toBe(console);
    expect(granted.headers['access-control-allow-headers']).toBe('authorization');

    const refused = await preflight('https://evil.example.net');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect(refused.headers['access-control-allow-methods']).toBeUndefined();

    const actual = await send(`${hub.url}/users/me`, 'GET', {
      origin: console,
      authorization: `Bearer ${hub.adminToken}`,
    });
    expect(actual.status).toBe(200);
    expect(actual.headers['access-control-allow-origin']).toBe(console);
    const other = await send(`${hub.url}/users/me`, 'GET', {
      origin: 'https://evil.example.net',
      authorization: `Bearer ${hub.adminToken}`,
    });
    expect(other.status).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses at boot an origin that is not as browsers send it, naming the variable', () => {
    const base = {
      DATABASE_URL: 'postgres://app:a-password-of-our-own@db:5432/hub',
      ENCRYPTION_KEYS: `v1:${Buffer.alloc(32, 7).toString('base64')}`,
    };
    expect(() => loadConfig(HubConfig, { ...base, HUB_CORS_ORIGINS: 'https://console.example.com/' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig(HubConfig, { ...base, HUB_CORS_ORIGINS: 'https://*.example.com' })).toThrow(
      /HUB_CORS_ORIGINS.*wildcard/,
    );
    expect(loadConfig(HubConfig, { ...base, HUB_CORS_ORIGINS: '*' }).HUB_CORS_ORIGINS).toBe('*');
  });
});
