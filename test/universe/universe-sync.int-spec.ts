import { randomUUID } from 'node:crypto';

import {
  applyUniverseSnapshotContract,
  reconcileUniverseContract,
  type UniverseSnapshot,
} from '@switchboard/contracts';
import { generateSigningKeyPair, SnapshotSigner } from '@switchboard/crypto';
import { withClient } from '@switchboard/persistence';
import { NatsClient, NatsErrorReply } from '@switchboard/server';
import { createTestDatabase, TEST_HUB_KEYS, type TestDatabase, waitFor } from '@switchboard/testing';
import jwt from 'jsonwebtoken';

import { type HubHarness, startHub, TEST_ENCRYPTION_KEYS } from '../../apps/hub/test/hub-harness.js';
import { HubLinkService } from '../../apps/instance/src/registration/hub-link.service.js';
import { UniverseSyncService } from '../../apps/instance/src/universe/universe-sync.service.js';
import { type InstanceHarness, startInstance } from '../../apps/instance/test/instance-harness.js';

interface Listed {
  id: string;
  universeVersion: number;
}

/**
 * The universe (API.md, Universe) with a real Hub and two instances over NATS
 * and Postgres: platform admins change it on the Hub, every change reaches
 * every instance (signed, applied, acknowledged), an instance that was down
 * catches up when it starts, one that registers later gets it all, nobody but
 * a platform admin can write it, and a forged snapshot is refused.
 */
