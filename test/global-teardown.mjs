import { dropRunDatabases } from '../libs/testing/dist/index.js';

/** Drops every database this run made, and stops containers it started. */
export default async function globalTeardown() {
  const adminUrl = process.env.SWITCHBOARD_TEST_ADMIN_URL;
  const runId = process.env.SWITCHBOARD_TEST_RUN;
  if (adminUrl && runId) await dropRunDatabases(adminUrl, `sbt_${runId}`);
  await globalThis.switchboardTestServices?.stop();
}
