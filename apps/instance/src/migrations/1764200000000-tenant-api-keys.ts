import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenant API keys (tenant-level: row-level security enabled and forced, the
 * same policy as every tenant table), `tenants.tokens_revoked_before`, and
 * `activity_logs.actor_id` / `actor_user_id` (which caller, beside `actor`, its kind).
 *
 * `scoped_api_key_by_hash` finds a key by its SHA-256 within one workspace
 * (named by the key's prefix) with its tenant's internalId and archive time,
 * setting the workspace's admin scope inside the statement: one indexed read,
 * one round trip, on every request made with a key — no cache, so a revoked
 * key is refused on every replica at once. `touch_api_key` moves
 * `last_used_at` at most once a minute. Both SECURITY INVOKER: row-level
 * security applies as to any query.
 */
export class TenantApiKeys1764200000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tenants" ADD "tokens_revoked_before" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "activity_logs" ADD "actor_id" text`);
    await queryRunner.query(`ALTER TABLE "activity_logs" ADD "actor_user_id" text`);
    await queryRunner.query(
      `CREATE TABLE "tenant_api_keys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "tenant_id" uuid NOT NULL, "name" text NOT NULL, "role" text NOT NULL, "user_id" text, "prefix" text NOT NULL, "key_hash" bytea NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_tenant_api_keys" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "tenant_api_keys_hash" ON "tenant_api_keys" ("key_hash") `);
    await queryRunner.query(
      `CREATE INDEX "tenant_api_keys_tenant" ON "tenant_api_keys" ("workspace_id", "tenant_id", "created_at") `,
    );
    await queryRunner.query(
      `ALTER TABLE "tenant_api_keys" ADD CONSTRAINT "FK_861dd9b9b2fe95cf4a98f928723" FOREIGN KEY ("tenant_id", "workspace_id") REFERENCES "tenants"("id","workspace_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`ALTER TABLE "tenant_api_keys" ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "tenant_api_keys" FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY "tenant_api_keys_scope" ON "tenant_api_keys" USING (workspace_id = app_workspace_id() AND (app_tenant_id() IS NULL OR tenant_id = app_tenant_id())) WITH CHECK (workspace_id = app_workspace_id() AND (app_tenant_id() IS NULL OR tenant_id = app_tenant_id()))`,
    );
    await queryRunner.query(`
      CREATE FUNCTION scoped_api_key_by_hash(p_workspace_id uuid, p_key_hash bytea)
      RETURNS TABLE (id uuid, tenant_id uuid, role text, user_id text, expires_at timestamptz,
                     last_used_at timestamptz, revoked_at timestamptz, tenant_internal_id text,
                     tenant_archived_at timestamptz)
      LANGUAGE plpgsql SECURITY INVOKER AS $$
      BEGIN
        PERFORM set_config('app.workspace_id', p_workspace_id::text, true);
        PERFORM set_config('app.tenant_id', '', true);
        RETURN QUERY SELECT k.id, k.tenant_id, k.role, k.user_id, k.expires_at, k.last_used_at, k.revoked_at,
                            t.internal_id, t.archived_at
          FROM tenant_api_keys k JOIN tenants t ON t.id = k.tenant_id AND t.workspace_id = k.workspace_id
          WHERE k.key_hash = p_key_hash;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION touch_api_key(p_workspace_id uuid, p_id uuid)
      RETURNS void LANGUAGE plpgsql SECURITY INVOKER AS $$
      BEGIN
        PERFORM set_config('app.workspace_id', p_workspace_id::text, true);
        PERFORM set_config('app.tenant_id', '', true);
        UPDATE tenant_api_keys SET last_used_at = now()
          WHERE tenant_api_keys.id = p_id
            AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute');
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION touch_api_key(uuid, uuid)');
    await queryRunner.query('DROP FUNCTION scoped_api_key_by_hash(uuid, bytea)');
    await queryRunner.query(`DROP TABLE "tenant_api_keys"`);
    await queryRunner.query(`ALTER TABLE "activity_logs" DROP COLUMN "actor_user_id"`);
    await queryRunner.query(`ALTER TABLE "activity_logs" DROP COLUMN "actor_id"`);
    await queryRunner.query(`ALTER TABLE "tenants" DROP COLUMN "tokens_revoked_before"`);
  }
}
