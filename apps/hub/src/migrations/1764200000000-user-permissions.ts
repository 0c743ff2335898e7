import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Platform permissions a platform admin grants a user (API.md, Switch
 * Account): a JSON array of names, today only `switch_account`; empty for
 * every existing user.
 */
export class UserPermissions1764200000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "permissions" jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "permissions"`);
  }
}
