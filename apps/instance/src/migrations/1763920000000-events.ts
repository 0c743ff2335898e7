import type { MigrationInterface, QueryRunner } from 'typeorm';

const SCOPED = `workspace_id = app_workspace_id() AND (app_tenant_id() IS NULL OR tenant_id = app_tenant_id())`;

/**
 * The event outbox: events, their deliveries (one per event and target) and
 * tenants' own subscriptions. Tenant-level like every table a tenant's data
 * lives in: row-level security enabled and forced, and composite foreign keys
 * that cannot point at another workspace's tenant (nor a delivery at another
 * tenant's event or subscription).
 */
export class Events1763920000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "events" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "tenant_id" uuid NOT NULL, "seq" bigint NOT NULL, "type" text NOT NULL, "data" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "events_tenant_id_id" UNIQUE ("tenant_id", "id"), CONSTRAINT "events_tenant_seq" UNIQUE ("tenant_id", "seq"), CONSTRAINT "PK_40731c7151fe4be3116e45ddf73" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "event_subscriptions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "tenant_id" uuid NOT NULL, "event_type" text NOT NULL, "webhook_uri" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "archived_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "event_subscriptions_tenant_id_id" UNIQUE ("tenant_id", "id"), CONSTRAINT "PK_9e4944140dfbdb8a75c8f3d9bce" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "event_subscriptions_scope_time" ON "event_subscriptions"  ("workspace_id", "tenant_id", "created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "event_deliveries" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "tenant_id" uuid NOT NULL, "event_id" uuid NOT NULL, "event_seq" bigint NOT NULL, "subscription_id" uuid, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "delivered_at" TIMESTAMP WITH TIME ZONE, "last_error" text, CONSTRAINT "PK_ca0ffb54b343624dfb988080657" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "event_deliveries_pending" ON "event_deliveries"  ("workspace_id", "tenant_id", "subscription_id", "event_seq") WHERE "delivered_at" IS NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "events" ADD CONSTRAINT "FK_59fe5f27021ac9ef34f57e6c884" FOREIGN KEY ("tenant_id", "workspace_id") REFERENCES "tenants"("id","workspace_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "event_subscriptions" ADD CONSTRAINT "FK_192515f3a045d1c2b78bdfb86e6" FOREIGN KEY ("tenant_id", "workspace_id") REFERENCES "tenants"("id","workspace_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "event_deliveries" ADD CONSTRAINT "FK_bd5a39d17d2394633aeb17e71f6" FOREIGN KEY ("tenant_id", "workspace_id") REFERENCES "tenants"("id","workspace_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "event_deliveries" ADD CONSTRAINT "FK_fee8a7808d8099f226cbba2d941" FOREIGN KEY ("event_id", "tenant_id") REFERENCES "events"("id","tenant_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "event_deliveries" ADD CONSTRAINT "FK_25d22c5428d71c1d2b9666a8156" FOREIGN KEY ("subscription_id", "tenant_id") REFERENCES "event_subscriptions"("id","tenant_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    for (const table of ['events', 'event_subscriptions', 'event_deliveries']) {
      await queryRunner.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(`CREATE POLICY "${table}_scope" ON "${table}" USING (${SCOPED}) WITH CHECK (${SCOPED})`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "event_deliveries" CASCADE`);
    await queryRunner.query(`DROP TABLE "event_subscriptions" CASCADE`);
    await queryRunner.query(`DROP TABLE "events" CASCADE`);
  }
}
