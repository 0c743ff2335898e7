import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Elements: workspace templates, their revisions, and tenants'
 * customisations of them. Templates and revisions are workspace-level: their
 * policy binds a row to the scope's workspace, and a tenant scope reads them
 * too (every tenant starts from the same template) but cannot write them. Customisations are
 * tenant-level, with the same policy as tenants: a tenant scope sees only its
 * own. Composite foreign keys keep a revision or a customisation from pointing
 * at a template (or a tenant) of another workspace.
 */
export class Elements1763910000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "element_templates" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "element_type" text NOT NULL, "key" text NOT NULL, "name" text NOT NULL, "definition" jsonb NOT NULL, "revision" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "archived_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "element_templates_workspace_id_id" UNIQUE ("workspace_id", "id"), CONSTRAINT "element_templates_workspace_type_key" UNIQUE ("workspace_id", "element_type", "key"), CONSTRAINT "element_templates_revision" CHECK ("revision" >= 1), CONSTRAINT "element_templates_element_type" CHECK ("element_type" IN ('action', 'flow', 'field-mapping', 'data-source')), CONSTRAINT "PK_2fba8e0bc8b43ed82565f3feeb7" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "element_templates_list" ON "element_templates"  ("workspace_id", "element_type", "created_at", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "element_customizations" ("element_id" uuid NOT NULL, "tenant_id" uuid NOT NULL, "workspace_id" uuid NOT NULL, "definition" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_931066be4bf31e2b5d8a1d20353" PRIMARY KEY ("element_id", "tenant_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "element_customizations_tenant" ON "element_customizations"  ("workspace_id", "tenant_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "element_revisions" ("element_id" uuid NOT NULL, "revision" integer NOT NULL, "workspace_id" uuid NOT NULL, "name" text NOT NULL, "definition" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_67848fc571d0d7492a57c0bcc3e" PRIMARY KEY ("element_id", "revision"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "element_templates" ADD CONSTRAINT "FK_0eaa06e1a34c7beaeaee1539ad3" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "element_customizations" ADD CONSTRAINT "FK_744b0e3e3f894ad269ed2ebc971" FOREIGN KEY ("element_id", "workspace_id") REFERENCES "element_templates"("id","workspace_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "element_customizations" ADD CONSTRAINT "FK_8a5fa0f2620be90a5435d48c553" FOREIGN KEY ("tenant_id", "workspace_id") REFERENCES "tenants"("id","workspace_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "element_revisions" ADD CONSTRAINT "FK_97b554778cfea5fa2b09be92dd6" FOREIGN KEY ("element_id", "workspace_id") REFERENCES "element_templates"("id","workspace_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    for (const table of ['element_templates', 'element_revisions']) {
      await queryRunner.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(
        `CREATE POLICY "${table}_scope" ON "${table}" USING (workspace_id = app_workspace_id()) WITH CHECK (workspace_id = app_workspace_id())`,
      );
      // Tenants read templates but never write them: the service refuses, and so does the database.
      await queryRunner.query(
        `CREATE POLICY "${table}_admin_insert" ON "${table}" AS RESTRICTIVE FOR INSERT WITH CHECK (app_tenant_id() IS NULL)`,
      );
      await queryRunner.query(
        `CREATE POLICY "${table}_admin_update" ON "${table}" AS RESTRICTIVE FOR UPDATE USING (app_tenant_id() IS NULL)`,
      );
      await queryRunner.query(
        `CREATE POLICY "${table}_admin_delete" ON "${table}" AS RESTRICTIVE FOR DELETE USING (app_tenant_id() IS NULL)`,
      );
    }
    await queryRunner.query(`ALTER TABLE "element_customizations" ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "element_customizations" FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY "element_customizations_scope" ON "element_customizations" USING (workspace_id = app_workspace_id() AND (app_tenant_id() IS NULL OR tenant_id = app_tenant_id())) WITH CHECK (workspace_id = app_workspace_id() AND (app_tenant_id() IS NULL OR tenant_id = app_tenant_id()))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "element_customizations" CASCADE`);
    await queryRunner.query(`DROP TABLE "element_revisions" CASCADE`);
    await queryRunner.query(`DROP TABLE "element_templates" CASCADE`);
  }
}
