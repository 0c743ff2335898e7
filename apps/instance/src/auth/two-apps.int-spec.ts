import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';

/**
 * Two instance apps in one process, each with its own database and
 * workspaces: each checks tokens with its own WorkspaceJwtStrategy, though
 * passport's strategy registry is process-wide (each strategy registers under
 * a name of its own, which its guard names). Every token here is fresh, so
 * passport — not the guard's memory of verified tokens — decides it; under one
 * shared name the app started last answered for both, and app A refused its
 * own workspace's tokens.
 */
describe('two instance apps in one process', () => {
  let a: InstanceHarness;
  let b: InstanceHarness;
  let onA: WorkspaceFixture;
  let onB: WorkspaceFixture;
  let tenantCount = 0;
  /** A tenant token never sent before, so no app remembers it. */
  const freshTenantToken = (workspace: WorkspaceFixture) => workspace.tenantToken(`tenant-${++tenantCount}`);

  beforeAll(async () => {
    a = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS, INSTANCE_ID: 'two-apps-a' });
    b = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS, INSTANCE_ID: 'two-apps-b' });
    onA = await seedWorkspace(a);
    onB = await seedWorkspace(b);
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("each app accepts its own workspace's tokens and refuses the other's", async () => {
    const tokenOfA = freshTenantToken(onA);
    const tokenOfB = freshTenantToken(onB);

    const aOwn = await a.request('GET', '/self', { token: tokenOfA });
    expect(aOwn.status).toBe(200);
    expect((await json(aOwn)).internalId).toBe(`tenant-1`);
    const bForeign = await b.request('GET', '/self', { token: freshTenantToken(onA) });
    expect(bForeign.status).toBe(401);
    expect(bForeign.headers.get('content-type')).toContain('application/problem+json');
    expect((await json(bForeign)).code).toBe('unknown_workspace');

    const bOwn = await b.request('GET', '/self', { token: tokenOfB });
    expect(bOwn.status).toBe(200);
    const aForeign = await a.request('GET', '/self', { token: freshTenantToken(onB) });
    expect(aForeign.status).toBe(401);
    expect((await json(aForeign)).code).toBe('unknown_workspace');

    // Admin tokens, fresh too: the same on both sides.
    expect((await a.request('GET', '/tenants', { token: onA.adminToken() })).status).toBe(200);
    expect((await b.request('GET', '/tenants', { token: onA.adminToken() })).status).toBe(401);
    expect((await b.request('GET', '/tenants', { token: onB.adminToken() })).status).toBe(200);
    expect((await a.request('GET', '/tenants', { token: onB.adminToken() })).status).toBe(401);

    // A token an app accepted stays the other app's stranger (each app remembers only its own verdicts).
    expect((await b.request('GET', '/self', { token: tokenOfA })).status).toBe(401);
    expect((await a.request('GET', '/self', { token: tokenOfA })).status).toBe(200);
  });

  it('an app closed in the same process leaves the other checking its own tokens', async () => {
    const other = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS, INSTANCE_ID: 'two-apps-c' });
    const onOther = await seedWorkspace(other);
    expect((await other.request('GET', '/self', { token: freshTenantToken(onOther) })).status).toBe(200);
    await other.close();
    expect((await a.request('GET', '/self', { token: freshTenantToken(onA) })).status).toBe(200);
    expect((await b.request('GET', '/self', { token: freshTenantToken(onB) })).status).toBe(200);
    expect((await a.request('GET', '/self', { token: freshTenantToken(onOther) })).status).toBe(401);
  });
});
