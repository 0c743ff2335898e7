import { PlacementSync } from './placement-sync.js';
import { PlacementTable } from './placement-table.js';

/** A sync never started: each resync it begins fails at once ("not started") and is logged as a warning. */
const unstarted = () => {
  const info: string[] = [];
  const warn: string[] = [];
  const sync = new PlacementSync(new PlacementTable(), {
    natsUrl: 'nats://127.0.0.1:1',
    namespace: 'test',
    credentials: {},
    requestTimeoutMs: 1000,
    resyncIntervalMs: 60_000,
    log: { info: (message) => info.push(message), warn: (message) => warn.push(message) },
  });
  return { sync, info, warn };
};

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('PlacementSync.resyncSoon', () => {
  it('starts at most one resync per interval however many requests ask, and logs a failure instead of throwing', async () => {
    const { sync, info, warn } = unstarted();
    for (let i = 0; i < 100; i++) sync.resyncSoon(60_000);
    await settle();
    expect(info).toHaveLength(1);
    expect(warn).toEqual([expect.stringContaining('not started')]);
  });

  it('starts another once the interval has passed', async () => {
    const { sync, info } = unstarted();
    sync.resyncSoon(0);
    await settle();
    sync.resyncSoon(0);
    await settle();
    expect(info).toHaveLength(2);
  });

  it('starts none once stopped', async () => {
    const { sync, info } = unstarted();
    await sync.stop();
    sync.resyncSoon(0);
    expect(info).toEqual([]);
  });
});
