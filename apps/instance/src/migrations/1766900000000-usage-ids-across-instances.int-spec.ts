import { createHash, randomUUID } from 'node:crypto';

import { withClient } from '@switchboard/persistence';
import { createTestDatabase, type TestDatabase } from '@switchboard/testing';
import type { DataSource } from 'typeorm';

import { undoLastMigrations } from './undo-migrations.testing.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the migration makes of a number of the workspace's rows of `table`. */
const converted = (workspaceId: string, table: string, number: string): string =>
  createHash('md5')
    .update(`${workspaceId}/${table}/${number}`)
    .digest('hex')
    .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

/** A ledger row, with the usage record its debit names, read as it is after either migration. */
interface Entry {
  id: string;
  workspace: string;
  tenant: string;
  credits: string;
  balanceAfter: string;
  reference: string | null;
  usageRecordId: string | null;
  /** The credits of the usage record the debit names (unique per record in this seed); null: none found. */
  paidFor: number | null;
}

/**
 * Migration 1766900000000 (usage_records and balance_entries ids become
 * uuids) on a database holding rows with the old per-instance numbers: every
 * row is kept with each of its columns, every debit still names its usage
 * record (one naming a record that is gone keeps naming nothing), a recorded
 * change of a move in progress names the converted row, and new rows get
 * random uuids. Undone, the rows are numbered again with every link kept, and
 * the identity goes on after the largest number.
 */
