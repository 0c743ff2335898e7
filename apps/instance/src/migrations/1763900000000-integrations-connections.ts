import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Integrations (workspace-level) and connections (tenant-level). Both are
 * under row-level security, enabled and forced. Integrations are visible to
 * every scope of their workspace, but only a workspace (admin) scope may write
 * one, so a tenant request cannot create or change an integration even if the
 * service forgot to check. A connection's foreign keys to its tenant and its
 * integration are composite with `workspace_id`, so it can never point into
 * another workspace.
 */
export class IntegrationsConnections1763900000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "integrations" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "key" text NOT NULL, "name" text NOT NULL, "auth_type" text NOT NULL, "client_id" text, "sealed_client_secret" text, "settings" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "archived_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "integrations_workspace_id_id" UNIQUE ("workspace_id", "id"), CONSTRAINT "integrations_workspace_key" UNIQUE ("workspace_id", "key"), CONSTRAINT "PK_9adcdc6d6f3922535361ce641e8" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "connections" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "tenant_id" uuid NOT NULL, "integration_id" uuid NOT NULL, "name" text NOT NULL, "input" jsonb NOT NULL DEFAULT '{}', "sealed_credentials" text, "disconnected" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "archived_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_0a1f844af3122354cbd487a8d03" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "connections_integration" ON "connections"  ("workspace_id", "integration_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "connections_scope_time" ON "connections"  ("workspace_id", "tenant_id", "created_at") `,
    );
    await queryRunner.query(
      `ALTER TABLE "integrations" ADD CONSTRAINT "FK_5b8a8ec6fd19c01de60acc6b7e5" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "connections" ADD CONSTRAINT "FK_85e3c692c7f1fd3bae8c8c98123" FOREIGN KEY ("tenant_id", "workspace_id") REFERENCES "tenants"("id","workspace_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "connections" ADD CONSTRAINT "FK_8dd138f9cef7db742604239cbca" FOREIGN KEY ("integration_id", "workspace_id") REFERENCES "integrations"("id","workspace_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`ALTER TABLE "integrations" ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "integrations" FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY "integrations_scope" ON "integrations" USING (workspace_id = app_workspace_id()) WITH CHECK (workspace_id = app_workspace_id() AND app_tenant_id() IS NULL)`,
    );
    await queryRunner.query(`ALTER TABLE "connections" ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "connections" FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY "connections_scope" ON "connections" USING (workspace_id = app_workspace_id() AND (app_tenant_id() IS NULL OR tenant_id = app_tenant_id())) WITH CHECK (workspace_id = app_workspace_id() AND (app_tenant_id() IS NULL OR tenant_id = app_tenant_id()))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "connections" CASCADE`);
    await queryRunner.query(`DROP TABLE "integrations" CASCADE`);
  }
}
