import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A converted id: `md5(workspace id / table / old id)` as a uuid; the SQL of `up`, for `table` and a bigint `column`. */
const derivedId = (table: string, column: string): string =>
  `md5("workspace_id"::text || '/${table}/' || "${column}"::text)::uuid`;

/**
 * `usage_records.id` and `balance_entries.id` (with `usage_record_id`, the
 * usage record a debit paid for) become uuids, `gen_random_uuid()` by
 * default, like every other table's ids. They were identities numbered per
 * instance database, and a move copies rows with their ids (API.md, "Moving a
 * workspace to another instance"): a workspace with usage could not move to
 * an instance holding another workspace's rows with the same numbers (any
 * instance that ever recorded usage: both start at 1), the conflicting row
 * being invisible under row-level security.
 *
 * Existing rows keep their numbers' meaning: each becomes
 * `md5(workspace_id || '/' || table || '/' || number)` read as a uuid. A
 * workspace's numbers are unique (they were a primary key wherever it lived),
 * and distinct workspaces hash differently, so the ids are unique across
 * instances; and the conversion is deterministic, so a debit's link is
 * converted by the same rule without a join (a link to a usage record that is
 * gone stays as it was: pointing at nothing), and the two sides of a move in
 * progress, each converting its own copy, agree on every row: the change log's
 * recorded primary keys of these tables are converted likewise. Every step is
 * an `ALTER TABLE` rewrite (no row trigger fires, row-level security does not
 * apply) or the change log's own UPDATE, in the migration's one transaction.
 *
 * `move_advance_identity` goes: nothing a move copies has an identity now.
 *
 * `down` numbers the rows again, per table from 1 in `(created_at, id)`
 * order (a debit's link follows its usage record; links to missing usage
 * records get numbers after the last), makes `id` an identity again whose
 * next value follows the largest, and brings back `move_advance_identity`.
 * Recorded changes of these tables whose row is gone are dropped (a move in
 * progress then fails its cutover tally, never passes short in silence).
 */
export class UsageIdsAcrossInstances1766900000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION move_advance_identity(text, bigint)');
    await queryRunner.query(`ALTER TABLE "usage_records" ALTER COLUMN "id" DROP IDENTITY`);
    await queryRunner.query(
      `ALTER TABLE "usage_records" ALTER COLUMN "id" TYPE uuid USING ${derivedId('usage_records', 'id')}`,
    );
    await queryRunner.query(`ALTER TABLE "usage_records" ALTER COLUMN "id" SET DEFAULT gen_random_uuid()`);
    await queryRunner.query(`ALTER TABLE "balance_entries" ALTER COLUMN "id" DROP IDENTITY`);
    await queryRunner.query(
      `ALTER TABLE "balance_entries"
         ALTER COLUMN "id" TYPE uuid USING ${derivedId('balance_entries', 'id')},
         ALTER COLUMN "usage_record_id" TYPE uuid USING ${derivedId('usage_records', 'usage_record_id')}`,
    );
    await queryRunner.query(`ALTER TABLE "balance_entries" ALTER COLUMN "id" SET DEFAULT gen_random_uuid()`);
    await queryRunner.query(
      `UPDATE "workspace_move_changes"
       SET "pk" = jsonb_build_object('id', md5("workspace_id"::text || '/' || "table_name" || '/' || ("pk" ->> 'id'))::uuid)
       WHERE "table_name" IN ('usage_records', 'balance_entries')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The owner is subject to the forced row-level security of these tables (and would read no row).
    for (const table of ['usage_records', 'balance_entries']) {
      await queryRunner.query(`ALTER TABLE "${table}" NO FORCE ROW LEVEL SECURITY`);
    }
    await queryRunner.query(
      `CREATE TEMPORARY TABLE "usage_record_numbers" AS
       SELECT "id", row_number() OVER (ORDER BY "created_at", "id") AS "number" FROM "usage_records"`,
    );
    await queryRunner.query(
      `INSERT INTO "usage_record_numbers" ("id", "number")
       SELECT d."id", (SELECT count(*) FROM "usage_record_numbers") + row_number() OVER (ORDER BY d."id")
       FROM (SELECT "usage_record_id" AS "id" FROM "balance_entries" WHERE "usage_record_id" IS NOT NULL
             EXCEPT SELECT "id" FROM "usage_records") d`,
    );
    await queryRunner.query(
      `CREATE TEMPORARY TABLE "balance_entry_numbers" AS
       SELECT "id", row_number() OVER (ORDER BY "created_at", "id") AS "number" FROM "balance_entries"`,
    );
    // A function, since ALTER … TYPE … USING takes no subquery.
    await queryRunner.query(
      `CREATE FUNCTION pg_temp.old_number(p_table text, p_id uuid) RETURNS bigint LANGUAGE sql STABLE AS $$
         SELECT "number" FROM pg_temp."usage_record_numbers" WHERE p_table = 'usage_records' AND "id" = p_id
         UNION ALL
         SELECT "number" FROM pg_temp."balance_entry_numbers" WHERE p_table = 'balance_entries' AND "id" = p_id
       $$`,
    );
    await queryRunner.query(
      `UPDATE "workspace_move_changes"
       SET "pk" = jsonb_build_object('id', pg_temp.old_number("table_name", ("pk" ->> 'id')::uuid))
       WHERE "table_name" IN ('usage_records', 'balance_entries')`,
    );
    await queryRunner.query(
      `DELETE FROM "workspace_move_changes"
       WHERE "table_name" IN ('usage_records', 'balance_entries') AND "pk" -> 'id' = 'null'::jsonb`,
    );
    await queryRunner.query(
      `ALTER TABLE "usage_records" ALTER COLUMN "id" DROP DEFAULT,
         ALTER COLUMN "id" TYPE bigint USING pg_temp.old_number('usage_records', "id")`,
    );
    await queryRunner.query(
      `ALTER TABLE "balance_entries" ALTER COLUMN "id" DROP DEFAULT,
         ALTER COLUMN "id" TYPE bigint USING pg_temp.old_number('balance_entries', "id"),
         ALTER COLUMN "usage_record_id" TYPE bigint USING pg_temp.old_number('usage_records', "usage_record_id")`,
    );
    for (const [table, numbers] of [
      ['usage_records', 'usage_record_numbers'],
      ['balance_entries', 'balance_entry_numbers'],
    ] as const) {
      await queryRunner.query(`ALTER TABLE "${table}" ALTER COLUMN "id" ADD GENERATED BY DEFAULT AS IDENTITY`);
      await queryRunner.query(
        `SELECT setval(pg_get_serial_sequence('${table}', 'id'), max("number")) FROM "${numbers}" HAVING count(*) > 0`,
      );
      await queryRunner.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
    }
    await queryRunner.query('DROP FUNCTION pg_temp.old_number(text, uuid)');
    await queryRunner.query('DROP TABLE "usage_record_numbers"');
    await queryRunner.query('DROP TABLE "balance_entry_numbers"');
    await queryRunner.query(`
      CREATE FUNCTION move_advance_identity(p_table text, p_value bigint) RETURNS void
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        sequence_name text;
        current bigint;
      BEGIN
        IF p_table NOT IN ('usage_records', 'balance_entries') THEN
          RAISE EXCEPTION 'move_advance_identity: % has no identity a move advances', p_table;
        END IF;
        sequence_name := pg_get_serial_sequence(p_table, 'id');
        EXECUTE format('SELECT last_value FROM %s', sequence_name) INTO current;
        IF p_value > current THEN
          PERFORM setval(sequence_name, p_value);
        END IF;
      END $$`);
  }
}
