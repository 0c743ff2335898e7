import { withClient } from '@switchboard/persistence';
import { waitFor } from '@switchboard/testing';

import {
  burst,
  createWorkspaces,
  expectConverged,
  type FaultStack,
  startFaultStack,
  syncOf,
  type Workspace,
} from './convergence.js';

describe('the Hub killed with undelivered rows', () => {
  let faults: FaultStack;
  let workspaces: Workspace[];

  beforeAll(async () => {
    faults = await startFaultStack({ instanceIds: ['instance-a'] });
    workspaces = await createWorkspaces(faults.stack, 10);
  }, 60_000);

  afterAll(async () => {
    await faults?.stop();
  });

  it('delivers them after it restarts', async () => {
    const { stack } = faults;
    await stack.instances['instance-a']!.stop();
    await burst([stack.hub], stack.adminToken, workspaces, 80);
    // Degraded: the changes are accepted and wait in the outbox, each workspace showing why.
    const failing = await waitFor(
      async () => {
        const sync = await syncOf(stack, workspaces[0]!);
        return sync.lastError ? sync : undefined;
      },
      { what: 'a failed delivery to be recorded', timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(failing.state).toBe('pending');
    const pending = await withClient(stack.hubDatabase.adminUrl, (client) =>
      client.query<{ n: number }>('SELECT count(*)::int AS n FROM routing_outbox WHERE delivered_at IS NULL'),
    );
    expect(pending.rows[0]?.n).toBeGreaterThanOrEqual(80);
    await stack.hub.kill();
    await stack.restart('instance-a');
    await stack.restart('hub');
    await burst([stack.hub], stack.adminToken, workspaces, 20, { from: 80 });
    await expectConverged(stack, 40_000);
    // Rows the killed Hub held a lease on are delivered too, once the lease runs out.
    await waitFor(
      async () => {
        const left = await withClient(stack.hubDatabase.adminUrl, (client) =>
          client.query<{ n: number }>('SELECT count(*)::int AS n FROM routing_outbox WHERE delivered_at IS NULL'),
        );
        return left.rows[0]?.n === 0 ? true : undefined;
      },
      { what: 'every outbox row to be marked delivered', timeoutMs: 20_000, intervalMs: 200 },
    );
  }, 90_000);
});
