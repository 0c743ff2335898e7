import { randomBytes } from 'node:crypto';

import pg from 'pg';

import { withDatabase } from './database-urls.js';
import { outboxBackoffMs, type OutboxDrainContext, OutboxDrainer, outboxLeaseSeconds } from './outbox-drainer.js';
import { withClient } from './setup-database.js';

// Set by the jest global setup (test/global-setup.mjs); read directly because a data lib may not import the testing lib.
const adminUrl = () => process.env['SWITCHBOARD_TEST_ADMIN_URL']!;
const testRunPrefix = () => `sbt_${process.env['SWITCHBOARD_TEST_RUN']!}`;

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quiet = { warn: () => undefined };

/**
 * A miniature outbox, claimed the way both services claim theirs: due rows
 * locked with SKIP LOCKED and leased by pushing next_attempt_at out.
 */
describe('OutboxDrainer', () => {
  const suffix = randomBytes(4).toString('hex');
  const database = `${testRunPrefix()}_drainer_${suffix}`;
  const channel = `sbt_drainer_${suffix}`;
  let url: string;
  let pool: pg.Pool;
  const drainers: OutboxDrainer<string, unknown>[] = [];

  beforeAll(async () => {
    await withClient(adminUrl(), (client) => client.query(`CREATE DATABASE "${database}"`));
    url = withDatabase(adminUrl(), database);
    pool = new pg.Pool({ connectionString: url, max: 8 });
    // pg-pool's end() resolves once its clients are told to end, not once their connections are closed: the
    // DROP … WITH (FORCE) in afterAll can still terminate one, whose idle listener then re-emits the error on the
    // pool, where without a listener it is an uncaught error (seen once in CI, reported on the first test).
    pool.on('error', () => undefined);
    await pool.query(`CREATE TABLE outbox (
      id bigserial PRIMARY KEY,
      key text NOT NULL DEFAULT 'a',
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      delivered_at timestamptz,
      attempts int NOT NULL DEFAULT 0)`);
    await pool.query('CREATE TABLE deliveries (outbox_id bigint NOT NULL, drainer text NOT NULL)');
  });

  afterEach(async () => {
    await Promise.all(drainers.splice(0).map((drainer) => drainer.stop()));
    await pool.query('TRUNCATE outbox, deliveries');
  });

  afterAll(async () => {
    await pool.end();
    await withClient(adminUrl(), (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  });

  /** Leases up to `limit` due rows of `key`; the SQL an adapter owns. */
  const claim = async (key: string, limit: number) =>
    (
      await pool.query<{ id: string }>(
        `WITH due AS (
           SELECT id FROM outbox WHERE key = $1 AND delivered_at IS NULL AND next_attempt_at <= now()
           ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
         UPDATE outbox o SET next_attempt_at = now() + make_interval(secs => $3)
         FROM due WHERE o.id = due.id RETURNING o.id`,
        [key, limit, outboxLeaseSeconds(1000)],
      )
    ).rows.map((row) => row.id);

  const deliver = async (ids: string[], by: string) => {
    await pool.query('INSERT INTO deliveries SELECT unnest($1::bigint[]), $2', [ids, by]);
    await pool.query('UPDATE outbox SET delivered_at = now() WHERE id = ANY($1::bigint[])', [ids]);
  };

  const delivered = async () =>
    Number(
      (await pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE delivered_at IS NOT NULL')).rows[0]?.n,
    );

  /** A drainer of key `a` that delivers what it claims, with the given options. */
  const drainer = (
    options: Partial<ConstructorParameters<typeof OutboxDrainer<string, unknown>>[0]> & { tag?: string } = {},
  ) => {
    const made = new OutboxDrainer<string, unknown>({
      name: 'test outbox',
      logger: quiet,
      listen: { url, channel, applicationName: `sbt-drainer-${suffix}`, retryMs: 60_000, keyOf: (p) => p },
      poll: { intervalMs: 60_000, due: () => [] },
      drain: async (key) => {
        const ids = await claim(key, 50);
        if (ids.length > 0) await deliver(ids, options.tag ?? 'one');
        return { again: ids.length === 50 };
      },
      ...options,
    });
    drainers.push(made);
    return made;
  };

  it('wakes on NOTIFY with no polling', async () => {
    await drainer().start();
    await pool.query(`INSERT INTO outbox DEFAULT VALUES`);
    await pool.query('SELECT pg_notify($1, $2)', [channel, 'a']);
    await until('the notified row is delivered', async () => (await delivered()) === 1, 3000);
  });

  it('keeps delivering by polling while LISTEN is lost, and polls again when LISTEN is back', async () => {
    let listening = 0;
    const made = drainer({
      listen: { url, channel, applicationName: `sbt-drainer-lost-${suffix}`, retryMs: 1500, keyOf: (p) => p },
      poll: { intervalMs: 200, due: () => ['a'] },
      onListening: () => listening++,
    });
    await made.start();
    expect(listening).toBe(1);
    await pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
      `sbt-drainer-lost-${suffix}`,
    ]);
    await pool.query(`INSERT INTO outbox DEFAULT VALUES`);
    await pool.query('SELECT pg_notify($1, $2)', [channel, 'a']); // nobody hears it
    await until('the row is delivered by polling', async () => (await delivered()) === 1, 1200);
    expect(listening).toBe(1);
    await until('LISTEN is re-established', () => listening === 2, 5000);
  });

  it('looks for missed work when LISTEN comes back, without waiting for the poll', async () => {
    let listening = 0;
    const made = drainer({
      listen: { url, channel, applicationName: `sbt-drainer-back-${suffix}`, retryMs: 300, keyOf: (p) => p },
      // The timer poll is an hour away: only the poll on re-LISTEN can find the row.
      poll: { intervalMs: 3_600_000, due: () => (listening > 1 ? ['a'] : []) },
      onListening: () => listening++,
    });
    await made.start();
    await pool.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
      `sbt-drainer-back-${suffix}`,
    ]);
    await pool.query(`INSERT INTO outbox DEFAULT VALUES`);
    await sleep(100);
    expect(await delivered()).toBe(0);
    await until('the missed row is delivered after the reconnect', async () => (await delivered()) === 1, 5000);
  });

  it('never lets two drainers on one table claim the same row', async () => {
    await pool.query(`INSERT INTO outbox (key) SELECT 'a' FROM generate_series(1, 600)`);
    const drain = (tag: string) => async (key: string) => {
      const ids = await claim(key, 20);
      await sleep(Math.random() * 10);
      if (ids.length > 0) await deliver(ids, tag);
      return { again: ids.length > 0 };
    };
    const first = drainer({ drain: drain('first') });
    const second = drainer({ drain: drain('second') });
    await Promise.all([first.start(), second.start()]);
    first.wake('a');
    second.wake('a');
    await until('every row is delivered', async () => (await delivered()) === 600);
    const { rows } = await pool.query<{ total: string; rows: string; first: string; second: string }>(
      `SELECT count(*) AS total, count(DISTINCT outbox_id) AS rows,
              count(*) FILTER (WHERE drainer = 'first') AS first, count(*) FILTER (WHERE drainer = 'second') AS second
       FROM deliveries`,
    );
    expect(rows[0]).toMatchObject({ total: '600', rows: '600' });
    expect(Number(rows[0]?.first)).toBeGreaterThan(0);
    expect(Number(rows[0]?.second)).toBeGreaterThan(0);
  });

  it('never runs two drains of one key at once, and drains again when woken during a drain', async () => {
    let active = 0;
    let maxActive = 0;
    let drains = 0;
    const made = drainer({
      drain: async (_key, context: OutboxDrainContext) => {
        active++;
        maxActive = Math.max(maxActive, active);
        drains++;
        context.pending = false;
        await sleep(400);
        active--;
      },
    });
    await made.start();
    made.wake('a');
    for (let i = 0; i < 10; i++) {
      await sleep(10);
      made.wake('a');
    }
    await until('the re-drain after the wakes', () => drains === 2 && active === 0, 3000);
    await sleep(200);
    expect(drains).toBe(2);
    expect(maxActive).toBe(1);
  });

  it('drains different keys in parallel up to the concurrency, each key alone', async () => {
    const active = new Map<string, number>();
    let maxTotal = 0;
    let maxPerKey = 0;
    const seen = new Set<string>();
    const made = drainer({
      concurrency: 2,
      drain: async (key) => {
        active.set(key, (active.get(key) ?? 0) + 1);
        const total = [...active.values()].reduce((sum, n) => sum + n, 0);
        maxTotal = Math.max(maxTotal, total);
        maxPerKey = Math.max(maxPerKey, ...active.values());
        await sleep(50);
        active.set(key, (active.get(key) ?? 1) - 1);
        seen.add(key);
      },
    });
    await made.start();
    for (const key of ['a', 'b', 'c', 'd', 'a', 'b']) made.wake(key);
    await until('every key is drained', () => seen.size === 4);
    expect(maxTotal).toBe(2);
    expect(maxPerKey).toBe(1);
  });

  it('keeps backoff within its bounds, growing with the attempts up to the cap', () => {
    const bounds = { minMs: 100, maxMs: 10_000 };
    for (let i = 0; i < 500; i++) {
      const first = outboxBackoffMs(1, bounds);
      expect(first).toBeGreaterThanOrEqual(100);
      expect(first).toBeLessThanOrEqual(200);
      const fourth = outboxBackoffMs(4, bounds);
      expect(fourth).toBeGreaterThanOrEqual(100);
      expect(fourth).toBeLessThanOrEqual(1600);
      const late = outboxBackoffMs(1000, bounds);
      expect(late).toBeGreaterThanOrEqual(100);
      expect(late).toBeLessThanOrEqual(10_000);
    }
    // Full jitter: the whole range is used, not only its top.
    const samples = Array.from({ length: 500 }, () => outboxBackoffMs(1000, bounds));
    expect(Math.min(...samples)).toBeLessThan(2500);
    expect(Math.max(...samples)).toBeGreaterThan(7500);
    expect(outboxBackoffMs(3, { minMs: 50, maxMs: 50 })).toBe(50);
    expect(() => outboxBackoffMs(1, { minMs: 0, maxMs: 10 })).toThrow(RangeError);
    expect(() => outboxBackoffMs(1, { minMs: 20, maxMs: 10 })).toThrow(RangeError);
  });

  it('leases for the request timeout plus a margin, in whole seconds', () => {
    expect(outboxLeaseSeconds(5000)).toBe(10);
    expect(outboxLeaseSeconds(10_001)).toBe(16);
  });

  it('prunes periodically through its callback, and a prune called during one shares it', async () => {
    await pool.query(`INSERT INTO outbox (delivered_at) SELECT now() - interval '2 hours' FROM generate_series(1, 30)`);
    await pool.query(`INSERT INTO outbox DEFAULT VALUES`);
    let runs = 0;
    const made = drainer({
      prune: {
        intervalMs: 100,
        run: async () => {
          const { rowCount } = await pool.query(`DELETE FROM outbox WHERE delivered_at < now() - interval '1 hour'`);
          await sleep(50);
          runs++;
          return rowCount;
        },
      },
    });
    await made.start();
    await until('the periodic prune', () => runs >= 1, 3000);
    expect(Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]?.n)).toBe(1);
    const [a, b] = [made.prune(), made.prune()];
    expect(a).toBe(b);
    expect(await a).toBe(0);
  });

  it('stops cleanly: no new drains, the signal aborts, and in-flight and tracked work finish first', async () => {
    await pool.query(`INSERT INTO outbox DEFAULT VALUES`);
    let finished = false;
    let trackedDone = false;
    let drains = 0;
    let aborted = false;
    const made = drainer({
      drain: async (key, context) => {
        drains++;
        const ids = await claim(key, 10);
        void made.track(sleep(300).then(() => (trackedDone = true)));
        await sleep(200);
        aborted = context.signal.aborted;
        await deliver(ids, 'one');
        finished = true;
      },
    });
    await made.start();
    made.wake('a');
    await sleep(50);
    await made.stop();
    expect(finished).toBe(true);
    expect(trackedDone).toBe(true);
    expect(aborted).toBe(true);
    expect(await delivered()).toBe(1);
    made.wake('a');
    await pool.query('SELECT pg_notify($1, $2)', [channel, 'a']);
    await sleep(100);
    expect(drains).toBe(1);
    const { rows } = await pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1',
      [`sbt-drainer-${suffix}`],
    );
    expect(rows[0]?.n).toBe('0');
  });

  it('starts nothing when stopped while it was still connecting', async () => {
    let pruned = 0;
    let polled = 0;
    const made = drainer({
      poll: { intervalMs: 20, due: () => (polled++, []) },
      prune: { intervalMs: 20, run: () => Promise.resolve(pruned++) },
    });
    const starting = made.start();
    await made.stop();
    await starting;
    await sleep(150);
    expect({ pruned, polled }).toEqual({ pruned: 0, polled: 0 });
  });
});
