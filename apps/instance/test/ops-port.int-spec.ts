import { OpsServer } from '@switchboard/server';

import { type InstanceHarness, startInstance } from './instance-harness.js';
import { FIXTURE_KEYS } from './workspace-fixture.js';

describe('the operations port (OPS_PORT)', () => {
  let withOps: InstanceHarness;
  let without: InstanceHarness;

  beforeAll(async () => {
    [withOps, without] = await Promise.all([
      startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS, OPS_PORT: '0', OPS_HOST: '127.0.0.1' }),
      startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([withOps?.close(), without?.close()]);
  });

  it('serves /metrics on the ops port only, when one is set', async () => {
    const port = withOps.app.get(OpsServer).port();
    expect(port).toBeGreaterThan(0);
    const ops = `http://127.0.0.1:${port}`;

    const metrics = await fetch(`${ops}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toContain('# TYPE http_request_duration_seconds histogram');
    expect((await fetch(`${ops}/healthz`)).status).toBe(200);
    const elsewhere = await fetch(`${ops}/self`);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.headers.get('content-type')).toBe('application/problem+json');

    const onPublic = await fetch(`${withOps.url}/metrics`);
    expect(onPublic.status).toBe(404);
    expect((await fetch(`${withOps.url}/healthz`)).status).toBe(200);
  });

  it('keeps /metrics on the public port without OPS_PORT', async () => {
    const metrics = await fetch(`${without.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('http_request_duration_seconds');
  });

  it('closes the ops port with the app', async () => {
    const instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS, OPS_PORT: '0', OPS_HOST: '127.0.0.1' });
    const port = instance.app.get(OpsServer).port();
    await instance.close();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
