import { createHmac, randomBytes } from 'node:crypto';

import { Keyring } from '@switchboard/crypto';
import { waitFor } from '@switchboard/testing';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { type ReceivedRequest, type WebhookReceiver, webhookReceiver } from '../../test/webhook-receiver.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';
import { TenantScope } from '../database/tenant-scope.js';
import { EventOutbox } from '../journal/event-outbox.js';

const EVENTS_CONFIG = {
  ENCRYPTION_KEYS: FIXTURE_KEYS,
  EVENTS_POLL_INTERVAL_MS: '100',
  EVENTS_MIN_BACKOFF_MS: '20',
  EVENTS_MAX_BACKOFF_MS: '200',
  EVENTS_REQUEST_TIMEOUT_MS: '2000',
};

/** One URL of every kind API.md's "Outbound URLs" refuses, with what the refusal must name. */
const REFUSED: [string, RegExp][] = [
  ['http://127.0.0.1:8080/hook', /loopback/],
  ['http://10.1.2.3/', /private/],
  ['http://172.20.0.5/', /private/],
  ['http://169.254.169.254/latest/meta-data/', /link-local/],
  ['http://100.64.0.1/', /carrier-grade NAT/],
  ['http://239.1.1.1/', /multicast/],
  ['http://0.0.0.0:8081/', /unspecified/],
  ['http://255.255.255.255/', /broadcast/],
  ['http://203.0.113.9/', /reserved/],
  ['http://[::1]:8081/', /loopback/],
  ['http://[fd00:ec2::254]/', /unique local/],
  ['http://[fe80::1]/', /link-local/],
  ['http://[::ffff:169.254.169.254]/', /IPv4-mapped/],
  ['http://[::10.1.2.3]/', /IPv4-compatible/],
  ['http://[2002:7f00:1::]/', /embedding 127\.0\.0\.1/],
  ['http://2130706433/', /non-canonical numeric/],
  ['http://0x7f000001/', /non-canonical numeric/],
  ['http://0177.0.0.1/', /non-canonical numeric/],
  ['http://127.1/', /non-canonical numeric/],
  ['http://hooks.example.com@127.0.0.1/', /user-info/],
  ['http://localhost:8081/', /loopback name/],
  ['http://a.b.localhost/', /loopback name/],
  ['http://metadata.google.internal/', /cloud metadata/],
  ['http://metadata/computeMetadata/v1/', /cloud metadata/],
];

/** A Standard Webhooks verifier for a workspace secret: the library wants the key base64-encoded. */
const verifierFor = (secret: string) => new Webhook(Buffer.from(secret, 'utf8').toString('base64'));

const headersOf = (request: ReceivedRequest) => ({
  'webhook-id': String(request.headers['webhook-id']),
  'webhook-timestamp': String(request.headers['webhook-timestamp']),
  'webhook-signature': String(request.headers['webhook-signature']),
});

