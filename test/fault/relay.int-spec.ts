import { connect } from '@nats-io/transport-node';
import { getDataSourceToken } from '@nestjs/typeorm';
import { instanceInboxPrefix, reconcileInstanceContract } from '@switchboard/contracts';
import { withClient } from '@switchboard/persistence';
import { NatsClient } from '@switchboard/server';
import { natsUrl, waitFor } from '@switchboard/testing';
import type { DataSource } from 'typeorm';

import { OrgWorkspace } from '../../apps/hub/src/routing/org-workspace.entity.js';
import { snapshotDigest, toSnapshot } from '../../apps/hub/src/routing/workspace-snapshot.mapper.js';
import { type HubHarness, startHub, TEST_ENCRYPTION_KEYS } from '../../apps/hub/test/hub-harness.js';
import { startInstance } from '../../apps/instance/test/instance-harness.js';

/**
 * The Hub's relay against real Postgres and NATS: a live instance (in this process,
 * on the Hub's namespace) and a registered one that never answers.
 */
describe('routing relay', () => {
  let hub: HubHarness;
  let orgId: string;
  const closers: (() => Promise<void>)[] = [];

  const hubSql = <T extends object>(text: string, values: unknown[] = []) =>
    withClient(
      hub.database.adminUrl,
      async (client) => (await client.query<T & Record<string, unknown>>(text, values)).rows,
    );
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await hub.request(method, path, { token: hub.adminToken, body });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text);
  };
  const registerDeadInstance = (id: string) =>
    hubSql(
      `INSERT INTO instances (id, name, api_url, last_seen_at) VALUES ($1, $1, 'http://127.0.0.1:9', now())
       ON CONFLICT (id) DO UPDATE SET last_seen_at = now()`,
      [id],
    );
  const createWorkspace = (instanceId: string) =>
    api('POST', '/org-workspaces', { orgId, name: `On ${instanceId}`, instanceId }) as Promise<{ id: string }>;
  const change = (id: string, seq: number) => api('PATCH', `/org-workspaces/${id}`, { settings: { seq } });
  const sync = async (id: string) => (await api('GET', `/org-workspaces/${id}`)).sync;
  /** A live instance on the Hub's namespace, with a record of every version its database applies. */
  const liveInstance = async (instanceId: string) => {
    const instance = await startInstance({
      INSTANCE_ID: instanceId,
      NATS_NAMESPACE: hub.namespace,
      ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    });
    closers.push(() => instance.close());
    await withClient(instance.database.adminUrl, (client) =>
      client.query(`
        CREATE TABLE test_applied (workspace_id uuid, version int, at timestamptz DEFAULT clock_timestamp());
        CREATE FUNCTION test_applied() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
        BEGIN INSERT INTO test_applied (workspace_id, version) VALUES (NEW.id, NEW.config_version); RETURN NEW; END $$;
        CREATE TRIGGER test_applied AFTER INSERT OR UPDATE ON workspaces FOR EACH ROW EXECUTE FUNCTION test_applied();`),
    );
    const applied = async (workspaceId: string) =>
      withClient(instance.database.adminUrl, async (client) =>
        (
          await client.query<{ version: number }>(
            'SELECT version FROM test_applied WHERE workspace_id = $1 ORDER BY at',
            [workspaceId],
          )
        ).rows.map((row) => row.version),
      );
    await waitFor(
      async () => ((await hubSql('SELECT 1 FROM instances WHERE id = $1', [instanceId])).length ? true : undefined),
      {
        what: `${instanceId} to register`,
      },
    );
    /** The config version the instance holds for a workspace. */
    const held = async (workspaceId: string) =>
      withClient(instance.database.adminUrl, async (client) => {
        const { rows } = await client.query<{ config_version: number }>(
          'SELECT config_version FROM workspaces WHERE id = $1',
          [workspaceId],
        );
        return rows[0]?.config_version;
      });
    return { instance, applied, held };
  };
  const metrics = async () => (await hub.request('GET', '/metrics')).text();

  beforeAll(async () => {
    // A long request timeout: if a dead instance could hold back another, the live one would wait this long.
    hub = await startHub({ NATS_REQUEST_TIMEOUT_MS: '3000', HUB_INSTANCE_DOWN_AFTER_MS: '600000' });
    orgId = (await api('POST', '/orgs', { name: 'Routing' })).id;
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await hub?.close();
  });

  it('delivers to a live instance within milliseconds while another instance hangs', async () => {
    await registerDeadInstance('dead-1');
    // It takes requests and never answers: each delivery to it waits out the 3 s timeout.
    const hung = await connect({ servers: natsUrl() });
    closers.push(() => hung.close());
    hung.subscribe(`${hub.namespace}.switchboard.v1.instance.dead-1.workspaces.apply`);
    await hung.flush();
    const { applied } = await liveInstance('live-1');
    const dead = await createWorkspace('dead-1');
    const live = await createWorkspace('live-1');
    for (let seq = 0; seq < 5; seq++) await change(dead.id, seq);

    const started = Date.now();
    await change(live.id, 1);
    await waitFor(async () => ((await sync(live.id)).state === 'synced' ? true : undefined), {
      what: 'the live workspace to be applied',
      intervalMs: 5,
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await applied(live.id)).toContain(2);
    expect(await sync(dead.id)).toMatchObject({ version: 6, appliedVersion: 0, state: 'pending', lastError: null });
  });

  it('marks rows delivered only on the reply, and backs off every row of a failed workspace with the error', async () => {
    await registerDeadInstance('dead-2');
    const dead = await createWorkspace('dead-2');
    for (let seq = 0; seq < 3; seq++) await change(dead.id, seq);
    const failed = await waitFor(
      async () => {
        const state = await sync(dead.id);
        return state.lastError ? state : undefined;
      },
      { what: 'a failed delivery', timeoutMs: 10_000 },
    );
    expect(failed).toMatchObject({ version: 4, appliedVersion: 0, state: 'pending' });
    expect(failed.lastError).toMatch(/dead-2/);
    await waitFor(
      async () => {
        const rows = await hubSql<{ attempts: number; last_error: string | null; delivered_at: Date | null }>(
          'SELECT attempts, last_error, delivered_at FROM routing_outbox WHERE workspace_id = $1',
          [dead.id],
        );
        return rows.length === 4 && rows.every((row) => row.attempts > 0 && row.last_error) ? rows : undefined;
      },
      { what: 'every row of the workspace to carry the failure', timeoutMs: 10_000 },
    );
    const rows = await hubSql<{ delivered_at: Date | null; next_attempt_at: Date }>(
      'SELECT delivered_at, next_attempt_at FROM routing_outbox WHERE workspace_id = $1',
      [dead.id],
    );
    expect(rows.every((row) => row.delivered_at === null)).toBe(true);

    const text = await metrics();
    expect(text).toMatch(/switchboard_routing_outbox_depth\{instance="dead-2"\} 4/);
    expect(text).toMatch(/switchboard_routing_failures_total\{instance="dead-2"\} [1-9]/);
    const lag = /switchboard_routing_outbox_oldest_pending_seconds\{instance="dead-2"\} ([0-9.e-]+)/.exec(text);
    expect(Number(lag?.[1])).toBeGreaterThan(0);
  });

  it('sends only the newest snapshot of a workspace once its instance is back, and clears the error', async () => {
    await registerDeadInstance('late');
    const workspace = await createWorkspace('late');
    for (let seq = 0; seq < 6; seq++) await change(workspace.id, seq);
    await waitFor(async () => ((await sync(workspace.id)).lastError ? true : undefined), {
      what: 'a failed delivery',
      timeoutMs: 10_000,
    });

    const { applied, held } = await liveInstance('late');
    await waitFor(
      async () => {
        const state = await sync(workspace.id);
        return state.state === 'synced' && state.lastError === null ? true : undefined;
      },
      { what: 'the workspace to be applied', timeoutMs: 10_000 },
    );
    // Versions 1 to 6 were superseded before they could be delivered: only 7 ever reached the instance. (Its
    // first apply may come from its start-up reconciliation, before the test's recording trigger exists: so
    // nothing but 7 was recorded, and the instance holds 7.)
    expect((await applied(workspace.id)).filter((version) => version !== 7)).toEqual([]);
    expect(await held(workspace.id)).toBe(7);
    await waitFor(
      async () => {
        const pending = await hubSql('SELECT 1 FROM routing_outbox WHERE workspace_id = $1 AND delivered_at IS NULL', [
          workspace.id,
        ]);
        return pending.length === 0 ? true : undefined;
      },
      { what: 'every row to be marked delivered', timeoutMs: 10_000 },
    );
    expect(await metrics()).toMatch(/switchboard_routing_deliveries_total\{instance="late"\} [1-9]/);
  });

  it('reconciles an instance a page at a time until it holds every workspace placed on it', async () => {
    await registerDeadInstance('paged');
    const first = await createWorkspace('paged');
    await hubSql(
      `INSERT INTO org_workspaces (org_id, name, key, instance_id, sealed_secret, config_version)
       SELECT org_id, name || g, key || '-' || g, instance_id, sealed_secret, 1 + g % 3
       FROM org_workspaces, generate_series(1, 249) g WHERE id = $1`,
      [first.id],
    );
    const digest = snapshotDigest(
      toSnapshot(
        await hub.app
          .get<DataSource>(getDataSourceToken())
          .getRepository(OrgWorkspace)
          .findOneByOrFail({ id: first.id }),
      ),
    );
    // As instance 'paged' asks: on its subject, with its own reply inbox (the Hub answers no other).
    const asPaged = new NatsClient({
      url: natsUrl(),
      name: 'paged',
      defaultTimeoutMs: 5000,
      namespace: hub.namespace,
      inboxPrefix: instanceInboxPrefix('paged'),
    });
    await asPaged.connect();
    const reply = await asPaged
      .request(
        reconcileInstanceContract,
        { instanceId: 'paged', held: [{ workspaceId: first.id, version: 1, digest }] },
        { instanceId: 'paged' },
      )
      .finally(() => asPaged.onApplicationShutdown());
    expect(reply.snapshots).toHaveLength(100);
    expect(reply.more).toBe(true);
    expect(reply.snapshots.map((signed) => signed.snapshot.workspaceId)).not.toContain(first.id);

    const { instance } = await liveInstance('paged');
    const expected = await hubSql<{ id: string; config_version: number }>(
      "SELECT id, config_version FROM org_workspaces WHERE instance_id = 'paged' ORDER BY id",
    );
    expect(expected).toHaveLength(250);
    await waitFor(
      async () => {
        const rows = await withClient(
          instance.database.adminUrl,
          async (client) => (await client.query('SELECT id, config_version FROM workspaces ORDER BY id')).rows,
        );
        return JSON.stringify(rows) === JSON.stringify(expected) ? true : undefined;
      },
      { what: 'the instance to hold all 250 workspaces', timeoutMs: 15_000, intervalMs: 100 },
    );
  });
});
