import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several previous secrets, each with its own expiry (a JSON array as the Hub
 * sends it, newest first; the one previous secret still live moves into it),
 * and the digest of the snapshot each workspace row holds.
 */
export class SignedSync1764000000100 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workspaces" ADD "previous_sealed_secrets" jsonb NOT NULL DEFAULT '[]'`);
    await queryRunner.query(
      `UPDATE "workspaces" SET "previous_sealed_secrets" = jsonb_build_array(jsonb_build_object(
         'sealedSecret', "previous_sealed_secret",
         'expiresAt', to_char("previous_secret_expires_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
       WHERE "previous_sealed_secret" IS NOT NULL AND "previous_secret_expires_at" > now()`,
    );
    await queryRunner.query(`ALTER TABLE "workspaces" DROP COLUMN "previous_sealed_secret"`);
    await queryRunner.query(`ALTER TABLE "workspaces" DROP COLUMN "previous_secret_expires_at"`);
    await queryRunner.query(`ALTER TABLE "workspaces" ADD "snapshot_digest" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workspaces" DROP COLUMN "snapshot_digest"`);
    await queryRunner.query(`ALTER TABLE "workspaces" ADD "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "workspaces" ADD "previous_sealed_secret" text`);
    await queryRunner.query(
      `UPDATE "workspaces" SET "previous_sealed_secret" = "previous_sealed_secrets" -> 0 ->> 'sealedSecret',
         "previous_secret_expires_at" = ("previous_sealed_secrets" -> 0 ->> 'expiresAt')::timestamptz
       WHERE jsonb_array_length("previous_sealed_secrets") > 0`,
    );
    await queryRunner.query(`ALTER TABLE "workspaces" DROP COLUMN "previous_sealed_secrets"`);
  }
}
