import {
  afterChanges,
  burst,
  createWorkspaces,
  expectConverged,
  type FaultStack,
  startBurst,
  startFaultStack,
  type Workspace,
} from './convergence.js';

describe('an instance killed in the middle of a burst of changes', () => {
  let faults: FaultStack;
  let workspaces: Workspace[];

  beforeAll(async () => {
    faults = await startFaultStack({ instanceIds: ['instance-a'] });
    workspaces = await createWorkspaces(faults.stack, 10);
  }, 60_000);

  afterAll(async () => {
    await faults?.stop();
  });

  it('catches up after a restart: every version applied, in order, equal to the Hub', async () => {
    const { stack } = faults;
    const running = startBurst([stack.hub], stack.adminToken, workspaces, 200);
    await afterChanges(running, 60);
    await stack.instances['instance-a']!.kill();
    // The Hub keeps accepting changes while the instance is dead.
    await afterChanges(running, 140);
    await stack.restart('instance-a');
    await running.finished;
    await burst([stack.hub], stack.adminToken, workspaces, 20, { from: 200 });
    await expectConverged(stack);
  }, 60_000);
});
