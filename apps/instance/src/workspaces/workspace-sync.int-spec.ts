import { randomBytes, randomUUID } from 'node:crypto';

import {
  applyWorkspaceSnapshotContract,
  type ApplyWorkspaceSnapshotReply,
  type WorkspaceSnapshot,
} from '@switchboard/contracts';
import { withClient } from '@switchboard/persistence';
import { NatsClient, NatsRequestFailed } from '@switchboard/server';

import { type InstanceHarness, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS } from '../../test/workspace-fixture.js';

/** Snapshots delivered over NATS as the Hub delivers them, to two replicas of one instance. */
describe('applying workspace snapshots', () => {
  let instance: InstanceHarness;
  let replica: InstanceHarness;
  let nats: NatsClient;

  const snapshot = (overrides: Partial<WorkspaceSnapshot> = {}): WorkspaceSnapshot => ({
    workspaceId: randomUUID(),
    orgId: randomUUID(),
    key: `ws-${randomBytes(6).toString('hex')}`,
    name: 'Sync',
    settings: {},
    webhookUri: null,
    publicKeys: [],
    sealedSecret: 'v1:k:sealed',
    previousSecret: null,
    archivedAt: null,
    version: 1,
    ...overrides,
  });
  const deliver = (payload: WorkspaceSnapshot): Promise<ApplyWorkspaceSnapshotReply> =>
    nats.request(applyWorkspaceSnapshotContract, payload, { instanceId: instance.config.INSTANCE_ID });
  const held = (id: string) =>
    withClient(instance.database.adminUrl, async (client) => {
      const { rows } = await client.query<{ name: string; config_version: number; settings: unknown }>(
        'SELECT name, config_version, settings FROM workspaces WHERE id = $1',
        [id],
      );
      return rows[0];
    });

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    replica = await startInstance(
      { ENCRYPTION_KEYS: FIXTURE_KEYS, NATS_NAMESPACE: instance.namespace },
      { database: instance.database },
    );
    nats = instance.app.get(NatsClient);
    // Every attempt to write a workspace row, even one that the version check turns into nothing.
    await withClient(instance.database.adminUrl, (client) =>
      client.query(`
        CREATE TABLE test_apply_attempts (workspace_id uuid, version int);
        CREATE FUNCTION test_apply_attempt() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
        BEGIN INSERT INTO test_apply_attempts VALUES (NEW.id, NEW.config_version); RETURN NEW; END $$;
        CREATE TRIGGER test_apply_attempt BEFORE INSERT ON workspaces
          FOR EACH ROW EXECUTE FUNCTION test_apply_attempt();`),
    );
  });

  afterAll(async () => {
    await replica?.close();
    await instance?.close();
  });

  it('applies a newer version and replies once it is committed', async () => {
    const first = snapshot({ settings: { a: 1 } });
    expect(await deliver(first)).toEqual({ workspaceId: first.workspaceId, appliedVersion: 1, applied: true });
    expect(await held(first.workspaceId)).toEqual({ name: 'Sync', config_version: 1, settings: { a: 1 } });

    const second = { ...first, name: 'Renamed', settings: { a: 2 }, version: 5 };
    expect(await deliver(second)).toEqual({ workspaceId: first.workspaceId, appliedVersion: 5, applied: true });
    expect(await held(first.workspaceId)).toEqual({ name: 'Renamed', config_version: 5, settings: { a: 2 } });
  });

  it('acknowledges an older or equal version with the version it holds, and changes nothing', async () => {
    const current = snapshot({ name: 'Current', version: 7 });
    await deliver(current);
    for (const version of [7, 6, 1]) {
      const reply = await deliver({ ...current, name: `Stale ${version}`, version });
      expect(reply).toEqual({ workspaceId: current.workspaceId, appliedVersion: 7, applied: false });
    }
    expect(await held(current.workspaceId)).toMatchObject({ name: 'Current', config_version: 7 });
  });

  it('never goes back a version when deliveries race, whichever arrives last', async () => {
    const base = snapshot();
    const versions = Array.from({ length: 30 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    const replies = await Promise.all(versions.map((version) => deliver({ ...base, name: `v${version}`, version })));
    expect(replies.every((reply) => reply.appliedVersion >= 1)).toBe(true);
    expect(await held(base.workspaceId)).toMatchObject({ name: 'v30', config_version: 30 });
  });

  it('refuses a snapshot that breaks the contract with an error reply, and applies nothing', async () => {
    const bad = snapshot({ version: 0 });
    await expect(deliver(bad)).rejects.toThrow(NatsRequestFailed);
    await expect(deliver({ ...snapshot(), name: '' })).rejects.toThrow(/name/);
    expect(await held(bad.workspaceId)).toBeUndefined();
  });

  it('reaches one replica per delivery: the replicas of an instance share a queue group', async () => {
    const workspaces = Array.from({ length: 20 }, () => snapshot());
    for (const workspace of workspaces) await deliver(workspace);
    const attempts = await withClient(instance.database.adminUrl, async (client) => {
      const { rows } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM test_apply_attempts WHERE workspace_id = ANY($1::uuid[])',
        [workspaces.map((workspace) => workspace.workspaceId)],
      );
      return rows[0].n;
    });
    expect(attempts).toBe(20);
  });
});
