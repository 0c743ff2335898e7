import type { MigrationInterface, QueryRunner } from 'typeorm';

/** This instance's copies of the workspaces the Hub placed on it. */
export class Workspaces1763850000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "workspaces" ("id" uuid NOT NULL, "org_id" uuid NOT NULL, "key" text NOT NULL, "name" text NOT NULL, "settings" jsonb NOT NULL DEFAULT '{}', "webhook_uri" text, "public_keys" jsonb NOT NULL DEFAULT '[]', "sealed_secret" text NOT NULL, "previous_sealed_secret" text, "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE, "archived_at" TIMESTAMP WITH TIME ZONE, "config_version" integer NOT NULL, "tenant_field_schema" jsonb, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_6e6eef7c9f4c128ccce7e9ad510" UNIQUE ("key"), CONSTRAINT "PK_098656ae401f3e1a4586f47fd8e" PRIMARY KEY ("id"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "workspaces"`);
  }
}
