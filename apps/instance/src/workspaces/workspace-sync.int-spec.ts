import { randomBytes, randomUUID } from 'node:crypto';

import {
  applyWorkspaceSnapshotContract,
  type ApplyWorkspaceSnapshotReply,
  type SignedWorkspaceSnapshot,
  type WorkspaceSnapshot,
} from '@switchboard/contracts';
import { canonicalDigest, generateSigningKeyPair, Keyring } from '@switchboard/crypto';
import { withClient } from '@switchboard/persistence';
import { NatsClient, NatsErrorReply, NatsRequestFailed } from '@switchboard/server';
import { signSnapshotForTest } from '@switchboard/testing';

import { type InstanceHarness, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS } from '../../test/workspace-fixture.js';
import { WorkspaceSyncService } from './workspace-sync.service.js';

/** Snapshots delivered over NATS as the Hub delivers them, to two replicas of one instance. */
describe('applying workspace snapshots', () => {
  let instance: InstanceHarness;
  let replica: InstanceHarness;
  let nats: NatsClient;

  const keyring = Keyring.parse(FIXTURE_KEYS);
  const snapshot = (overrides: Partial<WorkspaceSnapshot> = {}): WorkspaceSnapshot => ({
    workspaceId: randomUUID(),
    orgId: randomUUID(),
    key: `ws-${randomBytes(6).toString('hex')}`,
    name: 'Sync',
    settings: {},
    webhookUri: null,
    publicKeys: [],
    sealedSecret: keyring.encrypt('sbws_sync-secret'),
    previousSecrets: [],
    archivedAt: null,
    version: 1,
    ...overrides,
  });
  /** Sends a payload as is: signed or forged. */
  const send = (payload: SignedWorkspaceSnapshot): Promise<ApplyWorkspaceSnapshotReply> =>
    nats.request(applyWorkspaceSnapshotContract, payload, { instanceId: instance.config.INSTANCE_ID });
  /** Signed as the Hub signs it. */
  const deliver = (payload: WorkspaceSnapshot): Promise<ApplyWorkspaceSnapshotReply> =>
    send(signSnapshotForTest(instance.config.INSTANCE_ID, payload));
  const reply = (payload: WorkspaceSnapshot, appliedVersion: number, applied: boolean) => ({
    workspaceId: payload.workspaceId,
    appliedVersion,
    digest: canonicalDigest(payload),
    applied,
  });
  /** Every row of the instance's workspaces table, to show that a refusal changed nothing. */
  const allRows = () =>
    withClient(instance.database.adminUrl, async (client) => {
      const { rows } = await client.query('SELECT * FROM workspaces ORDER BY id');
      return rows;
    });
  const held = (id: string) =>
    withClient(instance.database.adminUrl, async (client) => {
      const { rows } = await client.query<{ name: string; config_version: number; settings: unknown }>(
        'SELECT name, config_version, settings FROM workspaces WHERE id = $1',
        [id],
      );
      return rows[0];
    });

  const attempts = () =>
    withClient(instance.database.adminUrl, async (client) => {
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM test_apply_attempts');
      return rows[0]!.n;
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
    expect(await deliver(first)).toEqual(reply(first, 1, true));
    expect(await held(first.workspaceId)).toEqual({ name: 'Sync', config_version: 1, settings: { a: 1 } });

    const second = { ...first, name: 'Renamed', settings: { a: 2 }, version: 5 };
    expect(await deliver(second)).toEqual(reply(second, 5, true));
    expect(await held(first.workspaceId)).toEqual({ name: 'Renamed', config_version: 5, settings: { a: 2 } });
  });

  it('acknowledges an older or equal version with the version it holds, and changes nothing', async () => {
    const current = snapshot({ name: 'Current', version: 7 });
    await deliver(current);
    expect(await deliver(current)).toEqual(reply(current, 7, false));
    for (const version of [6, 1]) {
      // The reply names what it holds: version 7 and its digest.
      expect(await deliver({ ...current, name: `Stale ${version}`, version })).toEqual(reply(current, 7, false));
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

  it('refuses a forged snapshot: unsigned, signed with another key, altered after signing, or for another instance', async () => {
    const instanceId = instance.config.INSTANCE_ID;
    const current = snapshot({ name: 'Genuine', version: 3 });
    await deliver(current);
    const before = await allRows();
    const attemptsBefore = await attempts();
    const attacker = generateSigningKeyPair();
    const takeover = { ...current, publicKeys: ['-----BEGIN PUBLIC KEY-----attacker'], name: 'Taken', version: 99 };
    const signed = signSnapshotForTest(instanceId, takeover);
    const forgeries: [string, unknown, RegExp][] = [
      ['unsigned', { snapshot: takeover }, /signature/],
      ['signed with an empty signature', { snapshot: takeover, signature: 'AA==' }, /snapshot_signature_invalid/],
      ['signed with another key', signSnapshotForTest(instanceId, takeover, attacker.signingKey), /HUB_PUBLIC_KEY/],
      ['altered after signing', { ...signSnapshotForTest(instanceId, current), snapshot: takeover }, /altered/],
      ['signed for another instance', signSnapshotForTest('instance-other', takeover), /snapshot_signature_invalid/],
      ['a new workspace signed by another key', signSnapshotForTest(instanceId, snapshot(), attacker.signingKey), /./],
    ];
    for (const [, forged, message] of forgeries) {
      const refusal = await send(forged as SignedWorkspaceSnapshot).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(NatsErrorReply);
      expect(String((refusal as Error).message)).toMatch(message);
    }
    const typed = (await send(signSnapshotForTest(instanceId, takeover, attacker.signingKey)).catch(
      (error: unknown) => error,
    )) as NatsErrorReply;
    expect(typed.code).toBe('snapshot_signature_invalid');
    expect(typed.reason).toContain(instanceId);
    // Nothing changed, not even an attempted write.
    expect(await allRows()).toEqual(before);
    expect(await attempts()).toBe(attemptsBefore);
    // The genuine one still applies.
    expect((await send(signed)).applied).toBe(true);
  });

  it('refuses a snapshot it cannot decrypt, naming itself and the key, and applies nothing', async () => {
    const stranger = Keyring.parse(Keyring.generateKeySpec('v3'));
    const before = await allRows();
    const unreadable = snapshot({ sealedSecret: stranger.encrypt('sbws_x') });
    const refusal = (await deliver(unreadable).catch((error: unknown) => error)) as NatsErrorReply;
    expect(refusal).toBeInstanceOf(NatsErrorReply);
    expect(refusal.code).toBe('keyring_mismatch');
    expect(refusal.reason).toMatch(/^instance-test cannot decrypt with its keys \(key v3 unknown\)/);
    // A live previous secret counts too; an expired one is never used, so it does not.
    const withPrevious = snapshot({
      previousSecrets: [
        { sealedSecret: stranger.encrypt('old'), expiresAt: new Date(Date.now() + 60_000).toISOString() },
      ],
    });
    await expect(deliver(withPrevious)).rejects.toThrow(/keyring_mismatch/);
    expect(await allRows()).toEqual(before);
    const expired = snapshot({
      previousSecrets: [
        { sealedSecret: stranger.encrypt('old'), expiresAt: new Date(Date.now() - 1000).toISOString() },
      ],
    });
    expect((await deliver(expired)).applied).toBe(true);
  });

  it('applies the same version again when its digest differs from what it holds, and heals drift', async () => {
    const current = snapshot({ name: 'Held', settings: { b: [1, 2] }, version: 4 });
    await deliver(current);
    const sync = instance.app.get(WorkspaceSyncService);
    const heldOf = async () =>
      (await sync.heldWorkspaces(null, 1000)).find((entry) => entry.workspaceId === current.workspaceId);
    expect(await heldOf()).toEqual({ workspaceId: current.workspaceId, version: 4, digest: canonicalDigest(current) });
    // Changed behind the Hub's back, by the owner role.
    await withClient(instance.database.migrationUrl, (client) =>
      client.query(`UPDATE workspaces SET name = 'Tampered', public_keys = '["x"]' WHERE id = $1`, [
        current.workspaceId,
      ]),
    );
    const drifted = await heldOf();
    expect(drifted!.version).toBe(4);
    expect(drifted!.digest).not.toBe(canonicalDigest(current));
    // The same signed version heals it; sent again, it is acknowledged and ignored.
    expect(await deliver(current)).toEqual(reply(current, 4, true));
    expect(await held(current.workspaceId)).toMatchObject({ name: 'Held', config_version: 4 });
    expect(await heldOf()).toEqual({ workspaceId: current.workspaceId, version: 4, digest: canonicalDigest(current) });
    expect(await deliver(current)).toEqual(reply(current, 4, false));
  });

  it('reaches one replica per delivery: the replicas of an instance share a queue group', async () => {
    const workspaces = Array.from({ length: 20 }, () => snapshot());
    for (const workspace of workspaces) await deliver(workspace);
    const applied = await withClient(instance.database.adminUrl, async (client) => {
      const { rows } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM test_apply_attempts WHERE workspace_id = ANY($1::uuid[])',
        [workspaces.map((workspace) => workspace.workspaceId)],
      );
      return rows[0]!.n;
    });
    expect(applied).toBe(20);
  });
});
