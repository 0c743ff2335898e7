import { reconcileInstanceContract, type ReconcileInstanceRequest } from '@switchboard/contracts';
import { canonicalDigest } from '@switchboard/crypto';
import { withClient } from '@switchboard/persistence';
import { NatsClient, NatsErrorReply } from '@switchboard/server';
import { waitFor } from '@switchboard/testing';

import { RECONCILE_PAGE_SIZE } from '../../apps/hub/src/routing/reconcile.handler.js';
import { type HubHarness, startHub, TEST_ENCRYPTION_KEYS } from '../../apps/hub/test/hub-harness.js';
import { type InstanceHarness, startInstance } from '../../apps/instance/test/instance-harness.js';

/**
 * Reconciliation a range at a time, with a real Hub over NATS and Postgres:
 * an instance with more workspaces than fit in one NATS message says what it
 * holds in ranges of ids (`after`, `partial`), and the Hub answers each with
 * at most a page of snapshots and `through`, where to ask next. Nothing
 * outside the range (nor another instance's workspace) is recorded or sent.
 */
describe('reconcile a range at a time', () => {
  let hub: HubHarness;
  /**
   * The instance `pager`, whose NATS connection sends the requests by hand (an instance's NATS user may
   * publish only for itself). It reconciles once when it registers, before any workspace is placed on it,
   * and not again during the test.
   */
  let helper: InstanceHarness;
  /** The workspaces placed on `pager`, in id order; 250 of them. */
  let ids: string[];
  let otherIds: string[];

  const reconcile = (request: Omit<ReconcileInstanceRequest, 'instanceId'>, instanceId = 'pager') =>
    helper.app.get(NatsClient).request(reconcileInstanceContract, { instanceId, ...request }, { instanceId });
  const hubRows = (sql: string, params: unknown[] = []) =>
    withClient(hub.database.migrationUrl, async (client) => (await client.query(sql, params)).rows);

  beforeAll(async () => {
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '600000' });
    helper = await startInstance({
      INSTANCE_ID: 'pager',
      INSTANCE_RECONCILE_INTERVAL_MS: '600000',
      NATS_NAMESPACE: hub.namespace,
      ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    });
    const org = (await (
      await hub.request('POST', '/orgs', { token: hub.adminToken, body: { name: 'Paging' } })
    ).json()) as { id: string };
    const orgId = org.id;
    await waitFor(
      async () => (await hubRows(`SELECT id FROM instances WHERE id = 'pager' AND key_ids IS NOT NULL`))[0],
      { what: 'pager to register' },
    );
    await hubRows(
      `INSERT INTO instances (id, name, api_url, last_seen_at) VALUES ('other', 'other', 'http://127.0.0.1:2', now())`,
    );
    const created = await hub.request('POST', '/org-workspaces', {
      token: hub.adminToken,
      body: { orgId, name: 'template', instanceId: 'other' },
    });
    expect(created.status).toBe(201);
    const template = ((await created.json()) as { id: string }).id;
    // Copies of a workspace the service wrote (on `other`, where nothing answers): 250 on `pager` and 49
    // more on `other`, interleaved by id.
    await hubRows(
      `INSERT INTO org_workspaces (org_id, name, key, instance_id, settings, public_keys, sealed_secret,
         previous_sealed_secrets)
       SELECT t.org_id, 'copy ' || g, 'copy-' || g || '-' || t.key, CASE WHEN g <= 250 THEN 'pager' ELSE 'other' END,
              t.settings, t.public_keys, t.sealed_secret, t.previous_sealed_secrets
       FROM org_workspaces t CROSS JOIN generate_series(1, 299) g WHERE t.id = $1`,
      [template],
    );
    const placed = async (instanceId: string) =>
      (await hubRows('SELECT id FROM org_workspaces WHERE instance_id = $1 ORDER BY id', [instanceId])).map(
        (row: { id: string }) => row.id,
      );
    ids = await placed('pager');
    otherIds = await placed('other');
    expect(ids).toHaveLength(250);
  });

  afterAll(async () => {
    await helper?.close();
    await hub?.close();
  });

  it('pages what the instance lacks, each reply saying where to ask next', async () => {
    const first = await reconcile({ held: [] });
    expect(first.snapshots.map((signed) => signed.snapshot.workspaceId)).toEqual(ids.slice(0, RECONCILE_PAGE_SIZE));
    expect(first).toMatchObject({ more: true, through: ids[RECONCILE_PAGE_SIZE - 1] });

    const second = await reconcile({ held: [], after: first.through });
    expect(second.snapshots.map((signed) => signed.snapshot.workspaceId)).toEqual(
      ids.slice(RECONCILE_PAGE_SIZE, 2 * RECONCILE_PAGE_SIZE),
    );
    expect(second.more).toBe(true);

    const last = await reconcile({ held: [], after: second.through });
    expect(last.snapshots.map((signed) => signed.snapshot.workspaceId)).toEqual(ids.slice(2 * RECONCILE_PAGE_SIZE));
    expect(last.more).toBeUndefined();
    expect(last.through).toBeUndefined();
    // Another instance's workspaces are in the same id range, and never sent.
    const sent = [...first.snapshots, ...second.snapshots, ...last.snapshots].map((s) => s.snapshot.workspaceId);
    expect(sent.filter((id) => otherIds.includes(id))).toEqual([]);
  });

  it('records and sends only within the range a partial request covers', async () => {
    const { snapshots } = await reconcile({ held: [] });
    // The instance holds the first 10 as the Hub would send them, and says its range ends at the 10th.
    const held = snapshots.slice(0, 10).map(({ snapshot }) => ({
      workspaceId: snapshot.workspaceId,
      version: snapshot.version,
      digest: canonicalDigest(snapshot),
    }));
    const reply = await reconcile({ held, partial: true });
    expect(reply.snapshots).toEqual([]);
    expect(reply.more).toBeUndefined();
    const applied = await hubRows(
      `SELECT id FROM org_workspaces WHERE instance_id = 'pager' AND applied_version = 1 AND applied_digest IS NOT NULL
       ORDER BY id`,
    );
    expect(applied.map((row: { id: string }) => row.id)).toEqual(ids.slice(0, 10));

    // The next range starts after the 10th: the 11th onwards are lacking, a page of them.
    const next = await reconcile({ held: [], after: ids[9] });
    expect(next.snapshots[0]?.snapshot.workspaceId).toBe(ids[10]);
    expect(next.snapshots).toHaveLength(RECONCILE_PAGE_SIZE);
  });

  it('refuses a range bound that is not a workspace id, with a typed error and no 500', async () => {
    const error = await reconcile({ held: [], after: 'not-a-uuid' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NatsErrorReply);
    expect((error as NatsErrorReply).status).toBe(400);
  });
});
