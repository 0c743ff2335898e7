import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `scoped_api_key_with_tenant` (the read of every request made with an API
 * key) reads the key by its hash, then its tenant by primary key, instead of
 * joining the two: same arguments, same result type, so the statements that
 * call it do not change.
 *
 * Why: plpgsql keeps a generic plan for the join, and which index that plan
 * uses for `tenants` depends on the table's statistics. On a table not yet
 * analysed (a new instance's, or one that grew since) it read every tenant
 * of the workspace through `tenants_parent` (workspace_id, parent_id) and
 * kept the one whose id matched: ~100 rows instead of one per request in the
 * API key bench, and as many as the workspace has tenants in a large one. An
 * equality on the primary key is one row whatever the statistics say — the
 * read GET /self makes with a JWT (`scoped_tenant_by_id`). Both scope settings
 * are set by one PERFORM (one executor run instead of two).
 *
 * Still SECURITY INVOKER: row-level security applies to both reads as to any
 * query (the key within the workspace named by the caller, its tenant within
 * the same workspace), and `set_config(…, true)` ends with the statement's
 * own transaction.
 */
export class ApiKeyTenantById1766700000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION scoped_api_key_with_tenant(p_workspace_id uuid, p_key_hash bytea)
      RETURNS TABLE (key_id uuid, key_role text, key_user_id text, key_expires_at timestamptz,
                     key_last_used_at timestamptz, key_revoked_at timestamptz, tenant tenants)
      LANGUAGE plpgsql SECURITY INVOKER AS $$
      DECLARE
        k record;
      BEGIN
        PERFORM set_config('app.workspace_id', p_workspace_id::text, true), set_config('app.tenant_id', '', true);
        SELECT tk.id, tk.workspace_id, tk.tenant_id, tk.role, tk.user_id, tk.expires_at, tk.last_used_at, tk.revoked_at
          INTO k FROM tenant_api_keys tk WHERE tk.key_hash = p_key_hash;
        IF NOT FOUND THEN
          RETURN;
        END IF;
        RETURN QUERY SELECT k.id, k.role, k.user_id, k.expires_at, k.last_used_at, k.revoked_at, t
          FROM tenants t WHERE t.id = k.tenant_id AND t.workspace_id = k.workspace_id;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION scoped_api_key_with_tenant(p_workspace_id uuid, p_key_hash bytea)
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
}
