import { withClient } from '@switchboard/persistence';
import { type TestDatabase, waitFor } from '@switchboard/testing';

import { accessToken, call, type Stack, startStack } from './stack.js';

/** A workspace's usage records and ledger rows on one instance, read as the superuser (no RLS). */
interface Usage {
  /** Every row of both tables, as JSON text, sorted. */
  rows: string[];
  records: number;
  entries: number;
  usedCredits: number;
  ledgerCredits: number;
  /** Per tenant (by internal id): its debits, each with the credits and kind of the usage record it names. */
  debits: Record<string, string[]>;
  /** Debits whose usage record is not in the workspace. */
  unlinked: number;
}

async function usageOf(database: TestDatabase, workspaceId: string): Promise<Usage> {
  return withClient(database.adminUrl, async (client) => {
    const rows = await client.query<{ row: string }>(
      `SELECT to_jsonb(u)::text AS row FROM usage_records u WHERE u.workspace_id = $1
       UNION ALL SELECT to_jsonb(e)::text FROM balance_entries e WHERE e.workspace_id = $1 ORDER BY 1`,
      [workspaceId],
    );
    const [sums] = (
      await client.query<{ records: number; entries: number; used: number; ledger: number; unlinked: number }>(
        `SELECT (SELECT count(*)::int FROM usage_records WHERE workspace_id = $1) AS records,
                (SELECT count(*)::int FROM balance_entries WHERE workspace_id = $1) AS entries,
                (SELECT COALESCE(sum(credits), 0)::int FROM usage_records WHERE workspace_id = $1) AS used,
                (SELECT COALESCE(sum(credits), 0)::int FROM balance_entries WHERE workspace_id = $1) AS ledger,
                (SELECT count(*)::int FROM balance_entries e WHERE e.workspace_id = $1 AND e.credits < 0
                   AND NOT EXISTS (SELECT 1 FROM usage_records u
                                   WHERE u.workspace_id = $1 AND u.id = e.usage_record_id)) AS unlinked`,
        [workspaceId],
      )
    ).rows;
    const debits = await client.query<{ tenant: string; debit: string }>(
      `SELECT t.internal_id AS tenant, e.credits || ' for ' || u.credits || ' ' || COALESCE(u.kind, '-') AS debit
       FROM balance_entries e
       JOIN usage_records u ON u.workspace_id = e.workspace_id AND u.id = e.usage_record_id
       JOIN tenants t ON t.workspace_id = e.workspace_id AND t.id = e.tenant_id
       WHERE e.workspace_id = $1 ORDER BY 1, 2`,
      [workspaceId],
    );
    const byTenant: Record<string, string[]> = {};
    for (const row of debits.rows) (byTenant[row.tenant] ??= []).push(row.debit);
    return {
      rows: rows.rows.map((row) => row.row),
      records: sums!.records,
      entries: sums!.entries,
      usedCredits: sums!.used,
      ledgerCredits: sums!.ledger,
      debits: byTenant,
      unlinked: sums!.unlinked,
    };
  });
}

/**
 * Moving a workspace with usage and a prepaid ledger to an instance that
 * already holds another workspace's (API.md, "Moving a workspace to another
 * instance"; issue 14), with the built Hub and two instances as processes.
 * Both instances numbered their own rows from 1 before usage and ledger ids
 * were uuids: the copy then met another workspace's row with the same id,
 * invisible under row-level security, and the move could never complete.
 * Now it completes, the moved workspace's rows are on the target as they
 * were (every debit naming its usage record), and the resident workspace's
 * rows are untouched.
 */
