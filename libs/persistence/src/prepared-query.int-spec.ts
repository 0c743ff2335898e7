import { randomBytes, randomUUID } from 'node:crypto';

import pg from 'pg';

import { withDatabase } from './database-urls.js';
import { type PreparedStatement, queryPreparedAfter } from './prepared-query.js';
import { withClient } from './setup-database.js';

// Set by the jest global setup (test/global-setup.mjs); read directly because a data lib may not import the testing lib.
const adminUrl = () => process.env['SWITCHBOARD_TEST_ADMIN_URL'] ?? '';

const setting = (value: string | null): PreparedStatement => ({
  name: 'set_probe',
  text: "SELECT set_config('probe.value', $1::uuid::text, true)",
  values: [value],
});
const read: PreparedStatement = {
  name: 'read_probe',
  text: "SELECT current_setting('probe.value', true) AS value, $1::int AS n",
  values: ['7'],
};

describe('queryPreparedAfter', () => {
  const database = `sbt_pair_${randomBytes(4).toString('hex')}`;
  let pool: pg.Pool;

  beforeAll(async () => {
    await withClient(adminUrl(), (client) => client.query(`CREATE DATABASE ${database}`));
    // One connection: every call below reuses it, so what one call leaves behind the next would see.
    pool = new pg.Pool({ connectionString: withDatabase(adminUrl(), database), max: 1 });
  });

  afterAll(async () => {
    await pool.end();
    await withClient(adminUrl(), (client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  });

  const leftOnConnection = async () =>
    (await pool.query<{ value: string | null }>("SELECT current_setting('probe.value', true) AS value")).rows[0]
      ?.value ?? null;

  it('runs the second statement under what the first set, and the setting ends with their transaction', async () => {
    const id = randomUUID();
    await expect(queryPreparedAfter(pool, setting(id), read)).resolves.toEqual([{ value: id, n: 7 }]);
    // Transaction-local: gone once the Sync closed the transaction (an empty string for a placeholder once set).
    expect(await leftOnConnection()).not.toBe(id);
    const other = randomUUID();
    await expect(queryPreparedAfter(pool, setting(other), read)).resolves.toEqual([{ value: other, n: 7 }]);
  });

  it('runs nothing after a first statement that fails, rejects, and leaves the connection usable', async () => {
    await expect(queryPreparedAfter(pool, setting('not-a-uuid'), read)).rejects.toThrow(/uuid/);
    const id = randomUUID();
    await expect(queryPreparedAfter(pool, setting(id), read)).resolves.toEqual([{ value: id, n: 7 }]);
  });

  it('parses again after a failure in the round trip that first parsed (no "already exists")', async () => {
    const fresh: PreparedStatement = { ...setting('not-a-uuid'), name: 'set_probe_fresh' };
    await expect(queryPreparedAfter(pool, fresh, read)).rejects.toThrow(/uuid/);
    const id = randomUUID();
    await expect(queryPreparedAfter(pool, { ...fresh, values: [id] }, read)).resolves.toEqual([{ value: id, n: 7 }]);
  });

  it('refuses a name already bound to another text on the connection', async () => {
    await queryPreparedAfter(pool, setting(randomUUID()), read);
    await expect(
      queryPreparedAfter(pool, setting(randomUUID()), { ...read, text: 'SELECT 1 AS n, $1::text AS m' }),
    ).rejects.toThrow(/already bound/);
    const id = randomUUID();
    await expect(queryPreparedAfter(pool, setting(id), read)).resolves.toEqual([{ value: id, n: 7 }]);
  });
});