describe('outbound webhooks without an allowed range', () => {
  let instance: InstanceHarness;
  let receiver: WebhookReceiver;
  let scope: TenantScope;

  beforeAll(async () => {
    receiver = await webhookReceiver();
    instance = await startInstance(EVENTS_CONFIG);
    scope = instance.app.get(TenantScope);
  });

  afterAll(async () => {
    await instance?.close();
    await receiver?.stop();
  });

  it('refuses every kind of non-public subscription target with 400 outbound_url_refused, for tenants and admins, and stores nothing', async () => {
    const workspace = await seedWorkspace(instance);
    const tenant = await json(await instance.request('GET', '/self', { token: workspace.tenantToken('alice') }));
    const attempts = [
      ...REFUSED.map(([url, reason]) => ({ token: workspace.tenantToken('alice'), body: { webhookUri: url }, reason })),
      ...REFUSED.map(([url, reason]) => ({
        token: workspace.adminToken(),
        body: { webhookUri: url, tenantId: tenant.id },
        reason,
      })),
    ];
    for (const { token, body, reason } of attempts) {
      const response = await instance.request('POST', '/event-subscriptions', {
        token,
        body: { eventType: 'connection.created', ...body },
      });
      const problem = await json(response);
      expect({
        url: body.webhookUri,
        status: response.status,
        type: response.headers.get('content-type'),
        code: problem.code,
      }).toEqual({
        url: body.webhookUri,
        status: 400,
        type: expect.stringMatching(/^application\/problem\+json/),
        code: 'outbound_url_refused',
      });
      expect(problem.detail).toMatch(reason);
      expect(problem.errors).toEqual([{ field: 'webhookUri', message: expect.stringMatching(reason) }]);
    }
    const [row] = await scope.run({ workspaceId: workspace.snapshot.workspaceId, tenantId: null }, (manager) =>
      manager.query<{ count: number }[]>('SELECT count(*)::int AS count FROM event_subscriptions'),
    );
    expect(row!.count).toBe(0);
  });

  it('refuses at connect time a target whose DNS answer is loopback, records it and retries, and never reaches it', async () => {
    // The Hub checked the name when it was stored; what it resolves to is judged when connecting
    // (a rebinding name, or a workspace stored before the policy): localhost answers 127.0.0.1 and ::1.
    const port = new URL(receiver.url).port;
    const workspace = await seedWorkspace(instance, { webhookUri: `http://localhost:${port}/rebound` });
    const created = await instance.request('POST', '/tenants', {
      token: workspace.adminToken(),
      body: { internalId: 'rebound', name: 'Rebound' },
    });
    expect(created.status).toBe(201);

    const failures = await waitFor(
      async () => {
        const rows = await scope.run({ workspaceId: workspace.snapshot.workspaceId, tenantId: null }, (manager) =>
          manager.query<{ attempts: number; last_error: string | null; delivered_at: Date | null }[]>(
            'SELECT attempts, last_error, delivered_at FROM event_deliveries',
          ),
        );
        return rows.length === 1 && rows[0]!.attempts >= 3 ? rows : undefined;
      },
      { what: 'refused attempts, retried', timeoutMs: 10_000 },
    );
    expect(failures[0]!.delivered_at).toBeNull();
    expect(failures[0]!.last_error).toMatch(
      /outbound connection to localhost refused: .*(127\.0\.0\.1|::1) is a loopback address/,
    );
    expect(receiver.requests).toEqual([]);
    // A refusal is a failed attempt, never a crash: the instance still answers.
    expect((await instance.request('GET', '/workspace', { token: workspace.adminToken() })).status).toBe(200);
  });
});

