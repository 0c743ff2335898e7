import { reconcileInstanceContract } from '@switchboard/contracts';
import { generateSigningKeyPair, Keyring } from '@switchboard/crypto';
import { withClient } from '@switchboard/persistence';
import { NatsClient } from '@switchboard/server';
import { waitFor } from '@switchboard/testing';
import jwt from 'jsonwebtoken';

import { type HubHarness, startHub, TEST_ENCRYPTION_KEYS } from '../../apps/hub/test/hub-harness.js';
import { HubLinkService } from '../../apps/instance/src/registration/hub-link.service.js';
import { WorkspaceSyncService } from '../../apps/instance/src/workspaces/workspace-sync.service.js';
import { type InstanceHarness, startInstance } from '../../apps/instance/test/instance-harness.js';

interface Sync {
  version: number;
  appliedVersion: number;
  state: string;
  lastError: string | null;
}

/**
 * Sync that tells the truth, with a real Hub and instances over NATS and
 * Postgres: refused snapshots (a signature the instance cannot verify, secrets
 * it cannot decrypt) show as `failed` with the instance's own words, a row
 * changed behind the Hub's back shows as `drifted` and heals, and the Hub
 * shows which instances lack its key.
 */
describe('signed snapshots and the sync state', () => {
  let hub: HubHarness;
  let orgId: string;
  const closers: (() => Promise<void>)[] = [];

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await hub.request(method, path, { token: hub.adminToken, body });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text);
  };
  const sync = async (id: string): Promise<Sync> => (await api('GET', `/org-workspaces/${id}`)).sync;
  const syncWhere = (id: string, what: string, accept: (state: Sync) => boolean) =>
    waitFor(
      async () => {
        const state = await sync(id);
        return accept(state) ? state : undefined;
      },
      { what, timeoutMs: 10_000 },
    );
  /** An instance on the Hub's namespace, registered before this returns. */
  const instanceOn = async (instanceId: string, env: Record<string, string> = {}): Promise<InstanceHarness> => {
    const instance = await startInstance({
      INSTANCE_ID: instanceId,
      NATS_NAMESPACE: hub.namespace,
      ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
      ...env,
    });
    closers.push(() => instance.close());
    await waitFor(
      async () => {
        const { items } = (await api('GET', '/instances')) as { items: { id: string; keyIds: unknown }[] };
        return items.find((item) => item.id === instanceId && item.keyIds !== null);
      },
      { what: `${instanceId} to register` },
    );
    return instance;
  };
  const createWorkspace = async (instanceId: string): Promise<string> =>
    (await api('POST', '/org-workspaces', { orgId, name: `On ${instanceId}`, instanceId })).id;
  const held = (instance: InstanceHarness, id: string) =>
    withClient(instance.database.adminUrl, async (client) => {
      const { rows } = await client.query<{ name: string; config_version: number }>(
        'SELECT name, config_version FROM workspaces WHERE id = $1',
        [id],
      );
      return rows[0];
    });

  beforeAll(async () => {
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '600000' });
    orgId = (await api('POST', '/orgs', { name: 'Signed sync' })).id;
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await hub?.close();
  });

  it('shows a delivery the instance refused as failed, with its reason, and applies nothing', async () => {
    // This instance trusts another Hub key: everything this Hub signs is, to it, forged.
    const instance = await instanceOn('wrong-trust', { HUB_PUBLIC_KEY: generateSigningKeyPair().publicKey });
    const id = await createWorkspace('wrong-trust');
    const state = await syncWhere(id, 'the refusal to show', (candidate) => candidate.state === 'failed');
    expect(state).toMatchObject({ version: 1, appliedVersion: 0, state: 'failed' });
    expect(state.lastError).toMatch(/^wrong-trust refused version 1 of workspace .*HUB_PUBLIC_KEY/);
    expect(await held(instance, id)).toBeUndefined();
  });

  it('shows an instance whose keyring lacks the Hub key as failed, naming the instance and the key', async () => {
    const instance = await instanceOn('short-keys', { ENCRYPTION_KEYS: Keyring.generateKeySpec('other') });
    const id = await createWorkspace('short-keys');
    const state = await syncWhere(id, 'the keyring mismatch to show', (candidate) => candidate.state === 'failed');
    expect(state.lastError).toMatch(/^short-keys cannot decrypt with its keys \(key test unknown\)/);
    expect(await held(instance, id)).toBeUndefined();
    // Reconciliation reports the refusal too, and keeps it failed rather than pretending it is pending.
    await instance.app.get(HubLinkService).reconcile();
    expect(await sync(id)).toMatchObject({ state: 'failed', lastError: expect.stringMatching(/key test unknown/) });

    const { items } = (await api('GET', '/instances')) as {
      items: { id: string; keyIds: string[] | null; keyringMismatch: boolean | null }[];
    };
    expect(items.find((item) => item.id === 'short-keys')).toMatchObject({ keyIds: ['other'], keyringMismatch: true });
    expect(items.find((item) => item.id === 'wrong-trust')).toMatchObject({ keyIds: ['test'], keyringMismatch: false });
  });

  it('keeps each previous secret valid on the instance until the expiry its own rotation promised', async () => {
    const instance = await instanceOn('rotating');
    const id = await createWorkspace('rotating');
    const { key } = await api('GET', `/org-workspaces/${id}`);
    const first = (await api('GET', `/org-workspaces/${id}/secret`)).secret as string;
    const firstRotation = await api('POST', `/org-workspaces/${id}/rotate-secret`, { gracePeriodSeconds: 2 });
    const secondRotation = await api('POST', `/org-workspaces/${id}/rotate-secret`, { gracePeriodSeconds: 4 });
    await syncWhere(id, 'both rotations to reach the instance', (candidate) => candidate.state === 'synced');
    const status = async (secret: string) =>
      (
        await instance.request('GET', '/workspace', {
          token: jwt.sign({ iss: key, isAdmin: true }, secret, { algorithm: 'HS256', expiresIn: 600 }),
        })
      ).status;
    expect(await status(first)).toBe(200);
    expect(await status(firstRotation.secret)).toBe(200);
    expect(await status(secondRotation.secret)).toBe(200);
    await new Promise((resolve) =>
      setTimeout(resolve, Date.parse(firstRotation.previousSecretExpiresAt) - Date.now() + 100),
    );
    expect(await status(first)).toBe(401);
    expect(await status(firstRotation.secret)).toBe(200);
    await new Promise((resolve) =>
      setTimeout(resolve, Date.parse(secondRotation.previousSecretExpiresAt) - Date.now() + 100),
    );
    expect(await status(firstRotation.secret)).toBe(401);
    expect(await status(secondRotation.secret)).toBe(200);
  }, 20_000);

  it('detects a row changed behind the Hub’s back as drifted, and heals it back to synced', async () => {
    const instance = await instanceOn('drifting');
    const id = await createWorkspace('drifting');
    await api('PATCH', `/org-workspaces/${id}`, { name: 'Intended', settings: { tier: 'gold' } });
    await syncWhere(id, 'the workspace to sync', (candidate) => candidate.state === 'synced');
    expect(await held(instance, id)).toEqual({ name: 'Intended', config_version: 2 });

    // The owner role changes the instance's copy directly.
    await withClient(instance.database.migrationUrl, (client) =>
      client.query(`UPDATE workspaces SET name = 'Hijacked', settings = '{"tier":"free"}' WHERE id = $1`, [id]),
    );
    // What the instance reports on its next reconciliation: same version, another digest.
    const nats = instance.app.get(NatsClient);
    const reply = await nats.request(
      reconcileInstanceContract,
      { instanceId: 'drifting', held: await instance.app.get(WorkspaceSyncService).heldWorkspaces(null, 1000) },
      { instanceId: 'drifting' },
    );
    expect(reply.snapshots.map((signed) => signed.snapshot.workspaceId)).toEqual([id]);
    expect(await sync(id)).toMatchObject({ version: 2, appliedVersion: 2, state: 'drifted', lastError: null });

    // A whole reconciliation applies the re-sent signed snapshot and reports what it now holds.
    await instance.app.get(HubLinkService).reconcile();
    expect(await held(instance, id)).toEqual({ name: 'Intended', config_version: 2 });
    expect(await sync(id)).toMatchObject({ version: 2, appliedVersion: 2, state: 'synced', lastError: null });
  });
});
