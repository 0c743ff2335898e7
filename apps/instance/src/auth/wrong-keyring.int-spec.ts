import { randomBytes, randomUUID } from 'node:crypto';

import { applyWorkspaceSnapshotContract, type WorkspaceSnapshot } from '@switchboard/contracts';
import { canonicalDigest, Keyring } from '@switchboard/crypto';
import { withClient } from '@switchboard/persistence';
import { NatsClient } from '@switchboard/server';
import {
  createTestDatabase,
  freePort,
  natsNamespace,
  natsUrl,
  type ServiceProcess,
  signSnapshotForTest,
  startServiceProcess,
  type TcpRelay,
  tcpRelay,
  TEST_HUB_KEYS,
  type TestDatabase,
  waitFor,
} from '@switchboard/testing';
import jwt from 'jsonwebtoken';

/**
 * A key rotation rolled out to the Hub first: the instance receives workspace
 * secrets sealed with a key its ENCRYPTION_KEYS lacks. Every token for such a
 * workspace must be answered with a problem (503 workspace_keys_unavailable),
 * and the process must stay up — it once died of an unhandled KeyringError.
 */
describe('an instance whose keyring lacks the Hub key', () => {
  const instanceId = 'instance-wrongkeys';
  const namespace = natsNamespace();
  const hubKeys = Keyring.parse(Keyring.generateKeySpec('v2'));
  const secret = `sbws_${randomBytes(32).toString('base64url')}`;
  let database: TestDatabase;
  let service: ServiceProcess;
  let snapshot: WorkspaceSnapshot;

  beforeAll(async () => {
    database = await createTestDatabase('instance');
    const port = await freePort();
    service = await startServiceProcess({
      name: instanceId,
      script: 'apps/instance/dist/main.js',
      port,
      env: {
        INSTANCE_ID: instanceId,
        INSTANCE_PORT: String(port),
        INSTANCE_HOST: '127.0.0.1',
        INSTANCE_API_URL: `http://127.0.0.1:${port}`,
        DATABASE_URL: database.appUrl,
        DATABASE_POOL_SIZE: '3',
        NATS_URL: natsUrl(),
        NATS_NAMESPACE: namespace,
        // Only the old key: the Hub already seals with v2.
        ENCRYPTION_KEYS: Keyring.generateKeySpec('v1'),
        HUB_PUBLIC_KEY: TEST_HUB_KEYS.publicKey,
      },
    });
    snapshot = {
      workspaceId: randomUUID(),
      orgId: randomUUID(),
      key: `ws-${randomBytes(6).toString('hex')}`,
      name: 'Sealed with a key the instance lacks',
      settings: {},
      webhookUri: null,
      publicKeys: [],
      sealedSecret: hubKeys.encrypt(secret),
      previousSecrets: [],
      archivedAt: null,
      version: 1,
    };
    // Held from before the instance lost the key (it now refuses such snapshots over NATS, so the row is
    // written as the owner role, as it stood when the instance applied it with the key it then had).
    await withClient(database.migrationUrl, (client) =>
      client.query(
        `INSERT INTO workspaces (id, org_id, key, name, settings, webhook_uri, public_keys, sealed_secret,
           previous_sealed_secrets, archived_at, config_version, snapshot_digest, updated_at)
         VALUES ($1, $2, $3, $4, '{}', NULL, '[]', $5, '[]', NULL, 1, $6, now())`,
        [
          snapshot.workspaceId,
          snapshot.orgId,
          snapshot.key,
          snapshot.name,
          snapshot.sealedSecret,
          canonicalDigest(snapshot),
        ],
      ),
    );
  });

  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  const call = (path: string, token?: string) =>
    fetch(`${service.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const sign = (claims: Record<string, unknown>) =>
    jwt.sign({ iss: snapshot.key, ...claims }, secret, { algorithm: 'HS256', expiresIn: 600 });

  it('answers every token for that workspace with 503 workspace_keys_unavailable and an errorId, and stays up', async () => {
    const tokens = [
      sign({ tenantKey: 'acme' }),
      sign({ isAdmin: true }),
      sign({ tenantKey: 'other' }),
      jwt.sign({ iss: snapshot.key, tenantKey: 'forged' }, 'not-the-secret', { expiresIn: 600 }),
    ];
    for (const [index, token] of tokens.entries()) {
      const response = await call(index === 1 ? '/workspace' : '/self', token);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = (await response.json()) as { errorId: string };
      expect(body).toMatchObject({ status: 503, code: 'workspace_keys_unavailable' });
      expect(body.errorId).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.status).toBe(503);
      // The errorId is in the log, for the operator.
      await waitFor(() => Promise.resolve(service.output().includes(body.errorId) ? true : undefined), {
        timeoutMs: 2000,
        what: `errorId ${body.errorId} in the log`,
      });
    }
    // Still up: a second round of requests is answered, and liveness too.
    expect((await call('/self', tokens[0])).status).toBe(503);
    expect((await call('/healthz')).status).toBe(200);
    expect((await call('/readyz')).status).toBe(200);
  });
});

/** The database going away under the auth path: tokens are answered 503 problem+json, and the process stays up. */
describe('an instance whose database goes away', () => {
  const instanceId = 'instance-lostdb';
  const namespace = natsNamespace();
  const keySpec = Keyring.generateKeySpec('v1');
  const secret = `sbws_${randomBytes(32).toString('base64url')}`;
  let database: TestDatabase;
  let relay: TcpRelay;
  let service: ServiceProcess;
  let nats: NatsClient;
  let key: string;

  beforeAll(async () => {
    database = await createTestDatabase('instance');
    const relayPort = await freePort();
    relay = tcpRelay(relayPort, 5432);
    await relay.open();
    const url = new URL(database.appUrl);
    url.hostname = '127.0.0.1';
    url.port = String(relayPort);
    const port = await freePort();
    service = await startServiceProcess({
      name: instanceId,
      script: 'apps/instance/dist/main.js',
      port,
      env: {
        INSTANCE_ID: instanceId,
        INSTANCE_PORT: String(port),
        INSTANCE_HOST: '127.0.0.1',
        INSTANCE_API_URL: `http://127.0.0.1:${port}`,
        DATABASE_URL: url.toString(),
        DATABASE_POOL_SIZE: '3',
        NATS_URL: natsUrl(),
        NATS_NAMESPACE: namespace,
        ENCRYPTION_KEYS: keySpec,
        HUB_PUBLIC_KEY: TEST_HUB_KEYS.publicKey,
      },
    });
    nats = new NatsClient({ url: natsUrl(), name: 'lost-db-test', defaultTimeoutMs: 5000, namespace });
    await nats.connect();
    key = `ws-${randomBytes(6).toString('hex')}`;
    await nats.request(
      applyWorkspaceSnapshotContract,
      signSnapshotForTest(instanceId, {
        workspaceId: randomUUID(),
        orgId: randomUUID(),
        key,
        name: 'Loses its database',
        settings: {},
        webhookUri: null,
        publicKeys: [],
        sealedSecret: Keyring.parse(keySpec).encrypt(secret),
        previousSecrets: [],
        archivedAt: null,
        version: 1,
      }),
      { instanceId },
    );
  });

  afterAll(async () => {
    await nats?.onApplicationShutdown();
    await service?.stop();
    await relay?.close();
    await database?.drop();
  });

  it('answers tokens with 503 service_unavailable while the database is gone, and 200 once it is back', async () => {
    const token = (tenantKey: string) => jwt.sign({ iss: key, tenantKey }, secret, { expiresIn: 600 });
    const self = (tenantKey: string) =>
      fetch(`${service.url}/self`, { headers: { authorization: `Bearer ${token(tenantKey)}` } });
    expect((await self('before')).status).toBe(200);

    await relay.close();
    // New tenants (their creation needs the database) and known ones alike.
    for (const tenantKey of ['during', 'before', 'during-2']) {
      const response = await self(tenantKey);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await response.json()) as { status: number; code: string; errorId?: string };
      expect(problem.status).toBe(response.status);
      expect(problem.errorId).toMatch(/^[0-9a-f-]{36}$/);
      // A pooled connection cut mid-query may surface as a 500; a refused connection is a 503.
      if (tenantKey === 'during-2') expect(problem).toMatchObject({ status: 503, code: 'service_unavailable' });
      else expect([500, 503]).toContain(problem.status);
    }
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);

    await relay.open();
    await waitFor(async () => ((await self('after')).status === 200 ? true : undefined), {
      timeoutMs: 15_000,
      what: 'the instance to answer tokens again',
    });
  });
});
