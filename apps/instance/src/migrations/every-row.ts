import type { QueryRunner } from 'typeorm';

/**
 * Runs `work` with forced row-level security lifted from `tables`, and forced
 * again after it. The owner role runs the migrations and owns every table, but
 * `FORCE ROW LEVEL SECURITY` (which every tenant-level table has, so that the
 * owner cannot read around the policies either) subjects it to the policies
 * like the app role; with no scope set, a migration's UPDATE or DELETE would
 * then see no row of these tables and change nothing, in silence (PostgreSQL
 * manual, "Row Security Policies" and ALTER TABLE … FORCE ROW LEVEL
 * SECURITY). Inside the migration's transaction, so no other session ever
 * sees the tables without it.
 * @param tables every table the work reads or writes rows of.
 */
export async function onEveryRow(queryRunner: QueryRunner, tables: readonly string[], work: () => Promise<void>) {
  for (const table of tables) await queryRunner.query(`ALTER TABLE "${table}" NO FORCE ROW LEVEL SECURITY`);
  await work();
  for (const table of tables) await queryRunner.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
}
