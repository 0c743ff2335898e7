import { existsSync } from 'node:fs';

export interface TestServices {
  /** A superuser connection to the `postgres` database. */
  adminUrl: string;
  natsUrl: string;
  /** Stops what this run started (testcontainers); nothing for services that were already running. */
  stop(): Promise<void>;
}

export const LOCAL_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const LOCAL_NATS_URL = 'nats://127.0.0.1:4222';

/**
 * Postgres and NATS for tests: the URLs in `TEST_DATABASE_ADMIN_URL` and
 * `TEST_NATS_URL` if set; else containers started by testcontainers when a
 * Docker engine answers; else the services running on this machine.
 */
export async function provideTestServices(): Promise<TestServices> {
  const adminUrl = process.env['TEST_DATABASE_ADMIN_URL'];
  const natsUrl = process.env['TEST_NATS_URL'];
  if (adminUrl && natsUrl) return { adminUrl, natsUrl, stop: () => Promise.resolve() };
  if (dockerEngineAvailable()) return startContainers();
  return { adminUrl: adminUrl ?? LOCAL_ADMIN_URL, natsUrl: natsUrl ?? LOCAL_NATS_URL, stop: () => Promise.resolve() };
}

function dockerEngineAvailable(): boolean {
  if (process.env['TEST_USE_LOCAL_SERVICES'] === 'true') return false;
  return Boolean(process.env['DOCKER_HOST']) || existsSync('/var/run/docker.sock');
}

async function startContainers(): Promise<TestServices> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const postgres = await new GenericContainer('postgres:15-alpine')
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  const nats = await new GenericContainer('nats:2.10.29-alpine')
    .withExposedPorts(4222)
    .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
    .start();
  return {
    adminUrl: `postgres://postgres@${postgres.getHost()}:${postgres.getMappedPort(5432)}/postgres`,
    natsUrl: `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`,
    stop: async () => {
      await Promise.all([postgres.stop(), nats.stop()]);
    },
  };
}
