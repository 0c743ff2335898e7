import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `event_outbox_stats()`: the event outbox's depth (undelivered deliveries)
 * and the age in seconds of the event behind the oldest of them (0 when
 * none), over every workspace, for the metrics scrape.
 *
 * `event_deliveries` and `events` force row-level security, on their owner as
 * well, so neither the app role nor this function's owner sees a row without a
 * scope. The function therefore walks the workspaces (a table without
 * row-level security), setting each one's scope as TenantScope does, and adds
 * up; one index probe per workspace (`event_deliveries_pending`). It returns
 * only the two aggregates. SECURITY DEFINER with a fixed `search_path`, so the
 * caller's path cannot substitute a table. It puts the caller's scope back
 * before returning (a `SET app.…` clause on the function would do it, but
 * only a superuser may attach a custom setting to a function).
 * EXECUTE: the app role (default privileges of the owner), not PUBLIC.
 */
export class EventOutboxStats1764100000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION event_outbox_stats()
      RETURNS TABLE (pending bigint, oldest_pending_seconds double precision)
      LANGUAGE plpgsql SECURITY DEFINER
      SET search_path = public, pg_temp
      AS $$
      DECLARE
        caller_workspace text := COALESCE(current_setting('app.workspace_id', true), '');
        caller_tenant text := COALESCE(current_setting('app.tenant_id', true), '');
        workspace uuid;
        workspace_pending bigint;
        workspace_oldest timestamptz;
        oldest timestamptz;
      BEGIN
        pending := 0;
        PERFORM set_config('app.tenant_id', '', true);
        FOR workspace IN SELECT id FROM workspaces LOOP
          PERFORM set_config('app.workspace_id', workspace::text, true);
          SELECT count(*), min(e.created_at) INTO workspace_pending, workspace_oldest
          FROM event_deliveries d JOIN events e ON e.id = d.event_id AND e.tenant_id = d.tenant_id
          WHERE d.workspace_id = workspace AND d.delivered_at IS NULL;
          pending := pending + workspace_pending;
          IF workspace_oldest < oldest OR oldest IS NULL THEN
            oldest := workspace_oldest;
          END IF;
        END LOOP;
        PERFORM set_config('app.workspace_id', caller_workspace, true);
        PERFORM set_config('app.tenant_id', caller_tenant, true);
        oldest_pending_seconds := COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - oldest)::float8, 0);
        RETURN NEXT;
      END $$`);
    await queryRunner.query('REVOKE ALL ON FUNCTION event_outbox_stats() FROM PUBLIC');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION event_outbox_stats()');
  }
}
