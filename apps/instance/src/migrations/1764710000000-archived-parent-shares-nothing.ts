import type { MigrationInterface, QueryRunner } from 'typeorm';

const OWN_OR_PARENT_SHARED = (parent: string) =>
  `CREATE POLICY "connections_read" ON "connections" FOR SELECT USING (workspace_id = app_workspace_id() AND (app_tenant_id() IS NULL OR tenant_id = app_tenant_id() OR (shared AND ${parent})))`;

/**
 * An archived parent shares nothing (API.md, "Linked tenants"; issue 13).
 *
 * `app_sharing_parent_tenant_id()`: the caller's parent whose shared
 * connections it may read, or NULL — NULL unless the caller is a tenant
 * (`app.tenant_id`), `app.parent_tenant_id` names a parent, the caller's own
 * row still names that parent (the link in the database decides, as before),
 * and the parent's row is live (`archived_at IS NULL`). Restoring the parent
 * restores the sharing; nothing is copied or flagged.
 *
 * A tenant's scope cannot see its parent's row (the `tenants` policy, forced
 * on the owner too), so the function reads it in the workspace's scope: it
 * clears `app.tenant_id` for that one read and puts it back before it returns
 * (on an error the transaction, or the subtransaction whose local settings
 * roll back with it, is lost anyway), as `copy_event_to_parent` does; it
 * returns only the parent's id, and only when the caller may share. A
 * `SET app.tenant_id` clause would restore it by itself, but a role may not
 * attach one for a placeholder setting.
 *
 * The read policy calls it as a scalar subquery, so it runs once per
 * statement (an InitPlan), not once per connection row.
 */
export class ArchivedParentSharesNothing1764710000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION app_sharing_parent_tenant_id() RETURNS uuid
      LANGUAGE plpgsql STABLE SECURITY INVOKER
      SET search_path = public, pg_temp
      AS $$
      DECLARE
        v_child uuid := app_tenant_id();
        v_parent uuid := app_parent_tenant_id();
        v_tenant text := current_setting('app.tenant_id', true);
        v_live boolean;
      BEGIN
        IF v_child IS NULL OR v_parent IS NULL THEN
          RETURN NULL;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM tenants WHERE id = v_child AND parent_id = v_parent) THEN
          RETURN NULL;
        END IF;
        PERFORM set_config('app.tenant_id', '', true);
        SELECT archived_at IS NULL INTO v_live FROM tenants WHERE id = v_parent;
        PERFORM set_config('app.tenant_id', COALESCE(v_tenant, ''), true);
        RETURN CASE WHEN v_live THEN v_parent END;
      END $$`);
    await queryRunner.query(`DROP POLICY "connections_read" ON "connections"`);
    await queryRunner.query(OWN_OR_PARENT_SHARED('tenant_id = (SELECT app_sharing_parent_tenant_id())'));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP POLICY "connections_read" ON "connections"`);
    await queryRunner.query(
      OWN_OR_PARENT_SHARED(
        'tenant_id = app_parent_tenant_id() AND EXISTS (SELECT 1 FROM tenants t WHERE t.id = app_tenant_id() AND t.parent_id = connections.tenant_id)',
      ),
    );
    await queryRunner.query('DROP FUNCTION app_sharing_parent_tenant_id()');
  }
}
