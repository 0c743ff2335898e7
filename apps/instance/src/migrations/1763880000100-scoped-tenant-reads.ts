import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hottest reads — a token's tenant by internalId, a tenant by id — as
 * functions that set the scope and read in one statement: one round trip
 * instead of four (BEGIN, set_config, SELECT, COMMIT). They run as the caller
 * (SECURITY INVOKER), so row-level security applies exactly as to any query,
 * and `set_config(…, true)` ends with the statement's own transaction.
 */
export class ScopedTenantReads1763880000100 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION scoped_tenant_by_internal_id(p_workspace_id uuid, p_internal_id text)
      RETURNS SETOF tenants LANGUAGE plpgsql SECURITY INVOKER AS $$
      BEGIN
        PERFORM set_config('app.workspace_id', p_workspace_id::text, true);
        PERFORM set_config('app.tenant_id', '', true);
        RETURN QUERY SELECT * FROM tenants WHERE internal_id = p_internal_id;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION scoped_tenant_by_id(p_workspace_id uuid, p_tenant_id uuid, p_id uuid)
      RETURNS SETOF tenants LANGUAGE plpgsql SECURITY INVOKER AS $$
      BEGIN
        PERFORM set_config('app.workspace_id', p_workspace_id::text, true);
        PERFORM set_config('app.tenant_id', COALESCE(p_tenant_id::text, ''), true);
        RETURN QUERY SELECT * FROM tenants WHERE id = p_id;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION scoped_tenant_by_id(uuid, uuid, uuid)');
    await queryRunner.query('DROP FUNCTION scoped_tenant_by_internal_id(uuid, text)');
  }
}
