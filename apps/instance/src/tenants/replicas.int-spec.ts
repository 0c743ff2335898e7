import { waitFor } from '@switchboard/testing';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';

/** Two replicas of one instance: one database, one NATS queue group. */
describe('replicas of one instance', () => {
  let first: InstanceHarness;
  let second: InstanceHarness;
  let workspace: WorkspaceFixture;

  beforeAll(async () => {
    first = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    second = await startInstance(
      { ENCRYPTION_KEYS: FIXTURE_KEYS, NATS_NAMESPACE: first.namespace },
      { database: first.database },
    );
    workspace = await seedWorkspace(first, { settings: { limits: { tenantRequestsPerSecond: 6 } } });
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('an archive on one replica refuses the tenant on the other at once', async () => {
    const token = workspace.tenantToken('shared');
    const tenant = await json(await second.request('GET', '/self', { token }));
    expect((await second.request('GET', '/self', { token })).status).toBe(200); // now cached on the second replica
    expect((await first.request('DELETE', `/tenants/${tenant.id}`, { token: workspace.adminToken() })).status).toBe(
      200,
    );
    await waitFor(async () => ((await second.request('GET', '/self', { token })).status === 403 ? true : undefined), {
      timeoutMs: 1000,
      what: 'the second replica to refuse the archived tenant',
    });
  });

  it('counts one tenant request rate across both replicas', async () => {
    const token = workspace.tenantToken('busy-across');
    await first.request('GET', '/self', { token });
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
    const responses = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? first : second).request('GET', '/self', { token })),
    );
    expect(responses.filter((response) => response.status === 200).length).toBeLessThanOrEqual(6);
    expect(responses.filter((response) => response.status === 429).length).toBeGreaterThanOrEqual(10);
  });
});
