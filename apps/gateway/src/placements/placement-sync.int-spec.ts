import { natsNamespace, natsUrl, waitFor } from '@switchboard/testing';

import { PlacementSync } from './placement-sync.js';
import { PlacementTable } from './placement-table.js';

/**
 * A gateway whose Hub does not answer yet (real NATS, a namespace no Hub serves: "no responders"): during its
 * start-up grace that is said at info, as npm start and a Kubernetes rollout start the two together; past it,
 * or once a table has been read, at warn.
 */
describe('PlacementSync with no Hub answering', () => {
  const run = async (startupGraceMs: number) => {
    const info: string[] = [];
    const warn: string[] = [];
    const sync = new PlacementSync(new PlacementTable(), {
      natsUrl: natsUrl(),
      namespace: natsNamespace(),
      credentials: {},
      requestTimeoutMs: 500,
      resyncIntervalMs: 60_000,
      startupGraceMs,
      log: { info: (message) => info.push(message), warn: (message) => warn.push(message) },
    });
    await sync.start();
    try {
      await waitFor(
        () => Promise.resolve([...info, ...warn].some((line) => line.includes('could not read')) || undefined),
        { what: 'a failed read logged', timeoutMs: 5000, intervalMs: 20 },
      );
    } finally {
      await sync.stop();
    }
    return { info, warn };
  };

  it('logs at info while starting', async () => {
    const { info, warn } = await run(60_000);
    expect(info).toEqual([expect.stringMatching(/^could not read the placement table .*the gateway is starting/)]);
    expect(warn).toEqual([]);
  });

  it('logs at warn once the grace is over', async () => {
    const { info, warn } = await run(0);
    expect(info).toEqual([]);
    expect(warn).toEqual([expect.stringMatching(/^could not read the placement table from the Hub: /)]);
  });
});
