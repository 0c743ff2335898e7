import { createHmac, randomUUID } from 'node:crypto';

import { waitFor } from '@switchboard/testing';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { type WebhookReceiver, webhookReceiver } from '../../test/webhook-receiver.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';
import { TenantScope } from '../database/tenant-scope.js';
import { EventOutbox, type EventType } from '../journal/event-outbox.js';
import { MAX_SUBSCRIPTIONS_PER_TENANT } from './event-subscriptions.dto.js';

describe('event subscriptions', () => {
  let instance: InstanceHarness;
  let receiver: WebhookReceiver;
  let workspace: WorkspaceFixture;
  let other: WorkspaceFixture;
  /** Tenant ids by key, created by their tokens' first requests. */
  const tenants: Record<string, string> = {};

  beforeAll(async () => {
    receiver = await webhookReceiver();
    instance = await startInstance({
      ENCRYPTION_KEYS: FIXTURE_KEYS,
      EVENTS_POLL_INTERVAL_MS: '100',
      EVENTS_MIN_BACKOFF_MS: '20',
      EVENTS_MAX_BACKOFF_MS: '200',
      EVENTS_REQUEST_TIMEOUT_MS: '2000',
      // The receiver listens on loopback, which the outbound policy refuses unless allowed.
      OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8',
    });
    workspace = await seedWorkspace(instance, { webhookUri: `${receiver.url}/workspace` });
    other = await seedWorkspace(instance);
    for (const [fixture, key] of [
      [workspace, 'alice'],
      [workspace, 'bob'],
      [other, 'carol'],
    ] as const) {
      tenants[key] = (await json(await instance.request('GET', '/self', { token: fixture.tenantToken(key) }))).id;
    }
  });

  afterAll(async () => {
    await instance?.close();
    await receiver?.stop();
  });

  const alice = () => workspace.tenantToken('alice');
  const bob = () => workspace.tenantToken('bob');
  const carol = () => other.tenantToken('carol');
  const call = (method: string, path: string, token: string, body?: unknown) =>
    instance.request(method, path, { token, body });
  const subscribe = async (token: string, eventType: EventType, path: string, tenantId?: string) => {
    const response = await call('POST', '/event-subscriptions', token, {
      eventType,
      webhookUri: `${receiver.url}${path}`,
      ...(tenantId ? { tenantId } : {}),
    });
    expect(response.status).toBe(201);
    return json(response);
  };
  const emit = async (fixture: WorkspaceFixture, tenantId: string, type: EventType, n: number) => {
    const workspaceId = fixture.snapshot.workspaceId;
    await instance.app
      .get(TenantScope)
      .run({ workspaceId, tenantId }, (manager) =>
        instance.app.get(EventOutbox).enqueue(manager, { workspaceId, tenantId, type, data: { n } }),
      );
  };

  it('creates, reads, lists and deletes a tenant’s own subscriptions', async () => {
    const created = await subscribe(alice(), 'connection.created', '/alice-crud');
    expect(created).toEqual({
      id: expect.any(String),
      tenantId: tenants['alice'],
      eventType: 'connection.created',
      webhookUri: `${receiver.url}/alice-crud`,
      createdAt: expect.any(String),
    });
    expect(await json(await call('GET', `/event-subscriptions/${created.id}`, alice()))).toEqual(created);

    const ids: string[] = [created.id];
    for (let i = 0; i < 3; i++) ids.push((await subscribe(alice(), 'tenant.archived', `/alice-${i}`)).id);
    const seen: string[] = [];
    let cursor = '0';
    for (;;) {
      const page = await json(await call('GET', `/event-subscriptions?limit=2&cursor=${cursor}`, alice()));
      seen.push(...page.items.map((item: { id: string }) => item.id));
      if (!page.cursor) break;
      cursor = page.cursor;
    }
    expect(seen).toEqual(ids);

    expect((await call('DELETE', `/event-subscriptions/${created.id}`, alice())).status).toBe(204);
    expect((await call('GET', `/event-subscriptions/${created.id}`, alice())).status).toBe(404);
    expect((await call('DELETE', `/event-subscriptions/${created.id}`, alice())).status).toBe(404);
    const listed = await json(await call('GET', '/event-subscriptions', alice()));
    expect(listed.items.map((item: { id: string }) => item.id)).toEqual(ids.slice(1));

    const log = await json(await call('GET', '/activity-logs', alice()));
    expect(log.items.map((entry: { type: string }) => entry.type)).toEqual(
      expect.arrayContaining(['event_subscription.created', 'event_subscription.deleted']),
    );
    expect(JSON.stringify(log)).not.toContain('/alice-crud');
  });

  it("answers 404 for another tenant's or another workspace's subscription, on every route", async () => {
    const mine = await subscribe(alice(), 'connection.archived', '/alice-private');
    for (const token of [bob(), carol(), other.adminToken()]) {
      expect((await call('GET', `/event-subscriptions/${mine.id}`, token)).status).toBe(404);
      expect((await call('DELETE', `/event-subscriptions/${mine.id}`, token)).status).toBe(404);
      const listed = await json(await call('GET', '/event-subscriptions?limit=1000', token));
      expect(listed.items.map((item: { id: string }) => item.id)).not.toContain(mine.id);
    }
    // A tenant may name itself, which changes nothing, and no other tenant.
    const self = await subscribe(bob(), 'tenant.created', '/bob-self', tenants['bob']);
    expect(self.tenantId).toBe(tenants['bob']);
    const selfListed = await call('GET', `/event-subscriptions?tenantId=${tenants['bob']}`, bob());
    expect(selfListed.status).toBe(200);
    expect((await call('DELETE', `/event-subscriptions/${self.id}`, bob())).status).toBe(204);
    const named = await call('GET', `/event-subscriptions?tenantId=${tenants['alice']}`, bob());
    expect(named.status).toBe(403);
    const forOther = await call('POST', '/event-subscriptions', bob(), {
      eventType: 'tenant.created',
      webhookUri: `${receiver.url}/x`,
      tenantId: tenants['alice'],
    });
    expect(forOther.status).toBe(403);
    // Another workspace's admin cannot subscribe for this workspace's tenant.
    const foreign = await call('POST', '/event-subscriptions', other.adminToken(), {
      eventType: 'tenant.created',
      webhookUri: `${receiver.url}/x`,
      tenantId: tenants['alice'],
    });
    expect(foreign.status).toBe(404);
    // Still there for its owner.
    expect((await call('GET', `/event-subscriptions/${mine.id}`, alice())).status).toBe(200);
  });

  it('lets an admin manage any tenant’s subscriptions of its workspace', async () => {
    const admin = workspace.adminToken();
    const forBob = await subscribe(admin, 'connection.disconnected', '/bob-admin', tenants['bob']);
    expect(forBob.tenantId).toBe(tenants['bob']);
    expect((await call('GET', `/event-subscriptions/${forBob.id}`, bob())).status).toBe(200);

    const onlyBob = await json(await call('GET', `/event-subscriptions?tenantId=${tenants['bob']}`, admin));
    expect(onlyBob.items.length).toBeGreaterThan(0);
    expect(onlyBob.items.every((item: { tenantId: string }) => item.tenantId === tenants['bob'])).toBe(true);
    const all = await json(await call('GET', '/event-subscriptions?limit=1000', admin));
    expect(new Set(all.items.map((item: { tenantId: string }) => item.tenantId))).toEqual(
      new Set([tenants['alice'], tenants['bob']]),
    );

    const withoutTenant = await call('POST', '/event-subscriptions', admin, {
      eventType: 'tenant.created',
      webhookUri: `${receiver.url}/x`,
    });
    expect(withoutTenant.status).toBe(400);
    const unknownTenant = await call('POST', '/event-subscriptions', admin, {
      eventType: 'tenant.created',
      webhookUri: `${receiver.url}/x`,
      tenantId: randomUUID(),
    });
    expect(unknownTenant.status).toBe(404);
    expect((await call('DELETE', `/event-subscriptions/${forBob.id}`, admin)).status).toBe(204);
  });

  it('caps a tenant at MAX_SUBSCRIPTIONS_PER_TENANT live subscriptions, even when they are made at once', async () => {
    const dave = workspace.tenantToken('dave');
    const attempts = await Promise.all(
      Array.from({ length: MAX_SUBSCRIPTIONS_PER_TENANT + 10 }, (_, i) =>
        call('POST', '/event-subscriptions', dave, {
          eventType: 'tenant.created',
          webhookUri: `${receiver.url}/d${i}`,
        }),
      ),
    );
    const statuses = attempts.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(MAX_SUBSCRIPTIONS_PER_TENANT);
    expect(statuses.filter((status) => status === 409)).toHaveLength(10);
    const refused = await json(attempts[statuses.indexOf(409)]!);
    expect(refused).toMatchObject({ code: 'conflict', detail: expect.stringContaining('delete one first') });
    // Deleting one makes room for one; other tenants were never limited by dave's.
    const listed = await json(await call('GET', '/event-subscriptions?limit=1', dave));
    expect((await call('DELETE', `/event-subscriptions/${listed.items[0].id}`, dave)).status).toBe(204);
    await subscribe(dave, 'tenant.created', '/d-again');
    await subscribe(bob(), 'tenant.created', '/bob-after-dave');
  });

  it('refuses bad input with 400 problem+json', async () => {
    const bad = [
      { eventType: 'tenant.deleted', webhookUri: `${receiver.url}/x` },
      { eventType: 'connection.created', webhookUri: 'ftp://example.com/hook' },
      { eventType: 'connection.created', webhookUri: 'javascript:alert(1)' },
      { eventType: 'connection.created', webhookUri: 'not a url' },
      { eventType: 'connection.created', webhookUri: `${receiver.url}/${'x'.repeat(2001)}` },
      { eventType: 'connection.created', webhookUri: `${receiver.url}/x`, secret: 'unknown field' },
      { eventType: 'connection.created', webhookUri: `${receiver.url}/x`, tenantId: 'not-a-uuid' },
      { webhookUri: `${receiver.url}/x` },
      { eventType: 'connection.created' },
      { eventType: ['connection.created'], webhookUri: `${receiver.url}/x` },
    ];
    const responses = [
      ...(await Promise.all(bad.map((body) => call('POST', '/event-subscriptions', alice(), body)))),
      await call('GET', '/event-subscriptions/not-a-uuid', alice()),
      await call('DELETE', '/event-subscriptions/not-a-uuid', alice()),
      await call('GET', '/event-subscriptions?cursor=garbage', alice()),
      await call('GET', '/event-subscriptions?limit=0', alice()),
      await call('GET', '/event-subscriptions?tenantId=nope', workspace.adminToken()),
    ];
    for (const response of responses) {
      expect({ status: response.status, type: response.headers.get('content-type') }).toEqual({
        status: 400,
        type: expect.stringMatching(/^application\/problem\+json/),
      });
    }
    expect((await json(await call('GET', '/event-subscriptions', alice()))).items).not.toContainEqual(
      expect.objectContaining({ webhookUri: expect.stringContaining('ftp:') }),
    );
  });

  it("delivers to a subscription only its own tenant's events of its type, and nothing after it is deleted", async () => {
    const aliceSub = await subscribe(alice(), 'connection.created', '/sub-alice');
    await subscribe(bob(), 'connection.created', '/sub-bob');
    await subscribe(carol(), 'connection.created', '/sub-carol');

    for (let n = 0; n < 3; n++) {
      await emit(workspace, tenants['alice']!, 'connection.created', n);
      await emit(workspace, tenants['bob']!, 'connection.created', n);
      await emit(other, tenants['carol']!, 'connection.created', n);
      // Another type: the workspace's webhook gets it, the subscriptions do not.
      await emit(workspace, tenants['alice']!, 'connection.disconnected', n);
    }
    await waitFor(
      () =>
        receiver.accepted('/sub-alice').length === 3 &&
        receiver.accepted('/sub-bob').length === 3 &&
        receiver.accepted('/sub-carol').length === 3
          ? true
          : undefined,
      { what: 'subscription deliveries' },
    );
    const seen = (path: string) =>
      receiver.accepted(path).map((r) => [r.event.eventType, r.event.data['tenantId'], r.event.data['n']]);
    expect(seen('/sub-alice')).toEqual([0, 1, 2].map((n) => ['connection.created', tenants['alice'], n]));
    expect(seen('/sub-bob')).toEqual([0, 1, 2].map((n) => ['connection.created', tenants['bob'], n]));
    expect(seen('/sub-carol')).toEqual([0, 1, 2].map((n) => ['connection.created', tenants['carol'], n]));
    // Signed with the subscription's own workspace secret.
    for (const [path, secret] of [
      ['/sub-alice', workspace.secret],
      ['/sub-carol', other.secret],
    ] as const) {
      for (const request of receiver.accepted(path)) {
        expect(request.signature).toBe(`sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`);
      }
    }

    // The workspace's own webhook gets every tenant's events of this workspace (and none of the other's).
    await waitFor(() => (receiver.accepted('/workspace').length >= 2 + 9 ? true : undefined), {
      what: 'workspace deliveries',
    });
    const atWorkspace = receiver.accepted('/workspace').map((r) => r.event.data['tenantId']);
    expect(atWorkspace).not.toContain(tenants['carol']);

    expect((await call('DELETE', `/event-subscriptions/${aliceSub.id}`, alice())).status).toBe(204);
    await emit(workspace, tenants['alice']!, 'connection.created', 3);
    await emit(workspace, tenants['bob']!, 'connection.created', 3);
    await waitFor(() => (receiver.accepted('/sub-bob').length === 4 ? true : undefined), { what: "bob's fourth" });
    expect(receiver.accepted('/sub-alice')).toHaveLength(3);
  });
});