describe('migration 1766900000000: usage and ledger ids unique across instances', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const workspaces = [randomUUID(), randomUUID()];
  const tenantOf: Record<string, string> = {};

  const sql = async <T>(text: string, params: unknown[] = []): Promise<T[]> =>
    withClient(database.adminUrl, async (client) => (await client.query(text, params)).rows as T[]);
  const usage = () =>
    sql<{ id: string; workspace: string; tenant: string; credits: number; kind: string | null; created: string }>(
      `SELECT id::text, workspace_id AS workspace, tenant_id AS tenant, credits, kind, created_at::text AS created
       FROM usage_records ORDER BY credits`,
    );
  const ledger = () =>
    sql<Entry>(
      `SELECT e.id::text, e.workspace_id AS workspace, e.tenant_id AS tenant, e.credits::text,
              e.balance_after::text AS "balanceAfter", e.reference, e.usage_record_id::text AS "usageRecordId",
              u.credits AS "paidFor"
       FROM balance_entries e LEFT JOIN usage_records u ON u.id = e.usage_record_id
       ORDER BY e.workspace_id, e.balance_after, e.credits`,
    );
  const columnType = async (table: string, column: string) =>
    (
      await sql<{ type: string; identity: string; default: string | null }>(
        `SELECT data_type AS type, is_identity AS identity, column_default AS default FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = $1 AND column_name = $2`,
        [table, column],
      )
    )[0];
  const advanceIdentityExists = async () =>
    (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'move_advance_identity'`))[0]
      ?.n === 1;

  beforeAll(async () => {
    database = await createTestDatabase('instance');
    // Back to the schema before the migration, as the owner runs it.
    dataSource = await undoLastMigrations(database, 1);
    expect(await columnType('usage_records', 'id')).toMatchObject({ type: 'bigint', identity: 'YES' });
    expect(await advanceIdentityExists()).toBe(true);

    for (const [index, workspaceId] of workspaces.entries()) {
      await sql(
        `INSERT INTO workspaces (id, org_id, key, name, sealed_secret, config_version)
         VALUES ($1, $1, $2, 'w', 'sealed', 1)`,
        [workspaceId, `migrated-${index}`],
      );
      tenantOf[workspaceId] = (
        await sql<{ id: string }>(
          `INSERT INTO tenants (workspace_id, internal_id, name) VALUES ($1, 't', 'T') RETURNING id`,
          [workspaceId],
        )
      )[0]!.id;
    }
    // Old rows as the instance wrote them: numbers from the identities. Each usage record's credits are unique, so
    // a debit's link can be told by the credits of the record it names.
    const [a, b] = workspaces as [string, string];
    const record = async (workspaceId: string, credits: number, kind: string | null) =>
      (
        await sql<{ id: string }>(
          `INSERT INTO usage_records (workspace_id, tenant_id, credits, kind, created_at)
           VALUES ($1, $2, $3::int, $4, now() - make_interval(secs => $3::int)) RETURNING id::text`,
          [workspaceId, tenantOf[workspaceId], credits, kind],
        )
      )[0]!.id;
    const topUp = (workspaceId: string, credits: number, after: number, reference: string) =>
      sql(
        `INSERT INTO balance_entries (workspace_id, tenant_id, credits, balance_after, reference) VALUES ($1, $2, $3, $4, $5)`,
        [workspaceId, tenantOf[workspaceId], credits, after, reference],
      );
    const debit = (workspaceId: string, credits: number, after: number, usageRecordId: string) =>
      sql(
        `INSERT INTO balance_entries (workspace_id, tenant_id, credits, balance_after, usage_record_id)
         VALUES ($1, $2, $3, $4, $5)`,
        [workspaceId, tenantOf[workspaceId], -credits, after, usageRecordId],
      );
    await topUp(a, 100, 100, 'first');
    await debit(a, 3, 97, await record(a, 3, 'chat'));
    await debit(a, 5, 92, await record(a, 5, null));
    await record(a, 7, 'not prepaid then');
    await topUp(b, 50, 50, 'first');
    await debit(b, 11, 39, await record(b, 11, 'chat'));
    // A debit naming a usage record that is not here (there is no foreign key): kept, naming nothing still.
    await debit(b, 13, 26, '9999');
    await topUp(b, 4, 30, 'second');
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('keeps every row and every debit’s usage record, with uuids derived from the numbers', async () => {
    const usageBefore = await usage();
    const ledgerBefore = await ledger();
    expect(usageBefore).toHaveLength(4);
    expect(ledgerBefore).toHaveLength(7);
    expect(
      ledgerBefore.flatMap((entry) => (entry.paidFor === null ? [] : [entry.paidFor])).sort((x, y) => x - y),
    ).toEqual([3, 5, 11]);
    const paid = ledgerBefore.find((entry) => entry.paidFor === 5)!;
    // A move in progress recorded a change of that usage record and of its debit.
    await sql(
      `INSERT INTO workspace_move_changes (workspace_id, table_name, pk) VALUES
         ($1, 'usage_records', jsonb_build_object('id', $2::bigint)),
         ($1, 'balance_entries', jsonb_build_object('id', $3::bigint))`,
      [paid.workspace, paid.usageRecordId, paid.id],
    );

    await dataSource.runMigrations({ transaction: 'each' });

    expect(await columnType('usage_records', 'id')).toEqual({
      type: 'uuid',
      identity: 'NO',
      default: 'gen_random_uuid()',
    });
    expect(await columnType('balance_entries', 'id')).toEqual({
      type: 'uuid',
      identity: 'NO',
      default: 'gen_random_uuid()',
    });
    expect(await columnType('balance_entries', 'usage_record_id')).toMatchObject({ type: 'uuid' });
    expect(await advanceIdentityExists()).toBe(false);

    const usageAfter = await usage();
    expect(usageAfter).toEqual(
      usageBefore.map((row) => ({ ...row, id: converted(row.workspace, 'usage_records', row.id) })),
    );
    const ledgerAfter = await ledger();
    expect(ledgerAfter).toEqual(
      ledgerBefore.map((entry) => ({
        ...entry,
        id: converted(entry.workspace, 'balance_entries', entry.id),
        usageRecordId: entry.usageRecordId && converted(entry.workspace, 'usage_records', entry.usageRecordId),
      })),
    );
    expect(new Set([...usageAfter, ...ledgerAfter].map((row) => row.id)).size).toBe(11);
    expect([...usageAfter, ...ledgerAfter].every((row) => UUID.test(row.id))).toBe(true);
    expect(ledgerAfter.filter((entry) => entry.usageRecordId !== null && entry.paidFor === null)).toHaveLength(1);

    const changes = await sql<{ table_name: string; pk: { id: string } }>(
      'SELECT table_name, pk FROM workspace_move_changes ORDER BY id',
    );
    expect(changes).toEqual([
      { table_name: 'usage_records', pk: { id: converted(paid.workspace, 'usage_records', paid.usageRecordId!) } },
      { table_name: 'balance_entries', pk: { id: converted(paid.workspace, 'balance_entries', paid.id) } },
    ]);

    const [fresh] = await sql<{ id: string }>(
      `INSERT INTO usage_records (workspace_id, tenant_id, credits) VALUES ($1, $2, 17) RETURNING id::text`,
      [workspaces[0], tenantOf[workspaces[0]!]],
    );
    expect(fresh?.id).toMatch(UUID);
    await sql('DELETE FROM usage_records WHERE credits = 17');
  });

  it('undone, numbers the rows again, keeping every row and link, the identity after the largest number', async () => {
    const usageBefore = await usage();
    const ledgerBefore = await ledger();
    await dataSource.undoLastMigration({ transaction: 'all' });

    expect(await columnType('usage_records', 'id')).toMatchObject({ type: 'bigint', identity: 'YES' });
    expect(await columnType('balance_entries', 'id')).toMatchObject({ type: 'bigint', identity: 'YES' });
    expect(await columnType('balance_entries', 'usage_record_id')).toMatchObject({ type: 'bigint' });
    expect(await advanceIdentityExists()).toBe(true);
    const forced = await sql<{ relname: string; relforcerowsecurity: boolean }>(
      `SELECT relname, relforcerowsecurity FROM pg_class WHERE relname IN ('usage_records', 'balance_entries')
       ORDER BY relname`,
    );
    expect(forced.map((row) => row.relforcerowsecurity)).toEqual([true, true]);

    const usageAfter = await usage();
    // Rows as they are but for their ids (and whether a debit names a usage record, found or not).
    const withoutId = (rows: { id: string }[]) => rows.map((row) => ({ ...row, id: undefined }));
    const ledgerWithoutId = (entries: Entry[]) =>
      entries.map((entry) => ({ ...entry, id: undefined, usageRecordId: entry.usageRecordId !== null }));
    expect(withoutId(usageAfter)).toEqual(withoutId(usageBefore));
    expect(usageAfter.map((row) => Number(row.id)).sort()).toEqual([1, 2, 3, 4]);
    const ledgerAfter = await ledger();
    expect(ledgerWithoutId(ledgerAfter)).toEqual(ledgerWithoutId(ledgerBefore));
    // The debit naming nothing names a number no usage record has, after the last one.
    expect(ledgerAfter.find((entry) => entry.usageRecordId !== null && entry.paidFor === null)?.usageRecordId).toBe(
      '5',
    );
    const changes = await sql<{ table_name: string; pk: { id: number } }>(
      'SELECT table_name, pk FROM workspace_move_changes ORDER BY id',
    );
    const paid = ledgerAfter.find((entry) => entry.paidFor === 5)!;
    expect(changes).toEqual([
      { table_name: 'usage_records', pk: { id: Number(paid.usageRecordId) } },
      { table_name: 'balance_entries', pk: { id: Number(paid.id) } },
    ]);
    const [next] = await sql<{ id: string }>(
      `INSERT INTO usage_records (workspace_id, tenant_id, credits) VALUES ($1, $2, 17) RETURNING id::text`,
      [workspaces[0], tenantOf[workspaces[0]!]],
    );
    expect(next?.id).toBe('6');
  });
});
