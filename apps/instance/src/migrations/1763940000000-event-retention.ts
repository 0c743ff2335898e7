import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for pruning the event outbox: without them every prune round scans
 * both tables once per workspace, and every deleted event scans
 * `event_deliveries` for its cascade (the foreign key had no index of its own).
 */
export class EventRetention1763940000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "events_workspace_time" ON "events"  ("workspace_id", "created_at") `);
    await queryRunner.query(`CREATE INDEX "event_deliveries_event" ON "event_deliveries"  ("event_id") `);
    await queryRunner.query(
      `CREATE INDEX "event_deliveries_delivered" ON "event_deliveries"  ("workspace_id", "delivered_at") WHERE "delivered_at" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."event_deliveries_delivered"`);
    await queryRunner.query(`DROP INDEX "public"."event_deliveries_event"`);
    await queryRunner.query(`DROP INDEX "public"."events_workspace_time"`);
  }
}
