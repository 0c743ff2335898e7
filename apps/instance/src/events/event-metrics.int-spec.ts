import { withClient } from '@switchboard/persistence';
import { waitFor } from '@switchboard/testing';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { type WebhookReceiver, webhookReceiver } from '../../test/webhook-receiver.js';
import { FIXTURE_KEYS, seedWorkspace } from '../../test/workspace-fixture.js';

describe('event outbox metrics', () => {
  let instance: InstanceHarness;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await webhookReceiver();
    instance = await startInstance({
      ENCRYPTION_KEYS: FIXTURE_KEYS,
      EVENTS_POLL_INTERVAL_MS: '100',
      EVENTS_MIN_BACKOFF_MS: '20',
      EVENTS_MAX_BACKOFF_MS: '100',
      EVENTS_REQUEST_TIMEOUT_MS: '2000',
      OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8',
    });
  });

  afterAll(async () => {
    await instance?.close();
    await receiver?.stop();
  });

  /** The value of an unlabelled metric in the instance's /metrics. */
  const scrape = async (name: string): Promise<number> => {
    const text = await (await fetch(`${instance.url}/metrics`)).text();
    const value = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
    if (value === undefined) throw new Error(`${name} is not exported`);
    return Number(value);
  };

  it('reports depth, the age of the oldest undelivered event and failed attempts, across workspaces', async () => {
    expect(await scrape('switchboard_event_outbox_depth')).toBe(0);
    expect(await scrape('switchboard_event_outbox_oldest_pending_seconds')).toBe(0);
    const failuresBefore = await scrape('switchboard_event_delivery_failures_total');

    receiver.reply = (request) => (request.path === '/down' ? 500 : 200);
    const down = await seedWorkspace(instance, { webhookUri: `${receiver.url}/down` });
    const other = await seedWorkspace(instance, { webhookUri: `${receiver.url}/down` });
    for (const workspace of [down, other]) {
      const created = await instance.request('POST', '/tenants', {
        token: workspace.adminToken(),
        body: { internalId: 'metrics', name: 'metrics' },
      });
      expect(created.status).toBe(201);
    }
    await waitFor(() => (receiver.requests.filter((r) => r.path === '/down').length >= 4 ? true : undefined), {
      what: 'failed attempts at /down',
      timeoutMs: 10_000,
    });

    expect(await scrape('switchboard_event_outbox_depth')).toBe(2);
    expect(await scrape('switchboard_event_outbox_oldest_pending_seconds')).toBeGreaterThan(0);
    expect(await scrape('switchboard_event_delivery_failures_total')).toBeGreaterThanOrEqual(failuresBefore + 4);

    receiver.reply = () => 200;
    await waitFor(async () => ((await scrape('switchboard_event_outbox_depth')) === 0 ? true : undefined), {
      what: 'the outbox to drain',
      timeoutMs: 10_000,
    });
    expect(await scrape('switchboard_event_outbox_oldest_pending_seconds')).toBe(0);
  });

  it('counts through event_outbox_stats() only: the app role still sees no delivery without a scope, and keeps its own scope', async () => {
    const workspace = await seedWorkspace(instance, { webhookUri: `${receiver.url}/held` });
    receiver.reply = () => 'hang';
    const created = await instance.request('POST', '/tenants', {
      token: workspace.adminToken(),
      body: { internalId: 'scoped', name: 'scoped' },
    });
    expect(created.status).toBe(201);
    const tenantId: string = (await json(created)).id;
    await withClient(instance.database.appUrl, async (client) => {
      expect((await client.query('SELECT count(*)::int AS n FROM event_deliveries')).rows[0].n).toBe(0);
      expect((await client.query('SELECT pending::int AS n FROM event_outbox_stats()')).rows[0].n).toBe(1);
      await client.query('BEGIN');
      await client.query("SELECT set_config('app.workspace_id', $1, true), set_config('app.tenant_id', $2, true)", [
        workspace.snapshot.workspaceId,
        tenantId,
      ]);
      await client.query('SELECT * FROM event_outbox_stats()');
      const after = await client.query(
        "SELECT current_setting('app.workspace_id') AS workspace, current_setting('app.tenant_id') AS tenant",
      );
      expect(after.rows[0]).toEqual({ workspace: workspace.snapshot.workspaceId, tenant: tenantId });
      await client.query('ROLLBACK');
    });
    receiver.reply = () => 200;
  });
});
