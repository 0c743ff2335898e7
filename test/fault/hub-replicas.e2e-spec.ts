import {
  burst,
  createWorkspaces,
  expectConverged,
  type FaultStack,
  startFaultStack,
  type Workspace,
} from './convergence.js';

/** Deliveries a Hub replica has made, from its Prometheus metrics. */
async function deliveriesOf(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^switchboard_routing_deliveries_total\{[^}]*\} (\d+)/gm)].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
}

describe('two Hub replicas draining at once', () => {
  let faults: FaultStack;
  let workspaces: Workspace[];

  beforeAll(async () => {
    faults = await startFaultStack({ hubReplicas: 2 });
    workspaces = await createWorkspaces(faults.stack, 12);
  }, 60_000);

  afterAll(async () => {
    await faults?.stop();
  });

  it('deliver every change, applied in order, through either replica', async () => {
    const { stack } = faults;
    await burst(stack.hubs, stack.adminToken, workspaces, 240, { concurrency: 8 });
    await expectConverged(stack);
    // Both relays took part: each woke on the other's NOTIFYs and claimed rows the other had not locked.
    const [first, second] = await Promise.all(stack.hubs.map((hub) => deliveriesOf(hub.url)));
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(0);
  }, 60_000);
});
