import { randomBytes } from 'node:crypto';

import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';

import { withDatabase } from './database-urls.js';
import { keysetPage, type KeysetPosition, type KeysetRow } from './keyset-page.js';
import { withClient } from './setup-database.js';
import { Table } from './table.js';

// Set by the jest global setup (test/global-setup.mjs); read directly because a data lib may not import the testing lib.
const adminUrl = () => process.env['SWITCHBOARD_TEST_ADMIN_URL'] ?? '';

@Entity('items')
class Item {
  @PrimaryColumn('uuid') id!: string;
  @Column({ type: 'text' }) kind!: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'seen_at', type: 'timestamptz' }) seenAt!: Date;
}

describe('keysetPage', () => {
  const database = `sbt_keyset_${randomBytes(4).toString('hex')}`;
  let dataSource: DataSource;
  let items: Table<Item>;

  beforeAll(async () => {
    await withClient(adminUrl(), (client) => client.query(`CREATE DATABASE ${database}`));
    dataSource = new DataSource({ type: 'postgres', url: withDatabase(adminUrl(), database), entities: [Item] });
    await dataSource.initialize();
    await dataSource.query(`CREATE TABLE items (
      id uuid PRIMARY KEY, kind text NOT NULL, created_at timestamptz NOT NULL, seen_at timestamptz NOT NULL)`);
    // Ties on the sort column (five rows a microsecond), microseconds a Date would drop, and ids out of time order.
    await dataSource.query(
      `INSERT INTO items (id, kind, created_at, seen_at)
       SELECT gen_random_uuid(), CASE WHEN n % 3 = 0 THEN 'b' ELSE 'a' END,
              '2026-01-01T00:00:00Z'::timestamptz + (n / 5) * interval '1 microsecond',
              '2026-06-01T00:00:00Z'::timestamptz - n * interval '1 second'
       FROM generate_series(1, 40) AS n`,
    );
    items = Table.of(dataSource, Item);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await withClient(adminUrl(), (client) => client.query(`DROP DATABASE ${database} WITH (FORCE)`));
  });

  /** Every page of `kind` rows, `limit` at a time, following each page's last position. */
  async function pageThrough(kind: string, limit: number, sortColumn?: string): Promise<string[][]> {
    const pages: string[][] = [];
    let after: KeysetPosition | null = null;
    for (;;) {
      const rows: KeysetRow<Item>[] = await keysetPage(items, dataSource.manager, {
        from: 'items i',
        alias: 'i',
        where: 'i.kind = $1',
        params: [kind],
        after,
        limit,
        ...(sortColumn ? { sortColumn } : {}),
      });
      if (rows.length === 0) return pages;
      pages.push(rows.map((row) => row.id));
      const last = rows[rows.length - 1]!;
      after = { at: last.position, id: last.id };
    }
  }

  it('pages through the rows the conditions keep, each once, in (created_at, id) order, ties included', async () => {
    const all = await dataSource.query(`SELECT id FROM items WHERE kind = 'a' ORDER BY created_at, id`);
    const pages = await pageThrough('a', 4);
    expect(pages.map((page) => page.length)).toEqual([4, 4, 4, 4, 4, 4, 3]);
    expect(pages.flat()).toEqual(all.map((row: { id: string }) => row.id));
  });

  it('decodes the columns and gives the position as to_json writes it (microseconds kept)', async () => {
    const [first] = await keysetPage(items, dataSource.manager, {
      from: 'items i',
      alias: 'i',
      where: 'TRUE',
      params: [],
      after: null,
      limit: 1,
    });
    expect(first).toMatchObject({ kind: expect.stringMatching(/^[ab]$/), position: '2026-01-01T00:00:00+00:00' });
    expect(first!.createdAt).toBeInstanceOf(Date);
    const later = await keysetPage(items, dataSource.manager, {
      from: 'items i',
      alias: 'i',
      where: 'TRUE',
      params: [],
      after: { at: '2026-01-01T00:00:00.000007+00:00', id: 'ffffffff-ffff-4fff-bfff-ffffffffffff' },
      limit: 100,
    });
    // Only the row a microsecond later: the position compares to the microsecond.
    expect(later.map((row) => row.position)).toEqual(['2026-01-01T00:00:00.000008+00:00']);
  });

  it('orders by another timestamptz column when asked', async () => {
    const all = await dataSource.query(`SELECT id FROM items WHERE kind = 'b' ORDER BY seen_at, id`);
    expect((await pageThrough('b', 5, 'seen_at')).flat()).toEqual(all.map((row: { id: string }) => row.id));
  });
});
