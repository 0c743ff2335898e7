import { instanceHeartbeatContract, instanceInboxPrefix, registerInstanceContract } from '@switchboard/contracts';
import { NatsClient } from '@switchboard/server';
import { natsUrl, waitFor } from '@switchboard/testing';

import { json } from '../../test/hub-fixtures.js';
import { type HubHarness, startHub } from '../../test/hub-harness.js';

const OLD = 'ApiKeyTenantById1766700000000';
const NEW = 'UsageIdsAcrossInstances1766900000000';

/**
 * The instance registry's schema levels, over real NATS: what an instance sends when it registers and with
 * its heartbeats (the contracts in `@switchboard/contracts`) is what GET /instances shows. An instance built
 * before levels were reported sends none, and its level is unknown (null); a heartbeat without one (the
 * instance could not read its database just then) keeps the last.
 */
describe('instance registry: schema levels', () => {
  let hub: HubHarness;
  /** One NATS client per instance id, replying to its own inbox as an instance does (the Hub refuses others). */
  const clients = new Map<string, NatsClient>();
  const natsOf = async (instanceId: string): Promise<NatsClient> => {
    let client = clients.get(instanceId);
    if (!client) {
      client = new NatsClient({
        url: natsUrl(),
        name: instanceId,
        defaultTimeoutMs: 5000,
        namespace: hub.namespace,
        inboxPrefix: instanceInboxPrefix(instanceId),
      });
      await client.connect();
      clients.set(instanceId, client);
    }
    return client;
  };

  const register = async (instanceId: string, schemaLevel?: string) =>
    (await natsOf(instanceId)).request(
      registerInstanceContract,
      {
        instanceId,
        name: instanceId,
        apiUrl: 'http://127.0.0.1:9',
        keyIds: [],
        ...(schemaLevel !== undefined ? { schemaLevel } : {}),
      },
      { instanceId },
    );
  const heartbeat = async (instanceId: string, schemaLevel?: string) =>
    (await natsOf(instanceId)).emit(
      instanceHeartbeatContract,
      {
        instanceId,
        apiUrl: 'http://127.0.0.1:9',
        sentAt: new Date().toISOString(),
        ...(schemaLevel !== undefined ? { schemaLevel } : {}),
      },
      instanceId,
    );
  const listed = async (instanceId: string) => {
    const page = await json(await hub.request('GET', '/instances?limit=100', { token: hub.adminToken }));
    return (page.items as { id: string; schemaLevel: string | null; lastSeenAt: string }[]).find(
      (instance) => instance.id === instanceId,
    );
  };
  /** Waits for a heartbeat sent after `since` (fire and forget) to be recorded, and returns the instance then. */
  const afterHeartbeat = (instanceId: string, since: number) =>
    waitFor(
      async () => {
        const instance = await listed(instanceId);
        return instance && Date.parse(instance.lastSeenAt) >= since ? instance : undefined;
      },
      { what: `a heartbeat of ${instanceId} recorded` },
    );

  beforeAll(async () => {
    hub = await startHub();
  });

  afterAll(async () => {
    await Promise.all([...clients.values()].map((client) => client.onApplicationShutdown()));
    await hub?.close();
  });

  it('shows an instance that reports no level (built before levels) as null: unknown', async () => {
    await register('old-build');
    expect(await listed('old-build')).toMatchObject({ id: 'old-build', schemaLevel: null });
    const since = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await heartbeat('old-build');
    expect(await afterHeartbeat('old-build', since)).toMatchObject({ schemaLevel: null });
  });

  it('records the level of a registration and of each heartbeat; a heartbeat without one keeps it', async () => {
    await register('leveled', OLD);
    expect(await listed('leveled')).toMatchObject({ schemaLevel: OLD });

    // Upgraded while it runs: the next heartbeat carries the new level.
    await heartbeat('leveled', NEW);
    await waitFor(async () => ((await listed('leveled'))?.schemaLevel === NEW ? true : undefined), {
      what: 'the new level recorded',
    });
    const since = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await heartbeat('leveled');
    expect(await afterHeartbeat('leveled', since)).toMatchObject({ schemaLevel: NEW });

    // Registered again by a build that reports none: unknown again.
    await register('leveled');
    expect(await listed('leveled')).toMatchObject({ schemaLevel: null });
  });

  it('registers an instance first heard of by a heartbeat with the level it carries', async () => {
    await heartbeat('heard-first', NEW);
    await waitFor(async () => ((await listed('heard-first'))?.schemaLevel === NEW ? true : undefined), {
      what: 'the instance registered by its heartbeat',
    });
  });
});
