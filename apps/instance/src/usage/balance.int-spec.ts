import { withClient } from '@switchboard/persistence';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';

/** Prepaid balances (API.md, "Prepaid balance") on two replicas of one instance: one database. */
describe('prepaid balance', () => {
  let first: InstanceHarness;
  let second: InstanceHarness;

  beforeAll(async () => {
    first = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS, DATABASE_POOL_SIZE: '10' });
    second = await startInstance(
      { ENCRYPTION_KEYS: FIXTURE_KEYS, DATABASE_POOL_SIZE: '10', NATS_NAMESPACE: first.namespace },
      { database: first.database },
    );
  }, 60_000);

  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  const call = (method: string, path: string, token: string, body?: unknown) =>
    first.request(method, path, { token, body });
  const tenantOf = async (workspace: WorkspaceFixture, key: string): Promise<string> =>
    (await json(await call('GET', '/self', workspace.tenantToken(key)))).id;

  /** The tenant's balance row, ledger sums and usage, read as the database owner (past row-level security). */
  const books = (tenantId: string) =>
    withClient(first.database.adminUrl, async (client) => {
      const { rows } = await client.query<{
        balance: string | null;
        ledger: string;
        top_ups: string;
        debits: string;
        debit_rows: number;
        usage_credits: string;
        usage_rows: number;
        unpaid_usage: number;
      }>(
        `SELECT (SELECT balance FROM tenant_balances WHERE tenant_id = $1) AS balance,
           (SELECT COALESCE(SUM(credits), 0) FROM balance_entries WHERE tenant_id = $1) AS ledger,
           (SELECT COALESCE(SUM(credits), 0) FROM balance_entries WHERE tenant_id = $1 AND credits > 0) AS top_ups,
           (SELECT COALESCE(SUM(credits), 0) FROM balance_entries WHERE tenant_id = $1 AND credits < 0) AS debits,
           (SELECT count(*)::int FROM balance_entries WHERE tenant_id = $1 AND credits < 0) AS debit_rows,
           (SELECT COALESCE(SUM(credits), 0) FROM usage_records WHERE tenant_id = $1) AS usage_credits,
           (SELECT count(*)::int FROM usage_records WHERE tenant_id = $1) AS usage_rows,
           (SELECT count(*)::int FROM usage_records u WHERE u.tenant_id = $1 AND NOT EXISTS
              (SELECT 1 FROM balance_entries e WHERE e.usage_record_id = u.id AND e.credits = -u.credits)) AS unpaid_usage`,
        [tenantId],
      );
      const row = rows[0]!;
      return {
        balance: row.balance === null ? null : Number(row.balance),
        ledger: Number(row.ledger),
        topUps: Number(row.top_ups),
        debits: Number(row.debits),
        debitRows: row.debit_rows,
        usageCredits: Number(row.usage_credits),
        usageRows: row.usage_rows,
        unpaidUsage: row.unpaid_usage,
      };
    });

  it('200 concurrent debits on two replicas against 100 one-credit units: exactly 100 succeed, balance 0, ledger sums match', async () => {
    const workspace = await seedWorkspace(first);
    const tenantId = await tenantOf(workspace, 'prepaid');
    const token = workspace.tenantToken('prepaid');
    const admin = workspace.adminToken();
    const topUp = await call('POST', `/tenants/${tenantId}/balance/top-ups`, admin, {
      credits: 100,
      reference: 'inv-1',
    });
    expect(topUp.status).toBe(201);

    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (i % 2 === 0 ? first : second).request('POST', '/usage', {
          // Tenant and admin callers alike pay from the balance.
          ...(i % 4 === 1 ? { token: admin, body: { credits: 1, tenantId } } : { token, body: { credits: 1 } }),
        }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(100);
    expect(statuses.filter((status) => status === 402)).toHaveLength(100);
    const refused = responses.find((response) => response.status === 402)!;
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await json(refused)).toMatchObject({ status: 402, code: 'balance_exhausted' });

    expect(await books(tenantId)).toEqual({
      balance: 0,
      ledger: 0,
      topUps: 100,
      debits: -100,
      debitRows: 100,
      usageCredits: 100,
      usageRows: 100,
      unpaidUsage: 0,
    });
    for (const replica of [first, second]) {
      expect(await json(await replica.request('GET', `/tenants/${tenantId}/balance`, { token }))).toMatchObject({
        balance: 0,
      });
    }
    expect((await json(await call('GET', `/tenants/${tenantId}/usage`, token))).used30d).toBe(100);
  }, 60_000);

  it('refuses with 402 and records nothing (no usage, no debit) when the balance holds too few credits', async () => {
    const workspace = await seedWorkspace(first);
    const tenantId = await tenantOf(workspace, 'small');
    const token = workspace.tenantToken('small');
    await call('POST', `/tenants/${tenantId}/balance/top-ups`, workspace.adminToken(), { credits: 5, reference: 'a' });
    expect((await call('POST', '/usage', token, { credits: 3, kind: 'chat' })).status).toBe(201);
    const refused = await call('POST', '/usage', token, { credits: 3 });
    expect(refused.status).toBe(402);
    expect(await json(refused)).toMatchObject({ code: 'balance_exhausted' });
    expect(await books(tenantId)).toMatchObject({ balance: 2, ledger: 2, usageCredits: 3, usageRows: 1 });
    const log = await json(await call('GET', '/activity-logs', token));
    expect(log.items[0]).toMatchObject({ type: 'usage.refused', data: { credits: 3, limit: 'balance', balance: 2 } });
    // The last credits can still be spent; the rolling 30-day limit still applies on top.
    expect((await call('POST', '/usage', token, { credits: 2 })).status).toBe(201);
    expect(await json(await call('GET', `/tenants/${tenantId}/balance`, token))).toMatchObject({ balance: 0 });
  });

  it('leaves a tenant that was never topped up unlimited by balance', async () => {
    const workspace = await seedWorkspace(first);
    const tenantId = await tenantOf(workspace, 'postpaid');
    const token = workspace.tenantToken('postpaid');
    expect(await json(await call('GET', `/tenants/${tenantId}/balance`, token))).toEqual({
      balance: null,
      updatedAt: null,
    });
    expect((await call('POST', '/usage', token, { credits: 1000 })).status).toBe(201);
    expect(await books(tenantId)).toMatchObject({ balance: null, ledger: 0, usageCredits: 1000 });
  });

  it('applies a top-up once per reference, answering a replay as the first time, on either replica', async () => {
    const workspace = await seedWorkspace(first);
    const tenantId = await tenantOf(workspace, 'payer');
    const admin = workspace.adminToken();
    const path = `/tenants/${tenantId}/balance/top-ups`;
    const firstAnswer = await first.request('POST', path, { token: admin, body: { credits: 40, reference: 'inv-7' } });
    expect(firstAnswer.status).toBe(201);
    const body = await json(firstAnswer);
    expect(body).toMatchObject({ reference: 'inv-7', credits: 40, balance: 40 });
    // Spending in between does not change the replayed answer.
    await call('POST', '/usage', workspace.tenantToken('payer'), { credits: 15 });
    const replay = await second.request('POST', path, { token: admin, body: { credits: 40, reference: 'inv-7' } });
    expect(replay.status).toBe(201);
    expect(await json(replay)).toEqual(body);
    // Concurrent replays of a new reference: one credit.
    const racing = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? first : second).request('POST', path, {
          token: admin,
          body: { credits: 10, reference: 'inv-8' },
        }),
      ),
    );
    expect(racing.map((response) => response.status)).toEqual(Array(10).fill(201));
    expect(
      new Set(await Promise.all(racing.map(async (response) => JSON.stringify(await json(response))))),
    ).toHaveProperty('size', 1);
    expect(await books(tenantId)).toMatchObject({ balance: 35, ledger: 35, topUps: 50, debits: -15 });
    const balance = await json(await call('GET', `/tenants/${tenantId}/balance`, admin));
    expect(balance).toEqual({ balance: 35, updatedAt: expect.any(String) });

    const mismatch = await call('POST', path, admin, { credits: 41, reference: 'inv-7' });
    expect(mismatch.status).toBe(409);
    expect(await json(mismatch)).toMatchObject({ code: 'conflict' });
    expect(await books(tenantId)).toMatchObject({ balance: 35, ledger: 35 });
  });

  it('keeps balances to their tenant and workspace', async () => {
    const workspace = await seedWorkspace(first);
    const stranger = await seedWorkspace(first);
    const tenantId = await tenantOf(workspace, 'mine');
    const neighbour = workspace.tenantToken('neighbour');
    await tenantOf(workspace, 'neighbour');
    await call('POST', `/tenants/${tenantId}/balance/top-ups`, workspace.adminToken(), { credits: 3, reference: 'x' });
    const path = `/tenants/${tenantId}/balance`;

    // Another tenant of the workspace, and another workspace's admin, see no such tenant.
    expect((await call('GET', path, neighbour)).status).toBe(404);
    expect((await call('GET', path, stranger.adminToken())).status).toBe(404);
    expect((await call('GET', path, stranger.tenantToken('mine'))).status).toBe(404);
    // Only an admin of the tenant's own workspace tops up.
    expect(
      (await call('POST', `${path}/top-ups`, workspace.tenantToken('mine'), { credits: 9, reference: 'y' })).status,
    ).toBe(403);
    expect((await call('POST', `${path}/top-ups`, neighbour, { credits: 9, reference: 'y' })).status).toBe(403);
    expect((await call('POST', `${path}/top-ups`, stranger.adminToken(), { credits: 9, reference: 'y' })).status).toBe(
      404,
    );
    // Nobody else can spend it: another tenant's spending is its own, naming this tenant is 403, another workspace 404.
    expect((await call('POST', '/usage', neighbour, { credits: 3 })).status).toBe(201);
    expect((await call('POST', '/usage', neighbour, { credits: 3, tenantId })).status).toBe(403);
    expect((await call('POST', '/usage', stranger.adminToken(), { credits: 3, tenantId })).status).toBe(404);
    expect(await books(tenantId)).toMatchObject({ balance: 3, ledger: 3, usageRows: 0 });
    // The other workspace's tenant with the same internal id has a balance of its own (none).
    const strangerTenant = await json(await call('GET', '/self', stranger.tenantToken('mine')));
    expect(
      await json(await call('GET', `/tenants/${strangerTenant.id}/balance`, stranger.tenantToken('mine'))),
    ).toMatchObject({ balance: null });
  });

  it.each([
    { credits: 0, reference: 'r' },
    { credits: -5, reference: 'r' },
    { credits: 1.5, reference: 'r' },
    { credits: 1_000_000_001, reference: 'r' },
    { credits: 5 },
    { credits: 5, reference: '' },
    { credits: 5, reference: 'r'.repeat(201) },
    { credits: 5, reference: 7 },
    { credits: 5, reference: 'r', extra: 1 },
  ])('refuses the top-up %j with 400', async (body) => {
    const workspace = await seedWorkspace(first);
    const tenantId = await tenantOf(workspace, 'bad');
    const response = await call('POST', `/tenants/${tenantId}/balance/top-ups`, workspace.adminToken(), body);
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({ code: 'validation_failed' });
    expect(await books(tenantId)).toMatchObject({ balance: null, ledger: 0 });
  });

  it('answers an unknown or malformed tenant id with 404 / 400', async () => {
    const workspace = await seedWorkspace(first);
    const admin = workspace.adminToken();
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await call('GET', `/tenants/${unknown}/balance`, admin)).status).toBe(404);
    expect(
      (await call('POST', `/tenants/${unknown}/balance/top-ups`, admin, { credits: 1, reference: 'r' })).status,
    ).toBe(404);
    expect((await call('GET', '/tenants/not-a-uuid/balance', admin)).status).toBe(400);
  });
});
