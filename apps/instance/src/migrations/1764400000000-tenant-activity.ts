import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenants gain `is_test` (set by an admin; Membrane's test customers) and
 * `last_active_at` (the last authenticated request, to the minute), and
 * `touch_tenant_activity(workspace, tenant)`: sets the tenant scope and moves
 * `last_active_at` to now only when it is older than a minute, in one
 * statement. An UPDATE whose WHERE matches nothing writes no row version, so
 * however many requests and replicas, a tenant's row is written at most once
 * a minute. SECURITY INVOKER, like the scoped reads: row-level security
 * applies, and the tenant scope may touch only itself. `set_config(…, true)`
 * ends with the statement's own transaction.
 */
export class TenantActivity1764400000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tenants" ADD "is_test" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "tenants" ADD "last_active_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`
      CREATE FUNCTION touch_tenant_activity(p_workspace_id uuid, p_tenant_id uuid)
      RETURNS void LANGUAGE plpgsql SECURITY INVOKER AS $$
      BEGIN
        PERFORM set_config('app.workspace_id', p_workspace_id::text, true);
        PERFORM set_config('app.tenant_id', p_tenant_id::text, true);
        UPDATE tenants SET last_active_at = now()
         WHERE id = p_tenant_id AND (last_active_at IS NULL OR last_active_at < now() - interval '1 minute');
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION touch_tenant_activity(uuid, uuid)');
    await queryRunner.query('ALTER TABLE "tenants" DROP COLUMN "last_active_at"');
    await queryRunner.query('ALTER TABLE "tenants" DROP COLUMN "is_test"');
  }
}
