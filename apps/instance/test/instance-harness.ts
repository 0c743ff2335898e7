import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@switchboard/config';
import { createService } from '@switchboard/server';
import {
  createTestDatabase,
  httpClient,
  type HttpRequest,
  listenOnLoopback,
  natsNamespace,
  natsUrl,
  TEST_HUB_KEYS,
  type TestDatabase,
} from '@switchboard/testing';

import { InstanceConfig } from '../src/config.js';
import { InstanceModule } from '../src/instance.module.js';
import { instanceApiDescription } from '../src/openapi.js';

export interface InstanceHarness {
  app: NestFastifyApplication;
  url: string;
  config: InstanceConfig;
  database: TestDatabase;
  namespace: string;
  request: HttpRequest;
  close(): Promise<void>;
}

/**
 * An instance in this process, on a fresh database cloned from the migrated
 * template. Give it the Hub's namespace and ENCRYPTION_KEYS to pair it with a
 * Hub (both use `TEST_HUB_KEYS` to sign and verify snapshots by default);
 * alone, tests deliver snapshots to it over NATS themselves
 * (`signSnapshotForTest`).
 */
export async function startInstance(
  overrides: Record<string, string> & { ENCRYPTION_KEYS: string },
  /** Another replica of the same instance: share its database (and pass its NATS_NAMESPACE). */
  shared?: { database: TestDatabase },
): Promise<InstanceHarness> {
  const database = shared?.database ?? (await createTestDatabase('instance'));
  const namespace = overrides['NATS_NAMESPACE'] ?? natsNamespace();
  const config = loadConfig(InstanceConfig, {
    INSTANCE_ID: 'instance-test',
    INSTANCE_API_URL: 'http://127.0.0.1:1',
    DATABASE_URL: database.appUrl,
    NATS_URL: natsUrl(),
    NATS_NAMESPACE: namespace,
    LOG_LEVEL: 'silent',
    DATABASE_POOL_SIZE: '5',
    INSTANCE_HEARTBEAT_INTERVAL_MS: '200',
    HUB_PUBLIC_KEY: TEST_HUB_KEYS.publicKey,
    ...overrides,
  });
  const app = await createService(InstanceModule.forRoot(config), {
    ...instanceApiDescription(config),
    natsUrl: config.NATS_URL,
    requestTimeouts: config.requestTimeouts(),
    subjectVariables: { namespace, instanceId: config.INSTANCE_ID },
    serviceName: `instance-${config.INSTANCE_ID}`,
  });
  const url = await listenOnLoopback(app);
  return {
    app,
    url,
    config,
    database,
    namespace,
    request: httpClient(url),
    close: async () => {
      await app.close();
      if (!shared) await database.drop();
    },
  };
}

/** The JSON body of a response, untyped for assertions. */
export async function json(response: Response): Promise<any> {
  return response.json();
}
