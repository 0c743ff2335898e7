import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The functions row-level security policies use to read the request's scope
 * (see TenantScope). An unset or empty setting reads as NULL, and NULL never
 * equals a row's id, so a missing context sees nothing.
 *
 * Policy for a tenant-level table:
 *   USING (workspace_id = app_workspace_id() AND (app_tenant_id() IS NULL OR tenant_id = app_tenant_id()))
 * with ENABLE and FORCE ROW LEVEL SECURITY.
 */
export class ScopeFunctions1763850000100 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION app_workspace_id() RETURNS uuid LANGUAGE sql STABLE AS
        $$ SELECT NULLIF(current_setting('app.workspace_id', true), '')::uuid $$`);
    await queryRunner.query(`
      CREATE FUNCTION app_tenant_id() RETURNS uuid LANGUAGE sql STABLE AS
        $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION app_tenant_id()');
    await queryRunner.query('DROP FUNCTION app_workspace_id()');
  }
}
