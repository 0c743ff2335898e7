import { randomUUID } from 'node:crypto';

import {
  applyUniverseSnapshotContract,
  type ApplyUniverseSnapshotReply,
  type UniverseSnapshot,
  type UniverseSnapshotElement,
} from '@switchboard/contracts';
import { canonicalDigest, SnapshotSigner } from '@switchboard/crypto';
import { withClient } from '@switchboard/persistence';
import { NatsClient } from '@switchboard/server';
import { TEST_HUB_KEYS } from '@switchboard/testing';

import { type InstanceHarness, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS } from '../../test/workspace-fixture.js';
import { UniverseReader } from './universe.reader.js';

/** Universe snapshots delivered over NATS as the Hub delivers them, to one instance on its own. */
describe('applying universe snapshots', () => {
  let instance: InstanceHarness;
  let reader: UniverseReader;
  const signer = SnapshotSigner.fromSeed(TEST_HUB_KEYS.signingKey);

  const element = (key: string, overrides: Partial<UniverseSnapshotElement> = {}): UniverseSnapshotElement => ({
    id: randomUUID(),
    type: 'connector',
    key,
    name: key,
    definition: { key },
    revision: 1,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    archivedAt: null,
    ...overrides,
  });
  const deliver = (snapshot: UniverseSnapshot): Promise<ApplyUniverseSnapshotReply> => {
    const instanceId = instance.config.INSTANCE_ID;
    return instance.app
      .get(NatsClient)
      .request(
        applyUniverseSnapshotContract,
        { snapshot, signature: signer.sign(instanceId, snapshot) },
        { instanceId },
      );
  };
  const keys = () =>
    withClient(instance.database.adminUrl, async (client) => {
      const { rows } = await client.query<{ key: string; revision: number }>(
        'SELECT key, revision FROM universe_elements ORDER BY key',
      );
      return rows.map((row) => `${row.key}@${row.revision}`);
    });

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    reader = instance.app.get(UniverseReader);
  });

  afterAll(async () => {
    await instance?.close();
  });

  it('applies only newer versions (or the same version altered), replaces the whole universe, and says what it holds', async () => {
    const slack = element('slack');
    const jira = element('jira');
    const v2: UniverseSnapshot = { kind: 'universe', version: 2, elements: [slack, jira] };
    expect(await deliver(v2)).toEqual({ appliedVersion: 2, digest: canonicalDigest(v2), applied: true });
    expect(await keys()).toEqual(['jira@1', 'slack@1']);

    // The same again, and an older one: acknowledged, nothing changes.
    expect(await deliver(v2)).toEqual({ appliedVersion: 2, digest: canonicalDigest(v2), applied: false });
    const v1: UniverseSnapshot = { kind: 'universe', version: 1, elements: [element('old')] };
    expect(await deliver(v1)).toEqual({ appliedVersion: 2, digest: canonicalDigest(v2), applied: false });
    expect(await keys()).toEqual(['jira@1', 'slack@1']);

    // A newer one: jira gone, slack at revision 2, a new one.
    const v3: UniverseSnapshot = {
      kind: 'universe',
      version: 3,
      elements: [{ ...slack, revision: 2, definition: { changed: true } }, element('hubspot')],
    };
    expect(await deliver(v3)).toMatchObject({ appliedVersion: 3, applied: true });
    expect(await keys()).toEqual(['hubspot@1', 'slack@2']);

    // The same version with other content (what the Hub sends when the instance drifted) heals it.
    const healed: UniverseSnapshot = { ...v3, elements: [{ ...slack, revision: 2, definition: { changed: true } }] };
    expect(await deliver(healed)).toEqual({ appliedVersion: 3, digest: canonicalDigest(healed), applied: true });
    expect(await keys()).toEqual(['slack@2']);
  });

  it('reads through UniverseReader: archived hidden unless asked, lists paged per type', async () => {
    const snapshot: UniverseSnapshot = {
      kind: 'universe',
      version: 10,
      elements: [
        element('a1', { type: 'action', createdAt: '2026-01-01T00:00:00.000Z' }),
        element('a2', { type: 'action', createdAt: '2026-01-02T00:00:00.000Z' }),
        element('a3', { type: 'action', createdAt: '2026-01-03T00:00:00.000Z' }),
        element('gone', { type: 'action', archivedAt: '2026-01-04T00:00:00.000Z' }),
        element('a1', { type: 'flow' }),
      ],
    };
    await deliver(snapshot);
    expect(await reader.find('action', 'a1')).toMatchObject({ key: 'a1', elementType: 'action', revision: 1 });
    expect(await reader.find('flow', 'a1')).toMatchObject({ key: 'a1', elementType: 'flow' });
    expect(await reader.find('connector', 'a1')).toBeNull();
    expect(await reader.find('action', 'gone')).toBeNull();
    expect(await reader.find('action', 'gone', { includeArchived: true })).toMatchObject({
      archivedAt: new Date('2026-01-04T00:00:00.000Z'),
    });
    const first = await reader.list('action', { limit: 2 });
    expect(first.items.map((row) => row.key)).toEqual(['a1', 'a2']);
    const rest = await reader.list('action', { limit: 2, cursor: first.cursor ?? undefined });
    expect(rest).toMatchObject({ items: [{ key: 'a3' }], cursor: null });
    expect((await reader.list('action', { includeArchived: true })).items.map((row) => row.key)).toContain('gone');
    await expect(reader.list('action', { cursor: 'forged' })).rejects.toMatchObject({ status: 400 });
  });

  it('lets nothing but the universe sync write the tables, whatever the connection may do otherwise', async () => {
    const appUrl = instance.database.appUrl;
    const attempt = (sql: string) =>
      withClient(appUrl, (client) => client.query(sql)).then(
        () => 'written',
        (error: { message: string }) => error.message,
      );
    expect(
      await attempt(
        `INSERT INTO universe_elements (id, element_type, key, name, definition, revision, created_at, updated_at)
         VALUES (gen_random_uuid(), 'connector', 'forged', 'Forged', '{}', 1, now(), now())`,
      ),
    ).toMatch(/row-level security/);
    // An UPDATE or DELETE outside the sync sees no row to change.
    await withClient(appUrl, async (client) => {
      expect((await client.query(`UPDATE universe_elements SET name = 'Forged'`)).rowCount).toBe(0);
      expect((await client.query('DELETE FROM universe_elements')).rowCount).toBe(0);
      expect((await client.query('SELECT count(*)::int AS n FROM universe_elements')).rows[0].n).toBeGreaterThan(0);
    });
  });
});
