import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each instance's schema level (the latest migration applied to its database), as it reports it when it
 * registers and with its heartbeats; null until it does (an instance built before it reported one: unknown).
 * A move is refused, and a running one fails, when the two instances' levels differ (issue 14).
 */
export class InstanceSchemaLevel1767200000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "instances" ADD "schema_level" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "instances" DROP COLUMN "schema_level"`);
  }
}
