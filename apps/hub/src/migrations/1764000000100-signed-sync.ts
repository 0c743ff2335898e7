import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several previous secrets, each with the expiry its rotation promised (a
 * JSON array, newest first; the one previous secret still live moves into
 * it); what an instance reports holding (`applied_digest`) and why it refused
 * a snapshot (`sync_error_code`); and the keyring versions instances report.
 */
export class SignedSync1764000000100 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "org_workspaces" ADD "previous_sealed_secrets" jsonb NOT NULL DEFAULT '[]'`);
    await queryRunner.query(
      `UPDATE "org_workspaces" SET "previous_sealed_secrets" = jsonb_build_array(jsonb_build_object(
         'sealedSecret', "previous_sealed_secret",
         'expiresAt', to_char("previous_secret_expires_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
       WHERE "previous_sealed_secret" IS NOT NULL AND "previous_secret_expires_at" > now()`,
    );
    await queryRunner.query(`ALTER TABLE "org_workspaces" DROP COLUMN "previous_sealed_secret"`);
    await queryRunner.query(`ALTER TABLE "org_workspaces" DROP COLUMN "previous_secret_expires_at"`);
    await queryRunner.query(`ALTER TABLE "org_workspaces" ADD "applied_digest" text`);
    await queryRunner.query(`ALTER TABLE "org_workspaces" ADD "sync_error_code" text`);
    await queryRunner.query(`ALTER TABLE "instances" ADD "key_ids" jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "instances" DROP COLUMN "key_ids"`);
    await queryRunner.query(`ALTER TABLE "org_workspaces" DROP COLUMN "sync_error_code"`);
    await queryRunner.query(`ALTER TABLE "org_workspaces" DROP COLUMN "applied_digest"`);
    await queryRunner.query(`ALTER TABLE "org_workspaces" ADD "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "org_workspaces" ADD "previous_sealed_secret" text`);
    // The newest previous secret survives; older ones cannot be represented.
    await queryRunner.query(
      `UPDATE "org_workspaces" SET "previous_sealed_secret" = "previous_sealed_secrets" -> 0 ->> 'sealedSecret',
         "previous_secret_expires_at" = ("previous_sealed_secrets" -> 0 ->> 'expiresAt')::timestamptz
       WHERE jsonb_array_length("previous_sealed_secrets") > 0`,
    );
    await queryRunner.query(`ALTER TABLE "org_workspaces" DROP COLUMN "previous_sealed_secrets"`);
  }
}
