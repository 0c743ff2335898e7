import { HubFixtures, json } from '../../test/hub-fixtures.js';
import { type HubHarness, startHub } from '../../test/hub-harness.js';

/**
 * A drain the Hub refuses changes nothing: the instance keeps taking new workspaces as it did. A refused
 * drain used to leave it closed to them (acceptsNewWorkspaces false, no drain shown), which a 409 does not
 * tell the operator (found by the attacker).
 */
describe('a refused drain', () => {
  let hub: HubHarness;
  let fixtures: HubFixtures;

  beforeAll(async () => {
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '600000' });
    fixtures = new HubFixtures(hub);
  });

  afterAll(async () => {
    await fixtures?.quiesceRelay();
    await hub?.close();
  });

  const acceptsNew = async (id: string): Promise<boolean> => {
    const listed = await fixtures.ok('GET', '/instances?limit=1000', hub.adminToken);
    const instance = (listed.items as { id: string; acceptsNewWorkspaces: boolean }[]).find((i) => i.id === id);
    if (!instance) throw new Error(`instance ${id} is not listed`);
    return instance.acceptsNewWorkspaces;
  };

  it('leaves the instance taking new workspaces when no instance is at its schema level, or none is open', async () => {
    await fixtures.sql('DELETE FROM instances');
    await fixtures.registerInstance('drained');
    await fixtures.registerInstance('elsewhere');
    const owner = await fixtures.user('drain-owner');
    const { id: orgId } = await fixtures.ok('POST', '/orgs', owner.token, { name: 'Drain' });
    await fixtures.ok('POST', '/org-workspaces', owner.token, { orgId, name: 'D', instanceId: 'drained' });

    // The only other instance is at another schema level: 409 instance_schema_mismatch, nothing changed.
    await fixtures.sql("UPDATE instances SET schema_level = 'Other1700000000001' WHERE id = 'elsewhere'");
    const mismatch = await fixtures.call('POST', '/instances/drained/drain', hub.adminToken);
    expect(mismatch.status).toBe(409);
    expect(await json(mismatch)).toMatchObject({ code: 'instance_schema_mismatch' });
    expect(await acceptsNew('drained')).toBe(true);

    // The only other instance takes no new workspaces: 409 no_instance_available, nothing changed.
    await fixtures.sql(
      "UPDATE instances SET schema_level = (SELECT schema_level FROM instances WHERE id = 'drained'), " +
        "accepts_new_workspaces = false WHERE id = 'elsewhere'",
    );
    const none = await fixtures.call('POST', '/instances/drained/drain', hub.adminToken);
    expect(none.status).toBe(409);
    expect(await json(none)).toMatchObject({ code: 'no_instance_available' });
    expect(await acceptsNew('drained')).toBe(true);

    // An instance already closed to new workspaces stays closed after a refused drain.
    await fixtures.sql("UPDATE instances SET accepts_new_workspaces = false WHERE id = 'drained'");
    expect((await fixtures.call('POST', '/instances/drained/drain', hub.adminToken)).status).toBe(409);
    expect(await acceptsNew('drained')).toBe(false);

    // A drain that starts closes it, as before.
    await fixtures.sql("UPDATE instances SET accepts_new_workspaces = true WHERE id IN ('drained', 'elsewhere')");
    const started = await fixtures.call('POST', '/instances/drained/drain', hub.adminToken);
    expect(started.status).toBe(202);
    expect(await json(started)).toEqual({ instanceId: 'drained', started: 1 });
    expect(await acceptsNew('drained')).toBe(false);
  }, 60_000);

  it('is over once the instance takes new workspaces again: a workspace placed there later is not left by a drain', async () => {
    await fixtures.registerInstance('reopened');
    await fixtures.registerInstance('emptied-into');
    const owner = await fixtures.user('reopen-owner');
    const { id: orgId } = await fixtures.ok('POST', '/orgs', owner.token, { name: 'Reopened' });
    const moved = await fixtures.ok('POST', '/org-workspaces', owner.token, {
      orgId,
      name: 'M',
      instanceId: 'reopened',
    });
    // A drain that finished long ago: its one move is done, and the workspace is elsewhere.
    await fixtures.sql(
      `INSERT INTO workspace_moves (org_workspace_id, from_instance_id, to_instance_id, state, drain)
       VALUES ($1, 'reopened', 'emptied-into', 'done', true)`,
      [moved.id],
    );
    await fixtures.sql("UPDATE org_workspaces SET instance_id = 'emptied-into' WHERE id = $1", [moved.id]);
    await fixtures.sql("UPDATE instances SET accepts_new_workspaces = false WHERE id = 'reopened'");
    const drainOf = async (id: string) => {
      const listed = await fixtures.ok('GET', '/instances?limit=1000', hub.adminToken);
      return (listed.items as { id: string; drain: unknown }[]).find((i) => i.id === id)?.drain;
    };
    expect(await drainOf('reopened')).toEqual({ state: 'drained', remaining: 0 });

    // Still closed, a workspace a platform admin places there is one the drain left: stalled, as before.
    const platformAdmin = await fixtures.user('reopen-admin', true);
    await fixtures.ok('POST', `/orgs/${orgId}/members`, owner.token, { userId: platformAdmin.id, role: 'admin' });
    await fixtures.ok('POST', '/org-workspaces', platformAdmin.token, { orgId, name: 'N', instanceId: 'reopened' });
    expect(await drainOf('reopened')).toEqual({ state: 'stalled', remaining: 1 });

    // Opened again by an operator: no drain is shown any more, whatever it holds (it showed `stalled` for ever).
    await fixtures.ok('PATCH', '/instances/reopened', hub.adminToken, { acceptsNewWorkspaces: true });
    expect(await drainOf('reopened')).toBeNull();
    await fixtures.ok('POST', '/org-workspaces', owner.token, { orgId, name: 'O', instanceId: 'reopened' });
    expect(await drainOf('reopened')).toBeNull();
  }, 60_000);

  it('is refused while a workspace is moving onto the instance, which would land there after the drain', async () => {
    await fixtures.registerInstance('incoming-source');
    await fixtures.registerInstance('incoming-target');
    await fixtures.registerInstance('incoming-other');
    const owner = await fixtures.user('incoming-owner');
    const { id: orgId } = await fixtures.ok('POST', '/orgs', owner.token, { name: 'Incoming' });
    const arriving = await fixtures.ok('POST', '/org-workspaces', owner.token, {
      orgId,
      name: 'A',
      instanceId: 'incoming-source',
    });
    await fixtures.ok('POST', '/org-workspaces', owner.token, { orgId, name: 'S', instanceId: 'incoming-target' });
    // A move onto the instance, running (held back from the worker: these instances never answer).
    await fixtures.sql(
      `INSERT INTO workspace_moves (org_workspace_id, from_instance_id, to_instance_id, state, next_attempt_at)
       VALUES ($1, 'incoming-source', 'incoming-target', 'copying', now() + interval '1 hour')`,
      [arriving.id],
    );

    const refused = await fixtures.call('POST', '/instances/incoming-target/drain', hub.adminToken);
    expect(refused.status).toBe(409);
    const problem = await json(refused);
    expect(problem).toMatchObject({ code: 'conflict' });
    expect(problem.detail).toContain('moving onto instance incoming-target');
    expect(await acceptsNew('incoming-target')).toBe(true);

    // Once that move has ended, the drain goes ahead.
    await fixtures.sql("UPDATE workspace_moves SET state = 'aborted' WHERE org_workspace_id = $1", [arriving.id]);
    const started = await fixtures.call('POST', '/instances/incoming-target/drain', hub.adminToken);
    expect(started.status).toBe(202);
    expect(await json(started)).toEqual({ instanceId: 'incoming-target', started: 1 });
  }, 60_000);
});
