// Once per jest run: find Postgres and NATS, and migrate one template
// database per kind. Suites clone a template (`createTestDatabase`) instead of
// migrating. Runs the built code (the test scripts build first): jest loads
// global setup outside its module mapping.
import { randomBytes } from 'node:crypto';

import { HUB_MIGRATIONS } from '../apps/hub/dist/migrations/index.js';
import { INSTANCE_MIGRATIONS } from '../apps/instance/dist/migrations/index.js';
import { ident, setupDatabase, withClient, withDatabase } from '../libs/persistence/dist/index.js';
import { provideTestServices, TEST_APP, TEST_OWNER } from '../libs/testing/dist/index.js';

export default async function globalSetup() {
  const services = await provideTestServices();
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  process.env.SWITCHBOARD_TEST_RUN = runId;
  process.env.SWITCHBOARD_TEST_ADMIN_URL = services.adminUrl;
  process.env.SWITCHBOARD_TEST_NATS_URL = services.natsUrl;
  globalThis.switchboardTestServices = services;

  for (const [kind, migrations] of [
    ['hub', HUB_MIGRATIONS],
    ['instance', INSTANCE_MIGRATIONS],
  ]) {
    const name = `sbt_${runId}_${kind}_template`;
    await setupDatabase({
      adminUrl: services.adminUrl,
      migrationUrl: withDatabase(services.adminUrl, name, TEST_OWNER),
      appUrl: withDatabase(services.adminUrl, name, TEST_APP),
      migrations,
    });
    await withClient(services.adminUrl, (client) =>
      client.query(`ALTER DATABASE ${ident(name)} WITH is_template true`),
    );
  }
}
