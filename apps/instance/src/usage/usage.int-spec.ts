import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace } from '../../test/workspace-fixture.js';

describe('usage and limits', () => {
  let instance: InstanceHarness;

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS, DATABASE_POOL_SIZE: '10' });
  });

  afterAll(async () => {
    await instance?.close();
  });

  const call = (method: string, path: string, token: string, body?: unknown) =>
    instance.request(method, path, { token, body });

  it("records credits up to the tenant's limit and refuses past it, recording nothing", async () => {
    const workspace = await seedWorkspace(instance);
    const token = workspace.tenantToken('spender');
    const tenant = await json(await call('GET', '/self', token));
    await call('PATCH', `/tenants/${tenant.id}`, workspace.adminToken(), { aiCreditsRolling30DayLimit: 10 });

    const first = await call('POST', '/usage', token, { credits: 7, kind: 'chat' });
    expect(first.status).toBe(201);
    expect(await json(first)).toMatchObject({ used30d: 7, limit: 10, remaining: 3 });
    const refused = await call('POST', '/usage', token, { credits: 4 });
    expect(refused.status).toBe(429);
    expect(await json(refused)).toMatchObject({ code: 'credit_limit_exceeded' });
    expect(await json(await call('GET', `/tenants/${tenant.id}/usage`, token))).toMatchObject({
      used30d: 7,
      remaining: 3,
      byDay: [{ day: new Date().toISOString().slice(0, 10), credits: 7 }],
    });
    const log = await json(await call('GET', '/activity-logs', token));
    expect(log.items[0]).toMatchObject({ type: 'usage.refused', data: { credits: 4, limit: 'tenant' } });
  });

  it('never lets parallel spending pass the limit', async () => {
    const workspace = await seedWorkspace(instance);
    const token = workspace.tenantToken('parallel');
    const tenant = await json(await call('GET', '/self', token));
    await call('PATCH', `/tenants/${tenant.id}`, workspace.adminToken(), { aiCreditsRolling30DayLimit: 25 });
    const responses = await Promise.all(
      Array.from({ length: 40 }, () => call('POST', '/usage', token, { credits: 3 })),
    );
    const accepted = responses.filter((response) => response.status === 201).length;
    expect(responses.every((response) => [201, 429].includes(response.status))).toBe(true);
    expect(accepted).toBe(8); // 8 × 3 = 24 ≤ 25 < 27
    expect((await json(await call('GET', `/tenants/${tenant.id}/usage`, token))).used30d).toBe(24);
  });

  it("enforces the workspace's shared limit across its tenants", async () => {
    const workspace = await seedWorkspace(instance, { settings: { limits: { aiCreditsRolling30DayLimit: 50 } } });
    const tokens = ['a', 'b', 'c'].map((key) => workspace.tenantToken(key));
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => call('POST', '/usage', tokens[i % 3]!, { credits: 4 })),
    );
    expect(responses.filter((response) => response.status === 201)).toHaveLength(12); // 48 ≤ 50
    const shared = await json(await call('POST', '/usage', tokens[0]!, { credits: 3 }));
    expect(shared.code).toBe('credit_limit_exceeded');
  });

  it('lets an admin record for a named tenant of its own workspace only', async () => {
    const workspace = await seedWorkspace(instance);
    const stranger = await seedWorkspace(instance);
    const tenant = await json(await call('GET', '/self', workspace.tenantToken('named')));
    expect((await call('POST', '/usage', workspace.adminToken(), { credits: 1, tenantId: tenant.id })).status).toBe(
      201,
    );
    expect((await call('POST', '/usage', workspace.adminToken(), { credits: 1 })).status).toBe(400);
    expect((await call('POST', '/usage', stranger.adminToken(), { credits: 1, tenantId: tenant.id })).status).toBe(404);
    const other = workspace.tenantToken('other');
    expect((await call('POST', '/usage', other, { credits: 1, tenantId: tenant.id })).status).toBe(403);
  });

  it.each([{ credits: 0 }, { credits: -5 }, { credits: 1.5 }, { credits: 'ten' }, {}, { credits: 1, extra: 1 }])(
    'refuses %j with 400',
    async (body) => {
      const workspace = await seedWorkspace(instance);
      const response = await call('POST', '/usage', workspace.tenantToken('bad'), body);
      expect(response.status).toBe(400);
      expect(await json(response)).toMatchObject({ code: 'validation_failed' });
    },
  );

  /** `switchboard_rate_limited_total` as /metrics reports it (the credit limit's 429s are not in it). */
  const rateLimited = async (): Promise<number> => {
    const text = await (await fetch(`${instance.url}/metrics`)).text();
    return Number(/^switchboard_rate_limited_total (\S+)$/m.exec(text)?.[1]);
  };

  it('limits tenant requests per second with 429 and Retry-After, per tenant, counted in switchboard_rate_limited_total', async () => {
    const workspace = await seedWorkspace(instance, { settings: { limits: { tenantRequestsPerSecond: 5 } } });
    const limited = workspace.tenantToken('busy');
    await call('GET', '/self', limited);
    // Start at the beginning of a second so that the burst falls in one window.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
    const countedBefore = await rateLimited();
    const responses = await Promise.all(Array.from({ length: 12 }, () => call('GET', '/self', limited)));
    const limitedResponses = responses.filter((response) => response.status === 429);
    expect(await rateLimited()).toBe(countedBefore + limitedResponses.length);
    expect(responses.filter((response) => response.status === 200).length).toBeLessThanOrEqual(5);
    expect(limitedResponses.length).toBeGreaterThanOrEqual(7);
    expect(Number(limitedResponses[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await json(limitedResponses[0]!)).toMatchObject({ code: 'rate_limited' });
    // Another tenant of the same workspace has its own budget.
    expect((await call('GET', '/self', workspace.tenantToken('calm'))).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await call('GET', '/self', limited)).status).toBe(200);
  });
});
