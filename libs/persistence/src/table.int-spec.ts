import { randomBytes } from 'node:crypto';

import {
  Column,
  CreateDateColumn,
  DataSource,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
} from 'typeorm';

import { withDatabase } from './database-urls.js';
import { withClient } from './setup-database.js';
import { execute, queryRow, queryRows, RowShapeError, Table } from './table.js';

// Set by the jest global setup (test/global-setup.mjs); read directly because a data lib may not import the testing lib.
const adminUrl = () => process.env['SWITCHBOARD_TEST_ADMIN_URL'] ?? '';

function only<T>(rows: T[]): T {
  const [row] = rows;
  if (rows.length !== 1 || row === undefined) throw new Error(`expected one row, got ${rows.length}`);
  return row;
}

@Entity('owners')
class Owner {
  @PrimaryGeneratedColumn('uuid') id!: string;
}

@Entity('things')
class Thing {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'owner_id', type: 'uuid' }) ownerId!: string;
  @ManyToOne(() => Owner)
  @JoinColumn({ name: 'owner_id' })
  owner?: Relation<Owner>;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'integer', nullable: true }) size!: number | null;
  @Column({ type: 'jsonb' }) settings!: Record<string, unknown>;
  @Column({ type: 'boolean' }) active!: boolean;
  @Column({ type: 'bigint' }) total!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

describe('Table', () => {
  const database = `sbt_table_${randomBytes(4).toString('hex')}`;
  let dataSource: DataSource;
  let things: Table<Thing>;

  beforeAll(async () => {
    await withClient(adminUrl(), (client) => client.query(`CREATE DATABASE ${database}`));
    dataSource = new DataSource({
      type: 'postgres',
      url: withDatabase(adminUrl(), database),
      entities: [Owner, Thing],
    });
    await dataSource.initialize();
    // The schema the entities describe, written out as a migration would (no synchronize).
    await dataSource.query(`CREATE TABLE owners (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
      CREATE TABLE things (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id uuid NOT NULL REFERENCES owners (id),
        name text NOT NULL,
        size integer,
        settings jsonb NOT NULL,
        active boolean NOT NULL,
        total bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now())`);
    things = Table.of(dataSource, Thing);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await withClient(adminUrl(), (client) => client.query(`DROP DATABASE ${database} WITH (FORCE)`));
  });

  it('lists every column once, the relation only as its join column', () => {
    expect(things.columns.split(', ').sort()).toEqual(
      ['active', 'created_at', 'id', 'name', 'owner_id', 'settings', 'size', 'total'].sort(),
    );
    expect(things.columnsOf('t')).toMatch(/^t\.\w+(, t\.\w+)*$/);
  });

  it('decodes rows into the entity properties, with extra columns checked too', async () => {
    const owner = only(
      await queryRows(dataSource.manager, 'INSERT INTO owners DEFAULT VALUES RETURNING id', [], { id: 'string' }),
    );
    const rows = await things.query(
      dataSource.manager,
      `INSERT INTO things (owner_id, name, size, settings, active, total)
       VALUES ($1, 'a', NULL, '{"k":[1]}', true, 9007199254740993)
       RETURNING ${things.columns}, 7 AS rank, NULL::text AS note, NULL::boolean AS flagged, false AS seen`,
      [owner.id],
      { rank: 'number', note: 'string?', flagged: 'boolean?', seen: 'boolean?' },
    );
    const row = only(rows);
    expect(row).toMatchObject({
      ownerId: owner.id,
      name: 'a',
      size: null,
      settings: { k: [1] },
      active: true,
      total: '9007199254740993',
      rank: 7,
      note: null,
      flagged: null,
      seen: false,
    });
    expect(row.createdAt).toBeInstanceOf(Date);
    expect(Object.keys(row)).not.toContain('owner_id');
  });

  it('refuses a row of another shape, naming the column', async () => {
    await expect(
      things.query(dataSource.manager, `SELECT ${things.columns.replace('name', '1 AS name')} FROM things`),
    ).rejects.toThrow(new RowShapeError('things', 'name', 'string', 1));
    await expect(things.query(dataSource.manager, 'SELECT id FROM things')).rejects.toThrow(/things\.owner_id/);
    await expect(
      things.query(dataSource.manager, `SELECT ${things.columns}, NULL AS rank FROM things`, [], { rank: 'number' }),
    ).rejects.toThrow(/things\.rank: expected number, got null/);
    await expect(
      things.query(dataSource.manager, `SELECT ${things.columns}, 'f' AS seen FROM things`, [], { seen: 'boolean?' }),
    ).rejects.toThrow(/things\.seen: expected boolean\?, got/);
  });

  it('decodes the columns beside the row into an object of their own, checked too', () => {
    const raw = {
      id: 'i',
      owner_id: 'o',
      name: 'n',
      size: null,
      settings: {},
      active: false,
      total: '1',
      created_at: new Date(0),
      rank: 2,
    };
    const { row, extra } = things.decodeBeside(raw, { rank: 'number' });
    expect(row).toEqual({
      id: 'i',
      ownerId: 'o',
      name: 'n',
      size: null,
      settings: {},
      active: false,
      total: '1',
      createdAt: new Date(0),
    });
    expect(extra).toEqual({ rank: 2 });
    expect(() => things.decodeBeside({ ...raw, rank: '2' }, { rank: 'number' })).toThrow(
      /things\.rank: expected number, got string/,
    );
    expect(() => things.decodeBeside({ ...raw, name: 1 }, { rank: 'number' })).toThrow(/things\.name/);
  });

  it('narrows to picked columns: selects and checks only those', async () => {
    const named = things.pick('name', 'size');
    expect(named.columns).toBe('name, size');
    expect(named.columnsOf('t')).toBe('t.name, t.size');
    const rows = await named.query(dataSource.manager, `SELECT ${named.columnsOf('t')} FROM things t`);
    expect(rows).toEqual([{ name: 'a', size: null }]);
    expect(() => named.decode({ name: 'a' })).toThrow(/things\.size: expected number or null, got undefined/);
    expect(() => things.pick('owner' as 'name')).toThrow(/things: no column for property owner/);
  });

  it('reads UPDATE … RETURNING rows and counts touched rows', async () => {
    const updated = await things.query(dataSource.manager, `UPDATE things SET size = 3 RETURNING ${things.columns}`);
    expect(updated.map((row) => row.size)).toEqual([3]);
    expect(await execute(dataSource.manager, 'UPDATE things SET size = 4')).toBe(1);
    expect(await execute(dataSource.manager, 'DELETE FROM things WHERE false')).toBe(0);
    expect(
      await execute(
        dataSource.manager,
        "INSERT INTO things (owner_id, name, settings, active, total) SELECT owner_id, 'b', '{}', false, 1 FROM things",
      ),
    ).toBe(1);
    await dataSource.transaction(async (manager) => {
      expect(await execute(manager, "DELETE FROM things WHERE name = 'b'")).toBe(1);
    });
    expect(await queryRow(dataSource.manager, 'SELECT count(*)::int AS n FROM things', [], { n: 'number' })).toEqual({
      n: 1,
    });
    expect(await things.queryOne(dataSource.manager, `SELECT ${things.columns} FROM things WHERE false`)).toBeNull();
  });
});