describe('moving a workspace with usage to an instance that holds usage of another', () => {
  let stack: Stack;

  const hub = (method: string, path: string, body?: unknown) =>
    call(stack.hub.url, method, path, stack.adminToken, body);
  const token = (workspaceId: string, tenantKey?: string) => accessToken(stack, workspaceId, tenantKey);
  const ok = async (status: number, response: Promise<{ status: number; body: any }>) => {
    const answer = await response;
    expect({ status: answer.status, body: answer.body }).toMatchObject({ status });
    return answer.body;
  };

  /** A workspace on `instanceId`, its configuration applied there. */
  const created = async (orgId: string, name: string, instanceId: string) => {
    const workspace = await waitFor(
      async () => {
        const answer = await hub('POST', '/org-workspaces', { orgId, name, instanceId });
        return answer.status === 201 ? answer.body : undefined;
      },
      { what: 'both instances registered', timeoutMs: 15_000 },
    );
    await waitFor(
      async () =>
        (await hub('GET', `/org-workspaces/${workspace.id}`)).body.sync.appliedVersion >= 1 ? true : undefined,
      { what: `${name} applied`, timeoutMs: 10_000, intervalMs: 20 },
    );
    return workspace as { id: string; apiUrl: string };
  };

  /**
   * Usage through the API: each prepaid tenant is topped up, then spends (a debit per usage record), and is
   * topped up again; one tenant is not prepaid (usage records only).
   */
  const spend = async (workspace: { id: string; apiUrl: string }, plan: Record<string, number[]>) => {
    const admin = await token(workspace.id);
    for (const [tenantKey, credits] of Object.entries(plan)) {
      const bearer = await token(workspace.id, tenantKey);
      const tenantId = (await ok(200, call(workspace.apiUrl, 'GET', '/self', bearer))).id as string;
      const prepaid = !tenantKey.startsWith('postpaid');
      if (prepaid) {
        await ok(
          201,
          call(workspace.apiUrl, 'POST', `/tenants/${tenantId}/balance/top-ups`, admin, {
            credits: 100,
            reference: `${tenantKey}-first`,
          }),
        );
      }
      for (const [index, amount] of credits.entries()) {
        await ok(201, call(workspace.apiUrl, 'POST', '/usage', bearer, { credits: amount, kind: `kind-${index % 2}` }));
      }
      if (prepaid) {
        await ok(
          201,
          call(workspace.apiUrl, 'POST', `/tenants/${tenantId}/balance/top-ups`, admin, {
            credits: 5,
            reference: `${tenantKey}-second`,
          }),
        );
      }
    }
  };

  beforeAll(async () => {
    stack = await startStack({ instanceIds: ['instance-a', 'instance-b'] });
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('completes, every usage record and ledger row of the workspace on the target as it was; the others untouched', async () => {
    const org = await ok(201, hub('POST', '/orgs', { name: 'Usage movers' }));
    const resident = await created(org.id, 'Resident', 'instance-b');
    const moving = await created(org.id, 'Moving', 'instance-a');
    // Both instances number from the start: the moving workspace's ids are among the resident's.
    await spend(resident, { 'resident-0': [1, 2, 3], 'resident-1': [4, 5, 6], 'postpaid-resident': [7, 8] });
    await spend(moving, { 'moving-0': [10, 20, 30], 'moving-1': [11, 12], 'postpaid-moving': [13, 14, 15] });

    const [source, target] = [stack.instanceDatabases['instance-a']!, stack.instanceDatabases['instance-b']!];
    const residentBefore = await usageOf(target, resident.id);
    const movingBefore = await usageOf(source, moving.id);
    // The seed is what it should be, so that the comparison after the move means something.
    expect(residentBefore).toMatchObject({ records: 8, entries: 10, usedCredits: 36, unlinked: 0 });
    expect(movingBefore).toMatchObject({
      records: 8,
      entries: 9,
      usedCredits: 125,
      ledgerCredits: 2 * 105 - 60 - 23,
      unlinked: 0,
      debits: {
        'moving-0': ['-10 for 10 kind-0', '-20 for 20 kind-1', '-30 for 30 kind-0'],
        'moving-1': ['-11 for 11 kind-0', '-12 for 12 kind-1'],
      },
    });

    const started = await ok(202, hub('POST', `/org-workspaces/${moving.id}/move`, { instanceId: 'instance-b' }));
    let last: unknown;
    const done = await waitFor(
      async () => {
        const move = (await hub('GET', `/org-workspaces/${moving.id}/move`)).body;
        last = move;
        if (move?.id === started.id && ['failed', 'aborted'].includes(move.state)) {
          throw new Error(`the move ended ${move.state}: ${move.error}`);
        }
        return move?.id === started.id && move.state === 'done' ? move : undefined;
      },
      { what: 'the move to finish', timeoutMs: 30_000, intervalMs: 50 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; the move: ${JSON.stringify(last)}`);
    });
    expect(done.rowsCopied).toBeGreaterThan(0);

    const movingAfter = await usageOf(target, moving.id);
    expect(movingAfter).toEqual(movingBefore);
    expect(await usageOf(target, resident.id)).toEqual(residentBefore);
    // Served by the target: the balances and usage read as before.
    const bearer = await token(moving.id, 'moving-0');
    const placed = (await hub('GET', `/org-workspaces/${moving.id}`)).body;
    expect(placed.instanceId).toBe('instance-b');
    const tenantId = (await ok(200, call(placed.apiUrl, 'GET', '/self', bearer))).id as string;
    expect(await ok(200, call(placed.apiUrl, 'GET', `/tenants/${tenantId}/balance`, bearer))).toMatchObject({
      balance: 105 - 60,
    });
    expect(await ok(200, call(placed.apiUrl, 'GET', `/tenants/${tenantId}/usage`, bearer))).toMatchObject({
      used30d: 60,
    });
    // New usage on the target gets an id of its own, debited as before.
    await ok(201, call(placed.apiUrl, 'POST', '/usage', bearer, { credits: 1 }));
    const after = await usageOf(target, moving.id);
    expect(after).toMatchObject({ records: 9, entries: 10, unlinked: 0 });
  }, 90_000);
});
