import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Linked tenants (API.md, "Linked tenants"; issue 13).
 *
 * - `tenants.parent_id`: a composite foreign key with `workspace_id`, so a
 *   parent is always a tenant of the same workspace. One level only is a rule
 *   of TenantsService (checked under row locks).
 * - `connections.shared`: a parent's connection its children may use.
 * - `app_parent_tenant_id()`: the caller's parent, set by TenantScope beside
 *   `app.tenant_id` in the same round trip (NULL when unset or empty, so a
 *   missing setting shares nothing).
 * - The connections policy split by command: SELECT also sees the parent's
 *   shared connections — those of the tenant the setting names, and only
 *   while the caller's own row still names it as its parent (so a stale or
 *   wrong setting shares nothing: the link in the database decides); INSERT,
 *   UPDATE and DELETE keep the old rule, so a child can never change or
 *   archive what it inherits. Isolation between
 *   siblings, and of a child from its parent, is the database's: a child's
 *   scope names only its own tenant and its parent, and a parent's scope
 *   names only itself.
 * - `copy_event_to_parent(tenant, type, data)`: a child's event also goes to
 *   its parent's live subscriptions of that type. Deliveries reference their
 *   event and subscription with the same `tenant_id` (composite foreign
 *   keys), so the parent gets a copy of the event in its own stream (its own
 *   sequence, the child's `tenantId` in `data`). The function clears
 *   `app.tenant_id` while it writes and puts it back before it returns (on an
 *   error the transaction is lost anyway) — the workspace scope, still bound
 *   to `app.workspace_id` — because the child's scope may not see its
 *   parent's subscriptions; the parent is read from the child's row (visible
 *   to the caller's scope), never given. (A `SET app.tenant_id` clause on the
 *   function would restore it by itself, but a role may not attach one for a
 *   placeholder setting.)
 */
export class LinkedTenants1764500000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tenants" ADD "parent_id" uuid`);
    await queryRunner.query(`CREATE INDEX "tenants_parent" ON "tenants" ("workspace_id", "parent_id") `);
    await queryRunner.query(
      `ALTER TABLE "tenants" ADD CONSTRAINT "FK_595c9bec7b25cd1d71657b2972a" FOREIGN KEY ("parent_id", "workspace_id") REFERENCES "tenants"("id","workspace_id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`ALTER TABLE "tenants" ADD CONSTRAINT "tenants_not_own_parent" CHECK (parent_id <> id)`);
    await queryRunner.query(`ALTER TABLE "connections" ADD "shared" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`
      CREATE FUNCTION app_parent_tenant_id() RETURNS uuid LANGUAGE sql STABLE AS
        $$ SELECT NULLIF(current_setting('app.parent_tenant_id', true), '')::uuid $$`);

    const own = 'workspace_id = app_workspace_id() AND (app_tenant_id() IS NULL OR tenant_id = app_tenant_id())';
    await queryRunner.query(`DROP POLICY "connections_scope" ON "connections"`);
    await queryRunner.query(
      `CREATE POLICY "connections_read" ON "connections" FOR SELECT USING (workspace_id = app_workspace_id() AND (app_tenant_id() IS NULL OR tenant_id = app_tenant_id() OR (shared AND tenant_id = app_parent_tenant_id() AND EXISTS (SELECT 1 FROM tenants t WHERE t.id = app_tenant_id() AND t.parent_id = connections.tenant_id))))`,
    );
    await queryRunner.query(`CREATE POLICY "connections_insert" ON "connections" FOR INSERT WITH CHECK (${own})`);
    await queryRunner.query(
      `CREATE POLICY "connections_update" ON "connections" FOR UPDATE USING (${own}) WITH CHECK (${own})`,
    );
    await queryRunner.query(`CREATE POLICY "connections_delete" ON "connections" FOR DELETE USING (${own})`);

    await queryRunner.query(`
      CREATE FUNCTION copy_event_to_parent(p_tenant_id uuid, p_type text, p_data jsonb)
      RETURNS void LANGUAGE plpgsql SECURITY INVOKER AS $$
      DECLARE
        v_parent uuid;
        v_tenant text := current_setting('app.tenant_id', true);
      BEGIN
        SELECT parent_id INTO v_parent FROM tenants WHERE id = p_tenant_id;
        IF v_parent IS NULL THEN
          RETURN;
        END IF;
        PERFORM set_config('app.tenant_id', '', true);
        IF NOT EXISTS (
          SELECT 1 FROM event_subscriptions
           WHERE tenant_id = v_parent AND event_type = p_type AND archived_at IS NULL
        ) THEN
          PERFORM set_config('app.tenant_id', COALESCE(v_tenant, ''), true);
          RETURN;
        END IF;
        -- The parent's stream lock, as EventOutboxRepository takes a tenant's: its sequence is its commit order.
        PERFORM pg_advisory_xact_lock(hashtextextended('events:' || v_parent::text, 0));
        WITH event AS (
          INSERT INTO events (workspace_id, tenant_id, seq, type, data)
          SELECT app_workspace_id(), v_parent, COALESCE(MAX(seq), 0) + 1, p_type, p_data
            FROM events WHERE tenant_id = v_parent
          RETURNING id, workspace_id, tenant_id, seq
        )
        INSERT INTO event_deliveries (workspace_id, tenant_id, event_id, event_seq, subscription_id)
        SELECT event.workspace_id, event.tenant_id, event.id, event.seq, s.id
          FROM event JOIN event_subscriptions s ON s.tenant_id = event.tenant_id
         WHERE s.event_type = p_type AND s.archived_at IS NULL;
        PERFORM set_config('app.tenant_id', COALESCE(v_tenant, ''), true);
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION copy_event_to_parent(uuid, text, jsonb)');
    await queryRunner.query(`DROP POLICY "connections_delete" ON "connections"`);
    await queryRunner.query(`DROP POLICY "connections_update" ON "connections"`);
    await queryRunner.query(`DROP POLICY "connections_insert" ON "connections"`);
    await queryRunner.query(`DROP POLICY "connections_read" ON "connections"`);
    await queryRunner.query(
      `CREATE POLICY "connections_scope" ON "connections" USING (workspace_id = app_workspace_id() AND (app_tenant_id() IS NULL OR tenant_id = app_tenant_id())) WITH CHECK (workspace_id = app_workspace_id() AND (app_tenant_id() IS NULL OR tenant_id = app_tenant_id()))`,
    );
    await queryRunner.query('DROP FUNCTION app_parent_tenant_id()');
    await queryRunner.query(`ALTER TABLE "connections" DROP COLUMN "shared"`);
    await queryRunner.query(`ALTER TABLE "tenants" DROP CONSTRAINT "tenants_not_own_parent"`);
    await queryRunner.query(`ALTER TABLE "tenants" DROP CONSTRAINT "FK_595c9bec7b25cd1d71657b2972a"`);
    await queryRunner.query(`DROP INDEX "tenants_parent"`);
    await queryRunner.query(`ALTER TABLE "tenants" DROP COLUMN "parent_id"`);
  }
}
