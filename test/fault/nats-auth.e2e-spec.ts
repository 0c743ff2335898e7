import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  applyUniverseSnapshotContract,
  applyWorkspaceSnapshotContract,
  fillSubject,
  GATEWAY_INBOX_PREFIX,
  instanceHeartbeatContract,
  instanceInboxPrefix,
  listWorkspacePlacementsContract,
  reconcileInstanceContract,
  reconcileUniverseContract,
  registerInstanceContract,
  tenantChangedContract,
  workspacePlacementChangedContract,
} from '@switchboard/contracts';
import { withClient } from '@switchboard/persistence';
import {
  freePort,
  type NatsServerProcess,
  natsServerProcess,
  type ServiceProcess,
  waitFor,
} from '@switchboard/testing';

import { call, type Stack, startGateway, startStack } from '../e2e/stack.js';

const SHIPPED_CONFIG = fileURLToPath(new URL('../../deploy/nats/nats-server.conf', import.meta.url));
// A letter first: nats-server parses `$VARIABLE` values, and one that looks like a number stops it.
const password = () => `p${randomBytes(18).toString('hex')}`;
const PASSWORDS = { hub: password(), 'instance-a': password(), 'instance-b': password(), gateway: password() };
const ATTACKER_URL = 'http://attacker.example';

/** The subject a contract has for one instance, with the shipped configuration's empty namespace. */
const subjectFor = (contract: { subject: string }, instanceId: string) =>
  fillSubject(contract.subject, { namespace: '', instanceId });

/** A Nest NATS request packet, as NatsClient sends it. */
const packet = (subject: string, data: unknown) => JSON.stringify({ pattern: subject, data, id: randomUUID() });

/**
 * The shipped NATS configuration (deploy/nats/nats-server.conf) on a private
 * nats-server, the Hub and two instances each connecting as its own user, and
 * attackers: a client with no credentials, and one holding instance-a's.
 */
