import { generateKeyPairSync } from 'node:crypto';

import { waitFor } from '@switchboard/testing';
import jwt from 'jsonwebtoken';

import { call, type Stack, startStack } from './stack.js';

/** Configuration changes on the Hub reach the instance: settings, keys, rotation, archive. */
describe('org workspace lifecycle across the Hub and its instance', () => {
  let stack: Stack;
  let workspace: { id: string; key: string; apiUrl: string; secret: string };
  let outsider: string;

  const hub = (method: string, path: string, body?: unknown, token = stack.adminToken) =>
    call(stack.hub.url, method, path, token, body);
  const synced = (version: number) =>
    waitFor(
      async () => {
        const current = await hub('GET', `/org-workspaces/${workspace.id}`);
        return current.body.sync.appliedVersion >= version ? current.body : undefined;
      },
      { what: `version ${version} to be applied`, timeoutMs: 5000, intervalMs: 20 },
    );

  beforeAll(async () => {
    stack = await startStack({ instanceIds: ['instance-a'] });
    const org = await hub('POST', '/orgs', { name: 'Lifecycle' });
    workspace = await waitFor(
      async () => {
        const created = await hub('POST', '/org-workspaces', { orgId: org.body.id, name: 'Lifecycle' });
        return created.status === 201 ? created.body : undefined;
      },
      { what: 'an instance', timeoutMs: 10_000 },
    );
    await synced(1);
    const user = await hub('POST', '/users', { email: 'outsider@example.test', name: 'Outsider' });
    expect(user.status).toBe(201);
    outsider = user.body.token;
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('lists the workspace for members, paged', async () => {
    const listed = await hub(
      'GET',
      `/org-workspaces?orgId=${(await hub('GET', `/org-workspaces/${workspace.id}`)).body.orgId}&limit=1`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([workspace.id]);
    expect(listed.body.items[0]).not.toHaveProperty('secret');
  });

  it('routes settings, webhook URI and public keys to the instance', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const patched = await hub('PATCH', `/org-workspaces/${workspace.id}`, {
      settings: { limits: { tenantRequestsPerSecond: 100 } },
      webhookUri: 'https://hooks.example.test/switchboard',
      publicKeys: [pem],
    });
    expect(patched.status).toBe(200);
    expect(patched.body.sync).toMatchObject({ version: 2 });
    await synced(2);
    const admin = jwt.sign({ iss: workspace.key, isAdmin: true }, privateKey, { algorithm: 'ES256', expiresIn: 60 });
    const onInstance = await call(workspace.apiUrl, 'GET', '/workspace', admin);
    expect(onInstance.status).toBe(200);
    expect(onInstance.body).toMatchObject({
      configVersion: 2,
      settings: { limits: { tenantRequestsPerSecond: 100 } },
      webhookUri: 'https://hooks.example.test/switchboard',
      publicKeys: [pem],
    });
  });

  it('rotates the secret: the old one works inside the grace period and not after', async () => {
    const oldToken = jwt.sign({ iss: workspace.key, tenantKey: 'rotating' }, workspace.secret, { expiresIn: 600 });
    expect((await call(workspace.apiUrl, 'GET', '/self', oldToken)).status).toBe(200);
    const rotated = await hub('POST', `/org-workspaces/${workspace.id}/rotate-secret`, { gracePeriodSeconds: 2 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(workspace.secret);
    const current = await synced(3);
    const newToken = jwt.sign({ iss: workspace.key, tenantKey: 'rotating' }, rotated.body.secret, { expiresIn: 600 });
    expect((await call(workspace.apiUrl, 'GET', '/self', oldToken)).status).toBe(200);
    expect((await call(workspace.apiUrl, 'GET', '/self', newToken)).status).toBe(200);
    expect((await hub('GET', `/org-workspaces/${workspace.id}/secret`)).body).toEqual({ secret: rotated.body.secret });
    await new Promise((resolve) =>
      setTimeout(resolve, Date.parse(rotated.body.previousSecretExpiresAt) - Date.now() + 100),
    );
    const refused = await call(workspace.apiUrl, 'GET', '/self', oldToken);
    expect(refused).toMatchObject({ status: 401, body: { code: 'invalid_signature' } });
    expect((await call(workspace.apiUrl, 'GET', '/self', newToken)).status).toBe(200);
    // Tokens the Hub issues from now on use the new secret.
    const issued = await hub('POST', `/org-workspaces/${workspace.id}/access-token`, { tenantKey: 'rotating' });
    expect((await call(workspace.apiUrl, 'GET', '/self', issued.body.token)).status).toBe(200);
    workspace.secret = rotated.body.secret;
    expect(current.sync.state).toBe('synced');
    // Rotation and the secret read are in the org's audit log, without the secret.
    const audit = await hub('GET', `/orgs/${current.orgId}/audit-log`);
    const actions = audit.body.items.map((entry: { action: string }) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['org_workspace.secret_rotated', 'org_workspace.secret_read']));
    expect(JSON.stringify(audit.body)).not.toContain(rotated.body.secret);
  });

  it('archive makes the instance refuse every token; restore brings them back', async () => {
    const token = (await hub('POST', `/org-workspaces/${workspace.id}/access-token`, { tenantKey: 'archived' })).body
      .token;
    expect((await call(workspace.apiUrl, 'GET', '/self', token)).status).toBe(200);
    const archived = await hub('POST', `/org-workspaces/${workspace.id}/archive`);
    expect(archived.status).toBe(200);
    expect(archived.body.archivedAt).not.toBeNull();
    await synced(archived.body.sync.version);
    expect(await call(workspace.apiUrl, 'GET', '/self', token)).toMatchObject({
      status: 403,
      body: { code: 'workspace_archived' },
    });
    expect((await hub('POST', `/org-workspaces/${workspace.id}/access-token`, { tenantKey: 'x' })).status).toBe(409);
    expect((await hub('POST', `/org-workspaces/${workspace.id}/archive`)).status).toBe(409);
    const restored = await hub('POST', `/org-workspaces/${workspace.id}/restore`);
    await synced(restored.body.sync.version);
    expect((await call(workspace.apiUrl, 'GET', '/self', token)).status).toBe(200);
  });

  it('hides the workspace from a user of another org', async () => {
    for (const [method, path, body] of [
      ['GET', `/org-workspaces/${workspace.id}`],
      ['PATCH', `/org-workspaces/${workspace.id}`, { name: 'pwned' }],
      ['GET', `/org-workspaces/${workspace.id}/secret`],
      ['POST', `/org-workspaces/${workspace.id}/rotate-secret`, {}],
      ['POST', `/org-workspaces/${workspace.id}/archive`],
      ['POST', `/org-workspaces/${workspace.id}/access-token`, { isAdmin: true }],
    ] as [string, string, unknown?][]) {
      expect({ method, path, status: (await hub(method, path, body, outsider)).status }).toEqual({
        method,
        path,
        status: 404,
      });
    }
    expect((await hub('POST', '/users', { email: 'x@example.test', name: 'X' }, outsider)).status).toBe(403);
  });

  it.each([
    ['webhookUri', { webhookUri: 'ftp://example.test/hook' }],
    ['webhookUri', { webhookUri: 'not a url' }],
    ['publicKeys', { publicKeys: ['-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----'] }],
    ['publicKeys', { publicKeys: 'one' }],
    ['settings', { settings: [1, 2] }],
    ['settings', { settings: { blob: 'x'.repeat(70_000) } }],
    ['name', { name: '' }],
    ['unknown', { unknown: true }],
  ])('refuses a PATCH with a bad %s (400 naming it)', async (field, body) => {
    const response = await hub('PATCH', `/org-workspaces/${workspace.id}`, body);
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it.each([
    [`/org-workspaces/${'not-a-uuid'}/rotate-secret`, {}],
    ['/org-workspaces/00000000-0000-4000-8000-000000000000/rotate-secret', { gracePeriodSeconds: 604_801 }],
    ['/org-workspaces/00000000-0000-4000-8000-000000000000/rotate-secret', { gracePeriodSeconds: -1 }],
  ])('refuses POST %s %j with 400', async (path, body) => {
    expect((await hub('POST', path, body)).status).toBe(400);
  });

  it('answers an unknown workspace with 404 and a bad list query with 400', async () => {
    expect((await hub('GET', '/org-workspaces/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await hub('GET', '/org-workspaces')).status).toBe(400);
    expect((await hub('GET', '/org-workspaces?orgId=nope')).status).toBe(400);
  });
});
