import type { MigrationInterface, QueryRunner } from 'typeorm';

import { onEveryRow } from './every-row.js';

/**
 * Elements at every level (issue 12):
 * - `connector` is an element type;
 * - `element_templates.tenant_id`: a tenant's own element (level "tenant"),
 *   seen and written by that tenant only (and by admins); keys stay unique per
 *   workspace among templates and per tenant among a tenant's own;
 * - `parent_key`: the universe element a template is laid over;
 * - `published_revision` and `element_deployments`: staged rollout (drafts,
 *   canaries pinned per tenant);
 * - `integrations.connector_key`: the connector an integration builds on;
 * - customisations target `(element_type, key)` instead of a template row, so
 *   a tenant can customise a universe element too (existing rows keep the key
 *   of the template they pointed at).
 *
 * Its UPDATEs and DELETEs run with forced row-level security lifted
 * (`onEveryRow`): as first written, under the owner's forced policies, they
 * changed no row, and on a database holding elements the migration failed
 * (`published_revision` NOT NULL over rows it had not filled).
 */
export class ElementsAtEveryLevel1764700000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const TYPES = `('connector', 'action', 'flow', 'field-mapping', 'data-source')`;
    await queryRunner.query(`ALTER TABLE "element_templates" DROP CONSTRAINT "element_templates_element_type"`);
    await queryRunner.query(
      `ALTER TABLE "element_templates" ADD CONSTRAINT "element_templates_element_type" CHECK ("element_type" IN ${TYPES})`,
    );

    // Tenants' own elements, parents, staged rollout.
    await queryRunner.query(`ALTER TABLE "element_templates" ADD "tenant_id" uuid`);
    await queryRunner.query(`ALTER TABLE "element_templates" ADD "parent_key" text`);
    await queryRunner.query(`ALTER TABLE "element_templates" ADD "published_revision" integer`);
    await onEveryRow(queryRunner, ['element_templates'], () =>
      queryRunner.query(`UPDATE "element_templates" SET "published_revision" = "revision"`),
    );
    await queryRunner.query(`ALTER TABLE "element_templates" ALTER COLUMN "published_revision" SET NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "element_templates" ADD CONSTRAINT "element_templates_published_revision" CHECK ("published_revision" >= 1 AND "published_revision" <= "revision")`,
    );
    await queryRunner.query(
      `ALTER TABLE "element_templates" ADD CONSTRAINT "FK_581bc483746b8c4cbebc73c1d2a" FOREIGN KEY ("tenant_id", "workspace_id") REFERENCES "tenants"("id","workspace_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`ALTER TABLE "element_templates" DROP CONSTRAINT "element_templates_workspace_type_key"`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "element_templates_workspace_type_key" ON "element_templates"  ("workspace_id", "element_type", "key") WHERE "tenant_id" IS NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "element_templates_tenant_type_key" ON "element_templates"  ("tenant_id", "element_type", "key") WHERE "tenant_id" IS NOT NULL`,
    );
    await queryRunner.query(`ALTER TABLE "element_revisions" ADD "tenant_id" uuid`);

    // Customisations target (element_type, key).
    await queryRunner.query(`ALTER TABLE "element_customizations" ADD "element_type" text`);
    await queryRunner.query(`ALTER TABLE "element_customizations" ADD "key" text`);
    await onEveryRow(queryRunner, ['element_customizations', 'element_templates'], () =>
      queryRunner.query(
        `UPDATE "element_customizations" c SET "element_type" = t."element_type", "key" = t."key" FROM "element_templates" t WHERE t."id" = c."element_id"`,
      ),
    );
    await queryRunner.query(`ALTER TABLE "element_customizations" ALTER COLUMN "element_type" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "element_customizations" ALTER COLUMN "key" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "element_customizations" DROP CONSTRAINT "FK_744b0e3e3f894ad269ed2ebc971"`);
    await queryRunner.query(`ALTER TABLE "element_customizations" DROP CONSTRAINT "PK_931066be4bf31e2b5d8a1d20353"`);
    await queryRunner.query(`ALTER TABLE "element_customizations" DROP COLUMN "element_id"`);
    await queryRunner.query(
      `ALTER TABLE "element_customizations" ADD CONSTRAINT "PK_53c1b25f29a5a684372ec5d147a" PRIMARY KEY ("tenant_id", "element_type", "key")`,
    );
    await queryRunner.query(
      `ALTER TABLE "element_customizations" ADD CONSTRAINT "element_customizations_element_type" CHECK ("element_type" IN ${TYPES})`,
    );

    // Canary pins.
    await queryRunner.query(
      `CREATE TABLE "element_deployments" ("element_id" uuid NOT NULL, "tenant_id" uuid NOT NULL, "workspace_id" uuid NOT NULL, "revision" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_21c62934437ee3f8f2617ff134f" PRIMARY KEY ("element_id", "tenant_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "element_deployments" ADD CONSTRAINT "FK_eb52398ef84d697c8d0413e550e" FOREIGN KEY ("element_id", "workspace_id") REFERENCES "element_templates"("id","workspace_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "element_deployments" ADD CONSTRAINT "FK_c984db2c66052f2c0784ef68b0a" FOREIGN KEY ("tenant_id", "workspace_id") REFERENCES "tenants"("id","workspace_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );

    // Integrations name a connector.
    await queryRunner.query(`ALTER TABLE "integrations" ADD "connector_key" text`);

    // Row-level security. Templates and revisions: a workspace's rows, a
    // tenant's own rows to that tenant only; a tenant scope writes its own rows only.
    for (const table of ['element_templates', 'element_revisions']) {
      await queryRunner.query(`DROP POLICY "${table}_scope" ON "${table}"`);
      await queryRunner.query(
        `CREATE POLICY "${table}_scope" ON "${table}" USING (workspace_id = app_workspace_id() AND (tenant_id IS NULL OR app_tenant_id() IS NULL OR tenant_id = app_tenant_id())) WITH CHECK (workspace_id = app_workspace_id() AND (tenant_id IS NULL OR app_tenant_id() IS NULL OR tenant_id = app_tenant_id()))`,
      );
      for (const [operation, clause] of [
        ['insert', 'WITH CHECK'],
        ['update', 'USING'],
        ['delete', 'USING'],
      ] as const) {
        await queryRunner.query(`DROP POLICY "${table}_admin_${operation}" ON "${table}"`);
        await queryRunner.query(
          `CREATE POLICY "${table}_admin_${operation}" ON "${table}" AS RESTRICTIVE FOR ${operation.toUpperCase()} ${clause} (app_tenant_id() IS NULL OR tenant_id = app_tenant_id())`,
        );
      }
      await queryRunner.query(
        `CREATE POLICY "${table}_admin_update_check" ON "${table}" AS RESTRICTIVE FOR UPDATE WITH CHECK (app_tenant_id() IS NULL OR tenant_id = app_tenant_id())`,
      );
    }
    // Deployments: a tenant reads its own pins; only an admin scope writes.
    await queryRunner.query(`ALTER TABLE "element_deployments" ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "element_deployments" FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY "element_deployments_scope" ON "element_deployments" USING (workspace_id = app_workspace_id() AND (app_tenant_id() IS NULL OR tenant_id = app_tenant_id())) WITH CHECK (workspace_id = app_workspace_id() AND app_tenant_id() IS NULL)`,
    );
    for (const operation of ['update', 'delete']) {
      await queryRunner.query(
        `CREATE POLICY "element_deployments_admin_${operation}" ON "element_deployments" AS RESTRICTIVE FOR ${operation.toUpperCase()} USING (app_tenant_id() IS NULL)`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "integrations" DROP COLUMN "connector_key"`);
    await queryRunner.query(`DROP TABLE "element_deployments"`);
    await queryRunner.query(`ALTER TABLE "element_customizations" ADD "element_id" uuid`);
    await onEveryRow(queryRunner, ['element_revisions', 'element_templates', 'element_customizations'], async () => {
      await queryRunner.query(`DELETE FROM "element_revisions" WHERE "tenant_id" IS NOT NULL`);
      await queryRunner.query(
        `DELETE FROM "element_templates" WHERE "tenant_id" IS NOT NULL OR "element_type" = 'connector'`,
      );
      await queryRunner.query(
        `UPDATE "element_customizations" c SET "element_id" = t."id" FROM "element_templates" t WHERE t."workspace_id" = c."workspace_id" AND t."element_type" = c."element_type" AND t."key" = c."key"`,
      );
      await queryRunner.query(`DELETE FROM "element_customizations" WHERE "element_id" IS NULL`);
    });
    await queryRunner.query(`ALTER TABLE "element_customizations" DROP CONSTRAINT "PK_53c1b25f29a5a684372ec5d147a"`);
    await queryRunner.query(
      `ALTER TABLE "element_customizations" DROP CONSTRAINT "element_customizations_element_type"`,
    );
    await queryRunner.query(`ALTER TABLE "element_customizations" DROP COLUMN "element_type"`);
    await queryRunner.query(`ALTER TABLE "element_customizations" DROP COLUMN "key"`);
    await queryRunner.query(
      `ALTER TABLE "element_customizations" ADD CONSTRAINT "PK_931066be4bf31e2b5d8a1d20353" PRIMARY KEY ("element_id", "tenant_id")`,
    );
    await queryRunner.query(
      `ALTER TABLE "element_customizations" ADD CONSTRAINT "FK_744b0e3e3f894ad269ed2ebc971" FOREIGN KEY ("element_id", "workspace_id") REFERENCES "element_templates"("id","workspace_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    for (const table of ['element_templates', 'element_revisions']) {
      await queryRunner.query(`DROP POLICY "${table}_admin_update_check" ON "${table}"`);
      await queryRunner.query(`DROP POLICY "${table}_scope" ON "${table}"`);
      await queryRunner.query(
        `CREATE POLICY "${table}_scope" ON "${table}" USING (workspace_id = app_workspace_id()) WITH CHECK (workspace_id = app_workspace_id())`,
      );
      for (const [operation, clause] of [
        ['insert', 'WITH CHECK'],
        ['update', 'USING'],
        ['delete', 'USING'],
      ] as const) {
        await queryRunner.query(`DROP POLICY "${table}_admin_${operation}" ON "${table}"`);
        await queryRunner.query(
          `CREATE POLICY "${table}_admin_${operation}" ON "${table}" AS RESTRICTIVE FOR ${operation.toUpperCase()} ${clause} (app_tenant_id() IS NULL)`,
        );
      }
    }
    await queryRunner.query(`ALTER TABLE "element_revisions" DROP COLUMN "tenant_id"`);
    await queryRunner.query(`DROP INDEX "element_templates_tenant_type_key"`);
    await queryRunner.query(`DROP INDEX "element_templates_workspace_type_key"`);
    await queryRunner.query(
      `ALTER TABLE "element_templates" ADD CONSTRAINT "element_templates_workspace_type_key" UNIQUE ("workspace_id", "element_type", "key")`,
    );
    await queryRunner.query(`ALTER TABLE "element_templates" DROP CONSTRAINT "FK_581bc483746b8c4cbebc73c1d2a"`);
    await queryRunner.query(`ALTER TABLE "element_templates" DROP CONSTRAINT "element_templates_published_revision"`);
    await queryRunner.query(`ALTER TABLE "element_templates" DROP COLUMN "published_revision"`);
    await queryRunner.query(`ALTER TABLE "element_templates" DROP COLUMN "parent_key"`);
    await queryRunner.query(`ALTER TABLE "element_templates" DROP COLUMN "tenant_id"`);
    await queryRunner.query(`ALTER TABLE "element_templates" DROP CONSTRAINT "element_templates_element_type"`);
    await queryRunner.query(
      `ALTER TABLE "element_templates" ADD CONSTRAINT "element_templates_element_type" CHECK ("element_type" IN ('action', 'flow', 'field-mapping', 'data-source'))`,
    );
  }
}
