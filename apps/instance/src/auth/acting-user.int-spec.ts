import { jest } from '@jest/globals';
import { ROOT_LOGGER, type RootLogger } from '@switchboard/server';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';
import { ACTED_REQUEST_ACTIVITY } from './acted-request.guard.js';

/**
 * Switch Account on the instance (API.md): a token carrying `act` (RFC 8693
 * §4.1, issued by the Hub to a `switch_account` holder) is accepted when its
 * shape is right, refused (401) when not; every request made with it puts the
 * acting user on its log line and leaves an activity log entry, and every
 * entry it writes records the actor.
 */
describe('act claims on the instance', () => {
  let instance: InstanceHarness;
  let workspace: WorkspaceFixture;
  const logged: Record<string, unknown>[] = [];
  const hubUser = '6f1c1c8e-6a55-4d7e-9d0c-2f2b8a1e0b11';

  const get = (path: string, token: string) => instance.request('GET', path, { token });
  const activity = async (tenantId: string) => {
    const response = await get(`/activity-logs?tenantId=${tenantId}`, workspace.adminToken());
    expect(response.status).toBe(200);
    return (await json(response)).items as { type: string; actor: { type: string }; data: Record<string, unknown> }[];
  };

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    const logger = instance.app.get<RootLogger>(ROOT_LOGGER);
    // The request lines (LOG_LEVEL is silent in tests), kept instead of written.
    jest.spyOn(logger, 'isLevelEnabled').mockReturnValue(true);
    jest.spyOn(logger, 'info').mockImplementation((fields: unknown) => {
      if (typeof fields === 'object' && fields !== null) logged.push(fields as Record<string, unknown>);
    });
    workspace = await seedWorkspace(instance);
  });

  afterAll(async () => {
    await instance?.close();
  });

  it('records the actor on the log line, on a per-request entry and on what the request writes', async () => {
    const token = workspace.tenantToken('acted-on', { act: { sub: hubUser } });
    const response = await get('/tenants/self', token);
    expect(response.status).toBe(200);
    const tenant = await json(response);

    const line = logged.find((fields) => (fields['req'] as { url?: string } | undefined)?.url === '/tenants/self');
    expect(line).toMatchObject({ act: { sub: hubUser }, res: { statusCode: 200 } });

    const entries = await activity(tenant.id);
    // Created on first sight by the acting token; the request itself is in the log too.
    expect(entries.find((entry) => entry.type === 'tenant.created')?.data).toMatchObject({ act: { sub: hubUser } });
    expect(entries.filter((entry) => entry.type === ACTED_REQUEST_ACTIVITY)).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ type: 'tenant' }),
        data: { method: 'GET', route: '/tenants/self', act: { sub: hubUser } },
      }),
    ]);
  });

  it('records the actor of an admin token on what it changes', async () => {
    const token = workspace.sign({ isAdmin: true, act: { sub: hubUser } });
    const created = await instance.request('POST', '/tenants', {
      token,
      body: { internalId: 'made-by-support', name: 'Made by support' },
    });
    expect(created.status).toBe(201);
    const tenant = await json(created);
    const entries = await activity(tenant.id);
    expect(entries.find((entry) => entry.type === 'tenant.created')?.data).toMatchObject({ act: { sub: hubUser } });
  });

  it('adds nothing for a token without act', async () => {
    const before = logged.length;
    const response = await get('/tenants/self', workspace.tenantToken('plain'));
    expect(response.status).toBe(200);
    const tenant = await json(response);
    expect(logged.slice(before).some((fields) => 'act' in fields)).toBe(false);
    const entries = await activity(tenant.id);
    expect(entries.some((entry) => entry.type === ACTED_REQUEST_ACTIVITY || 'act' in entry.data)).toBe(false);
  });

  it.each([
    ['a string', 'support'],
    ['no sub', {}],
    ['an empty sub', { sub: '' }],
    ['a numeric sub', { sub: 7 }],
    ['an oversized sub', { sub: 'x'.repeat(201) }],
    ['another claim inside', { sub: hubUser, email: 'a@b.c' }],
    ['a chain deeper than 4', { sub: 'a', act: { sub: 'b', act: { sub: 'c', act: { sub: 'd', act: { sub: 'e' } } } } }],
  ])('refuses act as %s with 401 invalid_token', async (_, act) => {
    const response = await get('/tenants/self', workspace.tenantToken('refused', { act }));
    expect(response.status).toBe(401);
    expect((await json(response)).code).toBe('invalid_token');
  });

  it('accepts a delegation chain of 4', async () => {
    const act = { sub: 'a', act: { sub: 'b', act: { sub: 'c', act: { sub: 'd' } } } };
    expect((await get('/tenants/self', workspace.tenantToken('chained', { act }))).status).toBe(200);
  });
});
