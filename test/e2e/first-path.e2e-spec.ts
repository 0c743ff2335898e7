import { waitFor } from '@switchboard/testing';

import { call, type Stack, startStack } from './stack.js';

describe('first path: a workspace made on the Hub appears on its instance', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('creates an org and a workspace, syncs it, and the instance answers an admin token', async () => {
    const { hub, adminToken } = stack;
    await waitFor(
      async () => {
        const instances = await call(hub.url, 'GET', '/users/me', adminToken);
        return instances.status === 200 ? true : undefined;
      },
      { what: 'the bootstrap admin' },
    );

    const org = await call(hub.url, 'POST', '/orgs', adminToken, { name: 'Acme' });
    expect(org.status).toBe(201);

    // Instances register over NATS when they start; placement needs one that is up.
    const workspace = await waitFor(
      async () => {
        const created = await call(hub.url, 'POST', '/org-workspaces', adminToken, {
          orgId: org.body.id,
          name: 'Acme Production',
        });
        return created.status === 201 ? created : undefined;
      },
      { what: 'an instance to take the workspace', timeoutMs: 10_000 },
    );
    expect(workspace.body).toMatchObject({
      orgId: org.body.id,
      name: 'Acme Production',
      key: expect.stringMatching(/^acme-production-[a-z0-9]{12}$/),
      secret: expect.stringMatching(/^sbws_/),
      sync: { version: 1 },
    });
    expect(Object.keys(stack.instances)).toContain(workspace.body.instanceId);
    expect(workspace.body.apiUrl).toBe(stack.instances[workspace.body.instanceId]?.url);

    const started = Date.now();
    const synced = await waitFor(
      async () => {
        const current = await call(hub.url, 'GET', `/org-workspaces/${workspace.body.id}`, adminToken);
        return current.body.sync.state === 'synced' ? current : undefined;
      },
      { what: 'sync.state synced', timeoutMs: 5000, intervalMs: 10 },
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(synced.body).not.toHaveProperty('secret');
    expect(synced.body.sync).toEqual({ version: 1, appliedVersion: 1, state: 'synced', lastError: null });

    const token = await call(hub.url, 'POST', `/org-workspaces/${workspace.body.id}/access-token`, adminToken, {
      isAdmin: true,
    });
    expect(token.status).toBe(200);
    const onInstance = await call(workspace.body.apiUrl, 'GET', '/workspace', token.body.token);
    expect(onInstance.status).toBe(200);
    expect(onInstance.body).toMatchObject({
      id: workspace.body.id,
      key: workspace.body.key,
      name: 'Acme Production',
      configVersion: 1,
    });

    // The other instance does not hold it: its token names a workspace unknown there.
    const other = Object.values(stack.instances).find((instance) => instance.url !== workspace.body.apiUrl)!;
    const elsewhere = await call(other.url, 'GET', '/workspace', token.body.token);
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body).toMatchObject({ code: 'unknown_workspace' });
  });

  it('every service serves its operational surface without auth', async () => {
    for (const service of [stack.hub, ...Object.values(stack.instances)]) {
      const healthz = await fetch(`${service.url}/healthz`);
      expect(healthz.status).toBe(200);
      const readyz = await call(service.url, 'GET', '/readyz');
      expect(readyz).toMatchObject({
        status: 200,
        body: { status: 'ok', info: { postgres: { status: 'up' }, nats: { status: 'up' } } },
      });
      const metrics = await fetch(`${service.url}/metrics`);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await metrics.text();
      expect(text).toMatch(/^http_request_duration_seconds_bucket\{/m);
      expect(text).toMatch(/^process_cpu_seconds_total /m);
      const openapi = await call(service.url, 'GET', '/openapi.json');
      expect(openapi.status).toBe(200);
      expect(openapi.body.openapi).toMatch(/^3\./);
      const docs = await fetch(`${service.url}/docs`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toMatch(/swagger-ui/i);
    }
  });

  it('answers unknown routes and missing tokens with problem+json', async () => {
    const unknown = await fetch(`${stack.hub.url}/no-such-route`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const anonymous = await call(stack.hub.url, 'GET', '/users/me');
    expect(anonymous).toMatchObject({ status: 401, body: { code: 'unauthenticated' } });
    const instance = Object.values(stack.instances)[0]!;
    const noToken = await call(instance.url, 'GET', '/workspace');
    expect(noToken).toMatchObject({ status: 401, body: { code: 'unauthenticated' } });
  });
});