describe('outbound webhooks to an allowed range, signed as Standard Webhooks', () => {
  let instance: InstanceHarness;
  let receiver: WebhookReceiver;
  let outbox: EventOutbox;
  let scope: TenantScope;
  const keyring = Keyring.parse(FIXTURE_KEYS);

  beforeAll(async () => {
    receiver = await webhookReceiver();
    instance = await startInstance({ ...EVENTS_CONFIG, OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8,::1/128' });
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

  const createTenant = async (workspace: WorkspaceFixture, internalId: string): Promise<string> => {
    const response = await instance.request('POST', '/tenants', {
      token: workspace.adminToken(),
      body: { internalId, name: internalId },
    });
    expect(response.status).toBe(201);
    return (await json(response)).id;
  };

  const emit = async (workspace: WorkspaceFixture, tenantId: string, n: number) => {
    const workspaceId = workspace.snapshot.workspaceId;
    await scope.run({ workspaceId, tenantId }, (manager) =>
      outbox.enqueue(manager, { workspaceId, tenantId, type: 'connection.created', data: { n } }),
    );
  };

  const acceptedAt = (path: string, count: number) =>
    waitFor(() => (receiver.accepted(path).length >= count ? receiver.accepted(path) : undefined), {
      what: `${count} accepted at ${path}`,
      timeoutMs: 10_000,
    });

  it('reaches a local receiver by name once its range is allowed', async () => {
    const port = new URL(receiver.url).port;
    const workspace = await seedWorkspace(instance, { webhookUri: `http://localhost:${port}/by-name` });
    await createTenant(workspace, 'by-name');
    const [request] = await acceptedAt('/by-name', 1);
    expect(request!.event.eventType).toBe('tenant.created');
  });

  it('carries webhook-id, webhook-timestamp and webhook-signature that the standardwebhooks library verifies, the same id on every retry', async () => {
    const workspace = await seedWorkspace(instance, { webhookUri: `${receiver.url}/standard` });
    // Two failures, then accepted: three attempts of one event.
    receiver.reply = () => (receiver.requests.filter((r) => r.path === '/standard').length < 2 ? 500 : 200);
    const started = Math.floor(Date.now() / 1000);
    await createTenant(workspace, 'standard');
    await acceptedAt('/standard', 1);
    const attempts = receiver.requests.filter((request) => request.path === '/standard');
    expect(attempts.map((request) => request.status)).toEqual([500, 500, 200]);

    const eventId = attempts[0]!.event.id;
    for (const request of attempts) {
      const headers = headersOf(request);
      expect(headers['webhook-id']).toBe(eventId);
      expect(Number(headers['webhook-timestamp'])).toBeGreaterThanOrEqual(started);
      expect(Number(headers['webhook-timestamp'])).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
      expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(verifierFor(workspace.secret).verify(request.body, headers)).toEqual(JSON.parse(request.body));
      // Signed with another secret, or with the body changed, it does not verify.
      expect(() => verifierFor('someone else').verify(request.body, headers)).toThrow(WebhookVerificationError);
      expect(() => verifierFor(workspace.secret).verify(`${request.body} `, headers)).toThrow(WebhookVerificationError);
      // X-Signature stays for existing receivers.
      expect(request.signature).toBe(
        `sha256=${createHmac('sha256', workspace.secret).update(request.body).digest('hex')}`,
      );
    }
  });

  it('signs with every live secret during a rotation grace period, and with the current one alone after it', async () => {
    const workspace = await seedWorkspace(instance, { webhookUri: `${receiver.url}/rotated` });
    const tenantId = await createTenant(workspace, 'rotated');
    await acceptedAt('/rotated', 1);

    // A rotation as the Hub sends it: a new current secret, the old one live for an hour.
    const newSecret = `sbws_${randomBytes(32).toString('base64url')}`;
    await workspace.update({
      sealedSecret: keyring.encrypt(newSecret),
      previousSecrets: [
        { sealedSecret: keyring.encrypt(workspace.secret), expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
      ],
    });
    await emit(workspace, tenantId, 1);
    const during = (await acceptedAt('/rotated', 2))[1]!;
    const duringHeaders = headersOf(during);
    expect(duringHeaders['webhook-signature'].split(' ')).toHaveLength(2);
    expect(duringHeaders['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    expect(verifierFor(newSecret).verify(during.body, duringHeaders)).toMatchObject({ data: { n: 1 } });
    expect(verifierFor(workspace.secret).verify(during.body, duringHeaders)).toMatchObject({ data: { n: 1 } });
    // The legacy header carries the current secret only.
    expect(during.signature).toBe(`sha256=${createHmac('sha256', newSecret).update(during.body).digest('hex')}`);

    // The grace period is over: only the new secret signs.
    await workspace.update({
      previousSecrets: [
        { sealedSecret: keyring.encrypt(workspace.secret), expiresAt: new Date(Date.now() - 1000).toISOString() },
      ],
    });
    await emit(workspace, tenantId, 2);
    const after = (await acceptedAt('/rotated', 3))[2]!;
    const afterHeaders = headersOf(after);
    expect(afterHeaders['webhook-signature'].split(' ')).toHaveLength(1);
    expect(verifierFor(newSecret).verify(after.body, afterHeaders)).toMatchObject({ data: { n: 2 } });
    expect(() => verifierFor(workspace.secret).verify(after.body, afterHeaders)).toThrow(WebhookVerificationError);
  });
});
