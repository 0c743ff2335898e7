import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@switchboard/config';
import { generateToken, Keyring } from '@switchboard/crypto';
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

import { HubConfig } from '../src/config.js';
import { HubModule } from '../src/hub.module.js';
import { hubApiDescription } from '../src/openapi.js';

export const TEST_ENCRYPTION_KEYS = Keyring.generateKeySpec('test');

export interface HubHarness {
  app: NestFastifyApplication;
  url: string;
  config: HubConfig;
  database: TestDatabase;
  /** The bootstrap platform admin's token. */
  adminToken: string;
  namespace: string;
  /** `fetch` against the Hub with a bearer token and a JSON body. */
  request: HttpRequest;
  close(): Promise<void>;
}

/**
 * The Hub in this process, on a fresh database cloned from the migrated
 * template and a NATS namespace of its own.
 */
export async function startHub(overrides: Record<string, string> = {}): Promise<HubHarness> {
  const database = await createTestDatabase('hub');
  const namespace = overrides['NATS_NAMESPACE'] ?? natsNamespace();
  const adminToken = generateToken('sbp_');
  const config = loadConfig(HubConfig, {
    DATABASE_URL: database.appUrl,
    NATS_URL: natsUrl(),
    NATS_NAMESPACE: namespace,
    ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    HUB_BOOTSTRAP_ADMIN_EMAIL: 'admin@example.test',
    HUB_BOOTSTRAP_ADMIN_TOKEN: adminToken,
    LOG_LEVEL: process.env['HUB_TEST_LOG_LEVEL'] ?? 'silent',
    DATABASE_POOL_SIZE: '5',
    HUB_SIGNING_KEY: TEST_HUB_KEYS.signingKey,
    ...overrides,
  });
  const app = await createService(HubModule.forRoot(config), {
    ...hubApiDescription(config),
    natsUrl: config.NATS_URL,
    requestTimeouts: config.requestTimeouts(),
    subjectVariables: { namespace },
    serviceName: 'hub',
  });
  const url = await listenOnLoopback(app);
  return {
    app,
    url,
    config,
    database,
    adminToken,
    namespace,
    request: httpClient(url),
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
