import { createHmac } from 'node:crypto';

import { waitFor } from '@switchboard/testing';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { type ReceivedRequest, type WebhookReceiver, webhookReceiver } from '../../test/webhook-receiver.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';
import { TenantScope } from '../database/tenant-scope.js';
import { EventOutbox } from '../journal/event-outbox.js';

const EVENTS_CONFIG = {
  // The receiver listens on loopback, which the outbound policy refuses unless allowed.
  OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8',
  EVENTS_POLL_INTERVAL_MS: '100',
  EVENTS_MIN_BACKOFF_MS: '20',
  EVENTS_MAX_BACKOFF_MS: '200',
  EVENTS_REQUEST_TIMEOUT_MS: '2000',
};

/** What a receiver should see for one tenant, in order: `type` or `type#n` for synthetic events. */
function label(request: ReceivedRequest): string {
  const n = request.event.data['n'];
  return typeof n === 'number' ? `${request.event.eventType}#${n}` : request.event.eventType;
}

function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

describe('event delivery', () => {
  let instance: InstanceHarness;
  let receiver: WebhookReceiver;
  let outbox: EventOutbox;
  let scope: TenantScope;

  beforeAll(async () => {
    receiver = await webhookReceiver();
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS, ...EVENTS_CONFIG });
    outbox = instance.app.get(EventOutbox);
    scope = instance.app.get(TenantScope);
  });

  afterAll(async () => {
    await instance?.close();
    await receiver?.stop();
  });

  beforeEach(() => {
    receiver.reply = () => 200;
  });

  /** A workspace whose webhook is the receiver, on a path of its own. */
  const workspaceAt = async (path: string) => seedWorkspace(instance, { webhookUri: `${receiver.url}${path}` });

  const createTenant = async (workspace: WorkspaceFixture, internalId: string): Promise<string> => {
    const response = await instance.request('POST', '/tenants', {
      token: workspace.adminToken(),
      body: { internalId, name: internalId },
    });
    expect(response.status).toBe(201);
    return (await json(response)).id;
  };

  /** `count` events for the tenant, one transaction each, in order. */
  const emit = async (workspace: WorkspaceFixture, tenantId: string, count: number, from = 0) => {
    const workspaceId = workspace.snapshot.workspaceId;
    for (let n = from; n < from + count; n++) {
      await scope.run({ workspaceId, tenantId }, (manager) =>
        outbox.enqueue(manager, { workspaceId, tenantId, type: 'connection.created', data: { n } }),
      );
    }
  };

  const byTenant = (requests: ReceivedRequest[]) => {
    const groups = new Map<string, string[]>();
    for (const request of requests) {
      const tenantId = request.event.data['tenantId'] as string;
      groups.set(tenantId, [...(groups.get(tenantId) ?? []), label(request)]);
    }
    return groups;
  };

  /**
   * Every request of a tenant's stream is its head: the oldest event not yet
   * accepted. A later event sent before an earlier one was accepted fails this.
   */
  const expectHeadsOnly = (requests: ReceivedRequest[], tenantId: string, expected: string[]) => {
    let head = 0;
    for (const request of requests.filter((r) => r.event.data['tenantId'] === tenantId)) {
      expect(label(request)).toBe(expected[head]);
      if (typeof request.status === 'number' && request.status < 300) head++;
    }
    expect(head).toBe(expected.length);
  };

  it('delivers every event through failures and an outage, in order per tenant, signed, to its own workspace only', async () => {
    const a = await workspaceAt('/a');
    const b = await workspaceAt('/b');
    receiver.reply = () => 500;

    const tenantsA = [await createTenant(a, 'a-1'), await createTenant(a, 'a-2')];
    // A token's first request creates its tenant: that is an event too.
    const self = await json(await instance.request('GET', '/self', { token: a.tenantToken('a-token') }));
    tenantsA.push(self.id);
    const tenantsB = [await createTenant(b, 'b-1'), await createTenant(b, 'b-2')];
    await Promise.all([
      ...tenantsA.map((tenantId) => emit(a, tenantId, 8)),
      ...tenantsB.map((tenantId) => emit(b, tenantId, 8)),
    ]);
    for (const [workspace, tenants] of [
      [a, tenantsA],
      [b, tenantsB],
    ] as const) {
      for (const tenantId of tenants) {
        const archived = await instance.request('DELETE', `/tenants/${tenantId}`, { token: workspace.adminToken() });
        expect(archived.status).toBe(200);
      }
    }

    // Failing: retried, never accepted.
    await waitFor(() => (receiver.requests.length >= 12 ? true : undefined), { what: '500s', timeoutMs: 5000 });
    expect(receiver.accepted()).toEqual([]);

    // Down: connections are refused, and the deliveries record it.
    await receiver.stop();
    await waitFor(
      async () => {
        const [row] = await scope.run({ workspaceId: a.snapshot.workspaceId, tenantId: null }, (manager) =>
          manager.query<{ refused: number }[]>(
            `SELECT count(*)::int AS refused FROM event_deliveries WHERE last_error LIKE '%ECONNREFUSED%'`,
          ),
        );
        return row!.refused >= 3 ? true : undefined;
      },
      { what: 'refused connections', timeoutMs: 5000 },
    );

    // Up: everything arrives.
    receiver.reply = () => 200;
    await receiver.start();
    const expected = [
      'tenant.created',
      ...Array.from({ length: 8 }, (_, n) => `connection.created#${n}`),
      'tenant.archived',
    ];
    await waitFor(() => (receiver.accepted().length >= 5 * expected.length ? true : undefined), {
      what: 'every event',
      timeoutMs: 15_000,
    });

    const atA = byTenant(receiver.accepted('/a'));
    const atB = byTenant(receiver.accepted('/b'));
    expect([...atA.keys()].sort()).toEqual([...tenantsA].sort());
    expect([...atB.keys()].sort()).toEqual([...tenantsB].sort());
    for (const tenantId of tenantsA) expect(atA.get(tenantId)).toEqual(expected);
    for (const tenantId of tenantsB) expect(atB.get(tenantId)).toEqual(expected);
    for (const tenantId of [...tenantsA, ...tenantsB]) expectHeadsOnly(receiver.requests, tenantId, expected);

    const accepted = receiver.accepted();
    expect(new Set(accepted.map((request) => request.event.id)).size).toBe(accepted.length);
    for (const request of receiver.requests) {
      const secret = request.path === '/a' ? a.secret : b.secret;
      expect(request.signature).toBe(sign(secret, request.body));
      expect(request.contentType).toBe('application/json');
      expect(Object.keys(request.event).sort()).toEqual(['createdAt', 'data', 'eventType', 'id']);
    }
    const token = accepted.find((request) => request.event.data['tenantId'] === self.id)!;
    expect(token.event).toMatchObject({ eventType: 'tenant.created', data: { internalId: 'a-token' } });
    expect(Number.isNaN(Date.parse(token.event.createdAt))).toBe(false);
  });

  it("does not let a dead receiver of one workspace delay another workspace's deliveries", async () => {
    const dead = await workspaceAt('/dead');
    const live = await workspaceAt('/live');
    receiver.reply = (request) => (request.path === '/dead' ? 'hang' : 200);

    const deadTenants = await Promise.all(Array.from({ length: 10 }, (_, i) => createTenant(dead, `dead-${i}`)));
    await waitFor(() => (receiver.requests.filter((r) => r.path === '/dead').length >= 8 ? true : undefined), {
      what: 'hanging requests to the dead receiver',
    });

    const started = Date.now();
    const liveTenant = await createTenant(live, 'live-1');
    await emit(live, liveTenant, 5);
    await waitFor(() => (receiver.accepted('/live').length >= 6 ? true : undefined), {
      what: 'the live workspace',
      timeoutMs: 5000,
    });
    // Well under the 2 s request timeout the dead receiver holds each request for.
    expect(Date.now() - started).toBeLessThan(1500);
    expect(receiver.accepted('/dead')).toEqual([]);

    // Revived: the timed-out requests are retried and delivered.
    receiver.reply = () => 200;
    await waitFor(() => (receiver.accepted('/dead').length >= deadTenants.length ? true : undefined), {
      what: 'the revived receiver',
      timeoutMs: 10_000,
    });
  });

  it("keeps an archived workspace's events until it is restored", async () => {
    const workspace = await workspaceAt('/archived');
    const tenantId = await createTenant(workspace, 'arch-1');
    await waitFor(() => (receiver.accepted('/archived').length === 1 ? true : undefined), { what: 'tenant.created' });

    await workspace.update({ archivedAt: new Date().toISOString() });
    await emit(workspace, tenantId, 2);
    // Several poll intervals: long enough for a delivery that should not happen.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.requests.filter((r) => r.path === '/archived')).toHaveLength(1);

    await workspace.update({ archivedAt: null });
    await waitFor(() => (receiver.accepted('/archived').length === 3 ? true : undefined), { what: 'restored' });
    expect(receiver.accepted('/archived').map(label)).toEqual([
      'tenant.created',
      'connection.created#0',
      'connection.created#1',
    ]);
  });

  it('sends nothing to a workspace without a webhook, and nothing twice with several replicas', async () => {
    const silent = await seedWorkspace(instance);
    await createTenant(silent, 'silent-1');
    const [counts] = await scope.run({ workspaceId: silent.snapshot.workspaceId, tenantId: null }, (manager) =>
      manager.query<{ events: number; deliveries: number }[]>(
        'SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM event_deliveries) AS deliveries',
      ),
    );
    expect(counts).toEqual({ events: 1, deliveries: 0 });

    const replica = await startInstance(
      { ENCRYPTION_KEYS: FIXTURE_KEYS, NATS_NAMESPACE: instance.namespace, ...EVENTS_CONFIG },
      { database: instance.database },
    );
    try {
      const workspace = await workspaceAt('/replicas');
      const tenants = await Promise.all(Array.from({ length: 4 }, (_, i) => createTenant(workspace, `rep-${i}`)));
      const replicaScope = replica.app.get(TenantScope);
      const replicaOutbox = replica.app.get(EventOutbox);
      const workspaceId = workspace.snapshot.workspaceId;
      // Both replicas write, both deliver.
      await Promise.all(
        tenants.map(async (tenantId, i) => {
          for (let n = 0; n < 15; n++) {
            const [s, o] = (n + i) % 2 === 0 ? [scope, outbox] : [replicaScope, replicaOutbox];
            await s.run({ workspaceId, tenantId }, (manager) =>
              o.enqueue(manager, { workspaceId, tenantId, type: 'connection.created', data: { n } }),
            );
          }
        }),
      );
      await waitFor(() => (receiver.accepted('/replicas').length >= 4 * 16 ? true : undefined), {
        what: 'every event',
        timeoutMs: 10_000,
      });
      const expected = ['tenant.created', ...Array.from({ length: 15 }, (_, n) => `connection.created#${n}`)];
      const received = byTenant(receiver.requests.filter((r) => r.path === '/replicas'));
      for (const tenantId of tenants) expect(received.get(tenantId)).toEqual(expected);
    } finally {
      await replica.close();
    }
    expect(
      receiver.requests.filter((r) => !['/a', '/b', '/dead', '/live', '/archived', '/replicas'].includes(r.path)),
    ).toEqual([]);
  });
});
