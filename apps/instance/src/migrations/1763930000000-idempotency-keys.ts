import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency-Key per principal: per tenant of a workspace, or per workspace
 * admin (`tenant_id` null). Under row-level security like `tenants`: an admin
 * scope sees its workspace's keys, a tenant scope only its own, never an
 * admin's. The unique index treats nulls as equal so that an admin's key is
 * claimed once too.
 */
export class IdempotencyKeys1763930000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "idempotency_keys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "tenant_id" uuid, "key" text NOT NULL, "request_hash" text NOT NULL, "status_code" integer, "sealed_response" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_8ad20779ad0411107a56e53d0f6" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "idempotency_keys_owner_key" ON "idempotency_keys" ("workspace_id", "tenant_id", "key") NULLS NOT DISTINCT`,
    );
    await queryRunner.query(
      `CREATE INDEX "idempotency_keys_workspace_time" ON "idempotency_keys"  ("workspace_id", "created_at") `,
    );
    await queryRunner.query(
      `ALTER TABLE "idempotency_keys" ADD CONSTRAINT "FK_d91f6cda12b1b4864125fdc42f0" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "idempotency_keys" ADD CONSTRAINT "FK_be39e280fe9ca4e96c117ef1942" FOREIGN KEY ("tenant_id", "workspace_id") REFERENCES "tenants"("id","workspace_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`ALTER TABLE "idempotency_keys" ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "idempotency_keys" FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY "idempotency_keys_scope" ON "idempotency_keys" USING (workspace_id = app_workspace_id() AND (app_tenant_id() IS NULL OR tenant_id = app_tenant_id())) WITH CHECK (workspace_id = app_workspace_id() AND (app_tenant_id() IS NULL OR tenant_id = app_tenant_id()))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "idempotency_keys"`);
  }
}