describe('NATS with the shipped authorization', () => {
  let nats: NatsServerProcess;
  let stack: Stack;
  let workspace: { id: string; instanceId: string };
  let asInstanceA: NatsConnection;
  let gateway: ServiceProcess;
  /** Every asynchronous error the server reported to the instance-a client (permission violations). */
  const reported: string[] = [];

  const instances = async () => {
    const response = await call(stack.hub.url, 'GET', '/instances', stack.adminToken);
    expect(response.status).toBe(200);
    const list = response.body.items as {
      id: string;
      apiUrl: string;
      name: string;
      keyIds: string[];
    }[];
    return Object.fromEntries(
      list.map((instance) => [instance.id, { apiUrl: instance.apiUrl, name: instance.name, keyIds: instance.keyIds }]),
    );
  };
  const heldByInstanceB = async () =>
    withClient(stack.instanceDatabases['instance-b']!.adminUrl, async (client) => {
      const result = await client.query<{ config_version: number; public_keys: string[]; name: string }>(
        'SELECT config_version, public_keys, name FROM workspaces WHERE id = $1',
        [workspace.id],
      );
      const [held] = result.rows;
      if (!held) throw new Error(`instance-b holds no workspace ${workspace.id}`);
      return held;
    });
  const syncOf = async () =>
    (await call(stack.hub.url, 'GET', `/org-workspaces/${workspace.id}`, stack.adminToken)).body.sync as {
      version: number;
      appliedVersion: number;
      state: string;
    };
  /** Resolves with the reply, or rejects (a permission violation, or no reply in time). */
  const request = (subject: string, data: unknown) =>
    asInstanceA.request(subject, packet(subject, data), { timeout: 1500 }).then((reply) => reply.json<any>());
  const violationFor = (subject: string) =>
    waitFor(
      () =>
        Promise.resolve(reported.find((error) => error.includes('Permissions Violation') && error.includes(subject))),
      {
        what: `a permission violation for ${subject}`,
        timeoutMs: 5000,
      },
    );

  beforeAll(async () => {
    nats = await natsServerProcess({
      configFile: SHIPPED_CONFIG,
      env: {
        NATS_HUB_PASSWORD: PASSWORDS.hub,
        NATS_INSTANCE_A_PASSWORD: PASSWORDS['instance-a'],
        NATS_INSTANCE_B_PASSWORD: PASSWORDS['instance-b'],
        NATS_GATEWAY_PASSWORD: PASSWORDS.gateway,
      },
    });
    const credentials = (user: keyof typeof PASSWORDS) => ({ NATS_USER: user, NATS_PASSWORD: PASSWORDS[user] });
    stack = await startStack({
      natsUrl: nats.url,
      namespace: '',
      serviceEnv: {
        hub: credentials('hub'),
        'instance-a': credentials('instance-a'),
        'instance-b': credentials('instance-b'),
      },
    });
    const org = await call(stack.hub.url, 'POST', '/orgs', stack.adminToken, { name: 'NATS auth' });
    workspace = await waitFor(
      async () => {
        const created = await call(stack.hub.url, 'POST', '/org-workspaces', stack.adminToken, {
          orgId: org.body.id,
          name: 'On instance-b',
          instanceId: 'instance-b',
        });
        return created.status === 201 ? (created.body as { id: string; instanceId: string }) : undefined;
      },
      { what: 'instance-b to register with the Hub', timeoutMs: 20_000 },
    );
    await waitFor(async () => ((await syncOf()).state === 'synced' ? true : undefined), {
      what: 'the workspace to sync to instance-b',
    });
    // The tests compare the registry before and after: both instances must be in it (under load one registers late).
    await waitFor(async () => ((await instances())['instance-a'] ? true : undefined), {
      what: 'instance-a to register with the Hub',
      timeoutMs: 20_000,
    });
    gateway = await startGateway(stack, await freePort(), { NATS_USER: 'gateway', NATS_PASSWORD: PASSWORDS.gateway });
    asInstanceA = await connect({
      servers: nats.url,
      user: 'instance-a',
      pass: PASSWORDS['instance-a'],
      inboxPrefix: instanceInboxPrefix('instance-a'),
    });
    void (async () => {
      for await (const status of asInstanceA.status()) {
        if (status.type === 'error') reported.push(String(status.error));
      }
    })();
  }, 90_000);

  afterAll(async () => {
    await gateway?.stop();
    await asInstanceA?.close();
    await stack?.stop();
    await nats?.stop();
  });

  it('refuses a client without credentials, and one with a wrong password', async () => {
    await expect(connect({ servers: nats.url, reconnect: false })).rejects.toThrow(/Authorization Violation/i);
    await expect(
      connect({ servers: nats.url, user: 'instance-b', pass: 'not-its-password', reconnect: false }),
    ).rejects.toThrow(/Authorization Violation/i);
  });

  it("refuses instance-a's credentials on instance-b's subjects: apply, register, heartbeat, reconcile", async () => {
    const before = { registry: await instances(), held: await heldByInstanceB(), sync: await syncOf() };
    expect(before.registry['instance-b']).toBeDefined();

    // A whole snapshot of instance-b's workspace, newer and with the attacker's key.
    const [row] = await withClient(stack.hubDatabase.adminUrl, async (client) => {
      const result = await client.query<Record<string, any>>(
        'SELECT org_id, key, name, settings, sealed_secret, config_version FROM org_workspaces WHERE id = $1',
        [workspace.id],
      );
      return result.rows;
    });
    if (!row) throw new Error(`the Hub has no org workspace ${workspace.id}`);
    const forged = {
      workspaceId: workspace.id,
      orgId: row['org_id'],
      key: row['key'],
      name: 'Taken over',
      settings: row['settings'],
      webhookUri: null,
      publicKeys: ['-----BEGIN PUBLIC KEY-----\nattacker\n-----END PUBLIC KEY-----'],
      sealedSecret: row['sealed_secret'],
      previousSecret: null,
      archivedAt: null,
      version: row['config_version'] + 100,
    };
    const apply = subjectFor(applyWorkspaceSnapshotContract, 'instance-b');
    await expect(request(apply, forged)).rejects.toThrow();
    await violationFor(apply);

    const register = subjectFor(registerInstanceContract, 'instance-b');
    await expect(
      request(register, { instanceId: 'instance-b', name: 'instance-b', apiUrl: ATTACKER_URL, keyIds: ['v1'] }),
    ).rejects.toThrow();
    await violationFor(register);

    const heartbeat = subjectFor(instanceHeartbeatContract, 'instance-b');
    asInstanceA.publish(
      heartbeat,
      JSON.stringify({
        pattern: heartbeat,
        data: { instanceId: 'instance-b', apiUrl: ATTACKER_URL, sentAt: new Date().toISOString() },
      }),
    );
    await violationFor(heartbeat);

    const reconcile = subjectFor(reconcileInstanceContract, 'instance-b');
    await expect(request(reconcile, { instanceId: 'instance-b', held: [] })).rejects.toThrow();
    await violationFor(reconcile);

    // The universe: neither deliver one to instance-b nor reconcile in its name.
    const applyUniverse = subjectFor(applyUniverseSnapshotContract, 'instance-b');
    await expect(
      request(applyUniverse, { snapshot: { kind: 'universe', version: 1000, elements: [] }, signature: 'x' }),
    ).rejects.toThrow();
    await violationFor(applyUniverse);
    const reconcileUniverse = subjectFor(reconcileUniverseContract, 'instance-b');
    await expect(request(reconcileUniverse, { instanceId: 'instance-b', version: 0 })).rejects.toThrow();
    await violationFor(reconcileUniverse);

    // Nor can it tell instance-b's replicas that a tenant changed; its own replicas it may.
    const othersBroadcast = subjectFor(tenantChangedContract, 'instance-b');
    asInstanceA.publish(othersBroadcast, JSON.stringify({ pattern: othersBroadcast, data: {} }));
    await violationFor(othersBroadcast);
    const ownBroadcast = subjectFor(tenantChangedContract, 'instance-a');
    asInstanceA.publish(
      ownBroadcast,
      JSON.stringify({ pattern: ownBroadcast, data: { workspaceId: randomUUID(), internalId: 'nobody' } }),
    );
    await asInstanceA.flush();

    // Nor can it listen to what the Hub sends instance-b, or to the Hub's replies.
    for (const subject of ['switchboard.v1.instance.instance-b.>', '_INBOX.hub.>']) {
      const subscription = asInstanceA.subscribe(subject);
      await expect(subscription.closed).resolves.toBeInstanceOf(Error);
      await violationFor(subject);
    }

    expect(reported.filter((error) => error.includes(ownBroadcast))).toEqual([]);
    await expectNothingChanged(before);
  });

  it("has the Hub refuse instance-a speaking for instance-b on instance-a's own subjects", async () => {
    const before = { registry: await instances(), held: await heldByInstanceB(), sync: await syncOf() };

    const register = subjectFor(registerInstanceContract, 'instance-a');
    const registered = await request(register, {
      instanceId: 'instance-b',
      name: 'instance-b',
      apiUrl: ATTACKER_URL,
      keyIds: ['v1'],
    });
    expect(registered.err).toMatchObject({ status: 403, code: 'forbidden' });
    expect(registered.response).toBeUndefined();

    const reconcile = subjectFor(reconcileInstanceContract, 'instance-a');
    const reconciled = await request(reconcile, { instanceId: 'instance-b', held: [] });
    expect(reconciled.err).toMatchObject({ status: 403, code: 'forbidden' });
    expect(reconciled.response).toBeUndefined();

    const reconcileUniverse = subjectFor(reconcileUniverseContract, 'instance-a');
    const universeReconciled = await request(reconcileUniverse, { instanceId: 'instance-b', version: 0 });
    expect(universeReconciled.err).toMatchObject({ status: 403, code: 'forbidden' });
    expect(universeReconciled.response).toBeUndefined();

    const heartbeat = subjectFor(instanceHeartbeatContract, 'instance-a');
    for (let i = 0; i < 5; i++) {
      asInstanceA.publish(
        heartbeat,
        JSON.stringify({
          pattern: heartbeat,
          data: { instanceId: 'instance-b', apiUrl: ATTACKER_URL, sentAt: new Date().toISOString() },
        }),
      );
    }
    await asInstanceA.flush();
    // The Hub handles a heartbeat within milliseconds; give it ample time to have (wrongly) stored one.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    // instance-a's own registration on its own subject is what the subject proves, and it is accepted.
    const own = await request(register, {
      instanceId: 'instance-a',
      name: 'instance-a',
      apiUrl: before.registry['instance-a']!.apiUrl,
      keyIds: before.registry['instance-a']!.keyIds,
    });
    expect(own.err).toBeUndefined();
    expect(own.response).toMatchObject({ heartbeatIntervalMs: expect.any(Number) });

    await expectNothingChanged(before);
  });

  it('gives the gateway the placements with its own user, and no one else: not instance-a, not an anonymous client', async () => {
    // The gateway, as its least-privileged user, read the table from the Hub and routes by it.
    const { key } = (await call(stack.hub.url, 'GET', `/org-workspaces/${workspace.id}`, stack.adminToken)).body;
    expect((await call(gateway.url, 'GET', '/health/ready')).status).toBe(200);
    const issued = await call(stack.hub.url, 'POST', `/org-workspaces/${workspace.id}/access-token`, stack.adminToken, {
      tenantKey: 'through-the-gateway',
    });
    const routed = await call(gateway.url, 'GET', '/tenants/self', issued.body.token);
    expect(routed).toMatchObject({ status: 200, body: { internalId: 'through-the-gateway' } });
    expect(key).toEqual(expect.any(String));
    // A workspace created now reaches the gateway by the Hub's publication (its resync is 30 s away).
    const org = await call(stack.hub.url, 'POST', '/orgs', stack.adminToken, { name: 'Published' });
    const later = await call(stack.hub.url, 'POST', '/org-workspaces', stack.adminToken, {
      orgId: org.body.id,
      name: 'Created later',
      instanceId: 'instance-b',
    });
    expect(later.status).toBe(201);
    const laterToken = (
      await call(stack.hub.url, 'POST', `/org-workspaces/${later.body.id}/access-token`, stack.adminToken, {
        tenantKey: 'later',
      })
    ).body.token as string;
    await waitFor(
      async () => ((await call(gateway.url, 'GET', '/tenants/self', laterToken)).status === 200 ? true : undefined),
      { what: 'the gateway to learn the new workspace from the Hub', timeoutMs: 10_000 },
    );

    await expect(connect({ servers: nats.url, reconnect: false })).rejects.toThrow(/Authorization Violation/i);

    // instance-a may neither ask the Hub for the table nor hear the placements it publishes.
    const list = fillSubject(listWorkspacePlacementsContract.subject, { namespace: '' });
    await expect(request(list, {})).rejects.toThrow();
    await violationFor(list);
    const changes = fillSubject(workspacePlacementChangedContract.subject, { namespace: '' });
    const overheard = asInstanceA.subscribe(changes);
    await expect(overheard.closed).resolves.toBeInstanceOf(Error);
    await violationFor(changes);

    // The gateway's own user may do nothing else: not forge a placement, not reach an instance, not read the Hub's replies.
    const asGateway = await connect({
      servers: nats.url,
      user: 'gateway',
      pass: PASSWORDS.gateway,
      inboxPrefix: GATEWAY_INBOX_PREFIX,
    });
    const refused: string[] = [];
    void (async () => {
      for await (const status of asGateway.status()) {
        if (status.type === 'error') refused.push(String(status.error));
      }
    })();
    try {
      const reply = await asGateway.request(list, packet(list, { limit: 1 }), { timeout: 2000 });
      expect(reply.json<any>().response.placements).toHaveLength(1);
      asGateway.publish(changes, JSON.stringify({ pattern: changes, data: {} }));
      const apply = subjectFor(applyWorkspaceSnapshotContract, 'instance-b');
      asGateway.publish(apply, JSON.stringify({ pattern: apply, data: {} }));
      for (const subject of ['_INBOX.hub.>', 'switchboard.v1.hub.>', 'switchboard.v1.instance.instance-b.>']) {
        const subscription = asGateway.subscribe(subject);
        await expect(subscription.closed).resolves.toBeInstanceOf(Error);
      }
      await asGateway.flush();
      await waitFor(
        () =>
          Promise.resolve(
            [changes, apply].every((subject) =>
              refused.some((error) => error.includes('Permissions Violation') && error.includes(subject)),
            )
              ? true
              : undefined,
          ),
        { what: 'permission violations for the gateway publishing placements and snapshots', timeoutMs: 5000 },
      );
    } finally {
      await asGateway.close();
    }
  });

  /** instance-b's database and the Hub's registry are as before, and a real change still syncs. */
  async function expectNothingChanged(before: {
    registry: Record<string, { apiUrl: string; name: string; keyIds: string[] }>;
    held: { config_version: number; public_keys: string[]; name: string };
    sync: { version: number; appliedVersion: number };
  }): Promise<void> {
    expect(await heldByInstanceB()).toEqual(before.held);
    expect((await instances())['instance-b']).toEqual(before.registry['instance-b']);
    expect((await instances())['instance-a']).toEqual(before.registry['instance-a']);

    const renamed = `Renamed ${randomUUID().slice(0, 8)}`;
    const patched = await call(stack.hub.url, 'PATCH', `/org-workspaces/${workspace.id}`, stack.adminToken, {
      name: renamed,
    });
    expect(patched.status).toBe(200);
    const synced = await waitFor(
      async () => {
        const sync = await syncOf();
        return sync.state === 'synced' && sync.version > before.sync.version ? sync : undefined;
      },
      { what: 'the real change to sync to instance-b', timeoutMs: 15_000 },
    );
    expect(synced.appliedVersion).toBe(synced.version);
    expect(await heldByInstanceB()).toMatchObject({ config_version: synced.version, name: renamed });
  }
});
