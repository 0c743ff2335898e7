import { withClient } from '@switchboard/persistence';
import { waitFor } from '@switchboard/testing';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { type WebhookReceiver, webhookReceiver } from '../../test/webhook-receiver.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';
import { TenantScope } from '../database/tenant-scope.js';
import { EventOutbox } from '../journal/event-outbox.js';
import { EventOutboxDelivery } from './event-outbox-delivery.js';

interface TenantRows {
  seqs: number[];
  deliveries: number;
  undelivered: number;
}

describe('event retention', () => {
  let instance: InstanceHarness;
  let receiver: WebhookReceiver;
  let outbox: EventOutbox;
  let scope: TenantScope;
  let worker: EventOutboxDelivery;

  beforeAll(async () => {
    receiver = await webhookReceiver();
    instance = await startInstance({
      ENCRYPTION_KEYS: FIXTURE_KEYS,
      EVENTS_POLL_INTERVAL_MS: '100',
      EVENTS_MIN_BACKOFF_MS: '20',
      EVENTS_MAX_BACKOFF_MS: '200',
      EVENTS_RETENTION_SECONDS: '60',
      // The receiver listens on loopback, which the outbound policy refuses unless allowed.
      OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8',
    });
    outbox = instance.app.get(EventOutbox);
    scope = instance.app.get(TenantScope);
    worker = instance.app.get(EventOutboxDelivery);
  });

  afterAll(async () => {
    await instance?.close();
    await receiver?.stop();
  });

  const createTenant = async (workspace: WorkspaceFixture, internalId: string): Promise<string> => {
    const response = await instance.request('POST', '/tenants', {
      token: workspace.adminToken(),
      body: { internalId, name: internalId },
    });
    expect(response.status).toBe(201);
    return (await json(response)).id;
  };

  const emit = async (workspace: WorkspaceFixture, tenantId: string, ns: number[]) => {
    const workspaceId = workspace.snapshot.workspaceId;
    for (const n of ns) {
      await scope.run({ workspaceId, tenantId }, (manager) =>
        outbox.enqueue(manager, { workspaceId, tenantId, type: 'connection.created', data: { n } }),
      );
    }
  };

  const acceptedFor = (tenantId: string) =>
    receiver.accepted().filter((request) => request.event.data['tenantId'] === tenantId);

  /** What is left of a tenant's outbox, read past row-level security. */
  const rowsOf = (tenantId: string): Promise<TenantRows> =>
    withClient(instance.database.adminUrl, async (client) => {
      const events = await client.query<{ seq: string }>('SELECT seq FROM events WHERE tenant_id = $1 ORDER BY seq', [
        tenantId,
      ]);
      const {
        rows: [counts],
      } = await client.query<{ deliveries: number; undelivered: number }>(
        `SELECT count(*)::int AS deliveries, (count(*) FILTER (WHERE delivered_at IS NULL))::int AS undelivered
         FROM event_deliveries WHERE tenant_id = $1`,
        [tenantId],
      );
      return { seqs: events.rows.map((row) => Number(row.seq)), ...counts! };
    });

  /** Waits until the database records the tenant's `count` deliveries as delivered (the receiver sees them first). */
  const delivered = (tenantId: string, count: number) =>
    waitFor(
      async () => {
        const rows = await rowsOf(tenantId);
        return rows.deliveries - rows.undelivered >= count ? true : undefined;
      },
      { what: `${count} deliveries` },
    );

  /** Makes everything the tenants have so far an hour old: created, and delivered if it was. */
  const backdate = (tenantIds: string[]) =>
    withClient(instance.database.adminUrl, async (client) => {
      await client.query(`UPDATE events SET created_at = now() - interval '1 hour' WHERE tenant_id = ANY($1)`, [
        tenantIds,
      ]);
      await client.query(
        `UPDATE event_deliveries SET delivered_at = now() - interval '1 hour'
         WHERE tenant_id = ANY($1) AND delivered_at IS NOT NULL`,
        [tenantIds],
      );
    });

  it('deletes what was delivered before the retention, keeping the undelivered and every newest event', async () => {
    const a = await seedWorkspace(instance, { webhookUri: `${receiver.url}/a` });
    const b = await seedWorkspace(instance, { webhookUri: `${receiver.url}/b` });
    const failing = await createTenant(a, 'failing');
    receiver.reply = (request) => (request.event.data['tenantId'] === failing ? 500 : 200);

    // tenant.created (seq 1) and three more: all delivered.
    const doneA = await createTenant(a, 'done-a');
    const doneB = await createTenant(b, 'done-b');
    await emit(a, doneA, [1, 2, 3]);
    await emit(b, doneB, [1, 2, 3]);
    await emit(a, failing, [1]);
    await delivered(doneA, 4);
    await delivered(doneB, 4);
    await backdate([doneA, doneB, failing]);
    // Delivered within the retention: kept although not the newest.
    const recent = await createTenant(b, 'recent');
    await emit(b, recent, [1]);
    await delivered(recent, 2);

    const pruned = await worker.prune();

    expect(pruned).toEqual({ deliveries: 8, events: 6 });
    // Both workspaces, each in its own scope: the newest event alone is left, its delivery gone.
    expect(await rowsOf(doneA)).toEqual({ seqs: [4], deliveries: 0, undelivered: 0 });
    expect(await rowsOf(doneB)).toEqual({ seqs: [4], deliveries: 0, undelivered: 0 });
    // Never delivered: everything stays, whatever its age.
    expect(await rowsOf(failing)).toEqual({ seqs: [1, 2], deliveries: 2, undelivered: 2 });
    expect(await rowsOf(recent)).toEqual({ seqs: [1, 2], deliveries: 2, undelivered: 0 });
    expect(await worker.prune()).toEqual({ deliveries: 0, events: 0 });

    // The sequence goes on from the kept newest event, and the next event is delivered.
    await emit(a, doneA, [4]);
    await delivered(doneA, 1);
    expect(acceptedFor(doneA).map((request) => request.event.data['n'])).toEqual([undefined, 1, 2, 3, 4]);
    expect(await rowsOf(doneA)).toEqual({ seqs: [4, 5], deliveries: 1, undelivered: 0 });

    // Once delivered and old, the failing tenant's events go too, but for the newest; and a kept newest
    // event goes once it is no longer the newest.
    receiver.reply = () => 200;
    await delivered(failing, 2);
    await backdate([failing]);
    expect(await worker.prune()).toEqual({ deliveries: 2, events: 2 });
    expect(await rowsOf(failing)).toEqual({ seqs: [2], deliveries: 0, undelivered: 0 });
    expect(await rowsOf(doneA)).toEqual({ seqs: [5], deliveries: 1, undelivered: 0 });
  });
});
