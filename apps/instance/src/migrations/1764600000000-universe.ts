import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The universe as this instance holds it: `universe_elements` (current
 * revision of each platform-wide element) and `universe_state` (the version
 * applied, one row). Neither is scoped to a workspace: every scope reads
 * them. Row-level security lets any role read and lets only a transaction
 * that set `app.universe_sync = 'on'` (the universe sync service) write, so a
 * tenant request that reached this table by a bug still could not change it.
 */
export class Universe1764600000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "universe_elements" ("id" uuid NOT NULL, "element_type" text NOT NULL, "key" text NOT NULL, "name" text NOT NULL, "definition" jsonb NOT NULL, "revision" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, "archived_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "universe_elements_type_key" UNIQUE ("element_type", "key"), CONSTRAINT "universe_elements_element_type" CHECK ("element_type" IN ('connector', 'external-app', 'action', 'flow', 'field-mapping', 'data-source')), CONSTRAINT "universe_elements_revision" CHECK ("revision" >= 1), CONSTRAINT "PK_universe_elements" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "universe_state" ("id" integer NOT NULL, "version" bigint NOT NULL, "digest" text NOT NULL, "applied_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "universe_state_single_row" CHECK ("id" = 1), CONSTRAINT "PK_universe_state" PRIMARY KEY ("id"))`,
    );
    for (const table of ['universe_elements', 'universe_state']) {
      await queryRunner.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(`CREATE POLICY "${table}_read" ON "${table}" FOR SELECT USING (true)`);
      await queryRunner.query(
        `CREATE POLICY "${table}_sync_write" ON "${table}" FOR ALL USING (current_setting('app.universe_sync', true) = 'on') WITH CHECK (current_setting('app.universe_sync', true) = 'on')`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "universe_state"`);
    await queryRunner.query(`DROP TABLE "universe_elements"`);
  }
}
