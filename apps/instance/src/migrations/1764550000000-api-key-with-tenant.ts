import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A request made with an API key reads the key and its tenant in one function
 * call: `scoped_api_key_with_tenant` sets the workspace's admin scope and joins
 * the key (by its SHA-256) to its tenant, returning the tenant as one
 * composite column (`tenant`, the `tenants` row type, so it follows the table).
 * Before, the statement called two functions (`scoped_api_key_by_hash`, then
 * `scoped_tenant_by_id` for the tenant it had already joined): twice the
 * set_config calls and the tenant read twice, on every such request. It runs
 * as the caller (SECURITY INVOKER): row-level security applies as to any
 * query, and `set_config(…, true)` ends with the statement's transaction.
 */
export class ApiKeyWithTenant1764550000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION scoped_api_key_with_tenant(p_workspace_id uuid, p_key_hash bytea)
      RETURNS TABLE (key_id uuid, key_role text, key_user_id text, key_expires_at timestamptz,
                     key_last_used_at timestamptz, key_revoked_at timestamptz, tenant tenants)
      LANGUAGE plpgsql SECURITY INVOKER AS $$
      BEGIN
        PERFORM set_config('app.workspace_id', p_workspace_id::text, true);
        PERFORM set_config('app.tenant_id', '', true);
        RETURN QUERY SELECT k.id, k.role, k.user_id, k.expires_at, k.last_used_at, k.revoked_at, t
          FROM tenant_api_keys k JOIN tenants t ON t.id = k.tenant_id AND t.workspace_id = k.workspace_id
          WHERE k.key_hash = p_key_hash;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION scoped_api_key_with_tenant(uuid, bytea)');
  }
}
