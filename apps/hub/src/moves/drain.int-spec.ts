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
});
