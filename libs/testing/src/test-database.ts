import { randomBytes } from 'node:crypto';

import { ident, withClient, withDatabase } from '@switchboard/persistence';

export type DatabaseKind = 'hub' | 'instance';

/**
 * Roles every test database uses; roles are cluster-wide, so they are shared and never dropped.
 * Their password is not `npm start`'s published default, which services refuse outside development.
 */
export const TEST_OWNER = { user: 'switchboard_owner', password: 'switchboard-tests' };
export const TEST_APP = { user: 'switchboard_app', password: 'switchboard-tests' };

export interface TestDatabase {
  name: string;
  /** The application role: what a service connects as. */
  appUrl: string;
  /** The owner role: what migrations run as. */
  migrationUrl: string;
  adminUrl: string;
  drop(): Promise<void>;
}

export function testRunPrefix(): string {
  const runId = process.env['SWITCHBOARD_TEST_RUN'];
  if (!runId) throw new Error('SWITCHBOARD_TEST_RUN is not set: run tests through jest, whose global setup sets it.');
  return `sbt_${runId}`;
}

export function templateName(kind: DatabaseKind): string {
  return `${testRunPrefix()}_${kind}_template`;
}

export function adminUrl(): string {
  const url = process.env['SWITCHBOARD_TEST_ADMIN_URL'];
  if (!url)
    throw new Error('SWITCHBOARD_TEST_ADMIN_URL is not set: run tests through jest, whose global setup sets it.');
  return url;
}

export function natsUrl(): string {
  const url = process.env['SWITCHBOARD_TEST_NATS_URL'];
  if (!url)
    throw new Error('SWITCHBOARD_TEST_NATS_URL is not set: run tests through jest, whose global setup sets it.');
  return url;
}

/** A unique NATS subject namespace, so suites never see each other's messages. */
export function natsNamespace(): string {
  return `t${randomBytes(6).toString('hex')}`;
}

/**
 * A fresh database of the given kind, cloned from the template the global
 * setup migrated once, so that every suite is fast and independent.
 */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const admin = adminUrl();
  const name = `${testRunPrefix()}_${kind}_${randomBytes(5).toString('hex')}`;
  await withClient(admin, (client) =>
    client.query(
      `CREATE DATABASE ${ident(name)} TEMPLATE ${ident(templateName(kind))} OWNER ${ident(TEST_OWNER.user)}`,
    ),
  );
  return {
    name,
    appUrl: withDatabase(admin, name, TEST_APP),
    migrationUrl: withDatabase(admin, name, TEST_OWNER),
    adminUrl: withDatabase(admin, name),
    drop: () => dropDatabase(admin, name),
  };
}

export async function dropDatabase(admin: string, name: string): Promise<void> {
  await withClient(admin, (client) => client.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`));
}

/** Drops every database this run made (templates included). */
export async function dropRunDatabases(admin: string, prefix: string): Promise<void> {
  await withClient(admin, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1 || '\\_%'",
      [prefix],
    );
    for (const { datname } of rows) {
      await client.query(`ALTER DATABASE ${ident(datname)} WITH is_template false`);
      await client.query(`DROP DATABASE IF EXISTS ${ident(datname)} WITH (FORCE)`);
    }
  });
}
