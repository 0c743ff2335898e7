import { withClient } from '@switchboard/persistence';
import { waitFor } from '@switchboard/testing';

import type { Stack } from '../e2e/stack.js';
import { createWorkspaces, expectConverged, type FaultStack, startFaultStack, type Workspace } from './convergence.js';

describe('reconciliation', () => {
  let faults: FaultStack;
  let stack: Stack;
  let workspaces: Workspace[];

  beforeAll(async () => {
    faults = await startFaultStack({ instanceIds: ['instance-a'], env: { INSTANCE_RECONCILE_INTERVAL_MS: '1000' } });
    stack = faults.stack;
    workspaces = await createWorkspaces(stack, 3);
    await expectConverged(stack);
  }, 60_000);

  afterAll(async () => {
    await faults?.stop();
  });

  it('brings back a workspace deleted from the instance database by hand', async () => {
    const lost = workspaces[0]!;
    await withClient(stack.instanceDatabases['instance-a']!.adminUrl, (client) =>
      client.query('DELETE FROM workspaces WHERE id = $1', [lost.id]),
    );
    await waitFor(
      async () => {
        const { rows } = await withClient(stack.instanceDatabases['instance-a']!.adminUrl, (client) =>
          client.query('SELECT 1 FROM workspaces WHERE id = $1', [lost.id]),
        );
        return rows.length === 1 ? true : undefined;
      },
      { what: 'the periodic reconciliation to restore the workspace', timeoutMs: 5000, intervalMs: 100 },
    );
    await expectConverged(stack);
  });

  it('heals a stale copy on the instance', async () => {
    await withClient(stack.instanceDatabases['instance-a']!.adminUrl, (client) =>
      client.query(`UPDATE workspaces SET config_version = 0, name = 'stale' WHERE id = $1`, [workspaces[1]!.id]),
    );
    await waitFor(
      async () => {
        const { rows } = await withClient(stack.instanceDatabases['instance-a']!.adminUrl, (client) =>
          client.query<{ name: string }>('SELECT name FROM workspaces WHERE id = $1', [workspaces[1]!.id]),
        );
        return rows[0]?.name !== 'stale' ? true : undefined;
      },
      { what: 'reconciliation to replace the stale copy', timeoutMs: 5000, intervalMs: 100 },
    );
  });
});
