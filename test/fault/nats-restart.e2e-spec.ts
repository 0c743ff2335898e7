import { waitFor } from '@switchboard/testing';

import {
  afterChanges,
  burst,
  createWorkspaces,
  expectConverged,
  type FaultStack,
  startBurst,
  startFaultStack,
  syncOf,
  type Workspace,
} from './convergence.js';

describe('the NATS server stopped and started again during a burst', () => {
  let faults: FaultStack;
  let workspaces: Workspace[];

  beforeAll(async () => {
    faults = await startFaultStack();
    workspaces = await createWorkspaces(faults.stack, 10);
  }, 60_000);

  afterAll(async () => {
    await faults?.stop();
  });

  it('keeps serving the Hub API while NATS is down, then delivers everything', async () => {
    const { stack, nats } = faults;
    const running = startBurst([stack.hub], stack.adminToken, workspaces, 160);
    await afterChanges(running, 40);
    await nats.stop();
    const acceptedWhenStopped = running.accepted();
    // Degraded: the Hub accepts changes; their sync stays pending, with the error.
    const degraded = await waitFor(
      async () => {
        const sync = await syncOf(stack, workspaces[0]!);
        return sync.state === 'pending' && sync.lastError ? sync : undefined;
      },
      { what: 'a pending sync with its error while NATS is down', timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(degraded.appliedVersion).toBeLessThan(degraded.version);
    expect(running.accepted()).toBeGreaterThan(acceptedWhenStopped);
    await nats.start();
    await running.finished;
    await burst([stack.hub], stack.adminToken, workspaces, 20, { from: 160 });
    await expectConverged(stack, 40_000);
    expect(await syncOf(stack, workspaces[0]!)).toMatchObject({ state: 'synced', lastError: null });
  }, 90_000);
});
