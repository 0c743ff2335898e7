import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `workspace_moves`: the durable state machine of moving a workspace to
 * another instance (see the WorkspaceMove entity), with at most one running
 * move per workspace (`workspace_moves_running`, partial unique).
 */
export class WorkspaceMoves1765000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "workspace_moves" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "org_workspace_id" uuid NOT NULL, "from_instance_id" text NOT NULL, "to_instance_id" text NOT NULL, "state" text NOT NULL, "copy_table" integer NOT NULL DEFAULT '0', "copy_after" jsonb, "change_cursor" bigint NOT NULL DEFAULT '0', "rows_copied" bigint NOT NULL DEFAULT '0', "write_pause_ms" integer, "error" text, "cleanup_pending" boolean NOT NULL DEFAULT false, "purge_after" TIMESTAMP WITH TIME ZONE, "purged_at" TIMESTAMP WITH TIME ZONE, "lease_owner" text, "lease_until" TIMESTAMP WITH TIME ZONE, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "drain" boolean NOT NULL DEFAULT false, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_workspace_moves" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_9240f0466c9378d59ebc5584c7" ON "workspace_moves" ("org_workspace_id") `);
    await queryRunner.query(`CREATE INDEX "workspace_moves_due" ON "workspace_moves" ("next_attempt_at") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "workspace_moves_running" ON "workspace_moves" ("org_workspace_id")
       WHERE state IN ('copying', 'catching_up', 'cutover')`,
    );
    await queryRunner.query(
      `ALTER TABLE "workspace_moves" ADD CONSTRAINT "FK_9240f0466c9378d59ebc5584c75" FOREIGN KEY ("org_workspace_id") REFERENCES "org_workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "workspace_moves"');
  }
}