describe('the universe, Hub to every instance', () => {
  let hub: HubHarness;
  let orgId: string;
  let ownerToken: string;
  const closers: (() => Promise<void>)[] = [];

  const call = (method: string, path: string, token: string, body?: unknown) =>
    hub.request(method, path, { token, body });
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await call(method, path, hub.adminToken, body);
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  };
  const instancesOnHub = async (): Promise<Listed[]> => (await api('GET', '/instances')).items;
  const universeVersionOf = async (instanceId: string) =>
    (await instancesOnHub()).find((item) => item.id === instanceId)?.universeVersion;
  const reached = (instanceIds: string[], version: number) =>
    waitFor(
      async () => {
        const listed = await instancesOnHub();
        const all = instanceIds.every((id) => (listed.find((item) => item.id === id)?.universeVersion ?? 0) >= version);
        return all ? true : undefined;
      },
      { what: `universe version ${version} on ${instanceIds.join(', ')}`, timeoutMs: 15_000 },
    );
  /** An instance on the Hub's namespace, registered before this returns. */
  const instanceOn = async (instanceId: string, database?: TestDatabase): Promise<InstanceHarness> => {
    const instance = await startInstance(
      { INSTANCE_ID: instanceId, NATS_NAMESPACE: hub.namespace, ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS },
      database ? { database } : undefined,
    );
    await waitFor(async () => (await instancesOnHub()).find((item) => item.id === instanceId), {
      what: `${instanceId} to register`,
    });
    return instance;
  };
  /** Admin and tenant tokens of a workspace placed on `instanceId`, once the instance holds it. */
  const workspaceOn = async (instance: InstanceHarness) => {
    const id = (
      await api('POST', '/org-workspaces', {
        orgId,
        name: `On ${instance.config.INSTANCE_ID}`,
        instanceId: instance.config.INSTANCE_ID,
      })
    ).id as string;
    const { key } = await api('GET', `/org-workspaces/${id}`);
    const { secret } = await api('GET', `/org-workspaces/${id}/secret`);
    const sign = (claims: Record<string, unknown>) =>
      jwt.sign({ iss: key, ...claims }, secret as string, { algorithm: 'HS256', expiresIn: 600 });
    // Asked before the instance holds it, the instance would remember the workspace as unknown for a while.
    await waitFor(
      async () => ((await api('GET', `/org-workspaces/${id}`)).sync.state === 'synced' ? true : undefined),
      {
        what: 'the workspace to reach the instance',
      },
    );
    const admin = sign({ isAdmin: true });
    return { admin, tenant: sign({ tenantKey: 'acme', name: 'Acme' }) };
  };
  const heldRows = (instance: InstanceHarness) =>
    withClient(instance.database.adminUrl, async (client) => {
      const { rows } = await client.query<{ key: string; revision: number; archived: boolean }>(
        'SELECT key, revision, archived_at IS NOT NULL AS archived FROM universe_elements ORDER BY element_type, key',
      );
      const state = await client.query<{ version: string }>('SELECT version FROM universe_state');
      return { rows, version: Number(state.rows[0]?.version ?? 0) };
    });
  const problem = async (response: Response, status: number) => {
    const text = await response.text();
    expect({ status: response.status, type: response.headers.get('content-type') }).toEqual({
      status,
      type: expect.stringContaining('application/problem+json'),
    });
    return JSON.parse(text) as { code: string; detail: string };
  };

  let a: InstanceHarness;
  let b: InstanceHarness;
  let bDatabase: TestDatabase;

  beforeAll(async () => {
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '600000' });
    orgId = (await api('POST', '/orgs', { name: 'Universe' })).id;
    const owner = await api('POST', '/users', { email: 'owner@example.test', name: 'Owner' });
    ownerToken = owner.token;
    await call('POST', `/orgs/${orgId}/members`, hub.adminToken, { userId: owner.id, role: 'owner' });
    a = await instanceOn('universe-a');
    closers.push(() => a.close());
    bDatabase = await createTestDatabase('instance');
    closers.push(() => bDatabase.drop());
    b = await instanceOn('universe-b', bDatabase);
  }, 30_000);

  afterAll(async () => {
    await b?.close();
    for (const close of closers.reverse()) await close();
    await hub?.close();
  });

  it('delivers every change to both instances, which serve it read-only to any token with level and revision', async () => {
    const created = await api('POST', '/universe/connectors', {
      key: 'slack',
      name: 'Slack',
      definition: { auth: { type: 'oauth2' }, baseUri: 'https://slack.com/api' },
    });
    expect(created).toMatchObject({ type: 'connector', key: 'slack', revision: 1, archivedAt: null });
    await reached(['universe-a', 'universe-b'], created.universeVersion);
    for (const instance of [a, b]) {
      expect((await heldRows(instance)).rows).toEqual([{ key: 'slack', revision: 1, archived: false }]);
    }

    const changed = await api('PUT', '/universe/connectors/slack', { definition: { auth: { type: 'api-key' } } });
    expect(changed).toMatchObject({ name: 'Slack', revision: 2, universeVersion: created.universeVersion + 1 });
    await reached(['universe-a', 'universe-b'], changed.universeVersion);

    // Read over HTTP from one instance (each app in this process checks tokens with its own strategy:
    // apps/instance/src/auth/two-apps.int-spec.ts).
    const tokens = await workspaceOn(b);
    for (const token of [tokens.admin, tokens.tenant]) {
      const one = await b.request('GET', '/universe/connectors/slack', { token });
      expect(one.status).toBe(200);
      expect(await one.json()).toMatchObject({
        id: created.id,
        elementType: 'connector',
        key: 'slack',
        name: 'Slack',
        definition: { auth: { type: 'api-key' } },
        revision: 2,
        level: 'universe',
      });
      const list: any = await (await b.request('GET', '/universe/connectors', { token })).json();
      expect(list.items.map((item: { key: string }) => item.key)).toEqual(['slack']);
      expect(((await (await b.request('GET', '/universe/flows', { token })).json()) as any).items).toEqual([]);
    }

    // Archive: hidden from every token, shown to admins who ask; restore brings it back everywhere.
    expect((await call('DELETE', '/universe/connectors/slack', hub.adminToken)).status).toBe(204);
    const archivedVersion = (await api('GET', '/universe/connectors/slack')).universeVersion;
    await reached(['universe-a', 'universe-b'], archivedVersion);
    await problem(await b.request('GET', '/universe/connectors/slack', { token: tokens.tenant }), 404);
    expect(
      ((await (await b.request('GET', '/universe/connectors', { token: tokens.tenant })).json()) as any).items,
    ).toEqual([]);
    const shown = await b.request('GET', '/universe/connectors/slack?includeArchived=true', { token: tokens.admin });
    expect(await shown.json()).toMatchObject({ key: 'slack', archivedAt: expect.any(String) });
    await problem(
      await b.request('GET', '/universe/connectors/slack?includeArchived=true', { token: tokens.tenant }),
      403,
    );
    const restored = await api('POST', '/universe/connectors/slack/restore');
    expect(restored).toMatchObject({ archivedAt: null, revision: 2 });
    await reached(['universe-a', 'universe-b'], restored.universeVersion);
    expect((await b.request('GET', '/universe/connectors/slack', { token: tokens.tenant })).status).toBe(200);
    expect((await heldRows(a)).version).toBe(restored.universeVersion);
  }, 30_000);

  it('reports no drift when an instance holds what it was sent, and heals rows changed behind its back', async () => {
    const current = await api('POST', '/universe/connectors', { key: 'drift', name: 'Drift', definition: { v: 1 } });
    await reached(['universe-a', 'universe-b'], current.universeVersion);
    const reconcile = (instance: InstanceHarness) => instance.app.get(HubLinkService).reconcileUniverse();
    const queued = async (instance: InstanceHarness) => {
      const instanceId = instance.config.INSTANCE_ID;
      const held = await instance.app.get(UniverseSyncService).held();
      return (
        await instance.app
          .get(NatsClient)
          .request(
            reconcileUniverseContract,
            { instanceId, version: held!.version, digest: held!.digest },
            { instanceId },
          )
      ).queued;
    };
    expect(await queued(a)).toBe(0);
    expect(await queued(b)).toBe(0);
    // Changed by hand in a's database (as its owner, past row-level security): the digest tells, the Hub resends.
    await withClient(a.database.adminUrl, (client) =>
      client.query(`UPDATE universe_elements SET definition = '{"v": 666}' WHERE key = 'drift'`),
    );
    expect(await reconcile(a)).toBe(current.universeVersion);
    await waitFor(
      () =>
        withClient(a.database.adminUrl, async (client) => {
          const { rows } = await client.query(`SELECT definition FROM universe_elements WHERE key = 'drift'`);
          return rows[0]?.definition?.v === 1 ? true : undefined;
        }),
      { what: 'the drift to heal' },
    );
    expect(await queued(a)).toBe(0);
  });

  it('lets no one but a platform admin write it: org owners 403 on the Hub, every token 403 on the instance', async () => {
    await api('POST', '/universe/actions', { key: 'send', name: 'Send', definition: { x: 1 } });
    expect((await call('GET', '/universe/actions/send', ownerToken)).status).toBe(200);
    expect((await call('GET', '/universe/actions', ownerToken)).status).toBe(200);
    await problem(
      await call('POST', '/universe/actions', ownerToken, { key: 'other', name: 'O', definition: {} }),
      403,
    );
    await problem(await call('PUT', '/universe/actions/send', ownerToken, { definition: { x: 2 } }), 403);
    await problem(await call('DELETE', '/universe/actions/send', ownerToken), 403);
    await problem(await call('POST', '/universe/actions/send/restore', ownerToken), 403);
    expect((await api('GET', '/universe/actions/send')).revision).toBe(1);

    const tokens = await workspaceOn(b);
    for (const token of [tokens.admin, tokens.tenant]) {
      await problem(
        await b.request('POST', '/universe/actions', { token, body: { key: 'x', name: 'X', definition: {} } }),
        403,
      );
      await problem(await b.request('PUT', '/universe/actions/send', { token, body: { definition: {} } }), 403);
      await problem(await b.request('PATCH', '/universe/actions/send', { token, body: { definition: {} } }), 403);
      await problem(await b.request('DELETE', '/universe/actions/send', { token }), 403);
      await problem(await b.request('POST', '/universe/actions/send/restore', { token }), 403);
    }
    // Without a token it is 401, as everywhere.
    expect((await b.request('GET', '/universe/actions')).status).toBe(401);
  }, 30_000);

  it('refuses bad input with 4xx problems', async () => {
    await problem(await call('GET', '/universe/widgets', hub.adminToken), 404);
    await problem(
      await call('POST', '/universe/widgets', hub.adminToken, { key: 'k', name: 'n', definition: {} }),
      404,
    );
    await problem(await call('GET', '/universe/flows/not%20a%20key', hub.adminToken), 400);
    await problem(await call('GET', '/universe/flows/missing', hub.adminToken), 404);
    await problem(await call('PUT', '/universe/flows/missing', hub.adminToken, { definition: {} }), 404);
    await problem(await call('DELETE', '/universe/flows/missing', hub.adminToken), 404);
    await problem(await call('POST', '/universe/flows', hub.adminToken, { key: 'f', name: 'F' }), 400);
    await problem(await call('POST', '/universe/flows', hub.adminToken, { key: 'f', name: 'F', definition: [1] }), 400);
    await problem(await call('POST', '/universe/flows', hub.adminToken, { key: '-f', name: 'F', definition: {} }), 400);
    await problem(
      await call('POST', '/universe/flows', hub.adminToken, { key: 'f', name: 'F', definition: {}, extra: 1 }),
      400,
    );
    let deep: unknown = {};
    for (let level = 0; level < 40; level++) deep = { next: deep };
    const tooDeep = await problem(
      await call('POST', '/universe/flows', hub.adminToken, { key: 'f', name: 'F', definition: deep }),
      400,
    );
    expect(tooDeep.detail).toMatch(/definition/);
    const big = { text: 'x'.repeat(256 * 1024) };
    await problem(await call('POST', '/universe/flows', hub.adminToken, { key: 'f', name: 'F', definition: big }), 400);
    await problem(await call('GET', '/universe/flows?cursor=forged', hub.adminToken), 400);
    await problem(await call('GET', '/universe/flows?limit=0', hub.adminToken), 400);
    await api('POST', '/universe/flows', { key: 'f', name: 'F', definition: {} });
    expect(
      (
        await problem(
          await call('POST', '/universe/flows', hub.adminToken, { key: 'f', name: 'G', definition: {} }),
          409,
        )
      ).code,
    ).toBe('conflict');
    // The same key under another type is another element.
    expect(
      (await call('POST', '/universe/data-sources', hub.adminToken, { key: 'f', name: 'F', definition: {} })).status,
    ).toBe(201);
  });

  it('refuses a change that would make the universe too large for one message to every instance', async () => {
    const big = (n: number) => ({ text: `${n}`.padEnd(200 * 1024, 'x') });
    for (let n = 0; n < 3; n++)
      await api('POST', '/universe/data-sources', { key: `big-${n}`, name: 'Big', definition: big(n) });
    const before = await api('GET', '/universe/data-sources/big-2');
    const refused = await problem(
      await call('POST', '/universe/data-sources', hub.adminToken, { key: 'big-3', name: 'Big', definition: big(3) }),
      409,
    );
    expect(refused.detail).toMatch(/KiB/);
    await problem(await call('GET', '/universe/data-sources/big-3', hub.adminToken), 404);
    // Nothing of the refused change remains, the version included.
    const next = await api('PUT', '/universe/data-sources/big-0', { definition: { small: true } });
    expect(next).toMatchObject({ revision: 2, universeVersion: before.universeVersion + 1 });
    await api('POST', '/universe/data-sources', { key: 'big-3', name: 'Big', definition: big(3) });
    await reached(['universe-a', 'universe-b'], next.universeVersion + 1);
    for (const key of ['big-0', 'big-1', 'big-2', 'big-3'])
      await call('DELETE', `/universe/data-sources/${key}`, hub.adminToken);
  }, 30_000);

  it('keeps every revision on the Hub, paged, for any user', async () => {
    await api('POST', '/universe/actions', { key: 'history', name: 'First', definition: { n: 1 } });
    await api('PUT', '/universe/actions/history', { definition: { n: 2 } });
    await api('PUT', '/universe/actions/history', { name: 'Third', definition: { n: 3 } });
    const first: any = await (await call('GET', '/universe/actions/history/revisions?limit=2', ownerToken)).json();
    expect(first.items).toMatchObject([
      { revision: 1, name: 'First', definition: { n: 1 }, createdBy: expect.any(String) },
      { revision: 2, name: 'First', definition: { n: 2 } },
    ]);
    const rest = await api('GET', `/universe/actions/history/revisions?limit=2&cursor=${first.cursor}`);
    expect(rest).toMatchObject({ items: [{ revision: 3, name: 'Third', definition: { n: 3 } }], cursor: null });
    await problem(await call('GET', '/universe/actions/missing/revisions', ownerToken), 404);
  });

  it('pages the Hub list with a cursor', async () => {
    for (const key of ['m1', 'm2', 'm3']) {
      await api('POST', '/universe/field-mappings', { key, name: key, definition: { key } });
    }
    const first = await api('GET', '/universe/field-mappings?limit=2');
    expect(first.items.map((item: { key: string }) => item.key)).toEqual(['m1', 'm2']);
    const second = await api('GET', `/universe/field-mappings?limit=2&cursor=${first.cursor}`);
    expect(second).toMatchObject({ items: [{ key: 'm3' }], cursor: null });
  });

  it('brings an instance that was down during a change up to date when it starts, and one that registers later', async () => {
    await b.close();
    const changed = await api('POST', '/universe/external-apps', {
      key: 'hubspot',
      name: 'HubSpot',
      definition: { v: 1 },
    });
    await reached(['universe-a'], changed.universeVersion);
    expect(await universeVersionOf('universe-b')).toBeLessThan(changed.universeVersion);
    // Let the delivery to the dead instance fail at least once (it backs off).
    await new Promise((resolve) => setTimeout(resolve, hub.config.NATS_REQUEST_TIMEOUT_MS + 500));

    b = await instanceOn('universe-b', bDatabase);
    await reached(['universe-b'], changed.universeVersion);
    expect((await heldRows(b)).rows).toContainEqual({ key: 'hubspot', revision: 1, archived: false });

    const late = await instanceOn('universe-late');
    closers.push(() => late.close());
    await reached(['universe-late'], changed.universeVersion);
    const held = await heldRows(late);
    expect(held.version).toBe((await heldRows(a)).version);
    expect(held.rows).toEqual((await heldRows(a)).rows);
  }, 40_000);

  it('refuses a forged, unsigned or misaddressed universe snapshot and changes nothing', async () => {
    const nats = hub.app.get(NatsClient);
    const before = await heldRows(a);
    const snapshot: UniverseSnapshot = {
      kind: 'universe',
      version: before.version + 100,
      elements: [
        {
          id: randomUUID(),
          type: 'connector',
          key: 'evil',
          name: 'Evil',
          definition: { steal: true },
          revision: 1,
          createdAt: new Date().toISOString(),
          updatedAt: new Date().toISOString(),
          archivedAt: null,
        },
      ],
    };
    const forger = SnapshotSigner.fromSeed(generateSigningKeyPair().signingKey);
    const hubSigner = SnapshotSigner.fromSeed(TEST_HUB_KEYS.signingKey);
    const attempts = [
      { snapshot, signature: forger.sign('universe-a', snapshot) },
      { snapshot, signature: Buffer.alloc(64).toString('base64') },
      // Signed by the Hub's key, but for another instance: not replayable here.
      { snapshot, signature: hubSigner.sign('universe-b', snapshot) },
      // Signed for this instance, then altered.
      { snapshot: { ...snapshot, version: snapshot.version + 1 }, signature: hubSigner.sign('universe-a', snapshot) },
    ];
    for (const signed of attempts) {
      const refusal = await nats.request(applyUniverseSnapshotContract, signed, { instanceId: 'universe-a' }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(NatsErrorReply);
      expect((refusal as NatsErrorReply).code).toBe('snapshot_signature_invalid');
    }
    expect(await heldRows(a)).toEqual(before);
    // A malformed snapshot (a definition that is not an object) is refused before any signature check.
    const malformed = await nats
      .request(
        applyUniverseSnapshotContract,
        {
          snapshot: { ...snapshot, elements: [{ ...snapshot.elements[0]!, definition: [] as never }] },
          signature: 'x',
        },
        { instanceId: 'universe-a' },
      )
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(malformed).toBeInstanceOf(NatsErrorReply);
    expect(await heldRows(a)).toEqual(before);
  });
});
