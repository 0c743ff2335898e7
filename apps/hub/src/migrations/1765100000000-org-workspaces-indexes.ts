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
 *
 * And the relay marks a workspace's undelivered routing rows delivered on
 * each reply (`RoutingRepository.markDelivered`): `routing_outbox_undelivered`
 * finds them by workspace among the undelivered rows only. Without it, after
 * a change to every workspace (100,000 rows inserted at once, statistics not
 * yet updated), Postgres chose the partial index on `next_attempt_at` and
 * scanned every undelivered row for each reply: about 100 changes/s.
 */
export class OrgWorkspacesIndexes1765100000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "org_workspaces_org_created" ON "org_workspaces" ("org_id", "created_at", "id")`,
    );
    await queryRunner.query(`DROP INDEX "IDX_297b39cc664d00ccb9fefeb7d0"`);
    await queryRunner.query(`CREATE INDEX "org_workspaces_instance" ON "org_workspaces" ("instance_id", "id")`);
    await queryRunner.query(`DROP INDEX "IDX_5b92eb96705d3cdea0a31d994a"`);
    await queryRunner.query(
      `CREATE INDEX "routing_outbox_undelivered" ON "routing_outbox" ("workspace_id", "version") WHERE delivered_at IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "routing_outbox_undelivered"`);
    await queryRunner.query(`CREATE INDEX "IDX_5b92eb96705d3cdea0a31d994a" ON "org_workspaces" ("instance_id")`);
    await queryRunner.query(`DROP INDEX "org_workspaces_instance"`);
    await queryRunner.query(`CREATE INDEX "IDX_297b39cc664d00ccb9fefeb7d0" ON "org_workspaces" ("org_id")`);
    await queryRunner.query(`DROP INDEX "org_workspaces_org_created"`);
  }
}
