import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `GET /org-workspaces` pages an org's workspaces by `(created_at, id)` after a
 * cursor. With only an index on `org_id`, every page read and sorted all of
 * the org's rows (an org with 50,000 workspaces: tens of ms a page, growing
 * with the org). This index serves the filter, the order and the cursor,
 * so a page reads only its own rows; it also serves every lookup by `org_id`,
 * so it replaces that index. Measured by bench/hub-scale.
 *
 * Likewise an instance reconciles a range of its workspaces at a time in id
 * order (`RoutingRepository.placedOn`): `(instance_id, id)` replaces the index
 * on `instance_id`.
 */
export class OrgWorkspacesIndexes1765100000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "org_workspaces_org_created" ON "org_workspaces" ("org_id", "created_at", "id")`,
    );
    await queryRunner.query(`DROP INDEX "IDX_297b39cc664d00ccb9fefeb7d0"`);
    await queryRunner.query(`CREATE INDEX "org_workspaces_instance" ON "org_workspaces" ("instance_id", "id")`);
    await queryRunner.query(`DROP INDEX "IDX_5b92eb96705d3cdea0a31d994a"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IDX_5b92eb96705d3cdea0a31d994a" ON "org_workspaces" ("instance_id")`);
    await queryRunner.query(`DROP INDEX "org_workspaces_instance"`);
    await queryRunner.query(`CREATE INDEX "IDX_297b39cc664d00ccb9fefeb7d0" ON "org_workspaces" ("org_id")`);
    await queryRunner.query(`DROP INDEX "org_workspaces_org_created"`);
  }
}
